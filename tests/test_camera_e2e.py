"""End to end: an aiortc "browser" watches the simulator's camera through Home Assistant."""

import asyncio
from typing import Any

import aioice.ice
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
import pytest
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.ring_partner.webrtc import count_candidates
from homeassistant.core import HomeAssistant

from .conftest import SimControl

FRONT_DOOR = "camera.front_door"
FRAMES = 30

pytestmark = pytest.mark.usefixtures("socket_enabled", "init_integration")


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the test's aiortc peers gather 127.0.0.1 candidates (aioice skips loopback)."""
    original = aioice.ice.get_host_addresses

    def _with_loopback(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        addresses = original(use_ipv4=use_ipv4, use_ipv6=use_ipv6)
        if use_ipv4 and "127.0.0.1" not in addresses:
            addresses.insert(0, "127.0.0.1")
        return addresses

    monkeypatch.setattr(aioice.ice, "get_host_addresses", _with_loopback)


def split_offer(sdp: str) -> tuple[str, list[dict[str, Any]]]:
    """Cut the candidates out of an offer, as a browser's offer looks before gathering."""
    kept: list[str] = []
    candidates: list[dict[str, Any]] = []
    index, mid = -1, None
    for line in sdp.split("\r\n"):
        if line.startswith("m="):
            index += 1
        elif line.startswith("a=mid:"):
            mid = line.removeprefix("a=mid:")
        if line.startswith("a=candidate:"):
            candidates.append(
                {
                    "candidate": line.removeprefix("a="),
                    "sdpMid": mid,
                    "sdpMLineIndex": index,
                }
            )
        elif line != "a=end-of-candidates":
            kept.append(line)
    return "\r\n".join(kept), candidates


async def test_browser_decodes_live_video(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    sim_control: SimControl,
) -> None:
    """Offer first, candidates trickled after the session id, then 30 decoded frames."""
    pc = RTCPeerConnection()
    frames: asyncio.Queue[Any] = asyncio.Queue()
    readers: list[asyncio.Task[None]] = []

    async def _read(track: MediaStreamTrack) -> None:
        while True:
            await frames.put(await track.recv())

    @pc.on("track")
    def _on_track(track: MediaStreamTrack) -> None:
        if track.kind == "video":
            readers.append(asyncio.create_task(_read(track)))

    try:
        # ha-web-rtc-player: recvonly audio and video transceivers, then the offer.
        pc.addTransceiver("audio", direction="recvonly")
        pc.addTransceiver("video", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())
        offer, candidates = split_offer(pc.localDescription.sdp)
        assert count_candidates(offer) == 0
        assert candidates

        ws = await hass_ws_client(hass)
        await ws.send_json_auto_id(
            {"type": "camera/webrtc/offer", "entity_id": FRONT_DOOR, "offer": offer}
        )
        result = await ws.receive_json()
        assert result["success"]
        subscription = result["id"]
        session = await ws.receive_json()
        assert session["event"]["type"] == "session"
        session_id = session["event"]["session_id"]
        # The frontend holds its candidates until it knows the session id.
        for candidate in candidates:
            await ws.send_json_auto_id(
                {
                    "type": "camera/webrtc/candidate",
                    "entity_id": FRONT_DOOR,
                    "session_id": session_id,
                    "candidate": candidate,
                }
            )
        answer: dict[str, Any] | None = None
        while answer is None:
            message = await asyncio.wait_for(ws.receive_json(), 10)
            if message["type"] == "event":
                assert message["event"]["type"] == "answer", message
                answer = message["event"]
            else:
                assert message["success"], message
        await pc.setRemoteDescription(
            RTCSessionDescription(sdp=answer["answer"], type="answer")
        )

        decoded = 0
        async with asyncio.timeout(30):
            while decoded < FRAMES:
                frame = await frames.get()
                assert frame.width > 0
                assert frame.height > 0
                decoded += 1
        assert decoded == FRAMES

        await ws.send_json_auto_id(
            {"type": "unsubscribe_events", "subscription": subscription}
        )
        assert (await ws.receive_json())["success"]
        await hass.async_block_till_done()
        (whep,) = await sim_control.call("GET", "whep/sessions")
        assert whep["deleted"] is True
    finally:
        for reader in readers:
            reader.cancel()
        await pc.close()
