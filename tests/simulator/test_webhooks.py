"""Webhook envelopes, signatures, retries, switches and chaos."""

import json
import time
from typing import Any

import aiohttp
import pytest

from simulator import Simulator
from simulator.ids import ManualClock
from simulator.scenario import (
    BACKYARD_ID,
    DEFAULT_ACCOUNT_ID,
    FRONT_DOOR_ID,
    PLAYGROUND_DEVICE_ID,
)
from simulator.webhooks import WEBHOOK_TYPES, compute_signature

from .helpers import control, link_account
from .partner import Partner


async def _received(sim: Simulator, partner: Partner) -> list[dict[str, Any]]:
    """Wait for deliveries to finish; return the received payloads (signatures checked)."""
    await sim.state.webhooks.drain()
    payloads = []
    for raw, headers in partner.webhooks:
        assert headers["X-Signature"] == compute_signature(raw, "sim-hmac-key")
        assert headers["Content-Type"] == "application/json"
        payloads.append(json.loads(raw))
    return payloads


@pytest.fixture
async def linked(
    sim: Simulator, session: aiohttp.ClientSession, partner: Partner
) -> Partner:
    """Link the default account (completed) and forget the webhooks of linking."""
    await link_account(session, sim, partner_tokens=partner.tokens)
    await sim.state.webhooks.drain()
    partner.webhooks.clear()
    await control(session, sim, "/webhooks", method="DELETE")
    return partner


async def test_motion_envelope(
    sim: Simulator, session: aiohttp.ClientSession, linked: Partner, clock: ManualClock
) -> None:
    """v1.1 envelope, data.id, subtype placement, relationships."""
    result = await control(
        session, sim, f"/devices/{FRONT_DOOR_ID}/motion", {"subtype": "human"}
    )
    (payload,) = await _received(sim, linked)
    ts = result["timestamp"]
    assert ts == int(clock() * 1000)
    assert payload["meta"]["version"] == "1.1"
    assert payload["meta"]["request_id"] == result["request_id"]
    assert payload["meta"]["account_id"] == DEFAULT_ACCOUNT_ID
    assert payload["meta"]["time"].endswith("000000Z")
    assert payload["data"] == {
        "id": f"{FRONT_DOOR_ID}_human_{ts}",
        "type": "motion_detected",
        "subType": "human",
        "attributes": {
            "source": FRONT_DOOR_ID,
            "source_type": "devices",
            "timestamp": ts,
        },
        "relationships": {
            "devices": {"links": {"self": f"/v1/devices/{FRONT_DOOR_ID}"}}
        },
    }
    await control(
        session, sim, "/config", {"motion_subtype_placement": "attributes.sub_type"}
    )
    await control(
        session, sim, f"/devices/{FRONT_DOOR_ID}/motion", {"subtype": "vehicle"}
    )
    payload = (await _received(sim, linked))[-1]
    assert "subType" not in payload["data"]
    assert payload["data"]["attributes"]["sub_type"] == "vehicle"
    await control(session, sim, "/config", {"motion_subtype_placement": "both"})
    await control(
        session, sim, f"/devices/{FRONT_DOOR_ID}/motion", {"subtype": "other_motion"}
    )
    payload = (await _received(sim, linked))[-1]
    assert (
        payload["data"]["subType"]
        == payload["data"]["attributes"]["sub_type"]
        == "other_motion"
    )


async def test_all_ten_types(
    sim: Simulator, session: aiohttp.ClientSession, partner: Partner
) -> None:
    """Every documented webhook type can be produced and is delivered once completed."""
    await link_account(session, sim, partner_tokens=partner.tokens)
    device = f"/devices/{FRONT_DOOR_ID}"
    for action in ("motion", "ding", "offline", "online", "remove", "add"):
        await control(
            session,
            sim,
            f"{device}/{action}",
            {"subtype": "human"} if action == "motion" else None,
        )
    account = f"/accounts/{DEFAULT_ACCOUNT_ID}"
    await control(
        session, sim, f"{account}/subscription", {"active": True, "sub_type": "trial"}
    )
    await control(
        session, sim, f"{account}/subscription", {"active": False, "sub_type": "trial"}
    )
    await control(session, sim, f"{account}/uninstall")
    payloads = await _received(sim, partner)
    assert sorted({p["data"]["type"] for p in payloads}) == sorted(WEBHOOK_TYPES)
    by_type = {p["data"]["type"]: p["data"] for p in payloads}
    assert by_type["button_press"]["id"].startswith(f"{FRONT_DOOR_ID}_button_press_")
    assert by_type["device_offline"]["id"].startswith(
        f"{FRONT_DOOR_ID}_device_offline_"
    )
    activated = by_type["subscription_activated"]
    assert activated["attributes"]["sub_type"] == "trial"
    assert activated["attributes"]["plan_id"] is None
    assert "expires_at" in activated["attributes"]
    assert "expires_at" not in by_type["subscription_deactivated"]["attributes"]
    assert activated["relationships"]["devices"]["data"][0]["type"] == "device"
    assert "relationships" not in by_type["app_integration_removed"]


