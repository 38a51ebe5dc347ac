"""Live video for WHEP sessions: an aiortc peer connection sending a synthetic camera.

Codec choice (ring-partner-api.md §4.1, §11 item 13): Ring answers with H.264 (observed
`profile-level-id=42001f;packetization-mode=1`), so H.264 is preferred; VP8 is used only when
the offer has no H.264. Device audio (Opus silence) is sent when the offer has an audio m-line.
"""

import asyncio
from collections.abc import Callable
from fractions import Fraction
import time
from typing import Final, override

import aioice.ice
from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, MediaStreamTrack
from av import VideoFrame

from .frames import FrameSource, render_frame
from .mp4 import video_frame
from .sdp import Offer

LIVE_WIDTH: Final = 640
LIVE_HEIGHT: Final = 360
LIVE_FPS: Final = 15
_VIDEO_CLOCK_RATE: Final = 90000
_LOOPBACK: Final = "127.0.0.1"


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


class SyntheticVideoTrack(MediaStreamTrack):
    """Send a moving pattern with the device name and a running clock."""

    kind = "video"

    def __init__(
        self,
        source: FrameSource,
        *,
        now_ms: Callable[[], int],
        width: int = LIVE_WIDTH,
        height: int = LIVE_HEIGHT,
        fps: int = LIVE_FPS,
    ) -> None:
        """Initialize the track for one device."""
        super().__init__()
        self._source = source
        self._now_ms = now_ms
        self._width = width
        self._height = height
        self._fps = fps
        self._started: float | None = None
        self._started_ms = 0
        self._index = 0

    @override
    async def recv(self) -> VideoFrame:
        """Return the next frame, paced at the track's frame rate."""
        if self.readyState != "live":
            raise MediaStreamError
        if self._started is None:
            self._started = time.monotonic()
            self._started_ms = self._now_ms()
        else:
            self._index += 1
            delay = self._started + self._index / self._fps - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        image = render_frame(
            self._source,
            at_ms=self._started_ms + self._index * 1000 // self._fps,
            width=self._width,
            height=self._height,
            label="live",
        )
        frame = video_frame(image)
        frame.pts = self._index * _VIDEO_CLOCK_RATE // self._fps
        frame.time_base = Fraction(1, _VIDEO_CLOCK_RATE)
        return frame


def _preferred_video_codecs(offer: Offer) -> list[str]:
    """Return the mime types to answer with: H.264 if offered, else VP8 (each with RTX)."""
    name = "H264" if "H264" in offer.codecs("video") else "VP8"
    return [f"video/{name}", "video/rtx"]


async def answer_offer(
    offer_sdp: str,
    offer: Offer,
    source: FrameSource,
    *,
    now_ms: Callable[[], int],
    fps: int = LIVE_FPS,
) -> tuple[RTCPeerConnection, str]:
    """Create a sending peer connection for an offer; return it with the SDP answer.

    The answer is complete (no trickle ICE): aiortc finishes gathering before it returns.
    No ICE servers are configured, so nothing is looked up outside this machine.
    """
    ensure_loopback_candidates()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        video = pc.addTransceiver(
            SyntheticVideoTrack(source, now_ms=now_ms, fps=fps), direction="sendonly"
        )
        wanted = _preferred_video_codecs(offer)
        capabilities = RTCRtpSender.getCapabilities("video").codecs
        video.setCodecPreferences(
            [codec for codec in capabilities if codec.mimeType in wanted]
        )
        if offer.has_audio:
            audio = pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
            if "OPUS" in offer.codecs("audio"):
                opus = RTCRtpSender.getCapabilities("audio").codecs
                audio.setCodecPreferences(
                    [c for c in opus if c.mimeType == "audio/opus"]
                )
        await pc.setRemoteDescription(
            RTCSessionDescription(sdp=offer_sdp, type="offer")
        )
        await pc.setLocalDescription(await pc.createAnswer())
    except BaseException:
        await pc.close()
        raise
    return pc, pc.localDescription.sdp
