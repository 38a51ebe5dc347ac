"""Unit tests for the still-image cache, against a scripted client."""

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from unittest.mock import patch

import pytest

from custom_components.ring_partner import snapshot
from custom_components.ring_partner.client import (
    MediaImage,
    MediaOrigin,
    Resolution,
    RingPartnerClient,
    RingPartnerMediaNotFoundError,
    RingPartnerRateLimitError,
    RingPartnerRecordingNotReadyError,
    RingPartnerTimeRangeNotAuthorizedError,
    RingPartnerUnavailableError,
    WebhookEvent,
    WebhookEventType,
)
from custom_components.ring_partner.client.media_api import MediaApi
from custom_components.ring_partner.snapshot import (
    LATEST_IN_RANGE_WINDOW,
    STILL_IMAGE_TTL,
    CameraSnapshots,
)

NOW = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
DEVICE = "device-1"


def _image(tag: str = "a", at: datetime = NOW) -> MediaImage:
    """Return a small fake JPEG."""
    return MediaImage(
        content=f"jpeg-{tag}".encode(),
        content_type="image/jpeg",
        captured_at=at,
        origin=MediaOrigin.RECORDING,
    )


@dataclass
class _Sleeps:
    """The transport part the client's 425 loop uses: a sleep that records."""

    delays: list[float] = field(default_factory=list)

    async def sleep(self, delay: float) -> None:
        """Record the delay and return at once."""
        self.delays.append(delay)


@dataclass
class FakeClient(MediaApi):
    """Answer download_image from a script; the client's own 425 loop runs on top."""

    script: list[MediaImage | Exception] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    gate: asyncio.Event | None = None
    _auth: Any = field(default_factory=_Sleeps)

    async def download_image(self, device_id: str, **kwargs: Any) -> MediaImage:
        """Record the call and play the next scripted result."""
        assert device_id == DEVICE
        self.calls.append(kwargs)
        if self.gate is not None:
            await self.gate.wait()
        await asyncio.sleep(0)
        result = self.script.pop(0) if self.script else _image()
        if isinstance(result, Exception):
            raise result
        return result


class Clock:
    """A controllable monotonic clock and wall clock."""

    def __init__(self) -> None:
        """Start at zero / NOW."""
        self.offset = 0.0

    def monotonic(self) -> float:
        """Return seconds since start."""
        return self.offset

    def now(self) -> datetime:
        """Return the wall-clock time."""
        return NOW + timedelta(seconds=self.offset)


@pytest.fixture
def clock() -> Clock:
    """Return a fresh clock."""
    return Clock()


@pytest.fixture
def client() -> FakeClient:
    """Return a fake client."""
    return FakeClient()


