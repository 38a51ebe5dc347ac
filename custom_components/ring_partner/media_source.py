"""Ring event history in Home Assistant's media browser, and the views that serve its media.

The tree is root → one directory per camera of every loaded account → that camera's recent
events, newest first. Each event plays its recording and shows the frame at its start, both
downloaded on request through the authenticated views below. Nothing is cached: browsing a
camera reads its history once, and resolving an event reads it once more.

Ring's media endpoints are addressed by time, not by event (docs/media.md#clip-download,
docs/media.md#image-download): clips are POST downloads and images sit behind short-lived
presigned URLs, neither of which a browser or media player can use. So the browser links to
these views, which download on request and pass the bytes on; Ring's URLs never leave Home
Assistant. The URLs carry the event's times in the path (media players get signed paths, and
HA signs no URL with a query), so a thumbnail costs no history lookup. On a multi-lens camera
they also name the lens the event's webhook named (docs/media.md#multi-lens-devices).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Final, Self, override
from urllib.parse import quote

from aiohttp import web

from homeassistant.auth.models import User
from homeassistant.auth.permissions.const import POLICY_READ
from homeassistant.components.http import KEY_HASS, KEY_HASS_USER, HomeAssistantView
from homeassistant.components.media_player import BrowseError, MediaClass, MediaType
from homeassistant.components.media_source import (
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
    Unresolvable,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, Unauthorized
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .client import (
    Device,
    HistoryEvent,
    HistoryEventType,
    MotionSubtype,
    RingPartnerClient,
    RingPartnerError,
)
from .const import DOMAIN, LOGGER
from .coordinator import RingPartnerConfigEntry, consent_time
from .errors import ha_error, translation_key
from .snapshot import CameraSnapshots

MEDIA_SOURCE_TITLE: Final = "Ring"
# History pages hold an undocumented number of events (docs/ambiguities.md#history-paging-and-time-filters):
# two pages and at
# most 50 events keep one browse to two requests.
HISTORY_PAGES: Final = 2
MAX_EVENTS: Final = 50
# Events still in progress have no end yet; play this much of them.
OPEN_EVENT_LENGTH: Final = timedelta(seconds=30)
# Titles lead with the kind, which the media browser's grid must not cut off
# ("Person · 21:49"); events of other days add their date.
TITLE_TIME_FORMAT: Final = "%H:%M"
TITLE_DATE_TIME_FORMAT: Final = "%Y-%m-%d %H:%M"
EVENT_KINDS: Final = {
    HistoryEventType.DING: "Doorbell",
    HistoryEventType.MOTION: "Motion",
    HistoryEventType.ON_DEMAND: "Live view",
}
# Motion subtypes from webhooks (the history has none, docs/webhooks.md#motion-subtypes).
MOTION_KINDS: Final = {
    MotionSubtype.HUMAN: "Person",
    MotionSubtype.VEHICLE: "Vehicle",
    MotionSubtype.ANIMAL: "Animal",
}

# Ring caps clip downloads at 15 min; a zero-length event still gets one second.
MIN_CLIP_DURATION: Final = timedelta(seconds=1)
MAX_CLIP_DURATION: Final = timedelta(minutes=15)
# Small enough for the media browser's cards; Ring scales the frame itself.
THUMBNAIL_WIDTH: Final = 320
# A recorded frame never changes: let the browser keep it while the browser is open.
THUMBNAIL_CACHE_CONTROL: Final = "private, max-age=3600"
CLIP_CONTENT_TYPE: Final = "video/mp4"
# Served from Home Assistant's origin: only pass on the image types Ring documents.
IMAGE_CONTENT_TYPES: Final = frozenset({"image/jpeg", "image/png"})

_PREFIX: Final = f"/api/{DOMAIN}/event_media/{{entry_id}}/{{device_id}}"
# Up to 14 digits of epoch milliseconds keeps every match a valid datetime.
_MS: Final = r"\d{1,14}"
EVENT_CLIP_PATH: Final = f"{_PREFIX}/{{start:{_MS}}}/{{end:{_MS}}}/clip"
EVENT_THUMBNAIL_PATH: Final = f"{_PREFIX}/{{start:{_MS}}}/thumbnail"
# The media of an event one lens of a multi-lens camera saw names that lens (the component).
_LENS: Final = "lens/{component}"
EVENT_LENS_CLIP_PATH: Final = f"{_PREFIX}/{{start:{_MS}}}/{{end:{_MS}}}/{_LENS}/clip"
EVENT_LENS_THUMBNAIL_PATH: Final = f"{_PREFIX}/{{start:{_MS}}}/{_LENS}/thumbnail"

DATA_MEDIA_VIEWS: HassKey[bool] = HassKey(f"{DOMAIN}_media_views")

type _ErrorType = type[HomeAssistantError]

# Failures that mean "Ring has nothing to show for this event": answered 404, not 502.
_NO_MEDIA_KEYS: Final = frozenset(
    {
        "media_not_found",
        "recording_not_ready",
        "media_before_consent",
        "forbidden",
        "device_not_found",
    }
)


def _error[E: HomeAssistantError](
    error_type: type[E], key: str, **placeholders: str
) -> E:
    """Return a translated error of the media browser."""
    return error_type(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


async def async_get_media_source(hass: HomeAssistant) -> MediaSource:
    """Set up the Ring media source and the views it links to."""
    async_register_media_views(hass)
    return RingPartnerMediaSource(hass)


@dataclass(frozen=True, slots=True)
class MediaId:
    """A node below the root: a camera, or one of its events."""

    entry_id: str
    device_id: str
    event_id: str | None = None

    @property
    def identifier(self) -> str:
        """Return the identifier: `<entry_id>/<device_id>[/<event_id>]`."""
        base = f"{self.entry_id}/{self.device_id}"
        return f"{base}/{self.event_id}" if self.event_id else base

    @classmethod
    def parse(cls, identifier: str, error: _ErrorType) -> Self | None:
        """Parse an identifier; None for the root, `error` when malformed."""
        if not identifier:
            return None
        parts = identifier.split("/", 2)
        if len(parts) < 2 or not all(parts):
            raise _error(error, "invalid_media_id", identifier=identifier)
        return cls(*parts)


class RingPartnerMediaSource(MediaSource):
    """Browse and play the event history of Ring cameras."""

    name = MEDIA_SOURCE_TITLE

    def __init__(self, hass: HomeAssistant) -> None:
        """Initialize the media source."""
        super().__init__(DOMAIN)
        self.hass = hass

    @override
    async def async_resolve_media(self, item: MediaSourceItem) -> PlayMedia:
        """Resolve an event (or a camera: its latest event) to its clip's URL."""
        if (media_id := MediaId.parse(item.identifier, Unresolvable)) is None:
            raise _error(Unresolvable, "choose_camera_or_event")
        entry, device = self._camera(media_id, Unresolvable)
        events = await _async_events(entry, media_id.device_id, Unresolvable)
        event = _find(events, media_id, Unresolvable)
        end = event.end or event.start + OPEN_EVENT_LENGTH
        lens = event_lens(device, entry.runtime_data.snapshots.get(device.id), event)
        return PlayMedia(
            event_clip_url(entry.entry_id, media_id.device_id, event.start, end, lens),
            CLIP_CONTENT_TYPE,
        )

    @override
    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        """Return the cameras, a camera's events, or one event."""
        if (media_id := MediaId.parse(item.identifier, BrowseError)) is None:
            return self._browse_root()
        entry, device = self._camera(media_id, BrowseError)
        events = await _async_events(entry, media_id.device_id, BrowseError)
        snapshots = entry.runtime_data.snapshots.get(media_id.device_id)
        if media_id.event_id is not None:
            return _event_node(
                media_id, device, _find(events, media_id, BrowseError), snapshots
            )
        node = _camera_node(media_id, device.name)
        node.children = [
            _event_node(media_id, device, event, snapshots) for event in events
        ]
        return node

    def _browse_root(self) -> BrowseMediaSource:
        """Return every camera of every loaded Ring account."""
        entries = self.hass.config_entries.async_loaded_entries(DOMAIN)
        children = [
            _camera_node(
                MediaId(entry.entry_id, device.id),
                f"{device.name} ({entry.title})" if len(entries) > 1 else device.name,
            )
            for entry in entries
            for device in entry.runtime_data.coordinator.data.values()
            if camera_device(entry, device.id) is not None
        ]
        return BrowseMediaSource(
            domain=DOMAIN,
            identifier=None,
            media_class=MediaClass.DIRECTORY,
            media_content_type=MediaType.VIDEO,
            children_media_class=MediaClass.DIRECTORY,
            title=MEDIA_SOURCE_TITLE,
            can_play=False,
            can_expand=True,
            children=sorted(children, key=lambda child: child.title),
        )

    def _camera(
        self, media_id: MediaId, error: _ErrorType
    ) -> tuple[RingPartnerConfigEntry, Device]:
        """Return the loaded entry and camera of an identifier, or raise `error`."""
        entry = async_loaded_entry(self.hass, media_id.entry_id)
        if (
            entry is None
            or (device := camera_device(entry, media_id.device_id)) is None
        ):
            raise _error(error, "unknown_camera", identifier=media_id.identifier)
        return entry, device


