"""Buttons of Ring devices."""

from dataclasses import dataclass
from typing import override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .capture import CaptureUnreadableError
from .const import DOMAIN
from .coordinator import RingPartnerConfigEntry, RingPartnerDataUpdateCoordinator
from .entity import (
    RingPartnerEntityDescription,
    RingPartnerSnapshotEntity,
    async_add_entities_for,
    ring_errors,
)

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class RingPartnerCaptureButtonEntityDescription(
    ButtonEntityDescription, RingPartnerEntityDescription
):
    """Describe the button that takes a fresh still from a short live view."""


CAPTURE_SNAPSHOT = RingPartnerCaptureButtonEntityDescription(
    key="capture_snapshot",
    translation_key="capture_snapshot",
    # Off the main view: each press opens a live view, which costs battery.
    entity_category=EntityCategory.CONFIG,
    exists_fn=lambda device: device.has_video,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RingPartnerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up a "Capture snapshot" button for every device with video."""
    async_add_entities_for(
        entry, async_add_entities, (CAPTURE_SNAPSHOT,), RingPartnerCaptureButton
    )


class RingPartnerCaptureButton(RingPartnerSnapshotEntity, ButtonEntity):
    """Take a fresh still now: a short live view, its first frame, closed at once.

    Never automatic. Disabled by default on battery devices (when Ring's capabilities say
    so), since every press wakes the camera (docs/media.md#capture-snapshot).
    """

    entity_description: RingPartnerCaptureButtonEntityDescription
    # An offline device is a clear error on press, not a button that silently does nothing.
    _unavailable_when_offline = False

    def __init__(
        self,
        *,
        coordinator: RingPartnerDataUpdateCoordinator,
        device_id: str,
        description: RingPartnerCaptureButtonEntityDescription,
    ) -> None:
        """Initialize the button of a camera."""
        super().__init__(
            coordinator=coordinator, device_id=device_id, description=description
        )
        capabilities = self.device.capabilities
        self._attr_entity_registry_enabled_default = not (
            capabilities is not None and capabilities.battery_status
        )

    @callback
    @override
    def _handle_new_image(self) -> None:
        """Ignore new stills: they change nothing about the button."""

    @override
    async def async_press(self) -> None:
        """Capture a still; the camera shows it (origin `live`) when this returns."""
        status = self.device.status
        if status is not None and status.online is False:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="device_offline"
            )
        try:
            await self._async_capture()
        except CaptureUnreadableError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="capture_unreadable"
            ) from err

    @ring_errors
    async def _async_capture(self) -> None:
        """Run the camera's one capture (shared with concurrent presses)."""
        await self._snapshots.async_capture()
