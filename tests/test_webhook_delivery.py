"""Exactly once across startup, reloads and restarts; lifecycle without the coordinator.

Through Home Assistant's HTTP server and the simulator's own deliveries and retries.
"""

import asyncio
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ring_partner.const import DEFAULT_SCAN_INTERVAL, DOMAIN
from custom_components.ring_partner.diagnostics import (
    async_get_config_entry_diagnostics,
)
from custom_components.ring_partner.push.ledger import storage_key
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from homeassistant.core import (
    Event,
    EventStateChangedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from simulator.scenario import BACKYARD_ID, DEFAULT_ACCOUNT_ID, FRONT_DOOR_ID

from .conftest import SimControl, state_of, webhook_client
from .webhook_helpers import TestClient, post_webhook, sim_event, webhook_body

pytestmark = pytest.mark.usefixtures("socket_enabled")

DOORBELL = "event.front_door_doorbell"


def _fired(old: State | None, new: State | None) -> bool:
    """Return True when an event entity fired (not when it was restored after a reload)."""
    return (
        new is not None
        and old is not None
        and new.entity_id.startswith("event.")
        and STATE_UNAVAILABLE not in (old.state, new.state)
        and (
            old.state != new.state
            or old.attributes.get("event_id") != new.attributes.get("event_id")
        )
    )


def _record_fired(hass: HomeAssistant) -> list[str]:
    """Collect the event id of every event entity that fires (not restored states)."""
    fired: list[str] = []

    @callback
    def _changed(event: Event[EventStateChangedData]) -> None:
        new, old = event.data["new_state"], event.data["old_state"]
        if new is not None and _fired(old, new):
            fired.append(str(new.attributes.get("event_id")))

    hass.bus.async_listen(EVENT_STATE_CHANGED, _changed)
    return fired


async def _api_paths(sim_control: SimControl) -> list[str]:
    """Return the API requests (method and path) since the log was cleared."""
    return [
        f"{request['method']} {request['path']}"
        for request in await sim_control.requests()
        if "/media/" not in request["path"] and "/history/" not in request["path"]
    ]


@pytest.mark.usefixtures("setup_integration_yaml")
async def test_webhook_during_setup_is_retried_then_fires_once(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    config_entry: MockConfigEntry,
    sim_control: SimControl,
) -> None:
    """While the entry sets up, its webhooks get 503; Ring's retry fires the event once."""
    # Platforms that register views load first: the test server freezes the router.
    for component in ("camera", "image"):
        assert await async_setup_component(hass, component, {})
    client = await webhook_client(hass, hass_client_no_auth, sim_control)
    await sim_control.configure(time_scale=0.05)
    fired = _record_fired(hass)
    # Slow device list: setup is still running when the webhooks come.
    await sim_control.fault(path="^/v1/devices$", latency_ms=400, count=1)
    config_entry.add_to_hass(hass)
    setup = hass.async_create_task(
        hass.config_entries.async_setup(config_entry.entry_id)
    )
    # No event announces the state change; yield until the setup task has started.
    while config_entry.state is not ConfigEntryState.SETUP_IN_PROGRESS:  # noqa: ASYNC110
        await asyncio.sleep(0)

    direct = webhook_body("button_press", device_id=FRONT_DOOR_ID)
    assert (await post_webhook(client, direct)).status == 503
    result = await sim_control.call("POST", f"devices/{FRONT_DOOR_ID}/motion")
    assert await setup
    await sim_control.sim.state.webhooks.drain()
    await hass.async_block_till_done()

    deliveries: list[dict[str, Any]] = await sim_control.call("GET", "webhooks")
    motion = next(d for d in deliveries if d["request_id"] == result["request_id"])
    statuses = [attempt["status"] for attempt in motion["attempts"]]
    assert statuses[0] == 503
    assert statuses[-1] == 200
    # Ring's retry of the direct post (same body) now fires too. The motion fired once:
    # by its retried webhook, or already by the catch-up that follows setup.
    assert (await post_webhook(client, direct)).status == 200
    await hass.async_block_till_done()
    # The direct body fired on its retry: nothing was remembered from the 503.
    assert len(fired) == 2
    assert _data_id(direct) in fired


def _data_id(body: bytes) -> str:
    """Return the `data.id` of a webhook body."""
    import json  # noqa: PLC0415

    return str(json.loads(body)["data"]["id"])


async def test_same_delivery_before_and_after_reload_fires_once(
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """The ledger is stored: a retry after the entry was set up again is a duplicate."""
    fired = _record_fired(hass)
    body = webhook_body("button_press", device_id=FRONT_DOOR_ID)
    assert (await post_webhook(client, body)).status == 200
    assert len(fired) == 1

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    stored = hass_storage[storage_key(init_integration.entry_id)]["data"]
    assert any(key.startswith("r:") for key, _ in stored["ledger"]["ids"])
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()

    assert (await post_webhook(client, body)).status == 200
    # The same event under a new request id (history or a retry with new ids) too.
    again = webhook_body(
        "button_press",
        device_id=FRONT_DOOR_ID,
        event_id=_data_id(body),
    )
    assert (await post_webhook(client, again)).status == 200
    await hass.async_block_till_done()
    assert len(fired) == 1
    assert init_integration.runtime_data.push.health.duplicates == 2


async def test_health_survives_a_reload(
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
) -> None:
    """Counters and the last webhook persist; polling keeps its webhook-healthy pace."""
    await sim_event(hass, sim_control, f"devices/{FRONT_DOOR_ID}/ding")
    body = webhook_body("button_press", device_id=FRONT_DOOR_ID)
    for _ in range(2):
        assert (await post_webhook(client, body)).status == 200
    before = init_integration.runtime_data.push.health.as_dict()

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()

    health = init_integration.runtime_data.push.health
    after = health.as_dict()
    for key in ("last_received", "counts", "duplicates", "webhook_events"):
        assert after[key] == before[key], key
    assert after["counts"] == {"button_press": 2}
    assert after["duplicates"] == 1
    # The last webhook is known at once: polling stays at its webhooks-flowing pace.
    assert (
        init_integration.runtime_data.coordinator.update_interval
        == DEFAULT_SCAN_INTERVAL
    )
    diagnostics = await async_get_config_entry_diagnostics(hass, init_integration)
    assert diagnostics["webhooks"]["webhook_events"] == 2
    assert diagnostics["webhooks"]["last_received"] == before["last_received"]


async def test_device_added_reads_one_device_and_adds_entities_at_once(
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
    device_registry: dr.DeviceRegistry,
) -> None:
    """device_added costs one GET of that device; no device-list refresh."""
    await sim_control.clear_requests()
    result = await sim_control.call(
        "POST",
        f"accounts/{DEFAULT_ACCOUNT_ID}/devices",
        {"name": "Porch", "kind": "camera"},
    )
    await sim_control.sim.state.webhooks.drain()
    await hass.async_block_till_done(wait_background_tasks=True)
    paths = await _api_paths(sim_control)
    assert paths == [f"GET /v1/devices/{result['id']}"]
    assert (
        device_registry.async_get_device_by_identifier(
            (DOMAIN, result["id"]), init_integration.entry_id
        )
        is not None
    )
    assert hass.states.get("event.porch_motion_event") is not None
    assert hass.states.get("camera.porch") is not None


async def test_device_removed_and_offline_act_without_requests(
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
    device_registry: dr.DeviceRegistry,
) -> None:
    """device_removed drops the device and its entities with no API request at all."""
    await sim_control.clear_requests()
    await sim_event(hass, sim_control, f"devices/{FRONT_DOOR_ID}/offline")
    assert state_of(hass, "binary_sensor.front_door_connectivity").state == "off"
    await sim_event(hass, sim_control, f"devices/{BACKYARD_ID}/remove")
    assert hass.states.get("event.backyard_motion_event") is None
    assert (
        device_registry.async_get_device_by_identifier(
            (DOMAIN, BACKYARD_ID), init_integration.entry_id
        )
        is None
    )
    assert await _api_paths(sim_control) == []
    # Shared again: back at once.
    await sim_event(hass, sim_control, f"devices/{BACKYARD_ID}/add")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("event.backyard_motion_event") is not None
    assert await _api_paths(sim_control) == [f"GET /v1/devices/{BACKYARD_ID}"]


async def test_removed_entry_forgets_its_ledger(
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Removing the entry deletes its stored ledger and health."""
    body = webhook_body("button_press", device_id=FRONT_DOOR_ID)
    assert (await post_webhook(client, body)).status == 200
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert storage_key(init_integration.entry_id) in hass_storage
    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert storage_key(init_integration.entry_id) not in hass_storage