async def _async_events(
    entry: RingPartnerConfigEntry, device_id: str, error: _ErrorType
) -> list[HistoryEvent]:
    """Read a camera's recent history once, newest first, from consent on."""
    client = entry.runtime_data.client
    try:
        events = [
            event
            async for event in client.history_events(device_id, max_pages=HISTORY_PAGES)
        ]
    except RingPartnerError as err:
        raise ha_error(err, error) from err
    # Ring returns nothing older than consent (docs/linking.md#consent-time); the filter
    # keeps that a local fact too.
    since = consent_time(entry)
    events = [event for event in events if event.start >= since]
    events.sort(key=lambda event: event.start, reverse=True)
    return events[:MAX_EVENTS]


def _find(
    events: list[HistoryEvent], media_id: MediaId, error: _ErrorType
) -> HistoryEvent:
    """Return the identified event, or the latest one for a camera; else raise `error`."""
    for event in events:
        if media_id.event_id in (None, event.id):
            return event
    raise _error(error, "no_matching_event", identifier=media_id.identifier)


def _camera_node(media_id: MediaId, title: str) -> BrowseMediaSource:
    """Return a camera's directory, without its children."""
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=media_id.identifier,
        media_class=MediaClass.DIRECTORY,
        media_content_type=MediaType.VIDEO,
        children_media_class=MediaClass.VIDEO,
        title=title,
        can_play=False,
        can_expand=True,
    )


