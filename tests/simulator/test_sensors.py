"""Sensor events: status changes, sensor webhooks and bad input (`/_sim/devices/{id}/sensor`)."""

import json
from typing import Any

import aiohttp
import pytest

from simulator import Simulator, SimulatorConfig
from simulator.ids import ManualClock
from simulator.scenario import (
    AIR_QUALITY_SENSOR_ID,
    CLIMATE_SENSOR_ID,
    CONTACT_SENSOR_ID,
    FLOOD_SENSOR_ID,
    FRONT_DOOR_ID,
    Scenario,
)
from simulator.sensors import STATE_EVENTS
from simulator.webhooks import SENSOR_STATE_WEBHOOKS, SENSOR_WEBHOOK_TYPES

from .helpers import api, control, link_account
from .partner import Partner


@pytest.fixture
def sim_config(clock: ManualClock) -> SimulatorConfig:
    """Run the `everything` scenario."""
    return SimulatorConfig(
        port=0,
        media_port=0,
        clock=clock,
        seed=2,
        time_scale=0.001,
        scenario=Scenario.everything(),
    )


@pytest.fixture
async def linked(
    sim: Simulator, session: aiohttp.ClientSession, partner: Partner
) -> str:
    """Link the default account (webhooks flow), forget linking's webhooks; return a token."""
    await link_account(session, sim, partner_tokens=partner.tokens)
    await sim.state.webhooks.drain()
    partner.webhooks.clear()
    await control(session, sim, "/webhooks", method="DELETE")
    return str(partner.tokens[-1]["access_token"])


async def _webhooks(sim: Simulator, partner: Partner) -> list[dict[str, Any]]:
    """Return the payloads received so far."""
    await sim.state.webhooks.drain()
    return [json.loads(raw) for raw, _ in partner.webhooks]


async def _status(
    session: aiohttp.ClientSession, sim: Simulator, token: str, device_id: str
) -> dict[str, Any]:
    """Return a device's status attributes."""
    body = await api(session, sim, f"/v1/devices/{device_id}/status", token)
    return dict(body["data"]["attributes"])


@pytest.mark.parametrize(
    ("device_id", "event", "field", "value"),
    [
        (
            CONTACT_SENSOR_ID,
            "contact_sensor_faulted",
            "contact_detection",
            {"faulted": True},
        ),
        (CONTACT_SENSOR_ID, "tamper_detected", "tamper_detection", {"detected": True}),
        (FLOOD_SENSOR_ID, "flood_detected", "flood_detection", {"faulted": True}),
        (FLOOD_SENSOR_ID, "freeze_detected", "freeze_detection", {"faulted": True}),
        (FLOOD_SENSOR_ID, "tamper_detected", "tamper_detection", {"detected": True}),
    ],
)
async def test_state_events(
    sim: Simulator,
    session: aiohttp.ClientSession,
    partner: Partner,
    linked: str,
    clock: ManualClock,
    *,
    device_id: str,
    event: str,
    field: str,
    value: dict[str, bool],
) -> None:
    """A state event flips its status field and sends the webhook; the clear flips it back."""
    result = await control(
        session, sim, f"/devices/{device_id}/sensor", {"event": event}
    )
    ts = result["timestamp"]
    assert result["event_id"] == f"{device_id}_{event}_{ts}"
    assert (await _status(session, sim, linked, device_id))[field] == value
    clock.advance(5)
    cleared = event.replace("faulted", "cleared").replace("detected", "cleared")
    await control(session, sim, f"/devices/{device_id}/sensor", {"event": cleared})
    assert (await _status(session, sim, linked, device_id))[field] == dict.fromkeys(
        value, False
    )
    first, second = await _webhooks(sim, partner)
    assert first["meta"]["request_id"] == result["request_id"]
    assert first["data"] == {
        "id": f"{device_id}_{event}_{ts}",
        "type": event,
        "attributes": {"source": device_id, "source_type": "devices", "timestamp": ts},
        "relationships": {"devices": {"links": {"self": f"/v1/devices/{device_id}"}}},
    }
    assert second["data"]["type"] == cleared
    history = await api(session, sim, f"/v1/history/devices/{device_id}/events", linked)
    assert history == {"data": []}


async def test_readings_and_threshold_events(
    sim: Simulator, session: aiohttp.ClientSession, partner: Partner, linked: str
) -> None:
    """Readings change status; threshold events carry the reading and threshold type."""
    path = f"/devices/{CLIMATE_SENSOR_ID}/sensor"
    result = await control(session, sim, path, {"temperature": 31.5, "battery": 40})
    assert result["event_id"] is None
    assert result["request_id"] is None
    status = await _status(session, sim, linked, CLIMATE_SENSOR_ID)
    assert status["temperature"] == {"value": 31.5, "unit": "celsius"}
    assert status["battery_status"] == {"percentage": 40}
    await control(session, sim, path, {"event": "temperature_exceeded"})
    await control(
        session,
        sim,
        path,
        {"event": "humidity_exceeded", "humidity": 12, "threshold_type": "min"},
    )
    await control(session, sim, path, {"event": "humidity_cleared", "humidity": 40})
    await control(session, sim, path, {"event": "pm25_exceeded", "reading": 80})
    await control(session, sim, path, {"event": "co_cleared"})
    payloads = await _webhooks(sim, partner)
    attrs = [p["data"]["attributes"] for p in payloads]
    assert attrs[0]["temperature"] == 31.5
    assert attrs[0]["threshold_type"] == "max"
    assert (attrs[1]["humidity"], attrs[1]["threshold_type"]) == (12.0, "min")
    assert attrs[2]["humidity"] == 40.0
    assert "threshold_type" not in attrs[2]
    assert attrs[3]["pm25"] == 80.0
    assert "co" not in attrs[4]
    assert [p["data"]["type"] for p in payloads] == [
        "temperature_exceeded",
        "humidity_exceeded",
        "humidity_cleared",
        "pm25_exceeded",
        "co_cleared",
    ]


