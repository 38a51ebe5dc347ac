"""End to end: an aiortc "browser" watches the simulator's camera through Home Assistant."""

import asyncio
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
import pytest
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.ring_partner.client import count_candidates
from homeassistant.core import HomeAssistant

from .camera_helpers import (
    browser_offer,
    next_event,
    send_candidate,
    start_offer,
    unsubscribe,
    whep_sessions,
)
from .conftest import SimControl

FRONT_DOOR = "camera.front_door"
FRAMES = 30

pytestmark = pytest.mark.usefixtures(
    "socket_enabled", "init_integration", "loopback_ice"
)


async def test_browser_decodes_live_video(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    sim_control: SimControl,
) -> None:
    """Offer first, candidates trickled after the session id, then 30 decoded frames."""
    peers: list[RTCPeerConnection] = []
    frames: asyncio.Queue[Any] = asyncio.Queue()
    readers: list[asyncio.Task[None]] = []

    async def _read(track: MediaStreamTrack) -> None:
        while True:
            await frames.put(await track.recv())

    def _on_track(track: MediaStreamTrack) -> None:
        if track.kind == "video":
            readers.append(asyncio.create_task(_read(track)))

    try:
        # ha-web-rtc-player: recvonly audio and video transceivers, then the offer.
        pc, offer, candidates = await browser_offer(peers, audio=True)
        pc.on("track", _on_track)
        assert count_candidates(offer) == 0

        ws = await hass_ws_client(hass)
        subscription, session_id = await start_offer(ws, FRONT_DOOR, offer)
        # The frontend holds its candidates until it knows the session id.
        for candidate in candidates:
            await send_candidate(ws, FRONT_DOOR, session_id, candidate)
        answer = await next_event(ws, subscription)
        assert answer["type"] == "answer", answer
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

        await unsubscribe(ws, subscription)
        await hass.async_block_till_done()
        (whep,) = await whep_sessions(sim_control)
        assert whep["deleted"] is True
    finally:
        for reader in readers:
            reader.cancel()
        for peer in peers:
            await peer.close()