def event_title(
    event: HistoryEvent, snapshots: CameraSnapshots | None, now: datetime
) -> str:
    """Return an event's title: its kind first (a person, not just motion), then when."""
    kind = EVENT_KINDS.get(event.event_type, "Event")
    if event.event_type is HistoryEventType.MOTION and snapshots is not None:
        subtype = snapshots.motion_kind(event.start)
        kind = MOTION_KINDS.get(subtype, kind) if subtype is not None else kind
    local = dt_util.as_local(event.start)
    same_day = local.date() == dt_util.as_local(now).date()
    when = local.strftime(TITLE_TIME_FORMAT if same_day else TITLE_DATE_TIME_FORMAT)
    return f"{kind} · {when}"


def event_lens(
    device: Device, snapshots: CameraSnapshots | None, event: HistoryEvent
) -> str | None:
    """Return the lens of a multi-lens camera whose footage an event is, if one is known.

    History names no lens; the event's webhook did (`component_ids`), and the camera's still
    cache kept it by the event's time (docs/media.md#multi-lens-devices).
    """
    if snapshots is None or (lens := snapshots.event_lens(event.start)) is None:
        return None
    return lens if lens in device.components else None


def _event_node(
    camera: MediaId,
    device: Device,
    event: HistoryEvent,
    snapshots: CameraSnapshots | None,
) -> BrowseMediaSource:
    """Return a camera's playable event, titled kind first."""
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=MediaId(camera.entry_id, camera.device_id, event.id).identifier,
        media_class=MediaClass.VIDEO,
        media_content_type=MediaType.VIDEO,
        title=event_title(event, snapshots, dt_util.utcnow()),
        can_play=True,
        can_expand=False,
        thumbnail=event_thumbnail_url(
            camera.entry_id,
            camera.device_id,
            event.start,
            event_lens(device, snapshots, event),
        ),
    )


