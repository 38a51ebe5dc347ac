"""What FFmpeg's RTSP client (through PyAV, as Home Assistant's `stream` uses it) does with the bridge.

Evidence for the design of the integration's stream source (see `simulator/rtsp/NOTES.md`):
for `rtsps://` FFmpeg only ever asks for `RTP/AVP/TCP;unicast;interleaved=0-1`, whatever
`rtsp_transport` says, so the bridge as documented (SRTP over UDP, `RTP/SAVP`) refuses it with
461; with both switches on, FFmpeg keys SRTP from the SDP's `a=crypto` line and decodes.
"""

import asyncio
from typing import Any

import aiohttp
import av
from av.video.frame import VideoFrame
import pytest

from simulator import Simulator, SimulatorConfig
from simulator.ids import ManualClock
from simulator.scenario import FRONT_DOOR_ID

from .helpers import control

OPEN_TIMEOUT_S = 10


@pytest.fixture
def sim_config(clock: ManualClock) -> SimulatorConfig:
    """Real-time liveness."""
    return SimulatorConfig(port=0, media_port=0, clock=clock, seed=6)


def _decode(url: str, options: dict[str, str], frames: int) -> list[VideoFrame]:
    """Open the URL with PyAV and decode `frames` video frames (blocking)."""
    with av.open(url, options=options, timeout=OPEN_TIMEOUT_S) as container:
        decoded: list[VideoFrame] = []
        for frame in container.decode(container.streams.video[0]):
            decoded.append(frame)
            if len(decoded) == frames:
                return decoded
    return decoded


def _url(sim: Simulator, token: str) -> str:
    """Return the VLC-style URL: the token as the password of an empty user."""
    return sim.rtsp_stream_url(FRONT_DOOR_ID).replace("rtsps://", f"rtsps://:{token}@")


async def _log(session: aiohttp.ClientSession, sim: Simulator) -> list[Any]:
    """Return the bridge's requests as (method, status, authorization sent)."""
    entries = await control(session, sim, "/requests", method="GET")
    return [
        (e["method"], e["status"], e["authorization"])
        for e in entries
        if e["port"] == sim.rtsp_port
    ]


async def test_ffmpeg_is_refused_by_the_bridge_as_documented(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """Defaults: FFmpeg answers the Basic challenge, then its SETUP gets 461."""
    for transport in ("tcp", "udp"):
        options = {"tls_verify": "0", "rtsp_transport": transport}
        with pytest.raises(av.error.OSError):
            await asyncio.to_thread(_decode, _url(sim, token), options, 1)
    assert await _log(session, sim) == 2 * [
        ("OPTIONS", 200, False),
        ("DESCRIBE", 401, False),
        ("DESCRIBE", 200, True),
        ("SETUP", 461, True),
    ]


async def test_ffmpeg_plays_with_tcp_and_avp_switched_on(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """Interleaving and RTP/AVP accepted: FFmpeg decrypts SRTP from `a=crypto` and decodes.

    `rtsp_transport=udp` is ignored for `rtsps://`; the CA file verifies the certificate.
    """
    await control(
        session, sim, "/config", {"rtsp_tcp_interleaved": True, "rtsp_accept_avp": True}
    )
    options = {
        "tls_verify": "1",
        "ca_file": sim.rtsp_ca_file,
        "rtsp_transport": "udp",
    }
    frames = await asyncio.to_thread(_decode, _url(sim, token), options, 20)
    assert len(frames) == 20
    assert {(f.width, f.height) for f in frames} == {(640, 360)}
    (record,) = await control(session, sim, "/rtsp/sessions", method="GET")
    assert (record["transport"], record["requested_profile"]) == ("tcp", "RTP/AVP")
    assert record["interleaved"] == [0, 1]
    assert record["auth"] == "basic"
    assert record["packets_sent"] > 0


async def test_ffmpeg_verifies_the_certificate_by_default(
    sim: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """FFmpeg here verifies TLS peers unless told not to: no request reaches the bridge."""
    with pytest.raises(av.error.OSError):
        await asyncio.to_thread(_decode, _url(sim, token), {}, 1)
    assert await _log(session, sim) == []
