"""Tests for the simulator's WHEP live view with a real aiortc client (docs/media.md#whep-live-view)."""

import asyncio
from collections.abc import AsyncIterator
import time
from typing import Any

import aiohttp
from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
import pytest

from simulator import Simulator, SimulatorConfig
from simulator.ids import ManualClock
from simulator.media.peer import ensure_loopback_candidates
from simulator.scenario import BACKYARD_ID, CHIME_ID, FRONT_DOOR_ID

from .helpers import bearer, control

pytestmark = pytest.mark.usefixtures("socket_enabled")

CAP_S = 4.0


@pytest.fixture
def sim_config(clock: ManualClock) -> SimulatorConfig:
    """Run caps in real time: 4 s on line power."""
    return SimulatorConfig(
        port=0, media_port=0, clock=clock, seed=5, whep_cap_wired_s=CAP_S
    )


@pytest.fixture
async def client() -> AsyncIterator[RTCPeerConnection]:
    """Return an aiortc viewer, closed after the test."""
    ensure_loopback_candidates()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    yield pc
    await pc.close()


async def _offer(pc: RTCPeerConnection, *, audio: bool = False) -> str:
    """Gather a complete recvonly offer (no trickle ICE)."""
    pc.addTransceiver("video", direction="recvonly")
    if audio:
        pc.addTransceiver("audio", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    return str(pc.localDescription.sdp)


def _without_candidates(sdp: str) -> str:
    """Strip every ICE candidate from an SDP."""
    return "".join(
        line for line in sdp.splitlines(keepends=True) if "candidate" not in line
    )


async def _post(
    session: aiohttp.ClientSession,
    sim: Simulator,
    token: str | None,
    sdp: str,
    *,
    device_id: str = FRONT_DOOR_ID,
    content_type: str = "application/sdp",
    query: str = "",
) -> tuple[int, dict[str, str], str]:
    """POST an offer; return status, headers and body."""
    headers = {"Content-Type": content_type} | (bearer(token) if token else {})
    url = f"{sim.base_url}/v1/devices/{device_id}/media/streaming/whep/sessions{query}"
    async with session.post(url, data=sdp.encode(), headers=headers) as response:
        return response.status, dict(response.headers), await response.text()


async def _drain(track: MediaStreamTrack) -> None:
    """Read frames until the track ends (raises MediaStreamError then)."""
    while True:
        await asyncio.wait_for(track.recv(), CAP_S + 5)


async def _sessions(session: aiohttp.ClientSession, sim: Simulator) -> list[Any]:
    """Return the simulator's WHEP bookkeeping."""
    return list(await control(session, sim, "/whep/sessions", method="GET"))


async def _sessions_by_device(
    session: aiohttp.ClientSession, sim: Simulator
) -> dict[str, Any]:
    """Return the simulator's WHEP bookkeeping keyed by device id (the last session each)."""
    return {record["device_id"]: record for record in await _sessions(session, sim)}


async def _open_backyard_and_front_door(
    session: aiohttp.ClientSession, sim: Simulator, token: str, sdp: str
) -> None:
    """Open a live view of the battery Backyard and of the wired Front Door."""
    for device_id in (BACKYARD_ID, FRONT_DOOR_ID):
        status, _, _ = await _post(session, sim, token, sdp, device_id=device_id)
        assert status == 201


async def test_live_view_decodes_and_ends_at_cap(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    client: RTCPeerConnection,
) -> None:
    """An aiortc client decodes 30+ H.264 frames; the server closes the session at the cap."""
    tracks: asyncio.Queue[MediaStreamTrack] = asyncio.Queue()
    client.on("track", tracks.put_nowait)
    offer = await _offer(client, audio=True)
    status, headers, answer = await _post(
        session, sim, token, offer, query="?component_id=1"
    )
    assert status == 201, answer
    assert headers["Content-Type"] == "application/sdp"
    location = headers["Location"]
    prefix = f"{sim.base_url}/v1/devices/{FRONT_DOOR_ID}/media/streaming/whep/sessions/"
    assert location.startswith(prefix)
    assert "a=sendonly" in answer
    assert "a=sendrecv" not in answer
    assert "H264/90000" in answer
    assert "opus/48000" in answer
    assert " 127.0.0.1 " in answer
    started = time.monotonic()
    await client.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))

    track = await asyncio.wait_for(tracks.get(), 5)
    while track.kind != "video":
        track = await asyncio.wait_for(tracks.get(), 5)
    sizes = set()
    for _ in range(30):
        frame = await asyncio.wait_for(track.recv(), 5)
        sizes.add((frame.width, frame.height))  # type: ignore[union-attr]
    assert sizes == {(640, 360)}

    (record,) = await _sessions(session, sim)
    assert record["id"] == location.removeprefix(prefix)
    assert record["offer_sdp"] == offer
    assert record["answer_sdp"] == answer
    assert record["component_id"] == 1
    assert not record["closed"]

    with pytest.raises(MediaStreamError):
        await _drain(track)
    assert CAP_S - 1 < time.monotonic() - started < CAP_S + 3
    (record,) = await _sessions(session, sim)
    assert (record["closed"], record["close_reason"], record["deleted"]) == (
        True,
        "cap",
        False,
    )

    async with session.delete(location, headers=bearer(token)) as response:
        assert response.status == 404
    async with session.get(
        f"{sim.base_url}/v1/history/devices/{FRONT_DOOR_ID}/events",
        headers=bearer(token),
    ) as response:
        (event,) = (await response.json())["data"]
    assert event["attributes"]["event_type"] == "on_demand"
    assert event["attributes"]["end"] is not None
    assert sim.state.recordings(sim.state.devices[FRONT_DOOR_ID])


