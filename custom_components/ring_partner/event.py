"""Doorbell and motion events of Ring devices, fired from webhooks."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.event import (
    DoorbellEventType,
    EventDeviceClass,
    EventEntity,
    EventEntityDescription,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import DeviceKind, MotionSubtype, WebhookEvent, WebhookEventType
from .coordinator import RingPartnerConfigEntry
from .entity import (
    RingPartnerPushEntity,
    RingPartnerPushEntityDescription,
    async_add_entities_for,
)

PARALLEL_UPDATES = 0

# Ring's motion subtypes (docs/webhooks.md#motion-subtypes) as event types; "motion" covers
# motion, other_motion and anything new or missing (history has no subtype).
MOTION_EVENT_TYPES: dict[MotionSubtype, str] = {
    MotionSubtype.HUMAN: "person",
    MotionSubtype.VEHICLE: "vehicle",
    MotionSubtype.ANIMAL: "animal",
}
MOTION = "motion"


def _motion_event_type(event: WebhookEvent) -> str:
    """Return the motion event type for a subtype."""
    if event.motion_subtype is None:
        return MOTION
    return MOTION_EVENT_TYPES.get(event.motion_subtype, MOTION)


def _event_attributes(event: WebhookEvent) -> dict[str, Any]:
    """Return Ring's event id and time (the state is the time Home Assistant got it)."""
    return {
        "event_id": event.event_id,
        "event_time": event.timestamp.isoformat() if event.timestamp else None,
    }


def _motion_attributes(event: WebhookEvent) -> dict[str, Any]:
    """Return the common attributes, Ring's raw subtype and the lenses that saw it.

    A subtype this version does not know (`package`, ...) still fires `motion` and keeps
    its name (docs/webhooks.md#motion-subtypes); `component_ids` name the lenses of a
    multi-camera device (docs/media.md#multi-lens-devices).
    """
    return {
        **_event_attributes(event),
        "subtype": event.motion_subtype_name
        or (event.motion_subtype.value if event.motion_subtype else None),
        "component_ids": [str(component) for component in event.component_ids],
    }


@dataclass(frozen=True, kw_only=True)
class RingPartnerEventEntityDescription(
    EventEntityDescription, RingPartnerPushEntityDescription
):
    """Describe a Ring event entity and the webhook that fires it."""

    event_type_fn: Callable[[WebhookEvent], str]
    attr_fn: Callable[[WebhookEvent], dict[str, Any]] = _event_attributes


EVENTS: tuple[RingPartnerEventEntityDescription, ...] = (
    RingPartnerEventEntityDescription(
        key="doorbell",
        translation_key="doorbell",
        device_class=EventDeviceClass.DOORBELL,
        event_types=[DoorbellEventType.RING],
        webhook_type=WebhookEventType.BUTTON_PRESS,
        event_type_fn=lambda _: DoorbellEventType.RING,
        exists_fn=lambda device: device.kind is DeviceKind.DOORBELL,
    ),
    RingPartnerEventEntityDescription(
        key="motion",
        translation_key="motion",
        device_class=EventDeviceClass.MOTION,
        event_types=[MOTION, *MOTION_EVENT_TYPES.values()],
        webhook_type=WebhookEventType.MOTION_DETECTED,
        event_type_fn=_motion_event_type,
        attr_fn=_motion_attributes,
        exists_fn=lambda device: bool(
            device.capabilities and device.capabilities.motion_detection
        ),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RingPartnerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up event entities for every device, now, as devices appear and as buttons reveal doorbells."""
    async_add_entities_for(entry, async_add_entities, EVENTS, RingPartnerEventEntity)


class RingPartnerEventEntity(RingPartnerPushEntity, EventEntity):
    """A doorbell or motion event entity of a Ring device."""

    entity_description: RingPartnerEventEntityDescription

    @override
    @callback
    def _async_handle_event(self, event: WebhookEvent) -> None:
        """Fire the event and write the state (triggering alone does not)."""
        description = self.entity_description
        self._trigger_event(
            description.event_type_fn(event), description.attr_fn(event)
        )
        self.async_write_ha_state()
