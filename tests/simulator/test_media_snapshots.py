"""Stored snapshots (`X-Media-Origin: snapshot`) and corrupt recordings (422)."""

from typing import Any

import aiohttp
import pytest

from simulator import Simulator, SimulatorConfig
from simulator.ids import ManualClock
from simulator.scenario import BACKYARD_ID, CHIME_ID, FRONT_DOOR_ID

from .helpers import bearer, control

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
def sim_config(clock: ManualClock) -> SimulatorConfig:
    """Real-time waits with a one-second 425 window."""
    return SimulatorConfig(
        port=0, media_port=0, clock=clock, seed=7, recording_not_ready_s=1.0
    )


async def _image(
    session: aiohttp.ClientSession,
    sim: Simulator,
    token: str,
    body: dict[str, Any],
    device_id: str = FRONT_DOOR_ID,
) -> tuple[int, dict[str, str], Any]:
    """Request a still and follow the 303; return status, headers and error body."""
    url = f"{sim.base_url}/v1/devices/{device_id}/media/image/download"
    async with session.post(
        url, json=body, headers=bearer(token), allow_redirects=False
    ) as response:
        if response.status != 303:
            return response.status, dict(response.headers), await response.json()
        location = response.headers["Location"]
    async with session.get(location) as response:
        await response.read()
        return response.status, dict(response.headers), None


async def test_snapshot_origin(
    sim: Simulator, session: aiohttp.ClientSession, token: str, clock: ManualClock
) -> None:
    """A stored still is served with origin snapshot; recordings keep origin recording."""
    clock.advance(10)
    stored = await control(session, sim, f"/devices/{FRONT_DOOR_ID}/snapshot")
    clock.advance(10)
    window = {"type": "latest_in_range", "start_timestamp": stored["timestamp"] - 5000}
    status, headers, _ = await _image(session, sim, token, window)
    assert status == 200
    assert headers["X-Media-Origin"] == "snapshot"
    assert int(headers["X-Media-Timestamp"]) == stored["timestamp"]
    motion = await control(session, sim, f"/devices/{FRONT_DOOR_ID}/motion")
    clock.advance(5)
    status, headers, _ = await _image(
        session, sim, token, {"type": "at_timestamp", "timestamp": motion["timestamp"]}
    )
    assert headers["X-Media-Origin"] == "recording"
    # A snapshot is no clip footage.
    clip = f"{sim.base_url}/v1/devices/{FRONT_DOOR_ID}/media/video/download"
    body = {"timestamp": stored["timestamp"] - 1000, "duration": 2000}
    async with session.post(clip, json=body, headers=bearer(token)) as response:
        assert response.status == 416
    await control(session, sim, f"/devices/{CHIME_ID}/snapshot", expect=409)
    await control(
        session,
        sim,
        f"/devices/{FRONT_DOOR_ID}/snapshot",
        {"timestamp": -1},
        expect=400,
    )


async def test_corrupt_recording(
    sim: Simulator, session: aiohttp.ClientSession, token: str, clock: ManualClock
) -> None:
    """Stills and clips from a corrupt recording answer 422 CORRUPT_RECORDING."""
    clock.advance(10)
    motion = await control(session, sim, f"/devices/{FRONT_DOOR_ID}/motion")
    other = await control(session, sim, f"/devices/{BACKYARD_ID}/motion")
    clock.advance(30)
    marked = await control(
        session,
        sim,
        f"/devices/{FRONT_DOOR_ID}/corrupt",
        {"event_id": motion["event_id"]},
    )
    assert marked["start_ms"] == motion["timestamp"]
    status, _, body = await _image(
        session, sim, token, {"type": "at_timestamp", "timestamp": motion["timestamp"]}
    )
    assert status == 422
    (error,) = body["errors"]
    assert error["code"] == "CORRUPT_RECORDING"
    assert error["status"] == "422"
    clip = f"{sim.base_url}/v1/devices/{FRONT_DOOR_ID}/media/video/download"
    async with session.post(
        clip,
        json={"timestamp": motion["timestamp"], "duration": 5000},
        headers=bearer(token),
    ) as response:
        assert response.status == 422
        assert (await response.json())["errors"][0]["code"] == "CORRUPT_RECORDING"
    status, _, _ = await _image(
        session,
        sim,
        token,
        {"type": "at_timestamp", "timestamp": other["timestamp"]},
        device_id=BACKYARD_ID,
    )
    assert status == 200
    # Without a body the newest recording becomes corrupt; bad input is refused.
    await control(session, sim, f"/devices/{BACKYARD_ID}/corrupt")
    status, _, _ = await _image(
        session,
        sim,
        token,
        {"type": "at_timestamp", "timestamp": other["timestamp"]},
        device_id=BACKYARD_ID,
    )
    assert status == 422
    path = f"/devices/{FRONT_DOOR_ID}/corrupt"
    await control(session, sim, path, {"event_id": "nope"}, expect=404)
    await control(session, sim, path, {"start_ms": 5, "end_ms": 1}, expect=400)
    await control(session, sim, path, {"start_ms": 5}, expect=400)
    await control(session, sim, f"/devices/{CHIME_ID}/corrupt", expect=404)
