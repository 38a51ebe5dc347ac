"""Binary sensors for Ring devices."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import override

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import STATE_OFF, STATE_ON, EntityCategory
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.restore_state import RestoreEntity

from .client import Device, DeviceKind, SensorType, WebhookEvent, WebhookEventType
from .const import (
    CONF_DING_HOLD,
    CONF_MOTION_HOLD,
    DEFAULT_DING_HOLD,
    DEFAULT_MOTION_HOLD,
)
from .coordinator import RingPartnerConfigEntry
from .entity import (
    RingPartnerDeviceEventsEntity,
    RingPartnerEntity,
    RingPartnerEntityDescription,
    RingPartnerPushEntity,
    RingPartnerPushEntityDescription,
    async_add_entities_for,
)

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class RingPartnerBinarySensorEntityDescription(
    BinarySensorEntityDescription, RingPartnerEntityDescription
):
    """Describe a Ring Partner binary sensor read from the device data."""

    value_fn: Callable[[Device], bool | None]
    # Readings of an offline device are stale: such entities go unavailable.
    online_only: bool = False


BINARY_SENSORS: tuple[RingPartnerBinarySensorEntityDescription, ...] = (
    RingPartnerBinarySensorEntityDescription(
        key="online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda device: device.status.online if device.status else None,
        exists_fn=lambda device: device.status is not None,
    ),
    # Early Access sensors (docs/webhooks.md#sensor-events): status fields that the sensor
    # webhooks change at once. Contact: on while the door or window is open.
    RingPartnerBinarySensorEntityDescription(
        key="contact",
        device_class=BinarySensorDeviceClass.OPENING,
        value_fn=lambda device: (
            device.status.contact_faulted if device.status else None
        ),
        exists_fn=lambda device: SensorType.CONTACT in device.sensor_types,
        online_only=True,
    ),
    RingPartnerBinarySensorEntityDescription(
        key="flood",
        translation_key="flood",
        device_class=BinarySensorDeviceClass.MOISTURE,
        value_fn=lambda device: device.status.flood_faulted if device.status else None,
        exists_fn=lambda device: SensorType.FLOOD in device.sensor_types,
        online_only=True,
    ),
    RingPartnerBinarySensorEntityDescription(
        key="freeze",
        translation_key="freeze",
        device_class=BinarySensorDeviceClass.COLD,
        value_fn=lambda device: device.status.freeze_faulted if device.status else None,
        exists_fn=lambda device: SensorType.FREEZE in device.sensor_types,
        online_only=True,
    ),
    RingPartnerBinarySensorEntityDescription(
        key="tamper",
        device_class=BinarySensorDeviceClass.TAMPER,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda device: (
            device.status.tamper_detected if device.status else None
        ),
        exists_fn=lambda device: SensorType.TAMPER in device.sensor_types,
        online_only=True,
    ),
)


@dataclass(frozen=True, kw_only=True)
class RingPartnerEventBinarySensorEntityDescription(
    BinarySensorEntityDescription, RingPartnerPushEntityDescription
):
    """Describe a momentary binary sensor: on at an event, off after a hold time."""

    hold_option: str
    default_hold: timedelta


# Ring sends no "cleared" event, so these stay on for a hold time from the options.
EVENT_BINARY_SENSORS: tuple[RingPartnerEventBinarySensorEntityDescription, ...] = (
    RingPartnerEventBinarySensorEntityDescription(
        key="motion",
        device_class=BinarySensorDeviceClass.MOTION,
        webhook_type=WebhookEventType.MOTION_DETECTED,
        hold_option=CONF_MOTION_HOLD,
        default_hold=DEFAULT_MOTION_HOLD,
        exists_fn=lambda device: bool(
            device.capabilities and device.capabilities.motion_detection
        ),
    ),
    RingPartnerEventBinarySensorEntityDescription(
        key="ding",
        translation_key="ding",
        device_class=BinarySensorDeviceClass.OCCUPANCY,
        webhook_type=WebhookEventType.BUTTON_PRESS,
        hold_option=CONF_DING_HOLD,
        default_hold=DEFAULT_DING_HOLD,
        exists_fn=lambda device: device.kind is DeviceKind.DOORBELL,
    ),
)


@dataclass(frozen=True, kw_only=True)
class RingPartnerThresholdBinarySensorEntityDescription(
    BinarySensorEntityDescription, RingPartnerEntityDescription
):
    """Describe a threshold a device watches itself: on at `exceeded`, off at `cleared`."""

    exceeded: WebhookEventType
    cleared: WebhookEventType


# PM2.5 is in no status Ring shows (docs/webhooks.md#sensor-events): only the webhooks say
# whether the sensor's own threshold is crossed.
THRESHOLD_BINARY_SENSORS: tuple[
    RingPartnerThresholdBinarySensorEntityDescription, ...
] = (
    RingPartnerThresholdBinarySensorEntityDescription(
        key="pm25_exceeded",
        translation_key="pm25_exceeded",
        device_class=BinarySensorDeviceClass.PROBLEM,
        exceeded=WebhookEventType.PM25_EXCEEDED,
        cleared=WebhookEventType.PM25_CLEARED,
        exists_fn=lambda device: SensorType.PM25 in device.sensor_types,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: RingPartnerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up binary sensors for every device, now and as devices appear."""
    async_add_entities_for(
        entry, async_add_entities, BINARY_SENSORS, RingPartnerBinarySensorEntity
    )
    async_add_entities_for(
        entry,
        async_add_entities,
        EVENT_BINARY_SENSORS,
        RingPartnerEventBinarySensorEntity,
    )
    async_add_entities_for(
        entry,
        async_add_entities,
        THRESHOLD_BINARY_SENSORS,
        RingPartnerThresholdBinarySensorEntity,
    )


