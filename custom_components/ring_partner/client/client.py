"""Typed async client for the Ring Partner API (ring-partner-api.md §2-§5)."""

from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, timedelta
import logging
from urllib.parse import quote

from yarl import URL

from ._json import JsonObject, as_list, as_object, datetime_to_ms, opt_int, opt_str
from .account import AppIntegration, Subscription, User
from .auth import AbstractAuth, Response
from .const import (
    ALL_INCLUDES,
    APP_INTEGRATIONS_PATH,
    DEFAULT_CLIP_MAX_BYTES,
    DEFAULT_CLIP_TIMEOUT,
    DEFAULT_IMAGE_MAX_BYTES,
    DEVICES_PATH,
    HISTORY_PATH,
    MAX_CLIP_DURATION,
    SUBSCRIPTIONS_PATH,
    USERS_ME_PATH,
    DeviceInclude,
    ImageFormat,
    IntegrationStatus,
    MediaOrigin,
    VideoCodec,
)
from .events import HistoryEvent
from .exceptions import RingPartnerNotFoundError, RingPartnerParseError
from .media import MediaClip, MediaImage, WhepSession
from .models import (
    Device,
    DeviceCapabilities,
    DeviceConfigurations,
    DeviceStatus,
    Location,
    index_included,
)

_LOGGER = logging.getLogger(__name__)

_MAX_REDIRECTS = 3


def _device_path(device_id: str, suffix: str = "") -> str:
    """Return `/v1/devices/{id}{suffix}` with the opaque id percent-encoded."""
    return f"{DEVICES_PATH}/{quote(device_id, safe='')}{suffix}"


