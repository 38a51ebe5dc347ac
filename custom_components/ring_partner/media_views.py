"""Views that stream a Ring event's clip or thumbnail through Home Assistant.

Ring's media endpoints are addressed by time, not by event (ring-partner-api.md §4.3, §4.4):
clips are POST downloads and images sit behind short-lived presigned URLs, neither of which a
browser or media player can use. So the media browser links to these authenticated views,
which download on request and pass the bytes on; Ring's URLs never leave Home Assistant.
The URLs carry the event's times in the path (media players get signed paths, and HA signs
no URL with a query), so a thumbnail costs no history lookup.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Final
from urllib.parse import quote

from aiohttp import web

from homeassistant.auth.models import User
from homeassistant.auth.permissions.const import POLICY_READ
from homeassistant.components.http import KEY_HASS, KEY_HASS_USER, HomeAssistantView
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import Unauthorized
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .client import (
    Device,
    RingPartnerClient,
    RingPartnerError,
    RingPartnerForbiddenError,
    RingPartnerNotFoundError,
    RingPartnerRecordingNotReadyError,
)
from .const import DOMAIN, LOGGER
from .coordinator import RingPartnerConfigEntry, consent_time

# Ring caps clip downloads at 15 min (§4.3); a zero-length event still gets one second.
MIN_CLIP_DURATION: Final = timedelta(seconds=1)
MAX_CLIP_DURATION: Final = timedelta(minutes=15)
# Small enough for the media browser's cards; Ring scales the frame itself (§4.4).
THUMBNAIL_WIDTH: Final = 320
# A recorded frame never changes: let the browser keep it while the browser is open.
THUMBNAIL_CACHE_CONTROL: Final = "private, max-age=3600"
CLIP_CONTENT_TYPE: Final = "video/mp4"
# Served from Home Assistant's origin: only pass on the image types Ring documents (§4.4).
IMAGE_CONTENT_TYPES: Final = frozenset({"image/jpeg", "image/png"})

_PREFIX: Final = f"/api/{DOMAIN}/event_media/{{entry_id}}/{{device_id}}"
# Up to 14 digits of epoch milliseconds keeps every match a valid datetime.
_MS: Final = r"\d{1,14}"
EVENT_CLIP_PATH: Final = f"{_PREFIX}/{{start:{_MS}}}/{{end:{_MS}}}/clip"
EVENT_THUMBNAIL_PATH: Final = f"{_PREFIX}/{{start:{_MS}}}/thumbnail"

DATA_MEDIA_VIEWS: HassKey[bool] = HassKey(f"{DOMAIN}_media_views")

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


def event_clip_url(
    entry_id: str, device_id: str, start: datetime, end: datetime
) -> str:
    """Return the view URL of the footage between start and end."""
    return f"{_path_prefix(entry_id, device_id)}/{_ms(start)}/{_ms(end)}/clip"


def event_thumbnail_url(entry_id: str, device_id: str, start: datetime) -> str:
    """Return the view URL of the frame at an event's start."""
    return f"{_path_prefix(entry_id, device_id)}/{_ms(start)}/thumbnail"


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
    if device is None or device.capabilities is None:
        return None
    return device if device.capabilities.has_video else None


def _check_permission(hass: HomeAssistant, user: User, device_id: str) -> None:
    """Raise Unauthorized unless the user may read the device's camera entity."""
    # The camera's unique id is "<device_id>_camera" (house-style §9).
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
    ) -> web.StreamResponse:
        """Answer with the downloaded media, or a 404/502 that says why not."""
        hass = request.app[KEY_HASS]
        entry = async_loaded_entry(hass, entry_id)
        if entry is None or camera_device(entry, device_id) is None:
            return self.json_message("Unknown Ring camera", HTTPStatus.NOT_FOUND)
        _check_permission(hass, request[KEY_HASS_USER], device_id)
        if start < consent_time(entry):
            # Ring would answer 403 (§4.4): nothing is asked from before consent.
            return self.json_message(
                "Ring shares no media from before the account was linked",
                HTTPStatus.NOT_FOUND,
            )
        if start > dt_util.utcnow():
            return self.json_message(
                "Ring has no media from the future", HTTPStatus.NOT_FOUND
            )
        try:
            return await download(entry.runtime_data.client, device_id)
        except RingPartnerNotFoundError:
            message = "Ring has no recording of this event"
        except RingPartnerRecordingNotReadyError:
            message = "Ring is still processing this recording; try again shortly"
        except RingPartnerForbiddenError:
            message = "Ring does not share the media of this event with the app"
        except RingPartnerError as err:
            # Debug only: one failing camera would log once per thumbnail of a browse.
            LOGGER.debug("Could not download event media of %s: %s", device_id, err)
            return self.json_message(
                "Could not download the media from Ring", HTTPStatus.BAD_GATEWAY
            )
        LOGGER.debug("No event media for %s: %s", device_id, message)
        return self.json_message(message, HTTPStatus.NOT_FOUND)


def _from_ms(value: str) -> datetime:
    """Return the datetime of an epoch-milliseconds path segment."""
    return dt_util.utc_from_timestamp(int(value) / 1000)


class RingPartnerEventClipView(_RingPartnerEventMediaView):
    """Stream the MP4 footage of an event."""

    url = EVENT_CLIP_PATH
    name = f"api:{DOMAIN}:event_clip"

    async def get(
        self, request: web.Request, entry_id: str, device_id: str, start: str, end: str
    ) -> web.StreamResponse:
        """Download the footage from the event's start to its end."""
        start_at = _from_ms(start)
        duration = min(
            max(_from_ms(end) - start_at, MIN_CLIP_DURATION), MAX_CLIP_DURATION
        )

        async def _download(
            client: RingPartnerClient, device_id: str
        ) -> web.StreamResponse:
            clip = await client.download_clip(
                device_id, start=start_at, duration=duration
            )
            return web.Response(body=clip.content, content_type=CLIP_CONTENT_TYPE)

        return await self._async_serve(
            request, entry_id, device_id, start_at, _download
        )


class RingPartnerEventThumbnailView(_RingPartnerEventMediaView):
    """Serve the small frame at an event's start."""

    url = EVENT_THUMBNAIL_PATH
    name = f"api:{DOMAIN}:event_thumbnail"

    async def get(
        self, request: web.Request, entry_id: str, device_id: str, start: str
    ) -> web.StreamResponse:
        """Download the frame at the event's start, scaled by Ring."""
        start_at = _from_ms(start)

        async def _download(
            client: RingPartnerClient, device_id: str
        ) -> web.StreamResponse:
            image = await client.download_image(
                device_id, at=start_at, width=THUMBNAIL_WIDTH
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
            request, entry_id, device_id, start_at, _download
        )


@callback
def async_register_media_views(hass: HomeAssistant) -> None:
    """Register the event media views once; views cannot be unregistered."""
    if hass.data.get(DATA_MEDIA_VIEWS):
        return
    hass.data[DATA_MEDIA_VIEWS] = True
    hass.http.register_view(RingPartnerEventClipView())
    hass.http.register_view(RingPartnerEventThumbnailView())
