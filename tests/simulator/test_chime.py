"""Chime playback `POST /v1/devices/{id}/media/audio/playback`: readings, errors, plays log."""

from typing import Any

import aiohttp
import pytest

from simulator import Simulator
from simulator.scenario import BACKYARD_ID, CHIME_ID, PLAYGROUND_DEVICE_ID

from .helpers import bearer, control, partner_initiated_tokens

VALIDATION_ERROR = {
    "status": "400",
    "title": "Validation Error",
    "detail": "The request contains invalid input.",
}


async def _play(
    session: aiohttp.ClientSession,
    sim: Simulator,
    token: str | None,
    body: Any,
    *,
    device_id: str = CHIME_ID,
    raw: bytes | None = None,
) -> tuple[int, Any]:
    """POST a playback request; return status and JSON body (None when empty)."""
    url = f"{sim.base_url}/v1/devices/{device_id}/media/audio/playback"
    headers = bearer(token) if token else {}
    if raw is not None:
        headers["Content-Type"] = "application/json"
        request = session.post(url, data=raw, headers=headers)
    else:
        request = session.post(url, json=body, headers=headers)
    async with request as response:
        text = await response.text()
        return response.status, (await response.json()) if text else None


def _slot_ref(sim: Simulator, index: int = 0) -> str:
    """Return a chime slot's audio ref from the simulator's state."""
    ref = sim.state.devices[CHIME_ID].slots[index].audio_ref
    assert ref is not None
    return ref


async def _plays(session: aiohttp.ClientSession, sim: Simulator) -> list[Any]:
    """Return the recorded plays."""
    return list(await control(session, sim, "/chime/plays", method="GET"))