class RingPartnerClient:
    """Client for the Ring Partner API; every call goes through `auth.request()`."""

    def __init__(self, auth: AbstractAuth) -> None:
        """Initialize with an auth implementation."""
        self._auth = auth

    @property
    def auth(self) -> AbstractAuth:
        """Return the auth implementation."""
        return self._auth

    async def get_user(self) -> User:
        """Return the Ring account behind the token (`GET /v1/users/me`)."""
        response = await self._auth.request("GET", USERS_ME_PATH)
        return User.from_document(response.json())

    async def confirm_app_integration(
        self, nonce: str, account_identifier: str | None = None
    ) -> IntegrationStatus:
        """Confirm an account link with the matched nonce (POST app-integrations, §2.2)."""
        body: dict[str, str] = {"nonce": nonce}
        if account_identifier is not None:
            body["account_identifier"] = account_identifier
        response = await self._auth.request("POST", APP_INTEGRATIONS_PATH, json=body)
        status = opt_str(response.json().get("status"))
        if status is None:
            msg = "app integration answer lacks 'status'"
            raise RingPartnerParseError(msg)
        return IntegrationStatus(status)

    async def update_app_integration(
        self,
        *,
        status: IntegrationStatus | None = None,
        account_identifier: str | None = None,
    ) -> AppIntegration:
        """Set the integration status and/or identifier (PATCH app-integrations, §2.3)."""
        body: dict[str, str] = {}
        if status is not None:
            body["status"] = str(status)
        if account_identifier is not None:
            body["account_identifier"] = account_identifier
        if not body:
            msg = "update_app_integration needs status or account_identifier"
            raise ValueError(msg)
        response = await self._auth.request("PATCH", APP_INTEGRATIONS_PATH, json=body)
        return AppIntegration.from_json(response.json())

    async def get_devices(
        self, include: Iterable[DeviceInclude] = ALL_INCLUDES
    ) -> list[Device]:
        """Return every shared device with its included sub-resources in ONE request."""
        response = await self._auth.request(
            "GET", DEVICES_PATH, params=_include_params(include)
        )
        document = response.json()
        included = index_included(document)
        return [
            Device.from_resource(as_object(item), included)
            for item in as_list(document.get("data"))
        ]

    async def get_device(
        self, device_id: str, include: Iterable[DeviceInclude] = ALL_INCLUDES
    ) -> Device:
        """Return one device with its included sub-resources."""
        response = await self._auth.request(
            "GET", _device_path(device_id), params=_include_params(include)
        )
        document = response.json()
        return Device.from_resource(
            as_object(document.get("data")), index_included(document)
        )

    async def get_device_status(self, device_id: str) -> DeviceStatus:
        """Return a device's status."""
        return DeviceStatus.from_resource(await self._sub(device_id, "status"))

    async def get_device_capabilities(self, device_id: str) -> DeviceCapabilities:
        """Return a device's capabilities."""
        return DeviceCapabilities.from_resource(
            await self._sub(device_id, "capabilities")
        )

    async def get_device_location(self, device_id: str) -> Location:
        """Return a device's coarse location."""
        return Location.from_resource(await self._sub(device_id, "location"))

    async def get_device_configurations(self, device_id: str) -> DeviceConfigurations:
        """Return a device's (read-only) configurations."""
        return DeviceConfigurations.from_resource(
            await self._sub(device_id, "configurations")
        )

    async def _sub(self, device_id: str, name: str) -> JsonObject:
        """Fetch `/v1/devices/{id}/{name}` and return its `data` resource."""
        response = await self._auth.request("GET", _device_path(device_id, f"/{name}"))
        return as_object(response.json().get("data"))

    async def get_subscriptions(self) -> list[Subscription]:
        """Return the app's partner subscriptions for this user, following pages (§7)."""
        return [
            Subscription.from_resource(resource)
            async for resource in self._paginate(SUBSCRIPTIONS_PATH, None, None)
        ]

    async def history_events(
        self,
        device_id: str,
        *,
        event_types: Iterable[str] | None = None,
        max_pages: int | None = None,
    ) -> AsyncIterator[HistoryEvent]:
        """Yield a device's history, newest first, following relative `links.next` (§5).

        `event_types` takes plain types (`ding`) and dotted subtypes (`motion.human`).
        """
        path = HISTORY_PATH.format(device_id=quote(device_id, safe=""))
        params = {"event_types": ",".join(event_types)} if event_types else None
        async for resource in self._paginate(path, params, max_pages):
            yield HistoryEvent.from_resource(resource, device_id)

    async def _paginate(
        self,
        path: str,
        params: dict[str, str] | None,
        max_pages: int | None,
    ) -> AsyncIterator[JsonObject]:
        """Yield the `data` items of each page until an empty page or no `next`."""
        url: URL = self._auth.resolve_url(path)
        seen: set[str] = set()
        pages = 0
        while True:
            response = await self._auth.request(
                "GET", url, params=params if pages == 0 else None
            )
            pages += 1
            document = response.json()
            items = as_list(document.get("data"))
            for item in items:
                yield as_object(item)
            next_link = opt_str(as_object(document.get("links")).get("next"))
            if not items or not next_link or (max_pages and pages >= max_pages):
                return
            if next_link in seen:
                # A cursor that repeats would loop forever: stop, keeping what we have.
                _LOGGER.warning("Ring returned the same page cursor twice; stopping")
                return
            seen.add(next_link)
            url = self._auth.resolve_url(next_link)
            if not self._auth.is_api_url(url):
                msg = "Pagination link points outside the API origin"
                raise RingPartnerParseError(msg)
            if params and any(key not in url.query for key in params):
                # Docs say `next` keeps the filters; a 3P report says it drops them.
                url = url.update_query(
                    {
                        key: value
                        for key, value in params.items()
                        if key not in url.query
                    }
                )

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
    ) -> MediaImage:
        """Download an existing frame: POST, then GET the presigned 303 target (§4.4).

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
        first = await self._auth.request(
            "POST",
            _device_path(device_id, "/media/image/download"),
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
    ) -> MediaClip:
        """Download recorded MP4 footage (200 full, 206 partial; 301 followed, §4.3).

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
        first = await self._auth.request(
            "POST",
            _device_path(device_id, "/media/video/download"),
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
        self, device_id: str, offer_sdp: str, *, component_id: int | None = None
    ) -> WhepSession:
        """Open a WHEP live view with a complete (non-trickle) recvonly offer (§4.1)."""
        response = await self._auth.request(
            "POST",
            _device_path(device_id, "/media/streaming/whep/sessions"),
            params={"component_id": str(component_id)}
            if component_id is not None
            else None,
            data=offer_sdp.encode(),
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
        """Close a WHEP session; a 404 means it already ended (cap reached, §4.1)."""
        try:
            await self._auth.request("DELETE", session.url)
        except RingPartnerNotFoundError:
            _LOGGER.debug("WHEP session for %s was already gone", session.device_id)


def _include_params(include: Iterable[DeviceInclude]) -> dict[str, str] | None:
    """Return the `include=` query for the requested relationships, if any."""
    names = list(dict.fromkeys(str(DeviceInclude(item)) for item in include))
    return {"include": ",".join(names)} if names else None


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