type _Download = Callable[[RingPartnerClient, str], Awaitable[web.StreamResponse]]


def _ms(when: datetime) -> int:
    """Return epoch milliseconds."""
    return int(when.timestamp() * 1000)


def _path_prefix(entry_id: str, device_id: str) -> str:
    """Return the URL prefix of a device's event media."""
    return (
        f"/api/{DOMAIN}/event_media/{quote(entry_id, safe='')}/"
        f"{quote(device_id, safe='')}"
    )


def _lens_segment(lens: str | None) -> str:
    """Return the path segments that name a lens (none for the device's main footage)."""
    return "" if lens is None else f"/lens/{quote(lens, safe='')}"


def event_clip_url(
    entry_id: str,
    device_id: str,
    start: datetime,
    end: datetime,
    lens: str | None = None,
) -> str:
    """Return the view URL of the footage between start and end (of one lens)."""
    return (
        f"{_path_prefix(entry_id, device_id)}/{_ms(start)}/{_ms(end)}"
        f"{_lens_segment(lens)}/clip"
    )


def event_thumbnail_url(
    entry_id: str, device_id: str, start: datetime, lens: str | None = None
) -> str:
    """Return the view URL of the frame at an event's start (of one lens)."""
    return (
        f"{_path_prefix(entry_id, device_id)}/{_ms(start)}{_lens_segment(lens)}"
        "/thumbnail"
    )


@callback
def async_loaded_entry(
    hass: HomeAssistant, entry_id: str
) -> RingPartnerConfigEntry | None:
    """Return a loaded Ring Partner config entry by id."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if (
        entry is None
        or entry.domain != DOMAIN
        or entry.state is not ConfigEntryState.LOADED
    ):
        return None
    return entry


def camera_device(entry: RingPartnerConfigEntry, device_id: str) -> Device | None:
    """Return the entry's device if it records video."""
    device = entry.runtime_data.coordinator.data.get(device_id)
    return device if device is not None and device.has_video else None


def _check_permission(hass: HomeAssistant, user: User, device_id: str) -> None:
    """Raise Unauthorized unless the user may read the device's camera entity."""
    # The camera's unique id is "<device_id>_camera" (entity.py).
    entity_id = er.async_get(hass).async_get_entity_id(
        "camera", DOMAIN, f"{device_id}_camera"
    )
    if entity_id is None or not user.permissions.check_entity(entity_id, POLICY_READ):
        raise Unauthorized(entity_id=entity_id, permission=POLICY_READ)


class _RingPartnerEventMediaView(HomeAssistantView):
    """Check the camera, the user and the time, then download from Ring."""

    requires_auth = True

    async def _async_serve(
        self,
        request: web.Request,
        entry_id: str,
        device_id: str,
        start: datetime,
        download: _Download,
        *,
        lens: str | None = None,
    ) -> web.StreamResponse:
        """Answer with the downloaded media, or a 404/502 that says (translated) why not."""
        hass = request.app[KEY_HASS]
        entry = async_loaded_entry(hass, entry_id)
        if (
            entry is None
            or (device := camera_device(entry, device_id)) is None
            or (lens is not None and lens not in device.components)
        ):
            identifier = device_id if lens is None else f"{device_id}/lens/{lens}"
            return self._error(
                _error(HomeAssistantError, "unknown_camera", identifier=identifier),
                HTTPStatus.NOT_FOUND,
            )
        _check_permission(hass, request[KEY_HASS_USER], device_id)
        if start < consent_time(entry) or start > dt_util.utcnow():
            # Ring would answer 403 (docs/media.md#image-download): nothing is asked
            # from before consent, nor from the future.
            return self._error(
                _error(HomeAssistantError, "media_outside_range"), HTTPStatus.NOT_FOUND
            )
        try:
            return await download(entry.runtime_data.client, device_id)
        except RingPartnerError as err:
            # Debug only: one failing camera would log once per thumbnail of a browse.
            LOGGER.debug("No event media for %s: %s", device_id, err)
            expected = translation_key(err) in _NO_MEDIA_KEYS
            return self._error(
                ha_error(err),
                HTTPStatus.NOT_FOUND if expected else HTTPStatus.BAD_GATEWAY,
            )

    def _error(self, error: HomeAssistantError, status: HTTPStatus) -> web.Response:
        """Answer a translated message, with its translation key as the code."""
        return self.json_message(str(error), status, message_code=error.translation_key)


