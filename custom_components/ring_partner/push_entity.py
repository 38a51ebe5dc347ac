"""Entities that Ring's webhooks drive: their base class, descriptions and setup."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import Device, WebhookEvent, WebhookEventType
from .const import signal_device_event
from .coordinator import RingPartnerConfigEntry, RingPartnerDataUpdateCoordinator
from .entity import RingPartnerEntity, async_add_device_entities
from .push import async_is_doorbell, signal_doorbell_found


@dataclass(frozen=True, kw_only=True)
class RingPartnerPushEntityDescription(EntityDescription):
    """Describe an entity that one kind of webhook event of its device drives."""

    webhook_type: WebhookEventType
    exists_fn: Callable[[Device], bool] = lambda _: True
    # Doorbell entities exist where `async_is_doorbell` says so, not by `exists_fn`.
    doorbell: bool = False


class RingPartnerPushEntity(RingPartnerEntity):
    """An entity that reacts to one kind of webhook event of its device."""

    entity_description: RingPartnerPushEntityDescription

    def __init__(
        self,
        coordinator: RingPartnerDataUpdateCoordinator,
        device_id: str,
        description: RingPartnerPushEntityDescription,
        initial_event: WebhookEvent | None = None,
    ) -> None:
        """Initialize; `initial_event` is the button press that revealed a doorbell."""
        super().__init__(coordinator, device_id, description.key)
        self.entity_description = description
        self._initial_event = initial_event

    @override
    async def async_added_to_hass(self) -> None:
        """Listen for the device's webhook events."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_device_event(self.device_id), self._async_dispatch
            )
        )
        if (event := self._initial_event) is not None:
            self._initial_event = None
            self._async_dispatch(event)

    @callback
    def _async_dispatch(self, event: WebhookEvent) -> None:
        """Pass on the events this entity is about."""
        if event.event_type is self.entity_description.webhook_type:
            self._async_handle_event(event)

    @callback
    def _async_handle_event(self, event: WebhookEvent) -> None:
        """Apply an event (implemented by each platform)."""
        raise NotImplementedError


@callback
def async_add_push_entities[D: RingPartnerPushEntityDescription](
    hass: HomeAssistant,
    entry: RingPartnerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: tuple[D, ...],
    entity_class: Callable[
        [RingPartnerDataUpdateCoordinator, str, D, WebhookEvent | None], Entity
    ],
    *,
    polled_entities: Callable[[Device], list[Entity]] | None = None,
) -> None:
    """Add push entities for every device, now, as devices appear and as buttons reveal doorbells.

    `polled_entities` adds a platform's other entities of a device in the same batch.
    """
    coordinator = entry.runtime_data.coordinator

    def _entities(device: Device) -> list[Entity]:
        entities = polled_entities(device) if polled_entities is not None else []
        entities.extend(
            entity_class(coordinator, device.id, description, None)
            for description in descriptions
            if (
                async_is_doorbell(hass, entry, device)
                if description.doorbell
                else description.exists_fn(device)
            )
        )
        return entities

    async_add_device_entities(entry, async_add_entities, _entities)

    @callback
    def _doorbell_found(device_id: str, event: WebhookEvent) -> None:
        async_add_entities(
            entity_class(coordinator, device_id, description, event)
            for description in descriptions
            if description.doorbell
        )

    entry.async_on_unload(
        async_dispatcher_connect(
            hass, signal_doorbell_found(entry.entry_id), _doorbell_found
        )
    )
