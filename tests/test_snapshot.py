"""The still-image cache against the simulator: consent, TTL, sharing, failures, events.

A real client talks to the simulator over HTTP; failures come from the simulator's fault
injection (or from what it really has: nothing recorded yet is a 416). The cache's clocks
and the client's sleep are injected, so backoff and TTL move without waiting.
"""

import asyncio
from collections.abc import AsyncGenerator, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import io
from typing import Any
from unittest.mock import patch

import aiohttp
from PIL import Image
import pytest

from custom_components.ring_partner import snapshot
from custom_components.ring_partner.client import (
    MediaImage,
    MotionSubtype,
    Resolution,
    RingPartnerClient,
    StaticTokenAuth,
    WebhookEvent,
    WebhookEventType,
)
from custom_components.ring_partner.snapshot import (
    EVENT_FRAME_DELAYS,
    EVENT_NOTES_KEPT,
    LATEST_IN_RANGE_WINDOW,
    STILL_IMAGE_TTL,
    CameraSnapshots,
)
from homeassistant.util import dt as dt_util
from simulator.scenario import FRONT_DOOR_ID

from .conftest import LinkedAccount, SimControl

IMAGE_DOWNLOAD = f"/v1/devices/{FRONT_DOOR_ID}/media/image/download"
IMAGE_POST = {"path": r"/media/image/download$", "method": "POST"}

pytestmark = pytest.mark.usefixtures("socket_enabled")


@dataclass
class Clock:
    """The cache's monotonic clock, moved by the test; the wall clock stays real."""

    offset: float = 0.0

    def monotonic(self) -> float:
        """Return seconds since the start."""
        return self.offset


@dataclass
class Sleeps:
    """The client's sleep: records the delay and returns at once."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, delay: float) -> None:
        """Record and yield."""
        self.delays.append(delay)
        await asyncio.sleep(0)


@dataclass
class Camera:
    """A cache under test and what drives it."""

    cache: CameraSnapshots
    clock: Clock
    sleeps: Sleeps
    sim: SimControl
    linked_at: datetime

    async def statuses(self) -> list[int]:
        """Return the statuses of the image POSTs since the last clear."""
        return [
            entry["status"]
            for entry in await self.sim.requests()
            if entry["path"] == IMAGE_DOWNLOAD
        ]

    async def media_gets(self) -> int:
        """Return how many presigned media GETs were made since the last clear."""
        port = int(self.sim.sim.media_url.rsplit(":", 1)[1])
        return sum(entry["port"] == port for entry in await self.sim.requests())


@pytest.fixture
async def websession() -> AsyncGenerator[aiohttp.ClientSession]:
    """Return the client's HTTP session."""
    async with aiohttp.ClientSession() as session:
        yield session


