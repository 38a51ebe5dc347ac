"""Tests for the simulator's clip download (docs/media.md#clip-download)."""

import io
from typing import Any

import aiohttp
import av
import pytest

from simulator import Simulator, SimulatorConfig
from simulator.ids import ManualClock
from simulator.scenario import DEFAULT_ACCOUNT_ID, FRONT_DOOR_ID

from .helpers import bearer, control

pytestmark = pytest.mark.usefixtures("socket_enabled")

SMALL = {"frame_rate": 2, "resolution": {"width": 160, "height": 90}}


@pytest.fixture
def sim_config(clock: ManualClock) -> SimulatorConfig:
    """Run with a 3 s (manual-clock) processing delay after each recorded instant."""
    return SimulatorConfig(
        port=0, media_port=0, clock=clock, seed=4, recording_not_ready_s=3.0
    )


async def _motion(session: aiohttp.ClientSession, sim: Simulator) -> int:
    """Trigger motion (a 20 s recording) on the front door; return its timestamp."""
    result = await control(session, sim, f"/devices/{FRONT_DOOR_ID}/motion", {})
    return int(result["timestamp"])


async def _clip(
    session: aiohttp.ClientSession, sim: Simulator, token: str, body: Any
) -> aiohttp.ClientResponse:
    """POST a clip request."""
    return await session.post(
        f"{sim.base_url}/v1/devices/{FRONT_DOOR_ID}/media/video/download",
        headers=bearer(token),
        json=body,
    )


def _frames(content: bytes) -> int:
    """Return the number of H.264 frames in an MP4."""
    with av.open(io.BytesIO(content), mode="r") as container:
        assert container.streams.video[0].codec_context.name == "h264"
        return sum(1 for _ in container.decode(video=0))


async def _error(response: aiohttp.ClientResponse, status: int, code: str) -> None:
    """Assert a media-style JSON:API error."""
    assert response.status == status, await response.text()
    (error,) = (await response.json())["errors"]
    assert (error["status"], error["code"]) == (str(status), code)


async def test_full_and_partial_clips(
    sim: Simulator, session: aiohttp.ClientSession, token: str, clock: ManualClock
) -> None:
    """200 for a covered window, 206 with X-Media-Length when only part is recorded."""
    ts = await _motion(session, sim)
    clock.advance(30)
    body = {"timestamp": ts + 1000, "duration": 4000, "video_options": SMALL}
    async with await _clip(session, sim, token, body) as response:
        assert response.status == 200
        assert response.content_type == "video/mp4"
        assert response.headers["X-Media-Timestamp"] == str(ts + 1000)
        assert "X-Media-Length" not in response.headers
        content = await response.read()
        assert int(response.headers["Content-Length"]) == len(content)
    assert _frames(content) == 8

    body = {"timestamp": ts + 15_000, "duration": 60_000, "video_options": SMALL}
    async with await _clip(session, sim, token, body) as response:
        assert response.status == 206
        assert response.headers["X-Media-Timestamp"] == str(ts + 15_000)
        assert response.headers["X-Media-Length"] == "5000"
        assert _frames(await response.read()) == 10

    history = await session.get(
        f"{sim.base_url}/v1/history/devices/{FRONT_DOOR_ID}/events",
        headers=bearer(token),
    )
    assert (await history.json())["data"][0]["attributes"]["is_third_party_reviewed"]


async def test_partial_header_switch_and_redirect(
    sim: Simulator, session: aiohttp.ClientSession, token: str, clock: ManualClock
) -> None:
    """`X-Media-Duration` (or both) on request; redirect mode answers 301 to the media host."""
    ts = await _motion(session, sim)
    clock.advance(30)
    await control(
        session,
        sim,
        "/media/config",
        {"clip_length_header": "both", "clip_redirect": True},
    )
    body = {"timestamp": ts + 15_000, "duration": 60_000, "video_options": SMALL}
    async with session.post(
        f"{sim.base_url}/v1/devices/{FRONT_DOOR_ID}/media/video/download",
        headers=bearer(token),
        json=body,
        allow_redirects=False,
    ) as response:
        assert response.status == 301
        location = response.headers["Location"]
    assert location.startswith(f"{sim.media_url}/v1/download?")
    assert "req_type=video_download" in location
    async with session.get(location) as response:
        assert response.status == 206
        assert response.headers["X-Media-Length"] == "5000"
        assert response.headers["X-Media-Duration"] == "5000"
        assert _frames(await response.read()) == 10
    await control(session, sim, "/media/config", {"clip_redirect": "yes"}, expect=400)


async def test_clip_errors(
    sim: Simulator, session: aiohttp.ClientSession, token: str, clock: ManualClock
) -> None:
    """416 when nothing was recorded, 425 while processing, 403 before consent, 400."""
    consent = sim.state.accounts[DEFAULT_ACCOUNT_ID].link_time_ms
    assert consent is not None
    ts = await _motion(session, sim)
    clock.advance(1)
    await _error(
        await _clip(session, sim, token, {"timestamp": ts, "duration": 5000}),
        425,
        "RECORDING_NOT_READY",
    )
    clock.advance(120)
    await _error(
        await _clip(session, sim, token, {"timestamp": ts + 60_000, "duration": 5000}),
        416,
        "TIMESTAMP_NOT_FOUND",
    )
    await _error(
        await _clip(session, sim, token, {"timestamp": consent - 1, "duration": 5000}),
        403,
        "TIME_RANGE_NOT_AUTHORIZED",
    )
    now = sim.state.now_ms()
    for body in (
        {"timestamp": ts, "duration": 900_001},
        {"timestamp": ts, "duration": 0},
        {"timestamp": ts},
        {"duration": 5000},
        {"timestamp": now + 1000, "duration": 5000},
        {"timestamp": ts, "duration": 5000, "video_options": {"codec": "vp9"}},
        {"timestamp": ts, "duration": 5000, "video_options": {"frame_rate": 26}},
        {"timestamp": ts, "duration": 5000, "audio_options": {"audio_enabled": 1}},
    ):
        await _error(await _clip(session, sim, token, body), 400, "INVALID_PAYLOAD")
