"""Still images for Ring cameras: consent-aware, cached and shared (docs/media.md#consent-aware-stills).

Ring never captures a still on request: the image download returns an existing frame of a
recording, and any time before the user's consent (the link time) answers 403. The frontend
asks for a still every few seconds per open card, and each download costs two upstream
requests (POST, then the presigned GET), so one `CameraSnapshots` per camera:

- asks for the frame of the latest motion or ding event (`at_timestamp`, retrying 425 while
  Ring finishes the recording), else the latest frame since consent (`latest_in_range`);
- serves that frame from a cache until a newer event arrives or `STILL_IMAGE_TTL` passes;
- lets every concurrent caller share one upstream download;
- keeps the last good frame (or none) after 403/416/425 and other failures, and backs off
  instead of asking again on every poll;
- takes fresh stills from a short live view on request (`async_capture`, single-flight,
  capture.py), and re-fetches the last event's frame when an entity restores its time.

A multi-camera device has one cache per extra lens too (docs/media.md#multi-lens-devices):
a lens cache asks for its lens and follows only the events that name it. The device's main
cache fetches an event's frame from the first lens the event names, for the "Last event"
image, and keeps its own still for the main camera.
"""

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
import math
import time
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .capture import CapturedStill, async_capture_still
from .client import (
    MediaImage,
    MotionSubtype,
    Resolution,
    RingPartnerClient,
    RingPartnerError,
    RingPartnerForbiddenError,
    RingPartnerMediaNotFoundError,
    RingPartnerRateLimitError,
    RingPartnerRecordingNotReadyError,
    WebhookEvent,
    WebhookEventType,
)
from .const import DOMAIN, LOGGER
from .coordinator import RingPartnerConfigEntry, consent_time

# A frame only changes when the device records again. Motion and ding events arrive by
# webhook and replace the cached frame at once; the TTL catches recordings nobody told us
# about (live views, lost webhooks) while keeping a wall of open cards to one download a
# minute per camera (the bosch_smart_camera integration uses the same 60 s).
STILL_IMAGE_TTL: Final = timedelta(seconds=60)
# `latest_in_range` windows may span at most 24 h (docs/media.md#image-download). `end` is
# left to Ring (its "now"),
# so keep a few minutes in hand for clock skew between Home Assistant and Ring.
LATEST_IN_RANGE_WINDOW: Final = timedelta(hours=23, minutes=55)
# How an event's frame is waited for while Ring answers 425: every half second for the first
# 5 s, where Ring's recordings become ready (so the "Last event" image is at most about half a
# second late, bench/README.md), then backing off; about 30 s in all, like the client's
# default (docs/media.md#image-timing).
EVENT_FRAME_DELAYS: Final[tuple[float, ...]] = (0.5,) * 10 + (1.0, 2.0, 4.0, 8.0, 10.0)
# Negative cache: after a failed download (nothing recorded yet, 403, 503, 429, ...) no
# request goes upstream for this long, doubling per failure up to the maximum. A new event
# lifts it, since it means new media.
FAILURE_BACKOFF: Final = timedelta(seconds=30)
FAILURE_BACKOFF_MAX: Final = timedelta(minutes=10)
# Callers wait at most this long for a shared download, then get the last good frame. It
# stays under the camera component's 10 s image timeout so the frontend gets an answer.
CALLER_WAIT: Final = 8.0

# Motion kinds and event lenses remembered per camera for the media browser (history has
# neither).
EVENT_NOTES_KEPT: Final = 200

type TaskFactory = Callable[[Coroutine[Any, Any, None], str], asyncio.Task[None]]
type CaptureFn = Callable[[], Coroutine[Any, Any, CapturedStill]]


class StillOrigin(StrEnum):
    """Where the camera's still came from: Ring's `X-Media-Origin`, or our own capture."""

    RECORDING = "recording"
    SNAPSHOT = "snapshot"
    UNKNOWN = "unknown"
    LIVE = "live"


_EVENT_TYPES: Final = frozenset(
    {WebhookEventType.MOTION_DETECTED, WebhookEventType.BUTTON_PRESS}
)


