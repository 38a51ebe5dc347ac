"""The device side of a WHEP session: an aiortc peer connection answering a recvonly offer.

Codec choice (ring-partner-api.md §4.1, §11 item 13): Ring answers with H.264 (observed
`profile-level-id=42001f;packetization-mode=1`), so H.264 is preferred; VP8 is used only when
the offer has no H.264. Device audio (Opus silence) is sent when the offer has an audio m-line.
No ICE servers are configured, so nothing is ever looked up outside this machine.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import aioice.ice
from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import AudioStreamTrack

from .frames import FrameSource
from .sdp import Offer
from .stream import LIVE_FPS, SyntheticVideoTrack, VideoCodec

_LOOPBACK: Final = "127.0.0.1"
_CLOSE_TIMEOUT_S: Final = 2.0


def _host_addresses_with_loopback(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    """Return aioice's host addresses plus 127.0.0.1, which aioice leaves out."""
    addresses = _original_host_addresses(use_ipv4=use_ipv4, use_ipv6=use_ipv6)
    if use_ipv4 and _LOOPBACK not in addresses:
        addresses.insert(0, _LOOPBACK)
    return addresses


_original_host_addresses = aioice.ice.get_host_addresses


def ensure_loopback_candidates() -> None:
    """Make aioice gather host candidates on 127.0.0.1 too (process-wide, idempotent).

    aioice skips the loopback interface, so on a machine whose only interface is loopback
    (sandboxed CI) neither the simulator nor a local aiortc client would have a candidate.
    The simulator binds 127.0.0.1, and so must its media path.
    """
    aioice.ice.get_host_addresses = _host_addresses_with_loopback


@dataclass(kw_only=True)
class LivePeer:
    """A peer connection with the background tasks aiortc started for it."""

    pc: RTCPeerConnection = field(repr=False)
    answer_sdp: str = field(default="", repr=False)
    tasks: set[asyncio.Task[object]] = field(default_factory=set, repr=False)

    async def close(self) -> None:
        """Close the connection and wait for aiortc's own connect task to finish.

        aiortc starts that task with `ensure_future` and does not await it in `close()`;
        it ends a few loop turns later, which would otherwise outlive the simulator.
        """
        await self.pc.close()
        pending = [task for task in self.tasks if not task.done()]
        if pending:
            _, still_running = await asyncio.wait(pending, timeout=_CLOSE_TIMEOUT_S)
            for task in still_running:
                task.cancel()
            if still_running:
                await asyncio.wait(still_running)


def _aiortc_tasks(before: set[asyncio.Task[object]]) -> set[asyncio.Task[object]]:
    """Return the tasks aiortc started since `before` (other requests may have started some)."""
    return {
        task
        for task in asyncio.all_tasks() - before
        if getattr(task.get_coro(), "__qualname__", "").startswith("RTCPeerConnection.")
    }


def _add_tracks(
    pc: RTCPeerConnection, offer: Offer, track: SyntheticVideoTrack, codec: VideoCodec
) -> None:
    """Add the sendonly video (and audio, if offered) with the codecs to answer with."""
    video = pc.addTransceiver(track, direction="sendonly")
    wanted = (f"video/{codec}", "video/rtx")
    capabilities = RTCRtpSender.getCapabilities("video").codecs
    video.setCodecPreferences([c for c in capabilities if c.mimeType in wanted])
    if offer.has_audio:
        audio = pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
        if "OPUS" in offer.codecs("audio"):
            voices = RTCRtpSender.getCapabilities("audio").codecs
            audio.setCodecPreferences([c for c in voices if c.mimeType == "audio/opus"])


async def answer_offer(
    offer_sdp: str,
    offer: Offer,
    source: FrameSource,
    *,
    now_ms: Callable[[], int],
    fps: int = LIVE_FPS,
) -> LivePeer:
    """Create a sending peer connection for an offer; its answer is complete (no trickle)."""
    ensure_loopback_candidates()
    codec: VideoCodec = "H264" if "H264" in offer.codecs("video") else "VP8"
    track = SyntheticVideoTrack(source, codec, now_ms=now_ms, fps=fps)
    peer = LivePeer(pc=RTCPeerConnection(RTCConfiguration(iceServers=[])))
    before = asyncio.all_tasks()
    try:
        _add_tracks(peer.pc, offer, track, codec)
        await peer.pc.setRemoteDescription(
            RTCSessionDescription(sdp=offer_sdp, type="offer")
        )
        await peer.pc.setLocalDescription(await peer.pc.createAnswer())
    except BaseException:
        peer.tasks = _aiortc_tasks(before)
        await peer.close()
        raise
    peer.tasks = _aiortc_tasks(before)
    peer.answer_sdp = peer.pc.localDescription.sdp
    return peer