async def test_air_quality_sensor_pm25_webhooks(
    sim: Simulator, session: aiohttp.ClientSession, partner: Partner, linked: str
) -> None:
    """An air-quality sensor's `pm25_*` always carry its reading; a body reading replaces it."""
    path = f"/devices/{AIR_QUALITY_SENSOR_ID}/sensor"
    await control(session, sim, path, {"event": "pm25_exceeded", "reading": 80})
    await control(session, sim, path, {"event": "pm25_cleared"})
    await control(session, sim, path, {"event": "pm25_exceeded", "reading": -5})
    payloads = await _webhooks(sim, partner)
    attrs = [p["data"]["attributes"] for p in payloads]
    assert (attrs[0]["pm25"], attrs[0]["threshold_type"]) == (80.0, "max")
    assert attrs[1]["pm25"] == 80.0
    assert "threshold_type" not in attrs[1]
    # Readings Ring should never send still go out, for receivers to be tested with.
    assert attrs[2]["pm25"] == -5.0
    status = await _status(session, sim, linked, AIR_QUALITY_SENSOR_ID)
    assert "pm25" not in status
    state = await control(session, sim, "/state", method="GET")
    air = next(d for d in state["devices"] if d["id"] == AIR_QUALITY_SENSOR_ID)
    assert air["sensor"]["pm25_ugm3"] == -5.0


async def test_unknown_sensor_event_is_sent_as_given(
    sim: Simulator, session: aiohttp.ClientSession, partner: Partner, linked: str
) -> None:
    """A name Ring might add later goes out unchanged and changes no status."""
    before = await _status(session, sim, linked, CONTACT_SENSOR_ID)
    await control(
        session,
        sim,
        f"/devices/{CONTACT_SENSOR_ID}/sensor",
        {"event": "glass_break_detected"},
    )
    (payload,) = await _webhooks(sim, partner)
    assert payload["data"]["type"] == "glass_break_detected"
    after = await _status(session, sim, linked, CONTACT_SENSOR_ID)
    assert {k: v for k, v in after.items() if k != "reported_at"} == {
        k: v for k, v in before.items() if k != "reported_at"
    }


async def test_deliver_false_drops_one_sensor_webhook(
    sim: Simulator, session: aiohttp.ClientSession, partner: Partner, linked: str
) -> None:
    """`deliver: false` loses that webhook (logged as suppressed) but still changes status."""
    path = f"/devices/{FLOOD_SENSOR_ID}/sensor"
    dropped = await control(
        session, sim, path, {"event": "flood_detected", "deliver": False}
    )
    assert dropped["request_id"] is None
    await control(session, sim, path, {"event": "freeze_detected"})
    (payload,) = await _webhooks(sim, partner)
    assert payload["data"]["type"] == "freeze_detected"
    status = await _status(session, sim, linked, FLOOD_SENSOR_ID)
    assert status["flood_detection"] == {"faulted": True}
    log = await control(session, sim, "/webhooks", method="GET")
    assert [(d["type"], d["suppressed"]) for d in log] == [
        ("flood_detected", "deliver: false"),
        ("freeze_detected", None),
    ]


async def test_bad_sensor_input(
    sim: Simulator, session: aiohttp.ClientSession, partner: Partner, linked: str
) -> None:
    """Wrong kind 409, bad values 400, offline 409; nothing changes on refusal."""
    contact = f"/devices/{CONTACT_SENSOR_ID}/sensor"
    for body, expect in (
        ({"event": "flood_detected"}, 409),
        ({"event": "temperature_exceeded"}, 409),
        ({"temperature": 20}, 409),
        ({"event": "Flood Detected"}, 400),
        ({"event": 5}, 400),
        ({"battery": 300}, 400),
        ({"battery": True}, 400),
        ({"event": "tamper_detected", "deliver": "no"}, 400),
        ({"event": "pm25_exceeded", "reading": "high"}, 400),
    ):
        await control(session, sim, contact, body, expect=expect)
    climate = f"/devices/{CLIMATE_SENSOR_ID}/sensor"
    await control(
        session,
        sim,
        climate,
        {"event": "temperature_exceeded", "threshold_type": "mid", "temperature": 99},
        expect=400,
    )
    await control(session, sim, climate, {"humidity": float("nan")}, expect=400)
    status = await _status(session, sim, linked, CLIMATE_SENSOR_ID)
    assert status["temperature"]["value"] == 21.5
    await control(session, sim, f"/devices/{FRONT_DOOR_ID}/sensor", {}, expect=409)
    await control(session, sim, f"/devices/{CONTACT_SENSOR_ID}/offline")
    await control(session, sim, contact, {"event": "tamper_detected"}, expect=409)
    await control(session, sim, "/devices/nope/sensor", {}, expect=404)
    await control(session, sim, f"/devices/{CONTACT_SENSOR_ID}/remove")
    await control(session, sim, contact, {"event": "tamper_detected"}, expect=409)
    assert not sim.state.devices[CONTACT_SENSOR_ID].sensor.tamper_detected


def test_state_event_names_match_the_webhook_list() -> None:
    """The events that change status are exactly the sensor state webhooks offered to tests."""
    assert set(STATE_EVENTS) == set(SENSOR_STATE_WEBHOOKS)
    assert set(SENSOR_STATE_WEBHOOKS) <= set(SENSOR_WEBHOOK_TYPES)
