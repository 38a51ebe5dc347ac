"""Image entities for Ring cameras: the frame of the latest motion or ding event.

The event's time is the entity's state and is restored after a reload or restart; the frame
itself is then downloaded again for that time (docs/media.md#last-event-image).
"""

from dataclasses import dataclass
from typing import override

from homeassistant.components.image import ImageEntity, ImageEntityDescription
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity
from homeassistant.util import dt as dt_util

from .coordinator import RingPartnerConfigEntry, RingPartnerDataUpdateCoordinator
from .entity import (
    RingPartnerEntityDescription,
    RingPartnerSnapshotEntity,
    async_add_entities_for,
)
from .placeholder import async_placeholder

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class RingPartnerImageEntityDescription(
    ImageEntityDescription, RingPartnerEntityDescription
):
    """Describe a Ring Partner image entity."""


LAST_EVENT = RingPartnerImageEntityDescription(
    key="last_event",
    translation_key="last_event",
    exists_fn=lambda device: device.has_video,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RingPartnerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up a "Last event" image for every device with video."""
    async_add_entities_for(
        entry, async_add_entities, (LAST_EVENT,), RingPartnerLastEventImage
    )


class RingPartnerLastEventImage(RingPartnerSnapshotEntity, ImageEntity, RestoreEntity):
    """The frame Ring recorded at the latest motion or ding, for notifications."""

    def __init__(
        self,
        *,
        coordinator: RingPartnerDataUpdateCoordinator,
        device_id: str,
        description: RingPartnerImageEntityDescription,
    ) -> None:
        """Initialize the image of a device's latest event."""
        super().__init__(
            coordinator=coordinator, device_id=device_id, description=description
        )
        # CoordinatorEntity does not chain __init__, so ImageEntity needs its own call.
        ImageEntity.__init__(self, coordinator.hass)
        self._sync()

    @override
    async def async_added_to_hass(self) -> None:
        """Take back the last event's time, and with it a fresh download of its frame."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is None or last.state in (STATE_UNKNOWN, STATE_UNAVAILABLE):
            return
        if (when := dt_util.parse_datetime(last.state)) is None:
            return
        self._snapshots.async_restore_event(when)
        self._sync()

    @callback
    @override
    def _handle_new_image(self) -> None:
        """Write state when a newer event's frame arrived."""
        if self._snapshots.last_event_time != self._attr_image_last_updated:
            self._sync()
            self.async_write_ha_state()

    def _sync(self) -> None:
        """Copy the event time and content type of the latest event frame."""
        image = self._snapshots.last_event_image
        self._attr_image_last_updated = self._snapshots.last_event_time
        if image is not None:
            self._attr_content_type = image.content_type

    @override
    async def async_image(self) -> bytes | None:
        """Return the latest event's frame, or a placeholder while Ring has given none."""
        image = await self._snapshots.async_event_image()
        if image is not None:
            self._attr_content_type = image.content_type
            return image.content
        self._attr_content_type = "image/jpeg"
        return await async_placeholder(
            self.hass, self.device.name, "placeholder_no_event_image"
        )
