"""Test the webhook view through HA's HTTP server: signatures, parsing, dedupe, routing."""

import asyncio
from dataclasses import replace
from datetime import timedelta
import json
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ring_partner.client import (
    WebhookEvent,
    WebhookEventType,
    compute_signature,
)
from custom_components.ring_partner.const import CONF_HMAC_KEY, DOMAIN, WEBHOOK_PATH
from custom_components.ring_partner.endpoints import async_webhook_url
from custom_components.ring_partner.push.hub import EventLedger
from custom_components.ring_partner.push.receiver import (
    DATA_RECEIVER as DATA_WEBHOOK,
    MAX_BODY_BYTES,
    SIGNATURE_FAILURE_THRESHOLD,
)
from custom_components.ring_partner.repairs import (
    SIGNATURE_FAILURES_ISSUE as ISSUE_SIGNATURE_FAILURES,
)
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from simulator import Simulator, SimulatorConfig
from simulator.scenario import (
    BACKYARD_ID,
    DEFAULT_ACCOUNT_ID,
    FRONT_DOOR_ID,
    AccountSpec,
    DeviceSpec,
    Scenario,
)

from .conftest import (
    HMAC_KEY,
    SimControl,
    entry_for,
    link_account,
    make_sim_config,
    state_of,
    webhook_client,
)
from .webhook_helpers import TestClient, post_webhook, sim_event, webhook_body

pytestmark = pytest.mark.usefixtures("socket_enabled")

SECOND_ACCOUNT_ID = "ava1.ring.account.SECOND"
SIDE_DOOR_ID = "ava1.ring.device.SIDEDOOR"
DOORBELL = "event.front_door_doorbell"
RINGING = "binary_sensor.front_door_ringing"
MOTION_EVENT = "event.front_door_motion_event"
MOTION = "binary_sensor.front_door_motion"


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    """Add a second account with one doorbell to the default scenario."""
    scenario = Scenario.default()
    scenario.accounts.append(
        AccountSpec(
            id=SECOND_ACCOUNT_ID,
            first_name="Second",
            devices=[DeviceSpec(id=SIDE_DOOR_ID, name="Side Door", kind="doorbell")],
        )
    )
    return make_sim_config(scenario=scenario)


def _states(hass: HomeAssistant) -> dict[str, Any]:
    """Return every entity's state and attributes, to prove nothing changed."""
    return {
        state.entity_id: (state.state, dict(state.attributes))
        for state in hass.states.async_all()
    }


async def _api_requests(sim_control: SimControl) -> list[str]:
    """Return the API paths requested since the log was cleared (media downloads aside)."""
    return [
        request["path"]
        for request in await sim_control.requests()
        if "/media/" not in request["path"]
    ]


async def test_ding_from_simulator(
    hass: HomeAssistant, client: TestClient, sim_control: SimControl
) -> None:
    """A signed ding fires the doorbell event and turns on ringing, without API calls."""
    assert state_of(hass, DOORBELL).state == STATE_UNKNOWN
    assert state_of(hass, RINGING).state == STATE_OFF
    await sim_control.clear_requests()

    result = await sim_event(hass, sim_control, f"devices/{FRONT_DOOR_ID}/ding")

    state = state_of(hass, DOORBELL)
    assert state.attributes["event_type"] == "ring"
    assert (
        state.attributes["event_id"]
        == f"{FRONT_DOOR_ID}_button_press_{result['timestamp']}"
    )
    assert state.attributes["event_time"].startswith("20")
    assert state_of(hass, RINGING).state == STATE_ON
    assert await _api_requests(sim_control) == []
    deliveries = await sim_control.call("GET", "webhooks")
    assert deliveries[-1]["attempts"][0]["status"] == 200


@pytest.mark.parametrize("placement", ["data.subType", "attributes.sub_type", "both"])
@pytest.mark.parametrize(
    ("subtype", "event_type"),
    [
        ("human", "person"),
        ("vehicle", "vehicle"),
        ("other_motion", "motion"),
        ("motion", "motion"),
    ],
)
async def test_motion_subtypes(
    hass: HomeAssistant,
    client: TestClient,
    sim_control: SimControl,
    *,
    placement: str,
    subtype: str,
    event_type: str,
) -> None:
    """Both subtype placements map to the motion event types."""
    await sim_control.configure(motion_subtype_placement=placement)
    await sim_event(
        hass, sim_control, f"devices/{FRONT_DOOR_ID}/motion", {"subtype": subtype}
    )
    state = state_of(hass, MOTION_EVENT)
    assert state.attributes["event_type"] == event_type
    assert state.attributes["subtype"] == subtype
    assert state_of(hass, MOTION).state == STATE_ON