class RingPartnerBinarySensorEntity(RingPartnerEntity, BinarySensorEntity):
    """A binary sensor whose value comes from the polled (or pushed) device data."""

    entity_description: RingPartnerBinarySensorEntityDescription

    @property
    @override
    def available(self) -> bool:
        """Return False for a sensor reading while its device is offline."""
        if not super().available:
            return False
        status = self.device.status
        return not (
            self.entity_description.online_only
            and status is not None
            and status.online is False
        )

    @property
    def is_on(self) -> bool | None:
        """Return the sensor's value."""
        return self.entity_description.value_fn(self.device)


class RingPartnerEventBinarySensorEntity(RingPartnerPushEntity, BinarySensorEntity):
    """Motion or ringing: on at the event, off after the hold time; a new event extends it.

    Not restored: after a restart the sensor is off, as no event is in progress any more.
    """

    entity_description: RingPartnerEventBinarySensorEntityDescription
    _attr_is_on = False
    _unsub_hold: CALLBACK_TYPE | None = None

    @override
    async def async_added_to_hass(self) -> None:
        """Listen for events; cancel the hold timer on removal."""
        await super().async_added_to_hass()
        self.async_on_remove(self._async_cancel_hold)

    @property
    def _hold(self) -> timedelta:
        """Return the hold time from the options."""
        description = self.entity_description
        seconds = self.coordinator.config_entry.options.get(description.hold_option)
        return (
            description.default_hold if seconds is None else timedelta(seconds=seconds)
        )

    @override
    @callback
    def _async_handle_event(self, event: WebhookEvent) -> None:
        """Turn on, and (re)start the hold timer; a repeat while on only extends the hold."""
        self._async_cancel_hold()
        self._unsub_hold = async_call_later(self.hass, self._hold, self._async_release)
        if not self._attr_is_on:
            self._attr_is_on = True
            self.async_write_ha_state()

    @callback
    def _async_release(self, _now: datetime) -> None:
        """Turn off once the hold time has passed."""
        self._unsub_hold = None
        self._attr_is_on = False
        self.async_write_ha_state()

    @callback
    def _async_cancel_hold(self) -> None:
        """Cancel a running hold timer."""
        if self._unsub_hold is not None:
            self._unsub_hold()
            self._unsub_hold = None


class RingPartnerThresholdBinarySensorEntity(
    RingPartnerDeviceEventsEntity, BinarySensorEntity, RestoreEntity
):
    """On from a `*_exceeded` webhook to its `*_cleared`; restored, as polls never say."""

    entity_description: RingPartnerThresholdBinarySensorEntityDescription

    @override
    async def async_added_to_hass(self) -> None:
        """Restore the last state, then listen for the device's webhooks."""
        if (last := await self.async_get_last_state()) is not None and last.state in (
            STATE_ON,
            STATE_OFF,
        ):
            self._attr_is_on = last.state == STATE_ON
        await super().async_added_to_hass()

    @override
    @callback
    def _async_on_event(self, event: WebhookEvent) -> None:
        """Turn on at the threshold's `exceeded`, off at its `cleared`."""
        description = self.entity_description
        if event.event_type not in (description.exceeded, description.cleared):
            return
        self._attr_is_on = event.event_type is description.exceeded
        self.async_write_ha_state()