def _from_ms(value: str) -> datetime:
    """Return the datetime of an epoch-milliseconds path segment."""
    return dt_util.utc_from_timestamp(int(value) / 1000)


class RingPartnerEventClipView(_RingPartnerEventMediaView):
    """Stream the MP4 footage of an event."""

    url = EVENT_CLIP_PATH
    name = f"api:{DOMAIN}:event_clip"

    def __init__(self) -> None:
        """Serve an event's footage and, on multi-lens cameras, one lens's."""
        self.extra_urls = [EVENT_LENS_CLIP_PATH]

    async def get(
        self,
        request: web.Request,
        entry_id: str,
        device_id: str,
        start: str,
        end: str,
        *,
        component: str | None = None,
    ) -> web.StreamResponse:
        """Download the footage from the event's start to its end (of one lens)."""
        start_at = _from_ms(start)
        duration = min(
            max(_from_ms(end) - start_at, MIN_CLIP_DURATION), MAX_CLIP_DURATION
        )

        async def _download(
            client: RingPartnerClient, device_id: str
        ) -> web.StreamResponse:
            clip = await client.download_clip(
                device_id, start=start_at, duration=duration, component_id=component
            )
            return web.Response(body=clip.content, content_type=CLIP_CONTENT_TYPE)

        return await self._async_serve(
            request, entry_id, device_id, start_at, _download, lens=component
        )


class RingPartnerEventThumbnailView(_RingPartnerEventMediaView):
    """Serve the small frame at an event's start."""

    url = EVENT_THUMBNAIL_PATH
    name = f"api:{DOMAIN}:event_thumbnail"

    def __init__(self) -> None:
        """Serve an event's frame and, on multi-lens cameras, one lens's."""
        self.extra_urls = [EVENT_LENS_THUMBNAIL_PATH]

    async def get(
        self,
        request: web.Request,
        entry_id: str,
        device_id: str,
        start: str,
        *,
        component: str | None = None,
    ) -> web.StreamResponse:
        """Download the frame at the event's start (of one lens), scaled by Ring."""
        start_at = _from_ms(start)

        async def _download(
            client: RingPartnerClient, device_id: str
        ) -> web.StreamResponse:
            image = await client.download_image(
                device_id, at=start_at, width=THUMBNAIL_WIDTH, component_id=component
            )
            return web.Response(
                body=image.content,
                content_type=(
                    image.content_type
                    if image.content_type in IMAGE_CONTENT_TYPES
                    else "image/jpeg"
                ),
                headers={"Cache-Control": THUMBNAIL_CACHE_CONTROL},
            )

        return await self._async_serve(
            request, entry_id, device_id, start_at, _download, lens=component
        )


@callback
def async_register_media_views(hass: HomeAssistant) -> None:
    """Register the event media views once; views cannot be unregistered."""
    if hass.data.get(DATA_MEDIA_VIEWS):
        return
    hass.data[DATA_MEDIA_VIEWS] = True
    hass.http.register_view(RingPartnerEventClipView())
    hass.http.register_view(RingPartnerEventThumbnailView())