async def test_animal_and_missing_subtype(
    hass: HomeAssistant, client: TestClient
) -> None:
    """Animal (history vocabulary) has its own type; no subtype is plain motion."""
    body = webhook_body("motion_detected", device_id=FRONT_DOOR_ID, subtype="animal")
    assert (await post_webhook(client, body)).status == 200
    assert state_of(hass, MOTION_EVENT).attributes["event_type"] == "animal"
    body = webhook_body("motion_detected", device_id=FRONT_DOOR_ID, timestamp_ms=1)
    assert (await post_webhook(client, body)).status == 200
    state = state_of(hass, MOTION_EVENT)
    assert state.attributes["event_type"] == "motion"
    assert state.attributes["subtype"] is None


async def test_duplicates_fire_once(
    hass: HomeAssistant, client: TestClient, init_integration: MockConfigEntry
) -> None:
    """The same request_id, or the same data.id in a new request, fires one event."""
    body = webhook_body("button_press", device_id=FRONT_DOOR_ID, request_id="req-1")
    assert (await post_webhook(client, body)).status == 200
    first = state_of(hass, DOORBELL).state
    assert (await post_webhook(client, body)).status == 200
    retry = webhook_body("button_press", device_id=FRONT_DOOR_ID, request_id="req-2")
    assert (await post_webhook(client, retry)).status == 200
    assert state_of(hass, DOORBELL).state == first
    health = init_integration.runtime_data.push.health
    assert health.duplicates == 2
    assert health.counts["button_press"] == 1


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "sha256=" + "0" * 64,
        "sha1=abc",
        "garbage",
        "sha256=ünïcode",
        "wrong-key",
    ],
)
async def test_bad_signature_rejected(
    hass: HomeAssistant, client: TestClient, signature: str | None
) -> None:
    """A missing or wrong signature answers 401 and changes nothing."""
    body = webhook_body("button_press", device_id=FRONT_DOOR_ID)
    before = _states(hass)
    if signature == "wrong-key":
        response = await post_webhook(client, body, key="another-key")
    elif signature is None:
        response = await post_webhook(client, body, key=None)
    else:
        response = await post_webhook(client, body, signature=signature)
    assert response.status == 401
    await hass.async_block_till_done()
    assert _states(hass) == before


async def test_signature_over_other_bytes_rejected(
    hass: HomeAssistant, client: TestClient
) -> None:
    """A signature of another body (re-serialized, or one byte changed) is rejected."""
    body = webhook_body("button_press", device_id=FRONT_DOOR_ID)
    reserialized = json.dumps(json.loads(body), indent=1).encode()
    response = await post_webhook(
        client, reserialized, signature=compute_signature(body, HMAC_KEY)
    )
    assert response.status == 401
    upper = compute_signature(body, HMAC_KEY).upper().replace("SHA256=", "sha256=")
    assert (await post_webhook(client, body, signature=upper)).status == 200


