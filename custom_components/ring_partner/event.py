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
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import Device, MotionSubtype, WebhookEvent, WebhookEventType
from .coordinator import RingPartnerConfigEntry, RingPartnerDataUpdateCoordinator
from .entity import async_add_device_entities
from .push import RingPartnerPushEntity, async_is_doorbell, signal_doorbell_found

PARALLEL_UPDATES = 0

# Ring's motion subtypes (§6.5) as event types; "motion" covers motion, other_motion and
# anything new or missing (the history fallback has no subtype, §5).
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
    """Return the common attributes plus Ring's raw subtype."""
    return {
        **_event_attributes(event),
        "subtype": event.motion_subtype.value if event.motion_subtype else None,
    }


@dataclass(frozen=True, kw_only=True)
class RingPartnerEventEntityDescription(EventEntityDescription):
    """Describe a Ring event entity and the webhook that fires it."""

    webhook_type: WebhookEventType
    event_type_fn: Callable[[WebhookEvent], str]
    attr_fn: Callable[[WebhookEvent], dict[str, Any]] = _event_attributes
    exists_fn: Callable[[Device], bool] = lambda _: True
    doorbell: bool = False


EVENTS: tuple[RingPartnerEventEntityDescription, ...] = (
    RingPartnerEventEntityDescription(
        key="doorbell",
        translation_key="doorbell",
        device_class=EventDeviceClass.DOORBELL,
        event_types=[DoorbellEventType.RING],
        webhook_type=WebhookEventType.BUTTON_PRESS,
        event_type_fn=lambda _: DoorbellEventType.RING,
        doorbell=True,
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
    coordinator = entry.runtime_data.coordinator

    def _entities(device: Device) -> list[RingPartnerEventEntity]:
        return [
            RingPartnerEventEntity(coordinator, device.id, description)
            for description in EVENTS
            if (
                async_is_doorbell(hass, entry, device)
                if description.doorbell
                else description.exists_fn(device)
            )
        ]

    async_add_device_entities(entry, async_add_entities, _entities)

    @callback
    def _doorbell_found(device_id: str, event: WebhookEvent) -> None:
        async_add_entities(
            RingPartnerEventEntity(coordinator, device_id, description, event)
            for description in EVENTS
            if description.doorbell
        )

    entry.async_on_unload(
        async_dispatcher_connect(
            hass, signal_doorbell_found(entry.entry_id), _doorbell_found
        )
    )


class RingPartnerEventEntity(RingPartnerPushEntity, EventEntity):
    """A doorbell or motion event entity of a Ring device."""

    entity_description: RingPartnerEventEntityDescription

    def __init__(
        self,
        coordinator: RingPartnerDataUpdateCoordinator,
        device_id: str,
        description: RingPartnerEventEntityDescription,
        initial_event: WebhookEvent | None = None,
    ) -> None:
        """Initialize the event entity."""
        super().__init__(
            coordinator,
            device_id,
            description.key,
            description.webhook_type,
            initial_event,
        )
        self.entity_description = description

    @override
    @callback
    def _async_handle_event(self, event: WebhookEvent) -> None:
        """Fire the event and write the state (triggering alone does not)."""
        description = self.entity_description
        self._trigger_event(
            description.event_type_fn(event), description.attr_fn(event)
        )
        self.async_write_ha_state()
