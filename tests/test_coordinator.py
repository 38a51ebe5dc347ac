"""Test the device coordinator: one request per poll, adaptive cadence, failures."""

from datetime import timedelta
from urllib.parse import parse_qs

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.ring_partner.const import (
    DEFAULT_SCAN_INTERVAL,
    FALLBACK_SCAN_INTERVAL,
)
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from simulator import Simulator

from .conftest import SimControl, entry_for, link_account


def _device_polls(requests: list[dict]) -> list[dict]:
    return [
        r
        for r in requests
        if r["method"] == "GET" and r["path"].startswith("/v1/devices")
    ]


async def _advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: int
) -> None:
    """Move time forward in one-second steps so timers and client backoff sleeps run."""
    for _ in range(seconds):
        freezer.tick(timedelta(seconds=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()


async def test_one_request_per_refresh(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim_control: SimControl
) -> None:
    """A refresh asks Ring once for all devices with all four includes."""
    await sim_control.clear_requests()
    await init_integration.runtime_data.coordinator.async_refresh()
    polls = _device_polls(await sim_control.requests())
    assert len(polls) == 1
    assert polls[0]["path"] == "/v1/devices"
    include = parse_qs(polls[0]["query"])["include"][0]
    assert set(include.split(",")) == {
        "status",
        "capabilities",
        "location",
        "configurations",
    }


@pytest.mark.usefixtures("setup_integration_yaml")
async def test_one_request_for_a_hundred_devices(
    hass: HomeAssistant, simulator: Simulator, sim_control: SimControl
) -> None:
    """An account with 100 devices still costs one request per refresh."""
    account = await link_account(sim_control)
    await sim_control.configure(webhook_delivery=False)
    for number in range(96):
        await sim_control.call(
            "POST",
            f"accounts/{account.account_id}/devices",
            {
                "name": f"Camera {number}",
                "kind": "camera",
                "battery": False,
                "online": True,
            },
        )
    entry = entry_for(simulator, account)
    entry.add_to_hass(hass)
    await sim_control.clear_requests()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert len(entry.runtime_data.coordinator.data) == 100
    assert len(_device_polls(await sim_control.requests())) == 1

    await sim_control.clear_requests()
    await entry.runtime_data.coordinator.async_refresh()
    assert len(_device_polls(await sim_control.requests())) == 1


async def test_polls_every_minute_until_webhooks_arrive(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """No webhook yet: poll every minute; once webhooks flow, the configured pace."""
    runtime = init_integration.runtime_data
    assert runtime.coordinator.update_interval == FALLBACK_SCAN_INTERVAL
    runtime.push.health.record("motion_detected")
    await runtime.coordinator.async_refresh()
    assert runtime.coordinator.update_interval == DEFAULT_SCAN_INTERVAL


async def test_failure_marks_unavailable_once_and_recovers(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Ring failing keeps the last data, marks entities unavailable, logs once, recovers."""
    entity_id = "binary_sensor.front_door_connectivity"
    assert (state := hass.states.get(entity_id))
    assert state.state == STATE_ON
    await sim_control.call("POST", "faults", {"path": "^/v1/devices", "status": 500})
    await _advance(hass, freezer, 3 * 60)
    assert (state := hass.states.get(entity_id))
    assert state.state == STATE_UNAVAILABLE
    assert init_integration.runtime_data.coordinator.data  # last data kept
    unavailable_logs = [r for r in caplog.records if "Error fetching" in r.getMessage()]
    assert len(unavailable_logs) == 1

    await sim_control.call("DELETE", "faults")
    await _advance(hass, freezer, 61)
    assert (state := hass.states.get(entity_id))
    assert state.state == STATE_ON


async def test_rate_limited_poll_waits_for_retry_after(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A 429 delays the next poll by Ring's Retry-After instead of the normal interval."""
    await sim_control.call(
        "POST",
        "faults",
        {"path": "^/v1/devices", "status": 429, "retry_after": 300, "count": 20},
    )
    coordinator = init_integration.runtime_data.coordinator
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    await sim_control.call("DELETE", "faults")
    await sim_control.clear_requests()
    await _advance(hass, freezer, 70)
    assert not _device_polls(
        await sim_control.requests()
    )  # still waiting for Retry-After
    await _advance(hass, freezer, 240)
    assert _device_polls(await sim_control.requests())
    assert coordinator.last_update_success


async def test_offline_device_reports_disconnected(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The Garage camera is offline in the default scenario."""
    assert (state := hass.states.get("binary_sensor.garage_connectivity"))
    assert state.state == STATE_OFF
