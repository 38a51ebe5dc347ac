"""Helpers for the camera tests: browser-like offers and the camera WebRTC websocket API."""

import asyncio
from typing import Any

from aiortc import RTCPeerConnection

from .conftest import SimControl


def split_offer(sdp: str) -> tuple[str, list[dict[str, Any]]]:
    """Cut the candidates out of an offer, as a browser's offer looks before gathering.

    Returns the offer without candidates (what the frontend sends first) and the candidates
    as the frontend trickles them (candidate, sdpMid, sdpMLineIndex).
    """
    kept: list[str] = []
    candidates: list[dict[str, Any]] = []
    index, mid = -1, None
    for line in sdp.split("\r\n"):
        if line.startswith("m="):
            index += 1
            mid = None
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


async def complete_offer(
    peers: list[RTCPeerConnection],
    *,
    direction: str = "recvonly",
    audio: bool = False,
) -> tuple[RTCPeerConnection, str]:
    """Make a peer (kept in `peers` to close later) and its complete offer, candidates in."""
    pc = RTCPeerConnection()
    peers.append(pc)
    if audio:
        pc.addTransceiver("audio", direction=direction)
    pc.addTransceiver("video", direction=direction)
    await pc.setLocalDescription(await pc.createOffer())
    return pc, pc.localDescription.sdp


async def browser_offer(
    peers: list[RTCPeerConnection], *, audio: bool = False
) -> tuple[RTCPeerConnection, str, list[dict[str, Any]]]:
    """Make a recvonly offer as a browser's first local description: the candidates cut out.

    Returns the peer, the offer without candidates and the candidates to trickle.
    """
    pc, sdp = await complete_offer(peers, audio=audio)
    offer, candidates = split_offer(sdp)
    assert candidates
    return pc, offer, candidates


async def start_offer(ws: Any, entity_id: str, offer: str) -> tuple[int, str]:
    """Send camera/webrtc/offer; return the subscription id and the session id."""
    await ws.send_json_auto_id(
        {"type": "camera/webrtc/offer", "entity_id": entity_id, "offer": offer}
    )
    result = await ws.receive_json()
    assert result["success"], result
    event = await ws.receive_json()
    assert event["event"]["type"] == "session"
    return result["id"], event["event"]["session_id"]


async def send_candidate(
    ws: Any, entity_id: str, session_id: str, candidate: dict[str, Any]
) -> None:
    """Send camera/webrtc/candidate (its result is read later, by next_event or the test)."""
    await ws.send_json_auto_id(
        {
            "type": "camera/webrtc/candidate",
            "entity_id": entity_id,
            "session_id": session_id,
            "candidate": candidate,
        }
    )


async def next_event(ws: Any, subscription: int) -> dict[str, Any]:
    """Return the next event of a subscription, skipping command results."""
    while True:
        message = await asyncio.wait_for(ws.receive_json(), 10)
        if message["type"] == "event" and message["id"] == subscription:
            event: dict[str, Any] = message["event"]
            return event
        assert message["type"] == "result", message
        assert message["success"], message


async def unsubscribe(ws: Any, subscription: int) -> None:
    """End a live view the way the frontend does, and check HA accepted it."""
    await ws.send_json_auto_id(
        {"type": "unsubscribe_events", "subscription": subscription}
    )
    assert (await ws.receive_json())["success"]


async def whep_sessions(sim_control: SimControl) -> list[dict[str, Any]]:
    """Return the simulator's WHEP sessions."""
    sessions: list[dict[str, Any]] = await sim_control.call("GET", "whep/sessions")
    return sessions
