"""The device side of a WHEP session: an aiortc peer connection answering a recvonly offer.

Codec choice (docs/media.md#whep-live-view, docs/ambiguities.md#whep-session-details): Ring answers with H.264 (observed
`profile-level-id=42001f;packetization-mode=1` with RTX; browsers got High `64001f`), so
H.264 is preferred; VP8 is used only when the offer has no H.264. With `whep_h264_profile`
`auto` the answer is aiortc's (both of its Constrained Baseline entries, each with RTX); with
a profile-level-id it holds exactly one H.264 entry plus its RTX: that profile on the
offer's payload type when the offer lists it, else the offer's first Baseline entry, whose
label is kept while the stream still uses the chosen profile (a client may refuse an answer
naming a profile it did not offer, as aiortc does; this way a Baseline-only client such as
aiortc can be fed a High-profile stream). The offer must still list an H.264 Baseline
entry, as every browser and aiortc do. Device audio (Opus silence) is sent when the offer has an audio m-line. No ICE
servers are configured, so nothing is ever looked up outside this machine.
"""

import asyncio
from collections.abc import Callable
import copy
from dataclasses import dataclass, field
from typing import Final

import aioice.ice
from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpCodecParameters,
    RTCRtpSender,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.mediastreams import AudioStreamTrack

from .frames import FrameSource
from .sdp import MediaSection, Offer
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


def _pin_h264_profile(
    video: RTCRtpTransceiver, offer: Offer, profile_level_id: str
) -> None:
    """Answer exactly one H.264 codec (plus RTX) with the given profile-level-id.

    aiortc keeps the negotiated codecs in the transceiver's `_codecs` (no public API sets an
    answer's fmtp); the answer and the RTP sender both read them, so they stay consistent.
    """
    codecs: list[RTCRtpCodecParameters] = video._codecs  # noqa: SLF001 - see docstring
    base = next((c for c in codecs if c.mimeType.lower() == "video/h264"), None)
    if base is None:
        return
    section: MediaSection | None = next(
        (item for item in offer.sections if item.kind == "video"), None
    )
    pinned = copy.deepcopy(base)
    offered = (
        section.payload_type("H264", **{"profile-level-id": profile_level_id})
        if section
        else None
    )
    if offered is not None:
        pinned.payloadType = offered
        pinned.parameters = {**base.parameters, "profile-level-id": profile_level_id}
    rtx_type = None
    if section is not None:
        rtx_type = next(
            (
                pt
                for pt, name in section.payloads.items()
                if name == "RTX"
                and section.fmtp.get(pt, {}).get("apt") == str(pinned.payloadType)
            ),
            None,
        )
    pinned_codecs = [pinned]
    old_rtx = next(
        (
            c
            for c in codecs
            if c.mimeType.lower() == "video/rtx"
            and c.parameters.get("apt") == base.payloadType
        ),
        None,
    )
    if old_rtx is not None and (offered is None or rtx_type is not None):
        rtx = copy.deepcopy(old_rtx)
        if rtx_type is not None:
            rtx.payloadType = rtx_type
        rtx.parameters = {"apt": pinned.payloadType}
        pinned_codecs.append(rtx)
    video._codecs = pinned_codecs  # noqa: SLF001 - see docstring


def _add_tracks(
    pc: RTCPeerConnection, offer: Offer, track: SyntheticVideoTrack, codec: VideoCodec
) -> RTCRtpTransceiver:
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
    return video


async def answer_offer(
    offer_sdp: str,
    offer: Offer,
    source: FrameSource,
    *,
    now_ms: Callable[[], int],
    fps: int = LIVE_FPS,
    profile: str = "auto",
    fault: str = "none",
) -> LivePeer:
    """Create a sending peer connection for an offer; its answer is complete (no trickle)."""
    ensure_loopback_candidates()
    codec: VideoCodec = "H264" if "H264" in offer.codecs("video") else "VP8"
    track = SyntheticVideoTrack(
        source, codec, now_ms=now_ms, fps=fps, profile=profile, fault=fault
    )
    peer = LivePeer(pc=RTCPeerConnection(RTCConfiguration(iceServers=[])))
    before = asyncio.all_tasks()
    try:
        video = _add_tracks(peer.pc, offer, track, codec)
        await peer.pc.setRemoteDescription(
            RTCSessionDescription(sdp=offer_sdp, type="offer")
        )
        if codec == "H264" and profile != "auto":
            _pin_h264_profile(video, offer, profile)
        await peer.pc.setLocalDescription(await peer.pc.createAnswer())
    except BaseException:
        peer.tasks = _aiortc_tasks(before)
        await peer.close()
        raise
    peer.tasks = _aiortc_tasks(before)
    peer.answer_sdp = peer.pc.localDescription.sdp
    return peer