async def test_both_body_readings_play(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """`audio_ref` (flat or JSON:API-wrapped) and `event` both play; each play is logged."""
    ref = _slot_ref(sim)
    for body in (
        {"audio_ref": ref},
        {"data": {"type": "audio", "attributes": {"audio_ref": ref}}},
        {"event": "ring-appstore-event-1"},
        {"event": "ring-appstore-event-1", "audio_ref": ref},
    ):
        assert await _play(session, sim, token, body) == (204, None)
    plays = await _plays(session, sim)
    assert [p["reading"] for p in plays] == [
        "audio_ref",
        "audio_ref",
        "event",
        "audio_ref,event",
    ]
    assert {(p["device_id"], p["event"], p["audio_ref"]) for p in plays} == {
        (CHIME_ID, "ring-appstore-event-1", ref)
    }
    assert plays[0]["time"] == sim.state.now_ms()
    await control(session, sim, "/chime/plays", method="DELETE")
    assert await _plays(session, sim) == []


@pytest.mark.parametrize(
    ("mode", "right", "wrong"),
    [("audio_ref", "audio_ref", "event"), ("event", "event", "audio_ref")],
)
async def test_one_reading_is_right(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    *,
    mode: str,
    right: str,
    wrong: str,
) -> None:
    """With the switch set, the other reading answers 400 Validation Error, so a fallback can run."""
    await control(session, sim, "/config", {"chime_playback_body": mode})
    values = {"audio_ref": _slot_ref(sim), "event": "ring-appstore-event-1"}
    status, body = await _play(session, sim, token, {wrong: values[wrong]})
    assert (status, body) == (400, {"errors": [VALIDATION_ERROR]})
    assert await _plays(session, sim) == []
    assert (await _play(session, sim, token, {right: values[right]}))[0] == 204
    (play,) = await _plays(session, sim)
    assert play["reading"] == right


async def test_json_answer(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """`chime_playback_response: json` answers 200 with a JSON:API status."""
    await control(session, sim, "/config", {"chime_playback_response": "json"})
    status, body = await _play(session, sim, token, {"event": "ring-appstore-event-1"})
    assert status == 200
    assert body["data"]["type"] == "audio-playback"
    assert body["data"]["attributes"]["status"] == "playing"
    assert body["data"]["attributes"]["event"] == "ring-appstore-event-1"
    assert body["data"]["id"] == (await _plays(session, sim))[0]["id"]


async def test_validation_errors(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """No capability, unassigned or unknown slots and malformed bodies: 400 Validation Error."""
    cases: list[tuple[Any, str]] = [
        ({"event": "ring-appstore-event-1"}, BACKYARD_ID),
        ({"event": "ring-appstore-event-2"}, CHIME_ID),
        ({"event": "ring-appstore-event-9"}, CHIME_ID),
        ({"audio_ref": "nope"}, CHIME_ID),
        ({"event": 1}, CHIME_ID),
        ({}, CHIME_ID),
        ([], CHIME_ID),
        ({"event": "ring-appstore-event-1", "audio_ref": "other"}, CHIME_ID),
    ]
    for body, device_id in cases:
        status, answer = await _play(session, sim, token, body, device_id=device_id)
        assert (status, answer) == (400, {"errors": [VALIDATION_ERROR]}), body
    for raw in (b"{", b"", b"\xff"):
        status, answer = await _play(session, sim, token, None, raw=raw)
        assert (status, answer) == (400, {"errors": [VALIDATION_ERROR]})
    assert await _plays(session, sim) == []


async def test_errors_401_404_503(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """Bad bearer 401, unknown or foreign device 404, offline chime 503."""
    body = {"event": "ring-appstore-event-1"}
    status, answer = await _play(session, sim, None, body)
    assert status == 401
    assert answer["errors"][0]["title"] == "Invalid Client"
    assert (await _play(session, sim, token, body, device_id="nope"))[0] == 404
    status, _ = await _play(session, sim, token, body, device_id=PLAYGROUND_DEVICE_ID)
    assert status == 404
    await control(session, sim, f"/devices/{CHIME_ID}/offline")
    status, answer = await _play(session, sim, token, body)
    assert status == 503
    assert answer["errors"][0] == {
        "status": "503",
        "title": "Device Unavailable",
        "detail": "Device is currently offline",
    }
    assert await _plays(session, sim) == []


async def test_scope_403(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """Read-only tokens (Playground, partner-initiated `ava.v1:read`) and a missing grant: 403."""
    body = {"event": "ring-appstore-event-1"}
    playground = (await control(session, sim, "/playground/token"))["access_token"]
    for device_id in (PLAYGROUND_DEVICE_ID, CHIME_ID):
        status, answer = await _play(
            session, sim, playground, body, device_id=device_id
        )
        assert status == 403
        assert answer["errors"][0]["title"] == "Out of Scope Access"
    read_only = await partner_initiated_tokens(session, sim, "ava.v1:read")
    assert (await _play(session, sim, read_only["access_token"], body))[0] == 403
    full = await partner_initiated_tokens(session, sim, "ava.v1")
    assert (await _play(session, sim, full["access_token"], body))[0] == 204
    await control(session, sim, "/config", {"chime_control_granted": False})
    assert (await _play(session, sim, full["access_token"], body))[0] == 403
    assert len(await _plays(session, sim)) == 1


async def test_slot_control(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """`/_sim/devices/{id}/chime_slot` assigns and clears slots; playback follows."""
    path = f"/devices/{CHIME_ID}/chime_slot"
    slot = await control(
        session, sim, path, {"event": "ring-appstore-event-2", "audio_name": "Bark"}
    )
    assert slot["disabled"] is False
    assert slot["audio_name"] == "Bark"
    status, _ = await _play(session, sim, token, {"audio_ref": slot["audio_ref"]})
    assert status == 204
    await control(
        session, sim, path, {"event": "ring-appstore-event-1", "audio_name": None}
    )
    status, _ = await _play(session, sim, token, {"event": "ring-appstore-event-1"})
    assert status == 400
    for bad in (
        {"event": "x", "audio_name": "A"},
        {"event": "ring-appstore-event-1", "audio_name": ""},
    ):
        await control(session, sim, path, bad, expect=400)
    await control(session, sim, f"/devices/{BACKYARD_ID}/chime_slot", {}, expect=409)
