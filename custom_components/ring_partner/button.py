"""Buttons for Ring devices: play a chime's app sounds (Early Access); capture a still.

A chime holds a few slots the app may fill with its own sounds, outside the API; playback
names one of them (docs/media.md#chime-playback). One button per slot, in slot order.

Every camera gets "Capture snapshot": a fresh still from a short live view of its own
(docs/media.md#capture-snapshot).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .capture import CaptureUnreadableError
from .client import ChimeSlot, Device
from .const import DOMAIN
from .coordinator import RingPartnerConfigEntry, RingPartnerDataUpdateCoordinator
from .entity import (
    RingPartnerEntity,
    RingPartnerEntityDescription,
    RingPartnerSnapshotEntity,
    async_add_entities_for,
    ring_errors,
)

# Presses reach Ring one at a time.
PARALLEL_UPDATES = 1

# A Chime Pro has two slots; a few more are described in case other chimes have more.
MAX_CHIME_SLOTS: Final = 4


@dataclass(frozen=True, kw_only=True)
class RingPartnerChimeButtonEntityDescription(
    ButtonEntityDescription, RingPartnerEntityDescription
):
    """Describe the button that plays one chime slot (by its position, from 0)."""

    slot_index: int


def _has_slot(index: int) -> Callable[[Device], bool]:
    """Return the existence rule of the button for slot `index`."""

    def _exists(device: Device) -> bool:
        capabilities = device.capabilities
        return bool(
            capabilities is not None
            and capabilities.is_chime
            and len(device.chime_slots) > index
        )

    return _exists


CHIME_BUTTONS: tuple[RingPartnerChimeButtonEntityDescription, ...] = tuple(
    RingPartnerChimeButtonEntityDescription(
        key=f"chime_slot_{index + 1}",
        translation_key="chime_slot",
        translation_placeholders={"slot": str(index + 1)},
        slot_index=index,
        exists_fn=_has_slot(index),
    )
    for index in range(MAX_CHIME_SLOTS)
)


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
    """Set up a button per chime slot and a capture button per camera, as devices appear."""
    async_add_entities_for(
        entry, async_add_entities, CHIME_BUTTONS, RingPartnerChimeButton
    )
    async_add_entities_for(
        entry, async_add_entities, (CAPTURE_SNAPSHOT,), RingPartnerCaptureButton
    )


class RingPartnerChimeButton(RingPartnerEntity, ButtonEntity):
    """Play the sound in one of the app's chime slots."""

    entity_description: RingPartnerChimeButtonEntityDescription

    @property
    def _slot(self) -> ChimeSlot | None:
        """Return the slot this button plays, if the chime still has it."""
        slots = self.device.chime_slots
        index = self.entity_description.slot_index
        return slots[index] if index < len(slots) else None

    @property
    @override
    def available(self) -> bool:
        """Return True while the slot holds a sound and the chime is online."""
        if not super().available or (slot := self._slot) is None:
            return False
        status = self.device.status
        return slot.playable and not (status is not None and status.online is False)

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """Name the slot and the sound in it, as Ring's configuration says."""
        slot = self._slot
        return {
            "slot": slot.event if slot else None,
            "sound": slot.audio_name if slot else None,
        }

    @override
    @ring_errors
    async def async_press(self) -> None:
        """Play the slot's sound on the chime."""
        if (slot := self._slot) is not None:
            await self.coordinator.client.play_chime(self.device_id, slot)


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
