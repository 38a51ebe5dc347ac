"""Ring event history in Home Assistant's media browser (ring-partner-api.md §4.3-§5).

The tree is root → one directory per camera of every loaded account → that camera's recent
events, newest first. Each event plays its recording and shows the frame at its start, both
downloaded on request through the views in `media_views.py`. Nothing is cached: browsing a
camera reads its history once, and resolving an event reads it once more.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Final, Self, override

from homeassistant.components.media_player import BrowseError, MediaClass, MediaType
from homeassistant.components.media_source import (
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
    Unresolvable,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from .client import Device, HistoryEvent, HistoryEventType, RingPartnerError
from .const import DOMAIN
from .coordinator import RingPartnerConfigEntry
from .media_views import (
    CLIP_CONTENT_TYPE,
    async_loaded_entry,
    async_register_media_views,
    camera_device,
    consent_time,
    event_clip_url,
    event_thumbnail_url,
)

MEDIA_SOURCE_TITLE: Final = "Ring"
# History pages hold an undocumented number of events (§5, §11 item 18): two pages and at
# most 50 events keep one browse to two requests.
HISTORY_PAGES: Final = 2
MAX_EVENTS: Final = 50
# Events still in progress have no end yet; play this much of them.
OPEN_EVENT_LENGTH: Final = timedelta(seconds=30)
TITLE_TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"
EVENT_KINDS: Final = {
    HistoryEventType.DING: "Doorbell",
    HistoryEventType.MOTION: "Motion",
    HistoryEventType.ON_DEMAND: "Live view",
}

type _ErrorType = type[HomeAssistantError]


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
            raise error(f"Invalid Ring media identifier: {identifier}")
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
            raise Unresolvable("Choose a Ring camera or event to play")
        entry, _ = self._camera(media_id, Unresolvable)
        events = await _async_events(entry, media_id.device_id, Unresolvable)
        event = _find(events, media_id, Unresolvable)
        end = event.end or event.start + OPEN_EVENT_LENGTH
        return PlayMedia(
            event_clip_url(entry.entry_id, media_id.device_id, event.start, end),
            CLIP_CONTENT_TYPE,
        )

    @override
    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        """Return the cameras, a camera's events, or one event."""
        if (media_id := MediaId.parse(item.identifier, BrowseError)) is None:
            return self._browse_root()
        entry, device = self._camera(media_id, BrowseError)
        events = await _async_events(entry, media_id.device_id, BrowseError)
        if media_id.event_id is not None:
            return _event_node(media_id, _find(events, media_id, BrowseError))
        node = _camera_node(media_id, device.name)
        node.children = [_event_node(media_id, event) for event in events]
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
            raise error(f"Unknown Ring camera: {media_id.identifier}")
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
        raise error(
            translation_domain=DOMAIN,
            translation_key="communication_error",
            translation_placeholders={"error": str(err)},
        ) from err
    # Ring returns nothing older than consent (§5); the filter keeps that a local fact too.
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
    raise error(f"No recent Ring event matches {media_id.identifier}")


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


def _event_node(camera: MediaId, event: HistoryEvent) -> BrowseMediaSource:
    """Return a camera's playable event, titled with its local time and kind."""
    when = dt_util.as_local(event.start).strftime(TITLE_TIME_FORMAT)
    kind = EVENT_KINDS.get(event.event_type, "Event")
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=MediaId(camera.entry_id, camera.device_id, event.id).identifier,
        media_class=MediaClass.VIDEO,
        media_content_type=MediaType.VIDEO,
        title=f"{when} - {kind}",
        can_play=True,
        can_expand=False,
        thumbnail=event_thumbnail_url(camera.entry_id, camera.device_id, event.start),
    )
