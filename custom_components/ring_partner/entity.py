"""Base entity and entity plumbing for the Ring Partner integration."""

from collections.abc import Callable, Iterable
from typing import override

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .client import Device
from .const import DOMAIN
from .coordinator import RingPartnerConfigEntry, RingPartnerDataUpdateCoordinator
from .snapshot import CameraSnapshots, async_get_snapshots


def device_model(device: Device) -> str:
    """Name the kind of device; Ring has no model field, so infer it from what it can do."""
    capabilities = device.capabilities
    if capabilities is None:
        return "Ring device"
    if capabilities.has_video:
        # Ring returns a product image per model; doorbells are the cameras with a button.
        if device.image_url and "doorbell" in device.image_url.lower():
            return "Doorbell"
        return "Camera"
    if capabilities.is_chime:
        return "Chime"
    if capabilities.sensors:
        return "Sensor"
    return "Ring device"


class RingPartnerEntity(CoordinatorEntity[RingPartnerDataUpdateCoordinator]):
    """An entity that belongs to one Ring device."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: RingPartnerDataUpdateCoordinator, device_id: str, key: str
    ) -> None:
        """Initialize the entity for a device."""
        super().__init__(coordinator)
        self.device_id = device_id
        self._attr_unique_id = f"{device_id}_{key}"
        device = coordinator.data[device_id]
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, device_id)},
            manufacturer="Ring",
            model=device_model(device),
            name=device.name,
        )

    @property
    def device(self) -> Device:
        """Return the device's latest data."""
        return self.coordinator.data[self.device_id]

    @property
    def available(self) -> bool:
        """Return True while the last poll worked and the device is still shared."""
        return super().available and self.device_id in self.coordinator.data


class RingPartnerSnapshotEntity(RingPartnerEntity):
    """An entity that follows the frames of its device's still-image cache."""

    def __init__(
        self,
        coordinator: RingPartnerDataUpdateCoordinator,
        device_id: str,
        key: str,
        snapshots: CameraSnapshots,
    ) -> None:
        """Initialize the entity for a device and its still-image cache."""
        super().__init__(coordinator, device_id, key)
        self._snapshots = snapshots

    @override
    async def async_added_to_hass(self) -> None:
        """Listen for new frames while the entity exists."""
        await super().async_added_to_hass()
        self.async_on_remove(self._snapshots.async_add_listener(self._handle_new_image))

    @callback
    def _handle_new_image(self) -> None:
        """Apply a new frame (implemented by each platform)."""
        raise NotImplementedError


@callback
def async_add_device_entities(
    entry: RingPartnerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entities_for: Callable[[Device], Iterable[Entity]],
) -> None:
    """Add entities for every device now, and for devices that appear later."""
    coordinator = entry.runtime_data.coordinator
    known: set[str] = set()

    @callback
    def _add_new_devices() -> None:
        # Forget devices Ring stopped sharing (their registry entries are removed), so a
        # device shared again later gets its entities back.
        known.intersection_update(coordinator.data)
        new = [
            device
            for device_id, device in coordinator.data.items()
            if device_id not in known
        ]
        if not new:
            return
        known.update(device.id for device in new)
        async_add_entities(
            [entity for device in new for entity in entities_for(device)]
        )

    _add_new_devices()
    entry.async_on_unload(coordinator.async_add_listener(_add_new_devices))


@callback
def async_add_video_entities(
    hass: HomeAssistant,
    entry: RingPartnerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entity_for: Callable[
        [RingPartnerDataUpdateCoordinator, str, CameraSnapshots], Entity
    ],
) -> None:
    """Add an entity to every device with video, now and as devices appear.

    The entities of a device share its still-image cache.
    """
    coordinator = entry.runtime_data.coordinator

    def _entities(device: Device) -> list[Entity]:
        if device.capabilities is None or not device.capabilities.has_video:
            return []
        snapshots = async_get_snapshots(hass, entry, device.id)
        return [entity_for(coordinator, device.id, snapshots)]

    async_add_device_entities(entry, async_add_entities, _entities)
