"""Sensors for Ring devices: Early Access temperature, humidity and battery readings.

Readings come from `device-status` at each poll and from threshold webhooks at once
(docs/webhooks.md#sensor-events); the shapes are unverified (docs/ambiguities.md#sensor-schemas).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import Device, SensorType
from .coordinator import RingPartnerConfigEntry
from .entity import (
    RingPartnerEntity,
    RingPartnerEntityDescription,
    async_add_entities_for,
)

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class RingPartnerSensorEntityDescription(
    SensorEntityDescription, RingPartnerEntityDescription
):
    """Describe a Ring Partner sensor read from the device's status."""

    value_fn: Callable[[Device], float | None]


SENSORS: tuple[RingPartnerSensorEntityDescription, ...] = (
    RingPartnerSensorEntityDescription(
        key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        suggested_display_precision=1,
        value_fn=lambda device: device.status.temperature if device.status else None,
        exists_fn=lambda device: SensorType.TEMPERATURE in device.sensor_types,
    ),
    RingPartnerSensorEntityDescription(
        key="humidity",
        device_class=SensorDeviceClass.HUMIDITY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        value_fn=lambda device: device.status.humidity if device.status else None,
        exists_fn=lambda device: SensorType.HUMIDITY in device.sensor_types,
    ),
    # Only sensors report a level; cameras have no battery reading at all
    # (docs/ambiguities.md#power-source-and-live-view-cap), and 255 means mains power.
    RingPartnerSensorEntityDescription(
        key="battery",
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda device: (
            device.status.battery_percentage if device.status else None
        ),
        exists_fn=lambda device: bool(
            device.status and device.status.battery_percentage is not None
        ),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RingPartnerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up sensors for every device that reports readings, now and as devices appear."""
    async_add_entities_for(entry, async_add_entities, SENSORS, RingPartnerSensorEntity)


class RingPartnerSensorEntity(RingPartnerEntity, SensorEntity):
    """A reading from the polled (or pushed) device status."""

    entity_description: RingPartnerSensorEntityDescription

    @property
    @override
    def available(self) -> bool:
        """Return False while the device is offline: its last reading is stale."""
        status = self.device.status if super().available else None
        return status is not None and status.online is not False

    @property
    @override
    def native_value(self) -> float | None:
        """Return the reading."""
        return self.entity_description.value_fn(self.device)
