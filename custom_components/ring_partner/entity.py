"""Base entities of the Ring Partner integration, and how they come and go with devices.

Every entity has a description; `exists_fn` on the device's typed data is the one rule for
whether it exists. `async_add_entities_for` adds each (device, description) pair the moment it
holds, at setup, when a device appears and when a camera turns out to be a doorbell.
"""

from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Concatenate, Protocol, override

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .client import (
    Device,
    RingPartnerAuthenticationError,
    RingPartnerError,
    WebhookEvent,
    WebhookEventType,
)
from .const import DOMAIN
from .coordinator import RingPartnerConfigEntry, RingPartnerDataUpdateCoordinator
from .errors import ha_error
from .snapshot import CameraSnapshots, async_get_snapshots

# Device registry model per kind (Ring has no model field: docs/ring-api.md#device-kinds).
MODELS = {
    "doorbell": "Doorbell",
    "camera": "Camera",
    "chime": "Chime",
    "sensor": "Sensor",
    "unknown": "Ring device",
}


@dataclass(frozen=True, kw_only=True)
class RingPartnerEntityDescription(EntityDescription):
    """Describe a Ring Partner entity: which devices have it."""

    exists_fn: Callable[[Device], bool] = lambda _: True


@dataclass(frozen=True, kw_only=True)
class RingPartnerPushEntityDescription(RingPartnerEntityDescription):
    """Describe an entity that one kind of its device's events drives."""

    webhook_type: WebhookEventType


class RingPartnerEntity(CoordinatorEntity[RingPartnerDataUpdateCoordinator]):
    """An entity that belongs to one Ring device."""

    _attr_has_entity_name = True
    entity_description: RingPartnerEntityDescription
    # Entities whose state means nothing while Ring reports the device offline (camera,
    # image, events, motion and ringing) say so by going unavailable; the connectivity
    # sensor and other read-outs stay available.
    _unavailable_when_offline = False

    def __init__(
        self,
        *,
        coordinator: RingPartnerDataUpdateCoordinator,
        device_id: str,
        description: RingPartnerEntityDescription,
    ) -> None:
        """Initialize the entity for a device."""
        super().__init__(coordinator)
        self.entity_description = description
        self.device_id = device_id
        self._attr_unique_id = f"{device_id}_{description.key}"
        device = coordinator.data[device_id]
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, device_id)},
            manufacturer="Ring",
            model=MODELS[device.kind],
            name=device.name,
        )

    @property
    def device(self) -> Device:
        """Return the device's latest data."""
        return self.coordinator.data[self.device_id]

    @property
    @override
    def available(self) -> bool:
        """Return True while the last poll worked and the device is still shared.

        Entities that depend on the device being reachable are also unavailable while Ring
        reports it offline.
        """
        if not super().available or self.device_id not in self.coordinator.data:
            return False
        if not self._unavailable_when_offline:
            return True
        status = self.device.status
        return status is None or status.online is not False


class RingPartnerDeviceEventsEntity(RingPartnerEntity):
    """An entity the account's hub tells of every event of its device, from added to removed."""

    _unavailable_when_offline = True

    @override
    async def async_added_to_hass(self) -> None:
        """Subscribe to the device's events."""
        await super().async_added_to_hass()
        push = self.coordinator.config_entry.runtime_data.push
        self.async_on_remove(push.async_subscribe(self.device_id, self._async_on_event))

    @callback
    def _async_on_event(self, event: WebhookEvent) -> None:
        """Apply one of the device's events (implemented by each entity type)."""
        raise NotImplementedError


