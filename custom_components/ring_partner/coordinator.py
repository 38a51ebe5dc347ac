"""Poll Ring devices; hold the runtime data of a config entry."""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .client import (
    Device,
    RingPartnerAuthenticationError,
    RingPartnerClient,
    RingPartnerError,
    RingPartnerRateLimitError,
)
from .const import (
    CONF_LINKED_AT,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    FALLBACK_SCAN_INTERVAL,
    LOGGER,
)
from .health import WebhookHealth

if TYPE_CHECKING:
    from .snapshot import CameraSnapshots


@dataclass(kw_only=True)
class RingPartnerRuntimeData:
    """Everything a loaded Ring account needs at run time."""

    client: RingPartnerClient
    coordinator: RingPartnerDataUpdateCoordinator
    health: WebhookHealth
    # Still-image caches by device id, shared by a device's camera and "Last event" image.
    snapshots: dict[str, CameraSnapshots] = field(default_factory=dict)


type RingPartnerConfigEntry = ConfigEntry[RingPartnerRuntimeData]


def consent_time(entry: RingPartnerConfigEntry) -> datetime:
    """Return the link time; Ring shares nothing from before it (§4.4, §5).

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
    async def _async_update_data(self) -> dict[str, Device]:
        """Fetch all devices in one request, whatever their number."""
        self.update_interval = self._interval()
        try:
            devices = await self.client.get_devices()
        except RingPartnerAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="authentication_error"
            ) from err
        except RingPartnerRateLimitError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                retry_after=err.retry_after,
            ) from err
        except RingPartnerError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="communication_error",
                translation_placeholders={"error": str(err)},
            ) from err
        data = {device.id: device for device in devices}
        self._async_remove_stale_devices(data)
        return data

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