async def test_retries_on_5xx(
    sim: Simulator, session: aiohttp.ClientSession, linked: Partner
) -> None:
    """5xx is retried until 2xx; the same body and request id every time."""
    linked.webhook_statuses = [500, 503, 200]
    await control(session, sim, f"/devices/{FRONT_DOOR_ID}/ding")
    payloads = await _received(sim, linked)
    assert len(payloads) == 3
    assert len({p["meta"]["request_id"] for p in payloads}) == 1
    assert len({raw for raw, _ in linked.webhooks}) == 1
    (delivery,) = await control(session, sim, "/webhooks", method="GET")
    assert [a["status"] for a in delivery["attempts"]] == [500, 503, 200]
    assert delivery["delivered"] is True
    assert delivery["pending"] is False


async def test_retry_schedule_exhausted(
    sim: Simulator, session: aiohttp.ClientSession, linked: Partner
) -> None:
    """Seven attempts in all (1 s ... 1 h scaled), then the event is given up."""
    await control(session, sim, "/config", {"time_scale": 0.0002})
    linked.webhook_statuses = [500] * 10
    started = time.monotonic()
    await control(session, sim, f"/devices/{FRONT_DOOR_ID}/ding")
    assert len(await _received(sim, linked)) == 7
    elapsed = time.monotonic() - started
    assert elapsed >= (1 + 5 + 30 + 120 + 600 + 3600) * 0.0002
    (delivery,) = await control(session, sim, "/webhooks", method="GET")
    assert delivery["delivered"] is False


async def test_no_retry_on_4xx(
    sim: Simulator, session: aiohttp.ClientSession, linked: Partner
) -> None:
    """4xx is a permanent failure."""
    linked.webhook_statuses = [401]
    await control(session, sim, f"/devices/{FRONT_DOOR_ID}/ding")
    assert len(await _received(sim, linked)) == 1
    (delivery,) = await control(session, sim, "/webhooks", method="GET")
    assert delivery["attempts"][0]["status"] == 401
    assert delivery["delivered"] is False


async def test_timeout_is_retried(
    sim: Simulator, session: aiohttp.ClientSession, linked: Partner
) -> None:
    """No answer within the timeout counts as a failure and is retried."""
    await control(session, sim, "/config", {"webhook_timeout_s": 0.1})
    linked.webhook_delays = [0.5]
    await control(session, sim, f"/devices/{FRONT_DOOR_ID}/ding")
    await sim.state.webhooks.drain()
    (delivery,) = await control(session, sim, "/webhooks", method="GET")
    assert [a["error"] for a in delivery["attempts"]] == ["timeout", None]
    assert delivery["delivered"] is True


async def test_switches_suppress(
    sim: Simulator, session: aiohttp.ClientSession, linked: Partner
) -> None:
    """webhook_delivery off and the Playground never deliver; the log says why."""
    await control(session, sim, "/config", {"webhook_delivery": False})
    result = await control(session, sim, f"/devices/{FRONT_DOOR_ID}/ding")
    assert result["request_id"] is None
    await control(session, sim, "/config", {"webhook_delivery": True})
    await control(session, sim, f"/devices/{PLAYGROUND_DEVICE_ID}/ding")
    assert await _received(sim, linked) == []
    log = await control(session, sim, "/webhooks", method="GET")
    assert [d["suppressed"] for d in log] == ["webhook_delivery off", "playground"]
    await control(session, sim, "/webhooks", method="DELETE")
    assert await control(session, sim, "/webhooks", method="GET") == []


async def test_chaos_duplicates(
    sim: Simulator, session: aiohttp.ClientSession, linked: Partner
) -> None:
    """With duplicate_rate 1 every delivery arrives twice with the same request id."""
    await control(
        session,
        sim,
        "/config",
        {"webhook_duplicate_rate": 1.0, "webhook_max_delay_ms": 5},
    )
    await control(session, sim, f"/devices/{FRONT_DOOR_ID}/ding")
    first, second = await _received(sim, linked)
    assert first == second


async def test_chaos_reorder(
    sim: Simulator, session: aiohttp.ClientSession, linked: Partner, clock: ManualClock
) -> None:
    """With reordering, two quick events arrive in the opposite order."""
    await control(session, sim, "/config", {"webhook_reorder": True})
    await control(session, sim, f"/devices/{FRONT_DOOR_ID}/ding")
    clock.advance(1)
    await control(session, sim, f"/devices/{BACKYARD_ID}/motion", {"subtype": "human"})
    payloads = await _received(sim, linked)
    assert [p["data"]["type"] for p in payloads] == ["motion_detected", "button_press"]