async def test_offer_checks(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    client: RTCPeerConnection,
) -> None:
    """Non-recvonly, candidate-less, wrong content type, no video: 400 JSON:API errors."""
    offer = await _offer(client)
    bad = [
        offer.replace("a=recvonly", "a=sendrecv"),
        _without_candidates(offer),
        offer.replace("m=video", "m=text"),
    ]
    for sdp in bad:
        status, _, body = await _post(session, sim, token, sdp)
        assert status == 400, body
    status, _, body = await _post(session, sim, token, offer, content_type="text/plain")
    assert status == 400
    status, _, body = await _post(session, sim, token, offer, query="?component_id=x")
    assert status == 400
    status, _, body = await _post(session, sim, token, offer, device_id=CHIME_ID)
    assert status == 400
    assert await _sessions(session, sim) == []


async def test_errors_per_doc(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    client: RTCPeerConnection,
) -> None:
    """401 Invalid Client, 404 Not Found, 503 Device Unavailable when offline."""
    offer = await _offer(client)
    status, _, body = await _post(session, sim, None, offer)
    assert status == 401
    assert '"title": "Invalid Client"' in body
    status, _, body = await _post(session, sim, token, offer, device_id="nope")
    assert status == 404
    await control(session, sim, f"/devices/{BACKYARD_ID}/offline")
    status, _, body = await _post(session, sim, token, offer, device_id=BACKYARD_ID)
    assert status == 503
    assert '"title": "Device Unavailable"' in body
    assert '"detail": "Device is currently offline"' in body


async def test_lenient_candidates_delete_and_shutdown(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    client: RTCPeerConnection,
) -> None:
    """Without `require_ice_candidates` a bare offer is accepted; DELETE is 204 then 404."""
    bare = _without_candidates(await _offer(client))
    await control(session, sim, "/config", {"require_ice_candidates": False})
    status, headers, _ = await _post(session, sim, token, bare)
    assert status == 201
    async with session.delete(headers["Location"], headers=bearer(token)) as response:
        assert response.status == 204
    async with session.delete(headers["Location"], headers=bearer(token)) as response:
        assert response.status == 404
    await _open_backyard_and_front_door(session, sim, token, bare)
    await control(session, sim, f"/devices/{BACKYARD_ID}/offline")
    await asyncio.sleep(0.1)
    records = await _sessions_by_device(session, sim)
    assert records[BACKYARD_ID]["close_reason"] == "device_offline"
    # The front door session stays open: the simulator's stop() must close it.
    assert not records[FRONT_DOOR_ID]["closed"]


async def test_battery_cap(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    client: RTCPeerConnection,
) -> None:
    """Battery devices use the (shorter) battery cap; line-powered ones the wired cap."""
    await control(session, sim, "/config", {"whep_cap_battery_s": 0.2})
    offer = await _offer(client)
    await _open_backyard_and_front_door(session, sim, token, offer)
    await asyncio.sleep(0.5)
    records = await _sessions_by_device(session, sim)
    assert records[BACKYARD_ID]["close_reason"] == "cap"
    assert not records[FRONT_DOOR_ID]["closed"]


async def test_vp8_fallback(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    client: RTCPeerConnection,
) -> None:
    """An offer without H.264 is answered with VP8, which the client decodes."""
    tracks: asyncio.Queue[MediaStreamTrack] = asyncio.Queue()
    client.on("track", tracks.put_nowait)
    video = client.addTransceiver("video", direction="recvonly")
    vp8 = [
        codec
        for codec in RTCRtpSender.getCapabilities("video").codecs
        if codec.mimeType in ("video/VP8", "video/rtx")
    ]
    video.setCodecPreferences(vp8)
    await client.setLocalDescription(await client.createOffer())
    status, _, answer = await _post(session, sim, token, client.localDescription.sdp)
    assert status == 201, answer
    assert "VP8/90000" in answer
    assert "H264" not in answer
    await client.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    track = await asyncio.wait_for(tracks.get(), 5)
    for _ in range(5):
        frame = await asyncio.wait_for(track.recv(), 5)
    assert (frame.width, frame.height) == (640, 360)  # type: ignore[union-attr]
