"""Sensors for Ring devices: Early Access temperature, humidity, air quality and battery.

Temperature, humidity and battery come from `device-status` at each poll and from threshold
webhooks at once (docs/webhooks.md#sensor-events). PM2.5 is in no status Ring shows, so its
reading comes only from the `pm25_*` webhooks and is kept (and restored) between them. The
shapes are unverified (docs/ambiguities.md#sensor-schemas).
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
import math
from typing import override

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    CONCENTRATION_MICROGRAMS_PER_CUBIC_METER,
    PERCENTAGE,
    EntityCategory,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import Device, SensorType, WebhookEvent
from .coordinator import RingPartnerConfigEntry
from .entity import (
    RingPartnerDeviceEventsEntity,
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


@dataclass(frozen=True, kw_only=True)
class RingPartnerWebhookSensorEntityDescription(
    SensorEntityDescription, RingPartnerEntityDescription
):
    """Describe a reading that only threshold webhooks carry (`measure` names it)."""

    measure: str


WEBHOOK_SENSORS: tuple[RingPartnerWebhookSensorEntityDescription, ...] = (
    RingPartnerWebhookSensorEntityDescription(
        key="pm25",
        device_class=SensorDeviceClass.PM25,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=CONCENTRATION_MICROGRAMS_PER_CUBIC_METER,
        suggested_display_precision=0,
        measure="pm25",
        exists_fn=lambda device: SensorType.PM25 in device.sensor_types,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RingPartnerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up sensors for every device that reports readings, now and as devices appear."""
    async_add_entities_for(entry, async_add_entities, SENSORS, RingPartnerSensorEntity)
    async_add_entities_for(
        entry, async_add_entities, WEBHOOK_SENSORS, RingPartnerWebhookSensorEntity
    )


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


class RingPartnerWebhookSensorEntity(RingPartnerDeviceEventsEntity, RestoreSensor):
    """A reading that only the device's threshold webhooks carry, kept until the next one.

    Polls bring no such reading, so they change nothing here; the last one is restored after
    a reload or restart, and is unavailable while the device is offline.
    """

    entity_description: RingPartnerWebhookSensorEntityDescription

    @override
    async def async_added_to_hass(self) -> None:
        """Restore the last reading, then listen for the device's webhooks."""
        if (last := await self.async_get_last_sensor_data()) is not None and (
            last.native_unit_of_measurement
            == self.entity_description.native_unit_of_measurement
        ):
            self._attr_native_value = _restored_number(last.native_value)
        await super().async_added_to_hass()

    @override
    @callback
    def _async_on_event(self, event: WebhookEvent) -> None:
        """Take the reading of a threshold webhook of this measure; drop implausible ones."""
        reading = event.reading_of(self.entity_description.measure)
        if reading is not None:
            self._attr_native_value = reading
            self.async_write_ha_state()


def _restored_number(value: object) -> float | None:
    """Return a restored reading if it is a finite number, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = float(value)
    return number if math.isfinite(number) else None