async def test_signature_failures_raise_repair(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Several wrong signatures within an hour raise a repair; an hour later it clears."""
    body = webhook_body("button_press", device_id=FRONT_DOOR_ID)
    for _ in range(3):
        # Unsigned requests are scanners, not a wrong key: no repair.
        await post_webhook(client, body, key=None)
    for _ in range(SIGNATURE_FAILURE_THRESHOLD - 1):
        await post_webhook(client, body, key="wrong-key")
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_SIGNATURE_FAILURES) is None
    await post_webhook(client, body, key="wrong-key")
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE_SIGNATURE_FAILURES)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["webhook_url"].endswith(WEBHOOK_PATH)
    assert (
        init_integration.runtime_data.push.health.signature_failures
        == SIGNATURE_FAILURE_THRESHOLD
    )
    stats = hass.data[DATA_WEBHOOK].stats
    assert stats["unauthenticated"] == 3

    # A good webhook within the hour keeps the issue; after an hour without failures it goes.
    assert (await post_webhook(client, body)).status == 200
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_SIGNATURE_FAILURES) is not None
    freezer.tick(timedelta(hours=1, seconds=1))
    good = webhook_body("button_press", device_id=FRONT_DOOR_ID, timestamp_ms=2)
    assert (await post_webhook(client, good)).status == 200
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_SIGNATURE_FAILURES) is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b"null",
        b'{"meta": {}}',
        b'{"meta": {"request_id": "x"}, "data": {}}',
        b'{"meta": "x", "data": {"type": "button_press"}}',
        b'{"meta": {"request_id": "x"}, "data": {"type": 5}}',
    ],
)
async def test_malformed_body(
    hass: HomeAssistant, client: TestClient, body: bytes
) -> None:
    """A signed body that is not a webhook envelope answers 400 and changes nothing."""
    before = _states(hass)
    assert (await post_webhook(client, body)).status == 400
    assert _states(hass) == before


async def test_oversized_body(hass: HomeAssistant, client: TestClient) -> None:
    """Bodies above the cap answer 413, with or without Content-Length."""
    body = b"x" * (MAX_BODY_BYTES + 1)
    assert (await post_webhook(client, body)).status == 413

    async def _chunks() -> Any:
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b"y" * 1024

    response = await client.post(
        WEBHOOK_PATH, data=_chunks(), headers={"X-Signature": "sha256=" + "0" * 64}
    )
    assert response.status == 413
    assert hass.data[DATA_WEBHOOK].stats["oversized"] == 2


async def test_only_post(client: TestClient) -> None:
    """Other methods are not allowed."""
    assert (await client.get(WEBHOOK_PATH)).status == 405


async def test_unknown_account_device_and_type(
    hass: HomeAssistant, client: TestClient, init_integration: MockConfigEntry
) -> None:
    """Valid but unknown accounts, devices and types answer 200 and are counted."""
    before = _states(hass)
    unknown_account = webhook_body(
        "button_press", device_id=FRONT_DOOR_ID, account_id="ava1.ring.account.NOBODY"
    )
    assert (await post_webhook(client, unknown_account)).status == 200
    unknown_device = webhook_body("button_press", device_id="ava1.ring.device.NOTHING")
    assert (await post_webhook(client, unknown_device)).status == 200
    unknown_type = webhook_body("glass_break_detected", device_id=FRONT_DOOR_ID)
    assert (await post_webhook(client, unknown_type)).status == 200
    await hass.async_block_till_done(wait_background_tasks=True)

    assert hass.data[DATA_WEBHOOK].stats["unknown_account"] == 1
    health = init_integration.runtime_data.push.health
    assert health.unknown_devices == 1
    assert health.unknown_types == 1
    assert health.counts == {"button_press": 1, "glass_break_detected": 1}
    assert {k: v for k, v in _states(hass).items() if k in before} == before


async def test_envelope_v10_without_account_id(
    hass: HomeAssistant, client: TestClient
) -> None:
    """A v1.0 envelope (no account id) goes to the only entry its key verifies."""
    body = webhook_body("button_press", device_id=FRONT_DOOR_ID, account_id=None)
    assert (await post_webhook(client, body)).status == 200
    assert state_of(hass, DOORBELL).attributes["event_type"] == "ring"


async def test_two_accounts_routed(
    hass: HomeAssistant,
    client: TestClient,
    simulator: Simulator,
    sim_control: SimControl,
) -> None:
    """Each account's webhooks reach only its own entry."""
    second = entry_for(simulator, await link_account(sim_control, SECOND_ACCOUNT_ID))
    second.add_to_hass(hass)
    assert await hass.config_entries.async_setup(second.entry_id)
    await hass.async_block_till_done()
    side_door = "event.side_door_doorbell"
    assert state_of(hass, side_door).state == STATE_UNKNOWN

    await sim_event(hass, sim_control, f"devices/{SIDE_DOOR_ID}/ding")
    assert state_of(hass, side_door).attributes["event_type"] == "ring"
    assert state_of(hass, DOORBELL).state == STATE_UNKNOWN
    await sim_event(hass, sim_control, f"devices/{FRONT_DOOR_ID}/ding")
    assert state_of(hass, DOORBELL).attributes["event_type"] == "ring"
    assert second.runtime_data.push.health.counts["button_press"] == 1

    # A device of the second account claimed by the first is an unknown device.
    crossed = webhook_body("button_press", device_id=SIDE_DOOR_ID, timestamp_ms=5)
    side_state = state_of(hass, side_door).state
    assert (await post_webhook(client, crossed)).status == 200
    assert state_of(hass, side_door).state == side_state


async def test_route_needs_the_entry_key(
    hass: HomeAssistant, client: TestClient, init_integration: MockConfigEntry
) -> None:
    """A body signed with another entry's key is not applied to this account."""
    other = MockConfigEntry(
        domain=DOMAIN,
        unique_id="ava1.ring.account.OTHER",
        data={CONF_HMAC_KEY: "other-app-key"},
    )
    other.add_to_hass(hass)
    body = webhook_body("button_press", device_id=FRONT_DOOR_ID)
    assert (await post_webhook(client, body, key="other-app-key")).status == 200
    assert state_of(hass, DOORBELL).state == STATE_UNKNOWN
    assert hass.data[DATA_WEBHOOK].stats["unknown_account"] == 1


async def test_unloaded_entry_not_routed(
    hass: HomeAssistant, client: TestClient, init_integration: MockConfigEntry
) -> None:
    """Nothing is routed to an unloaded entry; its key still verifies (200, counted)."""
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    body = webhook_body("button_press", device_id=FRONT_DOOR_ID)
    assert (await post_webhook(client, body)).status == 200
    assert hass.data[DATA_WEBHOOK].stats["unknown_account"] == 1


def _delivery(request_id: str, event_id: str | None = None) -> WebhookEvent:
    """Return a lifecycle delivery with the given ids."""
    return WebhookEvent(
        version="1.1",
        sent_at=None,
        request_id=request_id,
        account_id="acct",
        event_id=event_id,
        event_type=WebhookEventType.APP_INTEGRATION_ADDED,
        type_name="app_integration_added",
    )


def test_ledger_deliveries_bounded() -> None:
    """The delivery memory forgets ids after the TTL and beyond its size."""
    now = [0.0]
    ledger = EventLedger(ttl=10, max_size=3, clock=lambda: now[0])
    assert ledger.is_new_delivery(_delivery("a"))
    assert not ledger.is_new_delivery(_delivery("a"))
    # A retry may come with a new request id but the same event id.
    assert ledger.is_new_delivery(_delivery("b", "e1"))
    assert not ledger.is_new_delivery(_delivery("c", "e1"))
    # Capacity 3: "a" was pushed out by b, e1 and c.
    assert ledger.is_new_delivery(_delivery("a"))
    now[0] = 11
    assert ledger.is_new_delivery(_delivery("c"))


async def test_device_offline_and_online(
    hass: HomeAssistant, client: TestClient, sim_control: SimControl
) -> None:
    """device_offline/device_online change connectivity at once, without polling."""
    connectivity = "binary_sensor.front_door_connectivity"
    assert state_of(hass, connectivity).state == STATE_ON
    await sim_control.clear_requests()
    await sim_event(hass, sim_control, f"devices/{FRONT_DOOR_ID}/offline")
    assert state_of(hass, connectivity).state == STATE_OFF
    await sim_event(hass, sim_control, f"devices/{FRONT_DOOR_ID}/online")
    assert state_of(hass, connectivity).state == STATE_ON
    assert await _api_requests(sim_control) == []


async def test_device_added_appears_live(
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
    device_registry: dr.DeviceRegistry,
) -> None:
    """device_added refreshes devices after answering; the device and entities appear."""
    result = await sim_control.call(
        "POST",
        f"accounts/{DEFAULT_ACCOUNT_ID}/devices",
        {"name": "Porch", "kind": "camera"},
    )
    await sim_control.sim.state.webhooks.drain()
    await hass.async_block_till_done(wait_background_tasks=True)
    entry_id = init_integration.entry_id
    assert (
        device_registry.async_get_device_by_identifier((DOMAIN, result["id"]), entry_id)
        is not None
    )
    assert hass.states.get("event.porch_motion_event") is not None
    assert state_of(hass, "binary_sensor.porch_motion").state == STATE_OFF


async def test_device_removed_disappears(
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    sim_control: SimControl,
    device_registry: dr.DeviceRegistry,
) -> None:
    """device_removed refreshes devices; the device and its entities go."""
    assert hass.states.get("event.backyard_motion_event") is not None
    await sim_event(hass, sim_control, f"devices/{BACKYARD_ID}/remove")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert (
        device_registry.async_get_device_by_identifier(
            (DOMAIN, BACKYARD_ID), init_integration.entry_id
        )
        is None
    )
    assert hass.states.get("event.backyard_motion_event") is None


async def test_app_integration_removed_starts_reauth(
    hass: HomeAssistant,
    client: TestClient,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
) -> None:
    """app_integration_removed: entities unavailable, reauth started, later events ignored."""
    await sim_event(hass, sim_control, f"accounts/{DEFAULT_ACCOUNT_ID}/uninstall")
    await hass.async_block_till_done()
    assert state_of(hass, DOORBELL).state == STATE_UNAVAILABLE
    assert state_of(hass, RINGING).state == STATE_UNAVAILABLE
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    health = init_integration.runtime_data.push.health
    assert health.revoked
    assert health.counts["app_integration_removed"] == 1

    body = webhook_body("button_press", device_id=FRONT_DOOR_ID)
    assert (await post_webhook(client, body)).status == 200
    assert state_of(hass, DOORBELL).state == STATE_UNAVAILABLE


async def test_app_integration_added_and_subscriptions_recorded(
    hass: HomeAssistant,
    client: TestClient,
    sim_control: SimControl,
    init_integration: MockConfigEntry,
) -> None:
    """app_integration_added and subscription webhooks are recorded in the health data."""
    assert (
        await post_webhook(client, webhook_body("app_integration_added"))
    ).status == 200
    await sim_event(
        hass,
        sim_control,
        f"accounts/{DEFAULT_ACCOUNT_ID}/subscription",
        {"active": True},
    )
    await sim_event(
        hass,
        sim_control,
        f"accounts/{DEFAULT_ACCOUNT_ID}/subscription",
        {"active": False},
    )
    health = init_integration.runtime_data.push.health
    assert health.integration_added_at is not None
    assert health.last_subscription_event == "subscription_deactivated"
    assert health.counts["subscription_activated"] == 1
    diagnostics = health.as_dict()
    assert diagnostics["counts"]["app_integration_added"] == 1
    assert diagnostics["receiving"] is True


@pytest.mark.usefixtures("setup_integration_yaml")
async def test_no_webhook_repair(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    simulator: Simulator,
    sim_control: SimControl,
    issue_registry: ir.IssueRegistry,
) -> None:
    """No webhook within a day of linking raises a repair with the URL; one clears it."""
    account = await link_account(sim_control)
    old = replace(account, linked_at=account.linked_at - timedelta(hours=25))
    entry = entry_for(simulator, old)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    issue_id = f"no_webhook_received_{entry.entry_id}"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["webhook_url"].endswith(WEBHOOK_PATH)

    client = await webhook_client(hass, hass_client_no_auth, sim_control)
    await sim_event(hass, sim_control, f"devices/{FRONT_DOOR_ID}/ding")
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None

    # The first webhook is remembered: a reload raises no issue again.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert client is not None


@pytest.mark.usefixtures("setup_integration_yaml")
async def test_no_repair_within_the_first_day(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Within a day of linking there is no repair; at the deadline it appears."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    issue_id = f"no_webhook_received_{config_entry.entry_id}"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    freezer.tick(timedelta(hours=24, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None


async def test_slow_body_times_out(hass: HomeAssistant, client: TestClient) -> None:
    """A body that trickles in past the read timeout answers 408 (Ring's limit is 5 s)."""

    async def _slow() -> Any:
        yield b'{"meta":'
        await asyncio.sleep(0.2)
        yield b"{}}"

    with patch("custom_components.ring_partner.push.receiver.READ_TIMEOUT", 0.05):
        response = await client.post(
            WEBHOOK_PATH, data=_slow(), headers={"X-Signature": "sha256=" + "0" * 64}
        )
    assert response.status == 408


async def test_webhook_url_without_a_known_address(hass: HomeAssistant) -> None:
    """Without any configured URL, the repair text still names the path to register."""
    url = async_webhook_url(hass)
    assert url == f"https://<your Home Assistant address>{WEBHOOK_PATH}"


async def test_webhook_before_the_deadline_prevents_the_repair(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A webhook within the first day means no repair at the deadline."""
    body = webhook_body("device_online", device_id=FRONT_DOOR_ID)
    assert (await post_webhook(client, body)).status == 200
    freezer.tick(timedelta(hours=24, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    issue_id = f"no_webhook_received_{init_integration.entry_id}"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