@dataclass(frozen=True, slots=True)
class _Cached:
    """The last good frame and what it was fetched for."""

    image: MediaImage
    resolution: Resolution
    fetched_at: float
    event_time: datetime | None
    origin: StillOrigin


class CameraSnapshots:
    """Fetch, cache and share the still image of one camera."""

    def __init__(
        self,
        client: RingPartnerClient,
        device_id: str,
        *,
        linked_at: datetime,
        create_task: TaskFactory,
        now: Callable[[], datetime] = dt_util.utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        capture: CaptureFn | None = None,
        component: str | None = None,
    ) -> None:
        """Initialize for a device (or one lens); nothing before `linked_at` is requested."""
        self._client = client
        self._device_id = device_id
        self._component = component
        self._event_component: str | None = None
        self._linked_at = linked_at
        self._create_task = create_task
        self._now = now
        self._monotonic = monotonic
        self._cached: _Cached | None = None
        self._inflight: asyncio.Task[None] | None = None
        self._latest_event: datetime | None = None
        self._served_event: datetime | None = None
        self._retry_at = -math.inf
        self._backoff = FAILURE_BACKOFF.total_seconds()
        self._failing = False
        self._last_error: RingPartnerError | None = None
        self._listeners: list[CALLBACK_TYPE] = []
        self._capture_fn: CaptureFn = capture or partial(
            async_capture_still,
            client,
            device_id,
            now=now,
            not_ready_delays=EVENT_FRAME_DELAYS,
            component=component,
        )
        self._capture: asyncio.Task[MediaImage] | None = None
        self.last_event_image: MediaImage | None = None
        self.last_event_time: datetime | None = None
        self._motion_kinds = _ByEventTime[MotionSubtype]()
        self._event_lenses = _ByEventTime[str]()

    @property
    def image(self) -> MediaImage | None:
        """Return the last good frame, if any."""
        return self._cached.image if self._cached else None

    @property
    def origin(self) -> StillOrigin | None:
        """Return where the last good frame came from, if there is one."""
        return self._cached.origin if self._cached else None

    @property
    def nothing_recorded(self) -> bool:
        """Return True when Ring said it has no recording (416) or none we may see (403)."""
        return self._last_error is not None and _is_expected_failure(self._last_error)

    async def async_capture(self) -> MediaImage:
        """Take a fresh still from a short live view; concurrent callers share one.

        The still replaces the camera's frame (origin `live`, or Ring's own origin when
        the fallback to the session's recording answered). Client errors propagate.
        """
        if self._capture is None:
            # Its own task, so a caller that gives up does not cancel the others' capture.
            self._capture = asyncio.get_running_loop().create_task(
                self._async_run_capture(),
                name=f"{DOMAIN} capture for {self._device_id}",
            )
            self._capture.add_done_callback(_consume_exception)
        return await asyncio.shield(self._capture)

    async def _async_run_capture(self) -> MediaImage:
        """Capture, store the still and tell the listeners."""
        try:
            still = await self._capture_fn()
        finally:
            self._capture = None
        origin = StillOrigin.LIVE if still.live else StillOrigin(still.image.origin)
        self._store(still.image, Resolution(), None, origin=origin)
        return still.image

    @callback
    def async_restore_event(self, event_time: datetime) -> None:
        """Take back the last event's time after a reload or restart, and fetch its frame.

        `last_event_time` is set at once, so the "Last event" image keeps its state
        while the frame is downloaded again (`at_timestamp`).
        """
        if event_time < self._linked_at or (
            self.last_event_time is not None and event_time <= self.last_event_time
        ):
            return
        self.last_event_time = event_time
        if self._latest_event is None or event_time > self._latest_event:
            self._latest_event = event_time
        if self._inflight is None:
            self._start(Resolution())

    async def async_event_image(self) -> MediaImage | None:
        """Return the last event's frame, waiting (briefly) for one being fetched."""
        if (task := self._inflight) is not None and self._pending_event() is not None:
            await asyncio.wait({task}, timeout=CALLER_WAIT)
        return self.last_event_image

    @callback
    def async_add_listener(self, update_callback: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `update_callback` whenever a new frame is stored; return the remover."""
        self._listeners.append(update_callback)
        return partial(self._listeners.remove, update_callback)

    async def async_image(
        self, width: int | None = None, height: int | None = None
    ) -> MediaImage | None:
        """Return a frame for the requested size from the cache or one shared download."""
        wanted = Resolution.requested(width, height)
        task = self._inflight
        if task is None:
            if not self._needs_fetch(wanted):
                return self.image
            task = self._start(wanted)
        # asyncio.wait neither raises the task's fate nor cancels the shared download
        # when this caller gives up or is cancelled.
        await asyncio.wait({task}, timeout=CALLER_WAIT)
        return self.image

    @callback
    def async_handle_event(self, event: WebhookEvent) -> None:
        """Fetch a motion or ding event's frame in the background (a hub subscriber)."""
        if event.event_type not in _EVENT_TYPES:
            return
        lenses = [str(component) for component in event.component_ids]
        if self._component is not None and self._component not in lenses:
            return
        if event.timestamp is not None:
            # History entries have neither subtype nor lens (docs/media.md#multi-lens-devices),
            # and ids of their own: the event's time is what the two share.
            if event.event_type is WebhookEventType.MOTION_DETECTED:
                self._motion_kinds.remember(event.timestamp, event.motion_subtype)
            self._event_lenses.remember(event.timestamp, next(iter(lenses), None))
        when = event.timestamp or event.sent_at or self._now()
        if when < self._linked_at:
            LOGGER.debug("Ignoring an event from before consent on %s", self._device_id)
            return
        if self._latest_event is None or when > self._latest_event:
            self._latest_event = when
            self._event_component = self._component or next(iter(lenses), None)
        if self._inflight is None:
            self._start(Resolution())

    def event_lens(self, start: datetime) -> str | None:
        """Return the first lens a webhook named for an event starting at `start`."""
        return self._event_lenses.get(start)

    def motion_kind(self, start: datetime) -> MotionSubtype | None:
        """Return the subtype a motion webhook gave for an event starting at `start`."""
        return self._motion_kinds.get(start)

    def _pending_event(self) -> datetime | None:
        """Return the latest event whose frame has not been fetched or given up on yet."""
        latest = self._latest_event
        if latest is None or (
            self._served_event is not None and latest <= self._served_event
        ):
            return None
        return latest

    def _needs_fetch(self, wanted: Resolution) -> bool:
        """Decide whether a request must go upstream or the cache answers it."""
        if self._pending_event() is not None:
            return True
        now = self._monotonic()
        if now < self._retry_at:
            return False
        cached = self._cached
        return (
            cached is None
            or now - cached.fetched_at >= STILL_IMAGE_TTL.total_seconds()
            or not cached.resolution.covers(wanted)
        )

    def _start(self, wanted: Resolution) -> asyncio.Task[None]:
        """Start the one shared download."""
        event_time = self._pending_event()
        if event_time is not None:
            wanted = Resolution()
        component = self._event_component if event_time is not None else None
        task = self._create_task(
            self._async_fetch(wanted, event_time, component),
            f"{DOMAIN} still image for {self._device_id}",
        )
        if not task.done():
            self._inflight = task
        return task

    async def _async_fetch(
        self, wanted: Resolution, event_time: datetime | None, component: str | None
    ) -> None:
        """Download one frame, store it or note the failure, then chase newer events."""
        try:
            try:
                if event_time is not None:
                    image = await self._client.download_event_image(
                        self._device_id,
                        event_time,
                        wanted,
                        not_ready_delays=EVENT_FRAME_DELAYS,
                        component_id=component,
                    )
                else:
                    image = await self._async_download_latest(wanted)
            except RingPartnerError as err:
                self._failed(err, event_time)
            else:
                self._store(
                    image,
                    wanted,
                    event_time,
                    origin=StillOrigin(image.origin),
                    still=component is None or component == self._component,
                )
        finally:
            self._inflight = None
        if self._pending_event() is not None:
            self._start(Resolution())

    async def _async_download_latest(self, wanted: Resolution) -> MediaImage:
        """Download the newest frame of the most recent window that consent allows."""
        now = self._now()
        start = min(now, max(self._linked_at, now - LATEST_IN_RANGE_WINDOW))
        return await self._client.download_image(
            self._device_id,
            start=start,
            width=wanted.width,
            height=wanted.height,
            component_id=self._component,
        )

    def _store(
        self,
        image: MediaImage,
        wanted: Resolution,
        event_time: datetime | None,
        *,
        origin: StillOrigin,
        still: bool = True,
    ) -> None:
        """Keep a good frame and tell the listeners.

        An event frame from another lens (`still` False) only becomes the last event image.
        """
        self._last_error = None
        if still:
            self._cached = _Cached(
                image=image,
                resolution=wanted,
                fetched_at=self._monotonic(),
                event_time=event_time,
                origin=origin,
            )
        if event_time is not None:
            self._served_event = event_time
            self.last_event_image = image
            self.last_event_time = event_time
        self._retry_at = -math.inf
        self._backoff = FAILURE_BACKOFF.total_seconds()
        if self._failing:
            LOGGER.info("Still images of %s are available again", self._device_id)
            self._failing = False
        for listener in list(self._listeners):
            listener()

    def _failed(self, err: RingPartnerError, event_time: datetime | None) -> None:
        """Keep the last frame, give up on the event and back off before asking again."""
        self._last_error = err
        if event_time is not None:
            self._served_event = event_time
        delay = self._backoff
        if isinstance(err, RingPartnerRateLimitError) and err.retry_after:
            delay = max(delay, err.retry_after)
        self._retry_at = self._monotonic() + delay
        self._backoff = min(self._backoff * 2, FAILURE_BACKOFF_MAX.total_seconds())
        if _is_expected_failure(err) or self._failing:
            LOGGER.debug(
                "No still image for %s (%s); next try in %.0f s",
                self._device_id,
                type(err).__name__,
                delay,
            )
        else:
            LOGGER.warning(
                "Could not download a still image for %s: %s", self._device_id, err
            )
            self._failing = True


@callback
def async_get_snapshots(
    hass: HomeAssistant,
    entry: RingPartnerConfigEntry,
    device_id: str,
    component: str | None = None,
) -> CameraSnapshots:
    """Return the camera's (or one lens's) shared still-image cache, made on first use.

    The camera and the "Last event" image entity of a device share the main one; it listens
    to the device's events until the entry unloads.
    """
    devices = entry.runtime_data.snapshots
    key = device_id if component is None else f"{device_id}/{component}"
    if (snapshots := devices.get(key)) is None:
        snapshots = devices[key] = CameraSnapshots(
            entry.runtime_data.client,
            device_id,
            linked_at=consent_time(entry),
            create_task=partial(entry.async_create_background_task, hass),
            component=component,
        )
        entry.async_on_unload(
            entry.runtime_data.push.async_subscribe(
                device_id, snapshots.async_handle_event
            )
        )
    return snapshots


def _is_expected_failure(err: RingPartnerError) -> bool:
    """Return True for failures that are normal for a camera and not worth a warning.

    403 (before consent), 416 (nothing recorded yet) and 425 (recording not ready).
    """
    return isinstance(
        err,
        RingPartnerForbiddenError
        | RingPartnerMediaNotFoundError
        | RingPartnerRecordingNotReadyError,
    )


def _consume_exception(task: asyncio.Task[MediaImage]) -> None:
    """Mark a capture's failure as seen: its callers got it (or gave up waiting)."""
    if not task.cancelled():
        task.exception()


class _ByEventTime[T]:
    """What webhooks said of recent events, by event time (epoch ms), the newest kept."""

    def __init__(self) -> None:
        """Initialize an empty record."""
        self._by_ms: dict[int, T] = {}

    def remember(self, when: datetime, value: T | None) -> None:
        """Keep a value for the event at `when`, forgetting the oldest beyond the bound."""
        if value is None:
            return
        self._by_ms[_epoch_ms(when)] = value
        while len(self._by_ms) > EVENT_NOTES_KEPT:
            del self._by_ms[next(iter(self._by_ms))]

    def get(self, start: datetime) -> T | None:
        """Return the value kept for an event starting at `start`."""
        return self._by_ms.get(_epoch_ms(start))


def _epoch_ms(when: datetime) -> int:
    """Return a time as whole epoch milliseconds, the unit Ring's history starts are in."""
    return round(when.timestamp() * 1000)
