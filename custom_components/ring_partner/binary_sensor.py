"""Binary sensors for Ring devices."""

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import Device
from .coordinator import RingPartnerConfigEntry, RingPartnerDataUpdateCoordinator
from .entity import RingPartnerEntity, async_add_device_entities

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class RingPartnerBinarySensorEntityDescription(BinarySensorEntityDescription):
    """Describe a Ring Partner binary sensor polled from device data."""

    value_fn: Callable[[Device], bool | None]
    exists_fn: Callable[[Device], bool] = lambda _: True


BINARY_SENSORS: tuple[RingPartnerBinarySensorEntityDescription, ...] = (
    RingPartnerBinarySensorEntityDescription(
        key="online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda device: device.status.online if device.status else None,
        exists_fn=lambda device: device.status is not None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RingPartnerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up binary sensors for every device, now and as devices appear."""
    coordinator = entry.runtime_data.coordinator

    def _entities(device: Device) -> list[Entity]:
        return [
            RingPartnerBinarySensorEntity(coordinator, device.id, description)
            for description in BINARY_SENSORS
            if description.exists_fn(device)
        ]

    async_add_device_entities(entry, async_add_entities, _entities)


class RingPartnerBinarySensorEntity(RingPartnerEntity, BinarySensorEntity):
    """A binary sensor whose value comes from the polled (or pushed) device data."""

    entity_description: RingPartnerBinarySensorEntityDescription

    def __init__(
        self,
        coordinator: RingPartnerDataUpdateCoordinator,
        device_id: str,
        description: RingPartnerBinarySensorEntityDescription,
    ) -> None:
        """Initialize the binary sensor."""
        super().__init__(coordinator, device_id, description.key)
        self.entity_description = description

    @property
    def is_on(self) -> bool | None:
        """Return the sensor's value."""
        return self.entity_description.value_fn(self.device)
