"""Buttons for Ring devices: play a chime's app sounds (Early Access).

A chime holds a few slots the app may fill with its own sounds, outside the API; playback
names one of them (docs/media.md#chime-playback). One button per slot, in slot order.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import ChimeSlot, Device
from .coordinator import RingPartnerConfigEntry
from .entity import (
    RingPartnerEntity,
    RingPartnerEntityDescription,
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


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RingPartnerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up a button per chime slot, now and as chimes appear."""
    async_add_entities_for(
        entry, async_add_entities, CHIME_BUTTONS, RingPartnerChimeButton
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
