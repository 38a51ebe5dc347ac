"""Fresh stills on request: a short live view of our own (docs/media.md#capture-snapshot).

Ring's image download only returns frames it already has, but a live view makes the device
record. So a capture opens a recvonly WHEP session from Home Assistant (aiortc, one complete
offer), takes the first keyframe that decodes (PyAV through aiortc), and DELETEs the session
at once. When no frame decodes within `FRAME_TIMEOUT` (a stream aiortc cannot decode, or no
keyframe), the session's own recording is asked for instead: Ring's image at the time the
session was open (`at_timestamp`, 425 retried while Ring finishes the recording).
"""

import asyncio
from collections.abc import Callable, Iterable
import contextlib
from dataclasses import dataclass
from datetime import datetime
import io
import logging
from typing import Final

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import VideoFrame
from PIL import Image, UnidentifiedImageError

from .client import (
    RECORDING_NOT_READY_DELAYS,
    MediaImage,
    RingPartnerClient,
    RingPartnerError,
    WhepSession,
)

_LOGGER = logging.getLogger(__name__)

# Ring's simulator and real devices send a keyframe within the first second or two; a
# stream without one in this time will not get one before the 30 s cap.
FRAME_TIMEOUT: Final = 6.0
JPEG_QUALITY: Final = 85


class CaptureUnreadableError(Exception):
    """Neither the live video nor Ring's image of it could be decoded (TAKE encryption)."""


@dataclass(frozen=True, slots=True)
class CapturedStill:
    """A still from a capture; `live` when it was decoded from the live video itself."""

    image: MediaImage
    live: bool


async def async_capture_still(
    client: RingPartnerClient,
    device_id: str,
    *,
    now: Callable[[], datetime],
    component: str | None = None,
    frame_timeout: float | None = None,
    not_ready_delays: Iterable[float] | None = None,
) -> CapturedStill:
    """Open a short live view of a device (or one lens) and return a fresh still from it.

    Client errors of the WHEP POST (offline, rate limited, forbidden) propagate; the
    session is always DELETEd and the peer connection closed before this returns.
    """
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    video: asyncio.Future[MediaStreamTrack] = asyncio.get_running_loop().create_future()

    @pc.on("track")
    def _on_track(track: MediaStreamTrack) -> None:
        if track.kind == "video" and not video.done():
            video.set_result(track)

    frame: VideoFrame | None = None
    try:
        pc.addTransceiver("video", direction="recvonly")
        # aiortc gathers every candidate in setLocalDescription: the offer is complete.
        await pc.setLocalDescription(await pc.createOffer())
        session = await client.create_whep_session(
            device_id, pc.localDescription.sdp, component_id=component
        )
        opened_at = now()
        try:
            frame = await _first_keyframe(
                pc, session, video, seconds=frame_timeout or FRAME_TIMEOUT
            )
        finally:
            await _delete(client, session)
    finally:
        await pc.close()
    if frame is not None:
        captured_at = now()
        content = await asyncio.to_thread(_encode_jpeg, frame)
        return CapturedStill(
            MediaImage(
                content=content, content_type="image/jpeg", captured_at=captured_at
            ),
            live=True,
        )
    _LOGGER.debug("No live frame decoded for %s; asking for its recording", device_id)
    image = await client.download_event_image(
        device_id,
        opened_at,
        component_id=component,
        not_ready_delays=RECORDING_NOT_READY_DELAYS
        if not_ready_delays is None
        else not_ready_delays,
    )
    if not await asyncio.to_thread(_is_readable, image.content):
        raise CaptureUnreadableError
    return CapturedStill(image, live=False)


async def _first_keyframe(
    pc: RTCPeerConnection,
    session: WhepSession,
    video: asyncio.Future[MediaStreamTrack],
    *,
    seconds: float,
) -> VideoFrame | None:
    """Apply Ring's answer and wait for the first decoded keyframe; None if none came."""
    try:
        async with asyncio.timeout(seconds):
            await pc.setRemoteDescription(
                RTCSessionDescription(sdp=session.answer_sdp, type="answer")
            )
            track = await video
            while True:
                frame = await track.recv()
                if isinstance(frame, VideoFrame) and frame.key_frame:
                    return frame
    except TimeoutError:
        return None
    except (MediaStreamError, ValueError) as err:
        # A refused answer or a track that ended: no frame from this session.
        _LOGGER.debug("Live capture of %s got no frame: %s", session.device_id, err)
        return None


async def _delete(client: RingPartnerClient, session: WhepSession) -> None:
    """End the capture's session at once; Ring's cap ends it anyway if this fails."""
    with contextlib.suppress(RingPartnerError):
        await client.delete_whep_session(session)


def _encode_jpeg(frame: VideoFrame) -> bytes:
    """Encode a decoded video frame as JPEG (in a worker thread)."""
    buffer = io.BytesIO()
    # PyAV's stubs leave to_image untyped; it returns a PIL image.
    image: Image.Image = frame.to_image()  # type: ignore[no-untyped-call]
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def _is_readable(content: bytes) -> bool:
    """Return True when an image Ring sent decodes (TAKE-encrypted media does not)."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
    except UnidentifiedImageError, OSError, SyntaxError, ValueError:
        return False
    return True
