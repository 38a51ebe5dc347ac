"""Diagnostics support for the Ring Partner integration."""

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .const import CONF_HMAC_KEY, DOMAIN
from .coordinator import RingPartnerConfigEntry

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
    "location",
}


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
            "devices": [asdict(device) for device in (coordinator.data or {}).values()],
            "webhooks": entry.runtime_data.push.health.as_dict(),
        },
        TO_REDACT,
    )


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: RingPartnerConfigEntry, device: dr.DeviceEntry
) -> dict[str, Any]:
    """Return diagnostics for one Ring device."""
    data = entry.runtime_data.coordinator.data or {}
    devices = [
        asdict(data[identifier])
        for domain, identifier in device.identifiers
        if domain == DOMAIN and identifier in data
    ]
    return async_redact_data({"devices": devices}, TO_REDACT)
