"""Media endpoints of the Ring Partner API: images, clips and WHEP live views.

See docs/media.md.

Media is not JSON:API on success: image downloads answer 303 to a presigned URL that is
requested without the bearer, clip downloads answer 200/206 (or 301), and WHEP answers 201
with an SDP body and an absolute `Location`. Each has its own small path through
`AbstractAuth.request()`.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
import logging

from yarl import URL

from ._json import datetime_to_ms, opt_int
from .auth import AbstractAuth
from .const import (
    DEFAULT_CLIP_MAX_BYTES,
    DEFAULT_CLIP_TIMEOUT,
    DEFAULT_IMAGE_MAX_BYTES,
    MAX_CLIP_DURATION,
    RECORDING_NOT_READY_DELAYS,
    ImageFormat,
    MediaOrigin,
    VideoCodec,
    device_path,
)
from .exceptions import (
    RingPartnerBadRequestError,
    RingPartnerForbiddenError,
    RingPartnerNotFoundError,
    RingPartnerOutOfScopeError,
    RingPartnerParseError,
    RingPartnerRecordingNotReadyError,
)
from .media import MediaClip, MediaImage, Resolution, WhepSession
from .models import ChimeSlot
from .transport import Response
from .webrtc import force_recvonly

_LOGGER = logging.getLogger(__name__)

_MAX_REDIRECTS = 3
# Ring's generic answer to a body it cannot read, and its 403 for a missing scope
# (docs/media.md#chime-playback, docs/ring-api.md#error-table).
_VALIDATION_ERROR = "Validation Error"
_OUT_OF_SCOPE = "Out of Scope Access"


class MediaApi:
    """The media calls of `RingPartnerClient`, which supplies `_auth`."""

    _auth: AbstractAuth

    async def download_image(
        self,
        device_id: str,
        *,
        at: datetime | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        image_format: ImageFormat | None = None,
        width: int | None = None,
        height: int | None = None,
        max_bytes: int = DEFAULT_IMAGE_MAX_BYTES,
        component_id: str | None = None,
    ) -> MediaImage:
        """Download an existing frame: POST, then GET the presigned 303 target.

        See docs/media.md#image-download.

        Exactly one of `at` (type `at_timestamp`) or `start` (`latest_in_range`, with
        optional `end`). The POST only selects an already-recorded frame, and Ring asks
        to retry `SERVER_BUSY` with backoff, so it is retried like an idempotent call.
        """
        body: dict[str, object]
        if at is not None:
            if start is not None or end is not None:
                msg = "at= excludes start= and end="
                raise ValueError(msg)
            body = {"type": "at_timestamp", "timestamp": datetime_to_ms(at)}
        elif start is not None:
            body = {"type": "latest_in_range", "start_timestamp": datetime_to_ms(start)}
            if end is not None:
                body["end_timestamp"] = datetime_to_ms(end)
        else:
            msg = "Pass exactly one of at= or start="
            raise ValueError(msg)
        options: dict[str, object] = {}
        if image_format is not None:
            options["format"] = str(image_format)
        resolution = _resolution(width, height)
        if resolution:
            options["resolution"] = resolution
        if options:
            body["image_options"] = options
        _select_component(body, component_id)
        first = await self._auth.request(
            "POST",
            device_path(device_id, "/media/image/download"),
            json=body,
            idempotent=True,
            max_bytes=max_bytes,
        )
        media = await self._follow(first, max_bytes=max_bytes, request_timeout=None)
        return MediaImage(
            content=media.body,
            content_type=_content_type(media, "image/jpeg"),
            captured_at=_header_ms(media, "X-Media-Timestamp"),
            origin=MediaOrigin(media.headers.get("X-Media-Origin") or "unknown"),
            request_id=media.request_id or first.request_id,
        )

    async def download_event_image(
        self,
        device_id: str,
        at: datetime,
        resolution: Resolution | None = None,
        *,
        not_ready_delays: Iterable[float] = RECORDING_NOT_READY_DELAYS,
        component_id: str | None = None,
    ) -> MediaImage:
        """Download the frame at an event's time, waiting out 425 RECORDING_NOT_READY.

        Ring needs a few seconds after an event before its recording can be read
        (docs/media.md#image-download); the waits use the transport's injected sleep.
        """
        resolution = resolution or Resolution()
        remaining = iter(not_ready_delays)
        while True:
            try:
                return await self.download_image(
                    device_id,
                    at=at,
                    width=resolution.width,
                    height=resolution.height,
                    component_id=component_id,
                )
            except RingPartnerRecordingNotReadyError:
                if (delay := next(remaining, None)) is None:
                    raise
                _LOGGER.debug(
                    "Recording of %s not ready yet; retrying in %s s", device_id, delay
                )
                await self._auth.sleep(delay)

    async def download_clip(
        self,
        device_id: str,
        *,
        start: datetime,
        duration: timedelta,
        codec: VideoCodec | None = None,
        frame_rate: int | None = None,
        width: int | None = None,
        height: int | None = None,
        audio: bool | None = None,
        max_bytes: int = DEFAULT_CLIP_MAX_BYTES,
        request_timeout: float = DEFAULT_CLIP_TIMEOUT,
        component_id: str | None = None,
    ) -> MediaClip:
        """Download recorded MP4 footage (200 full, 206 partial; 301 followed).

        See docs/media.md#clip-responses.

        Like the image POST, this only reads footage that already exists, so 5xx and
        connection failures are retried; a 301 is followed by GET, with the bearer
        only when the target is on the API origin.
        """
        if not timedelta(0) < duration <= MAX_CLIP_DURATION:
            msg = "duration must be positive and at most 15 minutes"
            raise ValueError(msg)
        body: dict[str, object] = {
            "timestamp": datetime_to_ms(start),
            "duration": int(duration.total_seconds() * 1000),
        }
        video: dict[str, object] = {}
        if codec is not None:
            video["codec"] = str(codec)
        if frame_rate is not None:
            video["frame_rate"] = frame_rate
        resolution = _resolution(width, height)
        if resolution:
            video["resolution"] = resolution
        if video:
            body["video_options"] = video
        if audio is not None:
            body["audio_options"] = {"audio_enabled": audio}
        _select_component(body, component_id)
        first = await self._auth.request(
            "POST",
            device_path(device_id, "/media/video/download"),
            json=body,
            idempotent=True,
            request_timeout=request_timeout,
            max_bytes=max_bytes,
        )
        media = await self._follow(
            first, max_bytes=max_bytes, request_timeout=request_timeout
        )
        length_ms = opt_int(
            media.headers.get("X-Media-Length") or media.headers.get("X-Media-Duration")
        )
        return MediaClip(
            content=media.body,
            content_type=_content_type(media, "video/mp4"),
            started_at=_header_ms(media, "X-Media-Timestamp"),
            length=timedelta(milliseconds=length_ms) if length_ms is not None else None,
            partial=media.status == 206,
            request_id=media.request_id or first.request_id,
        )

    async def _follow(
        self, response: Response, *, max_bytes: int, request_timeout: float | None
    ) -> Response:
        """Follow 301/302/303/307 by GET; the bearer goes only to the API origin."""
        hops = 0
        while response.status in {301, 302, 303, 307, 308}:
            location = response.headers.get("Location")
            if not location or hops >= _MAX_REDIRECTS:
                msg = f"Unusable redirect ({response.status}) from Ring"
                raise RingPartnerParseError(msg)
            hops += 1
            target = response.url.join(URL(location))
            # Presigned URLs carry their own credentials; never leak the bearer to them.
            response = await self._auth.request(
                "GET",
                target,
                authenticated=self._auth.is_api_url(target),
                max_bytes=max_bytes,
                request_timeout=request_timeout,
            )
        if response.status not in {200, 206}:
            msg = f"Unexpected media status {response.status}"
            raise RingPartnerParseError(msg)
        return response

    async def create_whep_session(
        self, device_id: str, offer_sdp: str, *, component_id: int | str | None = None
    ) -> WhepSession:
        """Open a WHEP live view with a complete (non-trickle) offer.

        Ring accepts only `recvonly` media sections (docs/media.md#whep-live-view), so
        every section is made `recvonly` here whatever the caller's offer says.
        """
        response = await self._auth.request(
            "POST",
            device_path(device_id, "/media/streaming/whep/sessions"),
            params={"component_id": str(component_id)}
            if component_id is not None
            else None,
            data=force_recvonly(offer_sdp).encode(),
            headers={"Content-Type": "application/sdp", "Accept": "application/sdp"},
        )
        location = response.headers.get("Location")
        if response.status != 201 or not location:
            msg = f"WHEP answer without session Location ({response.status})"
            raise RingPartnerParseError(msg)
        try:
            answer = response.body.decode()
        except UnicodeDecodeError as err:
            msg = "WHEP answer is not text"
            raise RingPartnerParseError(msg) from err
        return WhepSession(
            device_id=device_id,
            url=str(response.url.join(URL(location))),
            answer_sdp=answer,
        )

    async def delete_whep_session(self, session: WhepSession) -> None:
        """Close a WHEP session; a 404 means it already ended (docs/media.md#whep-teardown)."""
        try:
            await self._auth.request("DELETE", session.url)
        except RingPartnerNotFoundError:
            _LOGGER.debug("WHEP session for %s was already gone", session.device_id)

    async def play_chime(self, device_id: str, slot: ChimeSlot) -> None:
        """Play the audio of one of the app's chime slots (Early Access).

        Two body readings exist (docs/ambiguities.md#chime-playback-body): the one the docs
        show first, `{"audio_ref": ...}`, is sent first; a 400 "Validation Error" tries
        `{"event": ...}` once. A POST that plays a sound is never repeated on its own, and a
        403 "Out of Scope Access" (no Chime Controls) raises at once.
        """
        bodies = [
            {key: value}
            for key, value in (("audio_ref", slot.audio_ref), ("event", slot.event))
            if value
        ]
        if not bodies:
            msg = "chime slot names neither audio_ref nor event"
            raise ValueError(msg)
        path = device_path(device_id, "/media/audio/playback")
        for attempt, body in enumerate(bodies, start=1):
            try:
                await self._auth.request("POST", path, json=body, idempotent=False)
            except RingPartnerForbiddenError as err:
                if err.title != _OUT_OF_SCOPE:
                    raise
                raise RingPartnerOutOfScopeError(
                    str(err),
                    status=err.status,
                    title=err.title,
                    code=err.code,
                    detail=err.detail,
                    request_id=err.request_id,
                ) from err
            except RingPartnerBadRequestError as err:
                if err.title != _VALIDATION_ERROR or attempt == len(bodies):
                    raise
                _LOGGER.debug(
                    "Chime playback refused the %s reading; trying the other",
                    next(iter(body)),
                )
            else:
                return


def _select_component(body: dict[str, object], component_id: str | None) -> None:
    """Name the lens of a multi-camera device in a media download body.

    Two of three independent libraries send `components: [{"component_id": ...}]`
    (docs/media.md#multi-lens-devices); without one Ring uses the device's main lens.
    """
    if component_id is not None:
        body["components"] = [{"component_id": component_id}]


def _resolution(width: int | None, height: int | None) -> dict[str, int]:
    """Return a `resolution` object with the given dimensions."""
    resolution: dict[str, int] = {}
    if width is not None:
        resolution["width"] = width
    if height is not None:
        resolution["height"] = height
    return resolution


def _content_type(response: Response, default: str) -> str:
    """Return the media type of a response without parameters."""
    value = response.headers.get("Content-Type", default)
    return value.split(";", 1)[0].strip() or default


def _header_ms(response: Response, name: str) -> datetime | None:
    """Parse an epoch-milliseconds header into a UTC datetime."""
    millis = opt_int(response.headers.get(name))
    if millis is None:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=UTC)