@pytest.fixture
async def snapshots(clock: Clock, client: FakeClient) -> CameraSnapshots:
    """Return a cache over the fake client, linked an hour ago."""

    def _create_task(coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        return asyncio.get_running_loop().create_task(coro, name=name)

    cache = CameraSnapshots(
        cast("RingPartnerClient", client),
        DEVICE,
        linked_at=NOW - timedelta(hours=1),
        create_task=_create_task,
        now=clock.now,
        monotonic=clock.monotonic,
    )
    cache.sleeps = client._auth.delays  # type: ignore[attr-defined]
    return cache


def _event(
    at: datetime, event_type: WebhookEventType = WebhookEventType.MOTION_DETECTED
) -> WebhookEvent:
    """Return a webhook event for the device."""
    return WebhookEvent(
        version="1.1",
        sent_at=at,
        request_id=f"req-{at.timestamp()}",
        account_id="acct",
        event_id="evt",
        event_type=event_type,
        type_name=str(event_type),
        device_id=DEVICE,
        timestamp=at,
    )


async def _settle() -> None:
    """Let background tasks run."""
    for _ in range(10):
        await asyncio.sleep(0)


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


async def test_latest_in_range_respects_consent(
    snapshots: CameraSnapshots, client: FakeClient
) -> None:
    """Without an event the window starts at the link time, never earlier."""
    image = await snapshots.async_image()
    assert image is not None
    assert client.calls == [
        {
            "start": NOW - timedelta(hours=1),
            "width": None,
            "height": None,
            "component_id": None,
        }
    ]


async def test_window_capped_below_24_hours(client: FakeClient, clock: Clock) -> None:
    """An old link time still gives a window within Ring's 24 h limit."""
    cache = CameraSnapshots(
        cast("RingPartnerClient", client),
        DEVICE,
        linked_at=NOW - timedelta(days=30),
        create_task=lambda coro, name: asyncio.get_running_loop().create_task(coro),
        now=clock.now,
        monotonic=clock.monotonic,
    )
    await cache.async_image()
    assert client.calls[0]["start"] == NOW - LATEST_IN_RANGE_WINDOW
    assert timedelta(hours=24) > LATEST_IN_RANGE_WINDOW


async def test_cache_and_ttl(
    snapshots: CameraSnapshots, client: FakeClient, clock: Clock
) -> None:
    """A second request is served from the cache until the TTL passes."""
    client.script = [_image("1"), _image("2")]
    assert (await snapshots.async_image()) == _image("1")
    clock.offset = STILL_IMAGE_TTL.total_seconds() - 1
    assert (await snapshots.async_image()) == _image("1")
    assert len(client.calls) == 1
    clock.offset = STILL_IMAGE_TTL.total_seconds()
    assert (await snapshots.async_image()) == _image("2")
    assert len(client.calls) == 2


async def test_concurrent_callers_share_one_download(
    snapshots: CameraSnapshots, client: FakeClient
) -> None:
    """Twenty callers at once cause one upstream download."""
    client.gate = asyncio.Event()
    callers = [asyncio.create_task(snapshots.async_image(640, 360)) for _ in range(20)]
    await _settle()
    client.gate.set()
    results = await asyncio.gather(*callers)
    assert len(client.calls) == 1
    assert all(result == _image() for result in results)


async def test_resolution_upgrade(
    snapshots: CameraSnapshots, client: FakeClient
) -> None:
    """A smaller size is served from a larger frame; a larger size fetches again."""
    await snapshots.async_image(1280, 720)
    await snapshots.async_image(640, 360)
    assert len(client.calls) == 1
    await snapshots.async_image(1920, 1080)
    assert client.calls[-1]["width"] == 1920
    await snapshots.async_image(None, None)
    assert client.calls[-1]["width"] is None
    await snapshots.async_image(3840, 2160)
    assert len(client.calls) == 3


@pytest.mark.parametrize(
    "error",
    [
        RingPartnerMediaNotFoundError(status=416),
        RingPartnerTimeRangeNotAuthorizedError(status=403),
        RingPartnerRecordingNotReadyError(status=425),
        RingPartnerUnavailableError(status=503),
    ],
)
async def test_failure_keeps_last_image_and_backs_off(
    snapshots: CameraSnapshots,
    client: FakeClient,
    clock: Clock,
    error: Exception,
) -> None:
    """A failure keeps the last frame and stops asking upstream for a while."""
    client.script = [_image("good"), error, error, _image("new")]
    assert await snapshots.async_image() == _image("good")
    clock.offset = STILL_IMAGE_TTL.total_seconds()
    assert await snapshots.async_image() == _image("good")
    assert len(client.calls) == 2
    for _ in range(5):
        assert await snapshots.async_image() == _image("good")
    assert len(client.calls) == 2
    clock.offset += snapshot.FAILURE_BACKOFF.total_seconds()
    assert await snapshots.async_image() == _image("good")
    assert len(client.calls) == 3
    # The second failure doubled the backoff.
    clock.offset += snapshot.FAILURE_BACKOFF.total_seconds()
    assert await snapshots.async_image() == _image("good")
    assert len(client.calls) == 3
    clock.offset += snapshot.FAILURE_BACKOFF.total_seconds()
    assert await snapshots.async_image() == _image("new")


async def test_failure_without_image_returns_none(
    snapshots: CameraSnapshots, client: FakeClient
) -> None:
    """Nothing recorded yet: None, and no retry storm."""
    client.script = [RingPartnerMediaNotFoundError(status=416)]
    for _ in range(10):
        assert await snapshots.async_image() is None
    assert len(client.calls) == 1


async def test_rate_limit_honours_retry_after(
    snapshots: CameraSnapshots, client: FakeClient, clock: Clock
) -> None:
    """A long Retry-After extends the backoff."""
    client.script = [RingPartnerRateLimitError(retry_after=300)]
    assert await snapshots.async_image() is None
    clock.offset = 299
    assert await snapshots.async_image() is None
    assert len(client.calls) == 1
    clock.offset = 300
    assert await snapshots.async_image() is not None


async def test_event_fetches_at_timestamp_and_retries_425(
    snapshots: CameraSnapshots, client: FakeClient
) -> None:
    """A motion event fetches its own frame, waiting out 425, and notifies listeners."""
    event_time = NOW - timedelta(seconds=5)
    client.script = [
        RingPartnerRecordingNotReadyError(status=425),
        RingPartnerRecordingNotReadyError(status=425),
        _image("event", event_time),
    ]
    updates: list[None] = []
    remove = snapshots.async_add_listener(lambda: updates.append(None))
    snapshots.async_handle_event(_event(event_time))
    await _settle()
    assert [call["at"] for call in client.calls] == [event_time] * 3
    assert snapshots.sleeps == [1.0, 2.0]  # type: ignore[attr-defined]
    assert snapshots.last_event_image == _image("event", event_time)
    assert snapshots.last_event_time == event_time
    assert updates == [None]
    # The camera serves the event frame from the cache.
    assert await snapshots.async_image() == _image("event", event_time)
    assert len(client.calls) == 3
    remove()


async def test_event_425_gives_up_after_budget(
    snapshots: CameraSnapshots, client: FakeClient
) -> None:
    """After about 30 s of 425 the event is given up; the range request takes over."""
    client.script = [RingPartnerRecordingNotReadyError(status=425)] * 6
    snapshots.async_handle_event(_event(NOW))
    await _settle()
    assert len(client.calls) == 6
    assert sum(snapshots.sleeps) == pytest.approx(30)  # type: ignore[attr-defined]
    assert snapshots.last_event_image is None
    # The failure backs off range requests too; no new download now.
    assert await snapshots.async_image() is None
    assert len(client.calls) == 6


async def test_new_event_lifts_backoff(
    snapshots: CameraSnapshots, client: FakeClient
) -> None:
    """After a failure, a new event still fetches at once."""
    client.script = [RingPartnerMediaNotFoundError(status=416)]
    assert await snapshots.async_image() is None
    snapshots.async_handle_event(_event(NOW))
    await _settle()
    assert client.calls[-1] == {
        "at": NOW,
        "width": None,
        "height": None,
        "component_id": None,
    }
    assert await snapshots.async_image() == _image()


async def test_events_ignored_before_consent_and_other_types(
    snapshots: CameraSnapshots, client: FakeClient
) -> None:
    """Events before the link time and non-media events fetch nothing."""
    snapshots.async_handle_event(_event(NOW - timedelta(days=1)))
    snapshots.async_handle_event(_event(NOW, WebhookEventType.DEVICE_ONLINE))
    await _settle()
    assert client.calls == []


async def test_event_during_download_is_chained(
    snapshots: CameraSnapshots, client: FakeClient
) -> None:
    """An event arriving mid-download is fetched right after it, at full size."""
    client.gate = asyncio.Event()
    caller = asyncio.create_task(snapshots.async_image(640, 360))
    await _settle()
    snapshots.async_handle_event(_event(NOW, WebhookEventType.BUTTON_PRESS))
    snapshots.async_handle_event(_event(NOW - timedelta(seconds=1)))  # older: ignored
    client.gate.set()
    await caller
    await _settle()
    assert client.calls[1] == {
        "at": NOW,
        "width": None,
        "height": None,
        "component_id": None,
    }
    assert len(client.calls) == 2
    assert snapshots.last_event_time == NOW


async def test_caller_gives_up_waiting(
    snapshots: CameraSnapshots, client: FakeClient
) -> None:
    """A slow download does not hold the caller past CALLER_WAIT; it finishes later."""
    client.script = [_image("old")]
    await snapshots.async_image()
    snapshots.async_handle_event(_event(NOW))
    client.gate = asyncio.Event()
    with patch.object(snapshot, "CALLER_WAIT", 0.01):
        assert await snapshots.async_image() == _image("old")
    client.gate.set()
    await _settle()
    assert await snapshots.async_image() == _image()
