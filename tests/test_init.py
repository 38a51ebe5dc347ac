"""Test setting up, unloading and maintaining a Ring account in Home Assistant."""

import time

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ring_partner.const import DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from simulator.scenario import BACKYARD_ID, CHIME_ID, FRONT_DOOR_ID, GARAGE_ID

from .conftest import SimControl


async def _poll(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Run the coordinator's poll now and let what it starts finish."""
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


def _ring_device(
    device_registry: dr.DeviceRegistry, entry: MockConfigEntry, device_id: str
) -> dr.DeviceEntry | None:
    """Return the registry's device for a Ring device id of this entry."""
    return device_registry.async_get_device_by_identifier(
        (DOMAIN, device_id), entry.entry_id
    )


async def test_integration_loads_without_entries(hass: HomeAssistant) -> None:
    """The integration sets up in Home Assistant with no accounts."""
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    assert DOMAIN in hass.config.components


async def test_setup_and_unload(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A linked account sets up, creates a device per Ring device and unloads cleanly."""
    assert init_integration.state is ConfigEntryState.LOADED
    devices = {
        identifier: device
        for device in dr.async_entries_for_config_entry(
            device_registry, init_integration.entry_id
        )
        for _, identifier in device.identifiers
    }
    assert set(devices) == {FRONT_DOOR_ID, BACKYARD_ID, CHIME_ID, GARAGE_ID}
    assert devices[FRONT_DOOR_ID].manufacturer == "Ring"
    assert devices[FRONT_DOOR_ID].model == "Doorbell"
    assert devices[BACKYARD_ID].model == "Camera"
    assert devices[CHIME_ID].model == "Chime"
    assert devices[FRONT_DOOR_ID].name == "Front Door"

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED  # type: ignore[comparison-overlap]


@pytest.mark.usefixtures("setup_integration_yaml")
async def test_setup_retries_when_ring_is_down(
    hass: HomeAssistant, config_entry: MockConfigEntry, sim_control: SimControl
) -> None:
    """A server error during the first refresh leaves the entry to retry."""
    await sim_control.call("POST", "faults", {"path": "^/v1/devices", "status": 500})
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


@pytest.mark.usefixtures("setup_integration_yaml")
async def test_revoked_tokens_start_reauth(
    hass: HomeAssistant, config_entry: MockConfigEntry, sim_control: SimControl
) -> None:
    """Uninstalling the app revokes the tokens; setup then asks for reauthentication."""
    await sim_control.call("POST", f"accounts/{config_entry.unique_id}/uninstall")
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


@pytest.mark.usefixtures("setup_integration_yaml")
async def test_expired_access_token_is_refreshed_and_rotation_stored(
    hass: HomeAssistant, config_entry: MockConfigEntry, sim_control: SimControl
) -> None:
    """An expired access token is refreshed; Ring's rotated refresh token is what's stored."""
    old_refresh = config_entry.data["token"]["refresh_token"]
    config_entry.add_to_hass(hass)
    token = {**config_entry.data["token"], "expires_at": time.time() - 10}
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, "token": token}
    )
    await sim_control.call("POST", "tokens/expire")
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    new_refresh = config_entry.data["token"]["refresh_token"]
    assert new_refresh != old_refresh
    # The old refresh token no longer works at Ring (it rotated).
    async with sim_control.session.post(
        sim_control.sim.token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": old_refresh,
            "client_id": "sim-client-id",
            "client_secret": "sim-client-secret",
        },
    ) as resp:
        assert resp.status in (400, 401)


async def test_token_rejected_mid_life_is_refreshed_once(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Ring rejecting a token we thought valid triggers one forced refresh, then works."""
    old_refresh = init_integration.data["token"]["refresh_token"]
    await sim_control.call("POST", "tokens/expire")
    coordinator = init_integration.runtime_data.coordinator
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert coordinator.last_update_success
    assert init_integration.data["token"]["refresh_token"] != old_refresh


async def test_device_gone_from_ring_is_removed(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A device Ring stops sharing disappears from the device registry on the next poll."""
    await sim_control.configure(webhook_delivery=False)
    await sim_control.call("POST", f"devices/{BACKYARD_ID}/remove")
    await _poll(hass, init_integration)
    assert _ring_device(device_registry, init_integration, BACKYARD_ID) is None
    assert _ring_device(device_registry, init_integration, FRONT_DOOR_ID)

    # Shared again later: the device and its entities come back without a reload.
    await sim_control.call("POST", f"devices/{BACKYARD_ID}/add")
    await _poll(hass, init_integration)
    assert _ring_device(device_registry, init_integration, BACKYARD_ID)
    assert (state := hass.states.get("binary_sensor.backyard_connectivity"))
    assert state.state == "on"


async def test_new_device_appears_without_restart(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A device shared later shows up with its entities at the next poll."""
    await sim_control.configure(webhook_delivery=False)
    added = await sim_control.call(
        "POST",
        f"accounts/{init_integration.unique_id}/devices",
        {"name": "Side Gate", "kind": "camera", "battery": True, "online": True},
    )
    await _poll(hass, init_integration)
    device = _ring_device(device_registry, init_integration, added["id"])
    assert device is not None
    assert device.name == "Side Gate"
    state = hass.states.get("binary_sensor.side_gate_connectivity")
    assert state is not None
    assert state.state == "on"


async def test_remove_config_entry_device(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    hass_ws_client,
) -> None:
    """Users may remove a device only when Ring no longer shares it."""
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)
    shared = _ring_device(device_registry, init_integration, FRONT_DOOR_ID)
    assert shared is not None
    await client.send_json_auto_id(
        {"type": "config/device_registry/remove", "device_id": shared.id}
    )
    response = await client.receive_json()
    assert not response["success"]

    orphan = device_registry.async_get_or_create(
        config_entry_id=init_integration.entry_id, identifiers={(DOMAIN, "gone-device")}
    )
    await client.send_json_auto_id(
        {"type": "config/device_registry/remove", "device_id": orphan.id}
    )
    response = await client.receive_json()
    assert response["success"]
