"""Poll Ring devices; hold the runtime data of a config entry."""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_SCAN_INTERVAL, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .client import (
    Device,
    DeviceKind,
    RingPartnerClient,
    RingPartnerError,
    WebhookEvent,
)
from .const import (
    CONF_LINKED_AT,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    FALLBACK_SCAN_INTERVAL,
    LOGGER,
)
from .errors import update_failed

if TYPE_CHECKING:
    from .push import RingPartnerPush, WebhookHealth
    from .snapshot import CameraSnapshots

# Entities that exist only for doorbells: a registry entry for one of them remembers that a
# device pressed its button once, across restarts (Ring has no device type field).
DOORBELL_ENTITIES: Final = (
    (Platform.EVENT, "doorbell"),
    (Platform.BINARY_SENSOR, "ding"),
)


@dataclass(kw_only=True)
class RingPartnerRuntimeData:
    """Everything a loaded Ring account needs at run time."""

    client: RingPartnerClient
    coordinator: RingPartnerDataUpdateCoordinator
    push: RingPartnerPush
    # Still-image caches by device id, shared by a device's camera and "Last event" image.
    snapshots: dict[str, CameraSnapshots] = field(default_factory=dict)


type RingPartnerConfigEntry = ConfigEntry[RingPartnerRuntimeData]


def consent_time(entry: RingPartnerConfigEntry) -> datetime:
    """Return the link time; Ring shares nothing from before it (docs/linking.md#consent-time).

    Without one, nothing older than now is asked for.
    """
    raw = entry.data.get(CONF_LINKED_AT)
    if not isinstance(raw, str) or (parsed := dt_util.parse_datetime(raw)) is None:
        return dt_util.utcnow()
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt_util.UTC)


class RingPartnerDataUpdateCoordinator(DataUpdateCoordinator[dict[str, Device]]):
    """Fetch every device with status, capabilities, location and configurations at once."""

    config_entry: RingPartnerConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: RingPartnerConfigEntry,
        client: RingPartnerClient,
        health: WebhookHealth,
    ) -> None:
        """Initialize the coordinator."""
        self.client = client
        self.health = health
        # Cameras seen pressing a button: doorbells Ring's data does not reveal.
        self.doorbells: set[str] = set()
        self.config_entry = (
            entry  # _interval() reads the options before super() sets it
        )
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"Ring account {entry.title}",
            update_interval=self._interval(),
        )

    def _interval(self) -> timedelta:
        """Poll at the configured pace while webhooks flow, every minute while they don't."""
        configured = timedelta(
            seconds=self.config_entry.options.get(
                CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL.total_seconds()
            )
        )
        if self.health.is_receiving():
            return configured
        return min(configured, FALLBACK_SCAN_INTERVAL)

    @override
    async def _async_setup(self) -> None:
        """Remember the doorbells earlier runs found (their doorbell entities exist)."""
        registry = er.async_get(self.hass)
        for entity in er.async_entries_for_config_entry(
            registry, self.config_entry.entry_id
        ):
            for platform, key in DOORBELL_ENTITIES:
                if entity.domain == platform and entity.unique_id.endswith(f"_{key}"):
                    self.doorbells.add(entity.unique_id.removesuffix(f"_{key}"))

    @override
    async def _async_update_data(self) -> dict[str, Device]:
        """Fetch all devices in one request, whatever their number."""
        self.update_interval = self._interval()
        try:
            devices = await self.client.get_devices()
        except RingPartnerError as err:
            raise update_failed(err) from err
        data = {device.id: self._with_known_kind(device) for device in devices}
        self._async_remove_stale_devices(data)
        return data

    def _with_known_kind(self, device: Device) -> Device:
        """Return the device as a doorbell if it ever pressed its button."""
        if device.kind is DeviceKind.CAMERA and device.id in self.doorbells:
            return replace(device, kind=DeviceKind.DOORBELL)
        return device

    @callback
    def _async_remove_stale_devices(self, data: dict[str, Device]) -> None:
        """Remove devices the account no longer shares with the app."""
        registry = dr.async_get(self.hass)
        for device_entry in dr.async_entries_for_config_entry(
            registry, self.config_entry.entry_id
        ):
            device_ids = {
                identifier
                for domain, identifier in device_entry.identifiers
                if domain == DOMAIN
            }
            if device_ids and not device_ids & data.keys():
                registry.async_remove_device(device_entry.id)

    @callback
    def async_mark_doorbell(self, device_id: str) -> None:
        """Treat a camera that pressed its button as a doorbell from now on."""
        self.doorbells.add(device_id)
        device = (self.data or {}).get(device_id)
        if device is not None and device.kind is DeviceKind.CAMERA:
            self.async_set_updated_data(
                {**self.data, device_id: replace(device, kind=DeviceKind.DOORBELL)}
            )

    @callback
    def async_set_device_online(self, device_id: str, *, online: bool) -> None:
        """Apply a device_online/device_offline webhook without polling."""
        if self.data is None or (device := self.data.get(device_id)) is None:
            return
        status = device.status
        if status is None or status.online is online:
            return
        self.async_set_updated_data(
            {
                **self.data,
                device_id: replace(device, status=replace(status, online=online)),
            }
        )

    @callback
    def async_apply_sensor_event(self, event: WebhookEvent) -> None:
        """Apply a sensor webhook to a sensor's status at once, without polling.

        The next poll's status wins (docs/webhooks.md#sensor-events); other kinds of device
        have no sensor state to change.
        """
        if self.data is None or event.device_id is None:
            return
        device = self.data.get(event.device_id)
        if device is None or device.kind is not DeviceKind.SENSOR:
            return
        updated = device.with_event(event)
        if updated is not device:
            self.async_set_updated_data({**self.data, device.id: updated})