class RingPartnerPushEntity(RingPartnerDeviceEventsEntity):
    """An entity that reacts to one kind of event of its device, from the account's hub."""

    entity_description: RingPartnerPushEntityDescription

    def __init__(
        self,
        *,
        coordinator: RingPartnerDataUpdateCoordinator,
        device_id: str,
        description: RingPartnerPushEntityDescription,
    ) -> None:
        """Initialize; a doorbell revealed by a button press starts with that press."""
        super().__init__(
            coordinator=coordinator, device_id=device_id, description=description
        )
        push = coordinator.config_entry.runtime_data.push
        self._initial_event = push.revealing_event(device_id)

    @override
    async def async_added_to_hass(self) -> None:
        """Subscribe to the device's events, then apply the press that revealed it."""
        await super().async_added_to_hass()
        if (event := self._initial_event) is not None:
            self._initial_event = None
            self._async_on_event(event)

    @override
    @callback
    def _async_on_event(self, event: WebhookEvent) -> None:
        """Pass on the events this entity is about."""
        if event.event_type is self.entity_description.webhook_type:
            self._async_handle_event(event)

    @callback
    def _async_handle_event(self, event: WebhookEvent) -> None:
        """Apply an event (implemented by each platform)."""
        raise NotImplementedError


class RingPartnerSnapshotEntity(RingPartnerEntity):
    """An entity that follows the frames of its device's still-image cache."""

    _unavailable_when_offline = True

    def __init__(
        self,
        *,
        coordinator: RingPartnerDataUpdateCoordinator,
        device_id: str,
        description: RingPartnerEntityDescription,
        component: str | None = None,
    ) -> None:
        """Initialize the entity for a device (or one lens) and its shared still cache."""
        super().__init__(
            coordinator=coordinator, device_id=device_id, description=description
        )
        self._snapshots: CameraSnapshots = async_get_snapshots(
            coordinator.hass, coordinator.config_entry, device_id, component
        )

    @override
    async def async_added_to_hass(self) -> None:
        """Listen for new frames while the entity exists."""
        await super().async_added_to_hass()
        self.async_on_remove(self._snapshots.async_add_listener(self._handle_new_image))

    @callback
    def _handle_new_image(self) -> None:
        """Apply a new frame (implemented by each platform)."""
        raise NotImplementedError


class EntityFactory[D: RingPartnerEntityDescription](Protocol):
    """An entity class of this integration: built from coordinator, device and description."""

    def __call__(
        self,
        *,
        coordinator: RingPartnerDataUpdateCoordinator,
        device_id: str,
        description: D,
    ) -> Entity:
        """Build the entity."""


@callback
def async_add_entities_for[D: RingPartnerEntityDescription](
    entry: RingPartnerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Iterable[D],
    entity_class: EntityFactory[D],
) -> None:
    """Add an entity for every device and description whose `exists_fn` holds, as it holds.

    Runs at setup and on every coordinator update: new devices, and doorbells revealed by a
    button press, get their entities at once. Devices Ring stopped sharing are forgotten (their
    registry entries are removed), so a device shared again gets its entities back.
    """
    coordinator = entry.runtime_data.coordinator
    descriptions = tuple(descriptions)
    added: set[tuple[str, str]] = set()

    @callback
    def _add_new() -> None:
        data = coordinator.data
        added.intersection_update(
            (device_id, key) for device_id, key in added if device_id in data
        )
        new: list[Entity] = []
        for device in data.values():
            for description in descriptions:
                pair = (device.id, description.key)
                if pair not in added and description.exists_fn(device):
                    added.add(pair)
                    new.append(
                        entity_class(
                            coordinator=coordinator,
                            device_id=device.id,
                            description=description,
                        )
                    )
        if new:
            async_add_entities(new)

    _add_new()
    entry.async_on_unload(coordinator.async_add_listener(_add_new))


def ring_errors[E: RingPartnerEntity, **P, R](
    func: Callable[Concatenate[E, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[E, P], Coroutine[Any, Any, R]]:
    """Translate the client errors of an entity call; rejected tokens reload the entry.

    The reload makes setup fail with ConfigEntryAuthFailed, which starts reauth.
    """

    @wraps(func)
    async def _wrapper(self: E, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await func(self, *args, **kwargs)
        except RingPartnerError as err:
            if isinstance(err, RingPartnerAuthenticationError):
                self.hass.config_entries.async_schedule_reload(
                    self.coordinator.config_entry.entry_id
                )
            raise ha_error(err) from err

    return _wrapper
