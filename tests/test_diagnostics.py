"""Test diagnostics: useful, and free of secrets."""

import json

from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.ring_partner.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from simulator.scenario import CHIME_ID

from .conftest import HMAC_KEY


async def test_diagnostics_redact_secrets(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client
) -> None:
    """Diagnostics show devices and webhook health but no token, key or personal data."""
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )
    text = json.dumps(diagnostics)
    token = init_integration.data["token"]
    for secret in (
        token["access_token"],
        token["refresh_token"],
        HMAC_KEY,
        "demo.user@example.com",
    ):
        assert secret not in text
    assert len(diagnostics["devices"]) == 4
    assert diagnostics["webhooks"]["receiving"] is False
    assert diagnostics["entry"]["data"]["token"]["access_token"] == "**REDACTED**"


async def test_diagnostics_snapshot(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client,
    snapshot: SnapshotAssertion,
) -> None:
    """The whole download, with this run's times and simulator ports masked."""
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )
    assert diagnostics == snapshot(
        exclude=props(
            "linked_at", "expires_at", "reported_at", "expires_in", "endpoints"
        )
    )


async def test_device_diagnostics_redact_sound_urls(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A chime's device diagnostics show its slots, the sound file's address redacted."""
    (device,) = [
        entry
        for entry in dr.async_entries_for_config_entry(
            device_registry, init_integration.entry_id
        )
        if (DOMAIN, CHIME_ID) in entry.identifiers
    ]
    diagnostics = await get_diagnostics_for_device(
        hass, hass_client, init_integration, device
    )
    (chime,) = diagnostics["devices"]
    first, second = chime["configurations"]["chime_slots"]
    assert first["event"] == "ring-appstore-event-1"
    assert first["audio_url"] == "**REDACTED**"
    assert first["audio_name"] == "Simulator Tone"
    assert second["audio_url"] is None
    assert "app-content.ring.com/appstore" not in json.dumps(diagnostics)