def make_cache(
    sim_control: SimControl,
    websession: aiohttp.ClientSession,
    account: LinkedAccount,
    *,
    linked_at: datetime,
    clock: Clock,
    sleeps: Sleeps,
) -> CameraSnapshots:
    """Return a cache over a real client of the simulator."""
    auth = StaticTokenAuth(
        websession, sim_control.sim.base_url, token=account.token, sleep=sleeps
    )

    def _create_task(coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        return asyncio.get_running_loop().create_task(coro, name=name)

    return CameraSnapshots(
        RingPartnerClient(auth),
        FRONT_DOOR_ID,
        linked_at=linked_at,
        create_task=_create_task,
        monotonic=clock.monotonic,
    )


@pytest.fixture
async def camera(
    sim_control: SimControl,
    websession: aiohttp.ClientSession,
    linked_account: LinkedAccount,
) -> Camera:
    """Return a cache for the Front Door, linked as the simulator's account was."""
    clock, sleeps = Clock(), Sleeps()
    await sim_control.configure(recording_not_ready_s=0, webhook_delivery=False)
    cache = make_cache(
        sim_control,
        websession,
        linked_account,
        linked_at=linked_account.linked_at,
        clock=clock,
        sleeps=sleeps,
    )
    await sim_control.clear_requests()
    return Camera(cache, clock, sleeps, sim_control, linked_account.linked_at)


async def record(
    sim_control: SimControl,
    action: str = "motion",
    body: dict[str, Any] | None = None,
) -> WebhookEvent:
    """Record an event at the simulator; return the webhook event it would send."""
    answer = await sim_control.call(
        "POST", f"devices/{FRONT_DOOR_ID}/{action}", body or {}
    )
    when = datetime.fromtimestamp(answer["timestamp"] / 1000, tz=UTC)
    await sim_control.clear_requests()
    event_type = (
        WebhookEventType.BUTTON_PRESS
        if action == "ding"
        else WebhookEventType.MOTION_DETECTED
    )
    return event(when, event_type)


def event(
    at: datetime,
    event_type: WebhookEventType = WebhookEventType.MOTION_DETECTED,
    subtype: MotionSubtype | None = None,
) -> WebhookEvent:
    """Return a webhook event of the Front Door."""
    return WebhookEvent(
        version="1.1",
        sent_at=at,
        request_id=f"req-{at.timestamp()}",
        account_id="acct",
        event_id=f"evt-{at.timestamp()}",
        event_type=event_type,
        type_name=str(event_type),
        device_id=FRONT_DOOR_ID,
        timestamp=at,
        motion_subtype=subtype,
    )


def size(image: MediaImage | None) -> tuple[int, int]:
    """Decode a still and return its size."""
    assert image is not None
    with Image.open(io.BytesIO(image.content)) as decoded:
        return decoded.size


async def settle(camera: Camera) -> None:
    """Let the cache's background download finish."""
    for _ in range(200):
        await asyncio.sleep(0.01)
        if camera.cache._inflight is None:
            return


def test_resolution_limits() -> None:
    """Sizes map into 1920x1080 keeping the aspect ratio; non-positive means unset."""
    assert Resolution.requested(None, None) == Resolution()
    assert Resolution.requested(640, 360) == Resolution(640, 360)
    assert Resolution.requested(3840, 2160) == Resolution(1920, 1080)
    assert Resolution.requested(1920, 2160) == Resolution(960, 1080)
    assert Resolution.requested(4000, None) == Resolution(1920, None)
    assert Resolution.requested(0, -5) == Resolution()
    assert Resolution().covers(Resolution(640, 360))
    assert not Resolution(640, 360).covers(Resolution())
    assert Resolution(1280, 720).covers(Resolution(640, 360))
    assert not Resolution(640, 360).covers(Resolution(1280, 720))
    assert not Resolution(640, None).covers(Resolution(None, 360))
    assert Resolution(640, 360).covers(Resolution(640, None))


async def test_latest_in_range_starts_at_consent(
    camera: Camera,
    sim_control: SimControl,
    websession: aiohttp.ClientSession,
    linked_account: LinkedAccount,
) -> None:
    """The window starts at the link time: Ring finds nothing (416), never refuses (403).

    The same cache told of an earlier link time asks from there, which Ring refuses.
    """
    assert await camera.cache.async_image() is None
    assert await camera.statuses() == [416]
    assert camera.cache.nothing_recorded

    early = make_cache(
        sim_control,
        websession,
        linked_account,
        linked_at=linked_account.linked_at - timedelta(hours=1),
        clock=Clock(),
        sleeps=Sleeps(),
    )
    await sim_control.clear_requests()
    assert await early.async_image() is None
    assert await camera.statuses() == [403]


async def test_window_capped_below_24_hours(
    sim_control: SimControl,
    websession: aiohttp.ClientSession,
    linked_account: LinkedAccount,
) -> None:
    """An old link time still gives a window Ring accepts (under its 24 h limit).

    Ring then refuses the start as before consent (403), not the window as too long (400).
    """
    assert timedelta(hours=24) > LATEST_IN_RANGE_WINDOW
    cache = make_cache(
        sim_control,
        websession,
        linked_account,
        linked_at=linked_account.linked_at - timedelta(days=30),
        clock=Clock(),
        sleeps=Sleeps(),
    )
    await sim_control.clear_requests()
    assert await cache.async_image() is None
    statuses = [
        entry["status"]
        for entry in await sim_control.requests()
        if entry["path"] == IMAGE_DOWNLOAD
    ]
    assert statuses == [403]


async def test_cache_and_ttl(camera: Camera, sim_control: SimControl) -> None:
    """A second request is served from the cache until the TTL passes."""
    await record(sim_control)
    first = await camera.cache.async_image()
    assert first is not None
    assert camera.cache.origin == "recording"
    camera.clock.offset = STILL_IMAGE_TTL.total_seconds() - 1
    assert await camera.cache.async_image() is first
    assert await camera.statuses() == [303]
    camera.clock.offset = STILL_IMAGE_TTL.total_seconds()
    assert await camera.cache.async_image() is not first
    assert await camera.statuses() == [303, 303]
    assert await camera.media_gets() == 2


async def test_concurrent_callers_share_one_download(
    camera: Camera, sim_control: SimControl
) -> None:
    """Twenty callers at once, while Ring is slow, cause one upstream download."""
    await record(sim_control)
    await sim_control.fault(**IMAGE_POST, latency_ms=300, count=1)
    results = await asyncio.gather(
        *(camera.cache.async_image(640, 360) for _ in range(20))
    )
    assert len({id(result) for result in results}) == 1
    assert await camera.statuses() == [303]
    assert await camera.media_gets() == 1


async def test_resolution_upgrade(camera: Camera, sim_control: SimControl) -> None:
    """A smaller size is served from a larger frame; a larger size fetches again."""
    await record(sim_control)
    assert size(await camera.cache.async_image(1280, 720)) == (1280, 720)
    assert size(await camera.cache.async_image(640, 360)) == (1280, 720)
    assert len(await camera.statuses()) == 1
    assert size(await camera.cache.async_image(1920, 1080)) == (1920, 1080)
    assert size(await camera.cache.async_image(None, None)) == (1280, 720)
    # The device's own size covers every request.
    await camera.cache.async_image(3840, 2160)
    assert len(await camera.statuses()) == 3


FAILURES = [
    pytest.param({"status": 416, "code": "MEDIA_NOT_FOUND"}, id="416"),
    pytest.param({"status": 403, "code": "TIME_RANGE_NOT_AUTHORIZED"}, id="403"),
    pytest.param({"status": 425, "code": "RECORDING_NOT_READY"}, id="425"),
    pytest.param({"status": 503, "code": "SERVER_BUSY"}, id="503"),
]


@pytest.mark.parametrize("failure", FAILURES)
async def test_failure_keeps_last_image_and_backs_off(
    camera: Camera, sim_control: SimControl, failure: dict[str, Any]
) -> None:
    """A failure keeps the last frame and stops asking upstream for a while, doubling."""
    await record(sim_control)
    good = await camera.cache.async_image()
    assert good is not None
    await sim_control.fault(**IMAGE_POST, **failure)
    camera.clock.offset = STILL_IMAGE_TTL.total_seconds()
    assert await camera.cache.async_image() is good
    asked = len(await camera.statuses())
    for _ in range(5):
        assert await camera.cache.async_image() is good
    assert len(await camera.statuses()) == asked
    camera.clock.offset += snapshot.FAILURE_BACKOFF.total_seconds()
    assert await camera.cache.async_image() is good
    assert len(await camera.statuses()) > asked
    asked = len(await camera.statuses())
    # The second failure doubled the backoff.
    camera.clock.offset += snapshot.FAILURE_BACKOFF.total_seconds()
    assert await camera.cache.async_image() is good
    assert len(await camera.statuses()) == asked
    await sim_control.call("DELETE", "faults")
    camera.clock.offset += snapshot.FAILURE_BACKOFF.total_seconds()
    fresh = await camera.cache.async_image()
    assert fresh is not None
    assert fresh is not good


async def test_nothing_recorded_returns_none_without_a_storm(camera: Camera) -> None:
    """Nothing recorded since linking: None, one request, and the cache says why."""
    for _ in range(10):
        assert await camera.cache.async_image() is None
    assert await camera.statuses() == [416]
    assert camera.cache.nothing_recorded


async def test_rate_limit_honours_retry_after(
    camera: Camera, sim_control: SimControl
) -> None:
    """A long Retry-After (beyond the client's own wait) extends the backoff."""
    await record(sim_control)
    await sim_control.fault(**IMAGE_POST, status=429, retry_after=300, count=1)
    assert await camera.cache.async_image() is None
    assert not camera.cache.nothing_recorded
    camera.clock.offset = 299
    assert await camera.cache.async_image() is None
    assert await camera.statuses() == [429]
    camera.clock.offset = 300
    assert await camera.cache.async_image() is not None


async def test_event_fetches_at_timestamp_and_retries_425(
    camera: Camera, sim_control: SimControl
) -> None:
    """A motion event fetches its own frame, waiting out 425, and notifies listeners."""
    motion = await record(sim_control)
    await sim_control.fault(
        **IMAGE_POST, status=425, code="RECORDING_NOT_READY", count=2
    )
    updates: list[None] = []
    remove = camera.cache.async_add_listener(lambda: updates.append(None))
    camera.cache.async_handle_event(motion)
    await settle(camera)
    assert await camera.statuses() == [425, 425, 303]
    assert camera.sleeps.delays == list(EVENT_FRAME_DELAYS[:2])
    assert EVENT_FRAME_DELAYS[:2] == (0.5, 0.5)
    assert camera.cache.last_event_time == motion.timestamp
    image = camera.cache.last_event_image
    assert image is not None
    assert image.captured_at is not None
    assert motion.timestamp is not None
    assert abs(image.captured_at - motion.timestamp) < timedelta(seconds=1)
    assert updates == [None]
    # The camera serves the event frame from the cache.
    assert await camera.cache.async_image() is image
    assert len(await camera.statuses()) == 3
    remove()


async def test_event_425_gives_up_after_budget(
    camera: Camera, sim_control: SimControl
) -> None:
    """After about 30 s of 425 the event is given up; range requests back off too."""
    motion = await record(sim_control)
    await sim_control.fault(**IMAGE_POST, status=425, code="RECORDING_NOT_READY")
    camera.cache.async_handle_event(motion)
    await settle(camera)
    assert await camera.statuses() == [425] * (len(EVENT_FRAME_DELAYS) + 1)
    assert sum(camera.sleeps.delays) == pytest.approx(30)
    assert camera.cache.last_event_image is None
    assert await camera.cache.async_image() is None
    assert len(await camera.statuses()) == len(EVENT_FRAME_DELAYS) + 1


async def test_new_event_lifts_backoff(camera: Camera, sim_control: SimControl) -> None:
    """After a failure (nothing recorded), a new event still fetches at once."""
    assert await camera.cache.async_image() is None
    motion = await record(sim_control)
    camera.cache.async_handle_event(motion)
    await settle(camera)
    assert await camera.statuses() == [303]
    assert not camera.cache.nothing_recorded
    assert await camera.cache.async_image() is camera.cache.last_event_image


async def test_events_ignored_before_consent_and_other_types(camera: Camera) -> None:
    """Events before the link time and events without media fetch nothing."""
    camera.cache.async_handle_event(event(camera.linked_at - timedelta(days=1)))
    camera.cache.async_handle_event(
        event(dt_util.utcnow(), WebhookEventType.DEVICE_ONLINE)
    )
    await settle(camera)
    assert await camera.statuses() == []


async def test_event_during_download_is_chained(
    camera: Camera, sim_control: SimControl
) -> None:
    """An event arriving mid-download is fetched right after it; an older one is not."""
    await record(sim_control)
    ding = await record(sim_control, "ding")
    await sim_control.fault(**IMAGE_POST, latency_ms=300, count=1)
    caller = asyncio.create_task(camera.cache.async_image(640, 360))
    await asyncio.sleep(0.05)
    camera.cache.async_handle_event(ding)
    assert ding.timestamp is not None
    camera.cache.async_handle_event(event(ding.timestamp - timedelta(seconds=1)))
    await caller
    await settle(camera)
    assert await camera.statuses() == [303, 303]
    assert camera.cache.last_event_time == ding.timestamp
    # The event's frame is the device's own size.
    assert size(camera.cache.last_event_image) == (1280, 720)


async def test_caller_gives_up_waiting(camera: Camera, sim_control: SimControl) -> None:
    """A slow download does not hold the caller past CALLER_WAIT; it finishes later."""
    motion = await record(sim_control)
    old = await camera.cache.async_image()
    assert old is not None
    await sim_control.fault(**IMAGE_POST, latency_ms=500, count=1)
    camera.cache.async_handle_event(motion)
    with patch.object(snapshot, "CALLER_WAIT", 0.01):
        assert await camera.cache.async_image() is old
    await settle(camera)
    assert await camera.cache.async_image() is camera.cache.last_event_image
    assert camera.cache.last_event_image is not old


async def test_restored_event_is_fetched_again(
    camera: Camera, sim_control: SimControl
) -> None:
    """A restored event time is kept at once, and its frame downloaded (at_timestamp)."""
    motion = await record(sim_control)
    assert motion.timestamp is not None
    camera.cache.async_restore_event(motion.timestamp)
    assert camera.cache.last_event_time == motion.timestamp
    assert await camera.cache.async_event_image() is not None
    assert await camera.statuses() == [303]
    # Older or pre-consent times are not restored over it.
    camera.cache.async_restore_event(motion.timestamp - timedelta(seconds=5))
    camera.cache.async_restore_event(camera.linked_at - timedelta(days=1))
    assert camera.cache.last_event_time == motion.timestamp
    await settle(camera)
    assert await camera.statuses() == [303]


async def test_motion_kinds_are_remembered_and_bounded(camera: Camera) -> None:
    """Webhook subtypes are kept by event time for the media browser, within a bound."""
    start = dt_util.utcnow()
    for n in range(EVENT_NOTES_KEPT + 5):
        when = start + timedelta(seconds=n)
        camera.cache.async_handle_event(
            event(when, subtype=MotionSubtype.HUMAN if n else MotionSubtype.VEHICLE)
        )
    # The five oldest fell out; every later one is kept.
    kept = [
        camera.cache.motion_kind(start + timedelta(seconds=n))
        for n in range(EVENT_NOTES_KEPT + 5)
    ]
    assert kept[:5] == [None] * 5
    assert None not in kept[5:]
    assert camera.cache.motion_kind(start + timedelta(seconds=10)) == (
        MotionSubtype.HUMAN
    )
    await settle(camera)
