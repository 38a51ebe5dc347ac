"""WHEP H.264 profile switch, undecodable video, and the recording a live view leaves behind."""

import asyncio
from collections.abc import AsyncIterator

import aiohttp
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
import pytest

from simulator import Simulator, SimulatorConfig
from simulator.ids import ManualClock
from simulator.media.frames import FrameSource
from simulator.media.peer import ensure_loopback_candidates
from simulator.media.stream import SyntheticVideoTrack
from simulator.scenario import FRONT_DOOR_ID

from .helpers import bearer, control

pytestmark = pytest.mark.usefixtures("socket_enabled")

SESSIONS = "/v1/devices/{device}/media/streaming/whep/sessions"
# What a browser adds to its offer (Ring answered High profile on payload type 118).
HIGH_LINES = (
    "a=rtpmap:118 H264/90000\r\n"
    "a=fmtp:118 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f\r\n"
    "a=rtpmap:119 rtx/90000\r\n"
    "a=fmtp:119 apt=118\r\n"
)


@pytest.fixture
def sim_config(clock: ManualClock) -> SimulatorConfig:
    """Real-time waits with a short 425 window."""
    return SimulatorConfig(
        port=0, media_port=0, clock=clock, seed=6, recording_not_ready_s=1.0
    )


@pytest.fixture
async def viewer() -> AsyncIterator[RTCPeerConnection]:
    """Return an aiortc viewer, closed after the test."""
    ensure_loopback_candidates()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    yield pc
    await pc.close()


async def _offer(pc: RTCPeerConnection) -> str:
    """Return a complete recvonly video offer."""
    pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    return str(pc.localDescription.sdp)


def _with_high_profile(offer: str) -> str:
    """Add a browser-style High profile entry (pt 118, RTX 119) to an aiortc offer."""
    lines = offer.split("\r\n")
    out = []
    for line in lines:
        if line.startswith("m=video"):
            line += " 118 119"
        out.append(line)
        if line.startswith("a=rtcp-mux") and "m=video" in "\r\n".join(out):
            out.append(HIGH_LINES.rstrip("\r\n"))
    return "\r\n".join(out)


def _video_codecs(sdp: str) -> list[str]:
    """Return the rtpmap and fmtp lines of an SDP."""
    return [
        line for line in sdp.splitlines() if line.startswith(("a=rtpmap", "a=fmtp"))
    ]


async def _answer(
    session: aiohttp.ClientSession, sim: Simulator, token: str, offer: str
) -> tuple[str, str]:
    """POST an offer to the Front Door; return the answer and the session URL."""
    url = sim.base_url + SESSIONS.format(device=FRONT_DOOR_ID)
    headers = bearer(token) | {"Content-Type": "application/sdp"}
    async with session.post(url, data=offer.encode(), headers=headers) as response:
        assert response.status == 201, await response.text()
        return await response.text(), response.headers["Location"]


async def test_answer_profiles(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    viewer: RTCPeerConnection,
) -> None:
    """auto: aiortc's two Baseline entries; a profile: one H.264 entry with its RTX."""
    offer = await _offer(viewer)
    answer, _ = await _answer(session, sim, token, offer)
    assert sum("H264/90000" in line for line in _video_codecs(answer)) == 2
    await control(session, sim, "/config", {"whep_h264_profile": "42e01f"})
    answer, _ = await _answer(session, sim, token, offer)
    h264, fmtp, rtx, apt = _video_codecs(answer)
    pt = h264.split(":")[1].split()[0]
    assert "profile-level-id=42e01f" in fmtp
    assert "rtx/90000" in rtx
    assert apt.endswith(f"apt={pt}")
    await control(session, sim, "/config", {"whep_h264_profile": "64001f"})
    answer, _ = await _answer(session, sim, token, _with_high_profile(offer))
    assert _video_codecs(answer) == [line for line in HIGH_LINES.split("\r\n") if line]
    # An offer without High keeps its Baseline label (aiortc refuses unoffered profiles).
    answer, _ = await _answer(session, sim, token, offer)
    (h264, fmtp, *_rest) = _video_codecs(answer)
    assert "profile-level-id=42001f" in fmtp
    await control(session, sim, "/config", {"whep_h264_profile": "high"}, expect=400)


@pytest.mark.parametrize(("profile", "profile_idc"), [("auto", 0x42), ("64001f", 0x64)])
async def test_stream_profile(profile: str, profile_idc: int) -> None:
    """The keyframe's SPS carries Baseline (66) or High (100) profile_idc."""
    track = SyntheticVideoTrack(
        FrameSource(device_id="d", device_name="n"),
        "H264",
        now_ms=lambda: 0,
        profile=profile,
    )
    packet = await track.recv()
    data = bytes(packet)
    sps = data.find(b"\x00\x00\x01\x67")
    assert sps >= 0
    assert data[sps + 4] == profile_idc
    track.stop()


async def _inbound_packets(pc: RTCPeerConnection) -> int:
    """Return the RTP packets the viewer has received."""
    stats = await pc.getStats()
    return sum(
        getattr(item, "packetsReceived", 0)
        for item in stats.values()
        if item.type == "inbound-rtp"
    )


@pytest.mark.parametrize(
    ("fault", "decodes"), [("none", True), ("no_keyframe", False), ("garbage", False)]
)
async def test_undecodable_video_still_records(
    sim: Simulator,
    session: aiohttp.ClientSession,
    token: str,
    viewer: RTCPeerConnection,
    clock: ManualClock,
    *,
    fault: str,
    decodes: bool,
) -> None:
    """RTP flows but no frame decodes; the session still leaves on_demand and a recording."""
    await control(session, sim, "/config", {"whep_video_fault": fault})
    tracks: asyncio.Queue[MediaStreamTrack] = asyncio.Queue()
    viewer.on("track", tracks.put_nowait)
    answer, location = await _answer(session, sim, token, await _offer(viewer))
    started = sim.state.now_ms()
    await viewer.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    track = await asyncio.wait_for(tracks.get(), 5)
    try:
        await asyncio.wait_for(track.recv(), 2.5)
        decoded = True
    except TimeoutError:
        decoded = False
    assert decoded is decodes
    assert await _inbound_packets(viewer) > 0
    clock.advance(3)
    async with session.delete(location, headers=bearer(token)) as response:
        assert response.status == 204
    clock.advance(2)
    history_url = f"{sim.base_url}/v1/history/devices/{FRONT_DOOR_ID}/events"
    async with session.get(history_url, headers=bearer(token)) as response:
        (event,) = (await response.json())["data"]
    assert event["attributes"]["event_type"] == "on_demand"
    assert event["attributes"]["end"] == started + 3000
    image_url = f"{sim.base_url}/v1/devices/{FRONT_DOOR_ID}/media/image/download"
    body = {"type": "at_timestamp", "timestamp": started + 1000}
    async with session.post(
        image_url, json=body, headers=bearer(token), allow_redirects=False
    ) as response:
        assert response.status == 303, await response.text()
        presigned = response.headers["Location"]
    async with session.get(presigned) as response:
        assert response.status == 200
        assert response.headers["X-Media-Origin"] == "recording"
        assert int(response.headers["X-Media-Timestamp"]) == started + 1000
    async with session.get(history_url, headers=bearer(token)) as response:
        (event,) = (await response.json())["data"]
    assert event["attributes"]["is_third_party_reviewed"] is True
