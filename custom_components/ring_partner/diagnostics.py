"""Diagnostics support for the Ring Partner integration."""

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .client import Device
from .const import CONF_HMAC_KEY, DOMAIN
from .coordinator import RingPartnerConfigEntry
from .push.hub import lateness_limit
from .push.reconciliation import RECONCILE_INTERVAL

# Secrets and personal data never leave in a diagnostics download.
TO_REDACT = {
    "access_token",
    "refresh_token",
    "id_token",
    "code",
    "nonce",
    CONF_HMAC_KEY,
    "client_secret",
    "email",
    "first_name",
    "last_name",
    "phone_number",
    "account_identifier",
    "title",
    "url",
    # Where a chime slot's sound file lives (Ring's content host).
    "audio_url",
    "location",
}


def _device_data(device: Device) -> dict[str, Any]:
    """Return a device as plain data; tuples become lists so redaction reaches inside."""

    def _plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: _plain(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [_plain(item) for item in value]
        return value

    data: dict[str, Any] = _plain(asdict(device))
    return data


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: RingPartnerConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for a config entry."""
    coordinator = entry.runtime_data.coordinator
    return async_redact_data(
        {
            "entry": {"data": dict(entry.data), "options": dict(entry.options)},
            "update_interval": str(coordinator.update_interval),
            "last_update_success": coordinator.last_update_success,
            "devices": [
                _device_data(device) for device in (coordinator.data or {}).values()
            ],
            "webhooks": _delivery_health(entry),
        },
        TO_REDACT,
    )


def _delivery_health(entry: RingPartnerConfigEntry) -> dict[str, Any]:
    """Return how events reached this account, persisted across reloads.

    Webhook counts, events recovered from history, duplicates dropped, late events recorded
    but not fired, signature failures, the last webhook, and the reconciliation's pace.
    """
    push = entry.runtime_data.push
    reconciler = push.reconciler
    backoff = reconciler.backoff if reconciler is not None else None
    return {
        **push.health.as_dict(),
        "lateness_limit": str(lateness_limit(entry)),
        "reconcile_interval": str(RECONCILE_INTERVAL),
        "reconcile_backoff": str(backoff) if backoff else None,
        "ledger": push.ledger.sizes(),
    }


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: RingPartnerConfigEntry, device: dr.DeviceEntry
) -> dict[str, Any]:
    """Return diagnostics for one Ring device."""
    data = entry.runtime_data.coordinator.data or {}
    devices = [
        _device_data(data[identifier])
        for domain, identifier in device.identifiers
        if domain == DOMAIN and identifier in data
    ]
    return async_redact_data({"devices": devices}, TO_REDACT)
