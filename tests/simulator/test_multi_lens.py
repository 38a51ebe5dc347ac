"""A two-lens camera: `component_ids` in motion webhooks, per-lens stills, clips and live view."""

import asyncio
import io
import json
from typing import Any

import aiohttp
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
import av
import numpy as np
from PIL import Image
import pytest

from simulator import Simulator, SimulatorConfig
from simulator.ids import ManualClock
from simulator.media.frames import LENS_COLOURS, lens_marker_box
from simulator.media.peer import ensure_loopback_candidates
from simulator.scenario import FRONT_DOOR_ID, TWO_LENS_ID, Scenario

from .helpers import bearer, control, link_account
from .partner import Partner

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
def sim_config(clock: ManualClock) -> SimulatorConfig:
    """Run the `everything` scenario in real time (no 425 window surprises)."""
    return SimulatorConfig(
        port=0,
        media_port=0,
        clock=clock,
        seed=4,
        recording_not_ready_s=1.0,
        scenario=Scenario.everything(),
    )


def _marker(pixels: Any) -> tuple[int, int, int]:
    """Return the RGB at the centre of the lens marker of an RGB array."""
    height, width = pixels.shape[:2]
    left, top, right, bottom = lens_marker_box(width, height)
    red, green, blue = pixels[(top + bottom) // 2, (left + right) // 2][:3]
    return int(red), int(green), int(blue)


def _is_lens(rgb: tuple[int, int, int], lens: int) -> bool:
    """Return True when a pixel is (JPEG/H.264-near) the marker colour of a lens."""
    return all(abs(a - b) < 40 for a, b in zip(rgb, LENS_COLOURS[lens], strict=True))


async def _motion(
    session: aiohttp.ClientSession, sim: Simulator, clock: ManualClock
) -> int:
    """Record motion on the two-lens camera; let it become downloadable; return its time."""
    result = await control(session, sim, f"/devices/{TWO_LENS_ID}/motion")
    clock.advance(5)
    return int(result["timestamp"])


async def _still(
    session: aiohttp.ClientSession,
    sim: Simulator,
    token: str,
    body: dict[str, Any],
    *,
    query: str = "",
    expect: int = 303,
) -> Any:
    """Request a still; return its RGB pixels (303) or the error body."""
    url = f"{sim.base_url}/v1/devices/{TWO_LENS_ID}/media/image/download{query}"
    async with session.post(
        url, json=body, headers=bearer(token), allow_redirects=False
    ) as response:
        assert response.status == expect, await response.text()
        if expect != 303:
            return await response.json()
        location = response.headers["Location"]
    async with session.get(location) as response:
        assert response.status == 200
        image = Image.open(io.BytesIO(await response.read())).convert("RGB")
    return np.asarray(image)


async def test_motion_webhook_component_ids(
    sim: Simulator, session: aiohttp.ClientSession, partner: Partner
) -> None:
    """Main lens by default, the lenses named otherwise, integers when switched; bad ones 400."""
    await link_account(session, sim, partner_tokens=partner.tokens)
    await sim.state.webhooks.drain()
    partner.webhooks.clear()
    path = f"/devices/{TWO_LENS_ID}/motion"
    await control(session, sim, path, {"subtype": "human"})
    await control(session, sim, path, {"component_ids": ["2", 1]})
    await control(session, sim, "/config", {"component_id_type": "integer"})
    await control(session, sim, path, {"component_ids": ["2"]})
    await control(session, sim, path, {"component_ids": ["3"]}, expect=400)
    await control(session, sim, path, {"component_ids": []}, expect=400)
    await control(
        session,
        sim,
        f"/devices/{FRONT_DOOR_ID}/motion",
        {"component_ids": ["1"]},
        expect=409,
    )
    await control(session, sim, f"/devices/{FRONT_DOOR_ID}/motion")
    await sim.state.webhooks.drain()
    payloads = [json.loads(raw) for raw, _ in partner.webhooks]
    lenses = [p["data"]["attributes"].get("component_ids") for p in payloads]
    assert lenses == [["1"], ["2", "1"], [2], None]


async def test_stills_per_lens(
    sim: Simulator, session: aiohttp.ClientSession, token: str, clock: ManualClock
) -> None:
    """`?component_id=` and a `components` list pick the lens whose frame comes back."""
    ts = await _motion(session, sim, clock)
    body: dict[str, Any] = {"type": "at_timestamp", "timestamp": ts}
    main = await _still(session, sim, token, body)
    assert _is_lens(_marker(main), 0)
    second = await _still(session, sim, token, body, query="?component_id=2")
    assert _is_lens(_marker(second), 1)
    listed = await _still(
        session, sim, token, body | {"components": [{"component_id": "2"}]}
    )
    assert _is_lens(_marker(listed), 1)
    numeric = await _still(
        session, sim, token, body | {"components": [{"component_id": 1}]}
    )
    assert _is_lens(_marker(numeric), 0)
    for bad_body, query, pointer in (
        (body | {"components": [{"component_id": "9"}]}, "", "components"),
        (body | {"components": []}, "", "components"),
        (
            body | {"components": [{"component_id": "1"}, {"component_id": "2"}]},
            "",
            "components",
        ),
        (
            body | {"components": [{"component_id": "1"}]},
            "?component_id=2",
            "components",
        ),
        (body, "?component_id=9", "component_id"),
    ):
        error = await _still(session, sim, token, bad_body, query=query, expect=400)
        assert error["errors"][0]["code"] == "INVALID_PAYLOAD"
        assert error["errors"][0]["source"] == {"pointer": pointer}


async def test_clip_per_lens(
    sim: Simulator, session: aiohttp.ClientSession, token: str, clock: ManualClock
) -> None:
    """A clip of lens 2 shows lens 2's marker."""
    ts = await _motion(session, sim, clock)
    url = f"{sim.base_url}/v1/devices/{TWO_LENS_ID}/media/video/download"
    body = {"timestamp": ts, "duration": 1000, "components": [{"component_id": "2"}]}
    async with session.post(url, json=body, headers=bearer(token)) as response:
        assert response.status == 200, await response.text()
        content = await response.read()
    with av.open(io.BytesIO(content), mode="r") as container:
        frame = next(container.decode(video=0))
    assert _is_lens(_marker(frame.to_ndarray(format="rgb24")), 1)


async def test_live_view_per_lens(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """WHEP `?component_id=2` streams lens 2; an unknown lens is refused with 400."""
    ensure_loopback_candidates()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        tracks: asyncio.Queue[MediaStreamTrack] = asyncio.Queue()
        pc.on("track", tracks.put_nowait)
        pc.addTransceiver("video", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())
        offer = pc.localDescription.sdp.encode()
        url = f"{sim.base_url}/v1/devices/{TWO_LENS_ID}/media/streaming/whep/sessions"
        headers = bearer(token) | {"Content-Type": "application/sdp"}
        async with session.post(
            f"{url}?component_id=9", data=offer, headers=headers
        ) as response:
            assert response.status == 400
        async with session.post(
            f"{url}?component_id=2", data=offer, headers=headers
        ) as response:
            assert response.status == 201
            answer = await response.text()
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        track = await asyncio.wait_for(tracks.get(), 5)
        frame = await asyncio.wait_for(track.recv(), 5)
        assert _is_lens(_marker(frame.to_ndarray(format="rgb24")), 1)  # type: ignore[union-attr]
    finally:
        await pc.close()
    (record,) = await control(session, sim, "/whep/sessions", method="GET")
    assert record["component_id"] == 2
