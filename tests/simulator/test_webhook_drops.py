"""One lost webhook while others flow (`deliver: false`) and motion subtypes beyond the docs."""

import json
from typing import Any

import aiohttp
import pytest

from simulator import Simulator
from simulator.ids import ManualClock
from simulator.scenario import BACKYARD_ID, DEFAULT_ACCOUNT_ID, FRONT_DOOR_ID

from .helpers import api, control, link_account
from .partner import Partner


@pytest.fixture
async def linked(
    sim: Simulator, session: aiohttp.ClientSession, partner: Partner
) -> str:
    """Link the default account and forget linking's webhooks; return the access token."""
    await link_account(session, sim, partner_tokens=partner.tokens)
    await sim.state.webhooks.drain()
    partner.webhooks.clear()
    await control(session, sim, "/webhooks", method="DELETE")
    return str(partner.tokens[-1]["access_token"])


async def _received(sim: Simulator, partner: Partner) -> list[dict[str, Any]]:
    """Return the payloads the partner received."""
    await sim.state.webhooks.drain()
    return [json.loads(raw) for raw, _ in partner.webhooks]


async def test_single_webhook_lost_while_others_flow(
    sim: Simulator,
    session: aiohttp.ClientSession,
    partner: Partner,
    linked: str,
    clock: ManualClock,
) -> None:
    """The dropped event is in history and the log (suppressed), but never delivered."""
    door = f"/devices/{FRONT_DOOR_ID}"
    first = await control(session, sim, f"{door}/motion", {"subtype": "human"})
    clock.advance(1)
    lost = await control(session, sim, f"{door}/ding", {"deliver": False})
    clock.advance(1)
    last = await control(session, sim, f"/devices/{BACKYARD_ID}/motion", {})
    assert lost["request_id"] is None
    payloads = await _received(sim, partner)
    assert [p["meta"]["request_id"] for p in payloads] == [
        first["request_id"],
        last["request_id"],
    ]
    log = await control(session, sim, "/webhooks", method="GET")
    assert [(d["type"], d["suppressed"], d["delivered"]) for d in log] == [
        ("motion_detected", None, True),
        ("button_press", "deliver: false", False),
        ("motion_detected", None, True),
    ]
    history = await api(
        session, sim, f"/v1/history/devices/{FRONT_DOOR_ID}/events", linked
    )
    assert [e["id"] for e in history["data"]] == [lost["event_id"], first["event_id"]]


async def test_deliver_false_on_every_action(
    sim: Simulator, session: aiohttp.ClientSession, partner: Partner, linked: str
) -> None:
    """Lifecycle, sharing and subscription actions take `deliver` too; bad values are 400."""
    door = f"/devices/{FRONT_DOOR_ID}"
    for action in ("offline", "online", "remove", "add"):
        await control(session, sim, f"{door}/{action}", {"deliver": False})
    await control(
        session, sim, f"/accounts/{DEFAULT_ACCOUNT_ID}/subscription", {"deliver": False}
    )
    await control(
        session,
        sim,
        "/accounts/default/devices",
        {"name": "Shed", "kind": "camera", "deliver": False},
    )
    assert await _received(sim, partner) == []
    log = await control(session, sim, "/webhooks", method="GET")
    assert len(log) == 6
    assert {d["suppressed"] for d in log} == {"deliver: false"}
    await control(session, sim, f"{door}/ding", {"deliver": "no"}, expect=400)
    before = len(sim.state.devices)
    await control(
        session,
        sim,
        "/accounts/default/devices",
        {"name": "Bad", "kind": "camera", "deliver": 1},
        expect=400,
    )
    assert len(sim.state.devices) == before
    await control(
        session,
        sim,
        f"/accounts/{DEFAULT_ACCOUNT_ID}/subscription",
        {"deliver": 0},
        expect=400,
    )


@pytest.mark.parametrize("subtype", ["package", "package_delivery", "animal", "Bird-2"])
async def test_unknown_subtypes_are_sent(
    sim: Simulator,
    session: aiohttp.ClientSession,
    partner: Partner,
    linked: str,
    subtype: str,
) -> None:
    """Any subtype goes out in the configured placement and into `data.id`."""
    await control(session, sim, "/config", {"motion_subtype_placement": "both"})
    result = await control(
        session, sim, f"/devices/{FRONT_DOOR_ID}/motion", {"subtype": subtype}
    )
    (payload,) = await _received(sim, partner)
    data = payload["data"]
    assert data["subType"] == data["attributes"]["sub_type"] == subtype
    assert data["id"] == f"{FRONT_DOOR_ID}_{subtype}_{result['timestamp']}"
    history = await api(
        session, sim, f"/v1/history/devices/{FRONT_DOOR_ID}/events", linked
    )
    assert history["data"][0]["attributes"]["event_type"] == "motion"
