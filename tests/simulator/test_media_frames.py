"""Tests for the simulator's synthetic frames, MP4 clips and footage search."""

import io

import av
from PIL import Image
import pytest

from simulator.media.frames import (
    FrameSource,
    ImageFormat,
    format_capture_time,
    render_image,
)
from simulator.media.mp4 import ClipCache, ClipSpec, encode_clip
from simulator.media.search import (
    Availability,
    Footage,
    NothingRecordedError,
    NotReadyError,
    clip_coverage,
    frame_at,
    latest_frame,
)

SOURCE = FrameSource(device_id="ava1.ring.device.TEST", device_name="Front Door")
T = 1_790_000_000_000


@pytest.mark.parametrize(
    ("image_format", "width", "height"),
    [("jpeg", 1280, 720), ("png", 320, 240), ("jpeg", 1, 1), ("png", 1920, 1080)],
)
def test_render_image_size_and_format(
    image_format: ImageFormat, width: int, height: int
) -> None:
    """Stills decode in the requested format and size."""
    content = render_image(
        SOURCE,
        at_ms=T,
        width=width,
        height=height,
        image_format=image_format,
    )
    image = Image.open(io.BytesIO(content))
    assert image.format == image_format.upper()
    assert image.size == (width, height)


def test_frames_move() -> None:
    """Frames at different instants differ (moving pattern and clock)."""
    first = render_image(SOURCE, at_ms=T, width=64, height=36, image_format="png")
    second = render_image(
        SOURCE, at_ms=T + 500, width=64, height=36, image_format="png"
    )
    assert first != second
    assert format_capture_time(T + 7) == "2026-09-21 14:13:20.007 UTC"


def test_encode_clip_is_h264_mp4() -> None:
    """Clips are H.264 MP4s with the requested length, rate and even size."""
    content = encode_clip(
        ClipSpec(source=SOURCE, start_ms=T, length_ms=2000, width=161, height=91, fps=5)
    )
    with av.open(io.BytesIO(content), mode="r") as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.width, stream.height) == (160, 90)
        assert sum(1 for _ in container.decode(video=0)) == 10


def test_clip_cache_reuses_clips() -> None:
    """The cache returns the same bytes without encoding twice."""
    cache = ClipCache(size=1)
    spec = ClipSpec(source=SOURCE, start_ms=T, length_ms=500, width=64, height=36)
    first = cache.get(spec)
    assert cache.get(spec) is first
    cache.get(
        ClipSpec(source=SOURCE, start_ms=T + 1, length_ms=500, width=64, height=36)
    )
    assert cache.get(spec) is not first


FOOTAGE = [
    Footage(T, T + 20_000, "motion"),
    Footage(T + 20_000, T + 30_000, "live"),
    Footage(T + 60_000, T + 80_000, "ding"),
]


def _limits(
    *, consent: int = T - 3_600_000, now: int = T + 3_600_000, delay: int = 2000
) -> Availability:
    """Return availability limits for the tests."""
    return Availability(consent_ms=consent, now_ms=now, ready_until_ms=now - delay)


def test_frame_at_tolerance() -> None:
    """`at_timestamp` finds the nearest recorded instant within ±10 s."""
    assert frame_at(FOOTAGE, T + 5000, _limits()).at_ms == T + 5000
    assert frame_at(FOOTAGE, T - 9000, _limits()).at_ms == T
    assert frame_at(FOOTAGE, T + 39_000, _limits()).at_ms == T + 30_000
    assert frame_at(FOOTAGE, T + 50_000, _limits()).event_id == "ding"
    with pytest.raises(NothingRecordedError):
        frame_at(FOOTAGE, T - 11_000, _limits())
    with pytest.raises(NotReadyError):
        frame_at(FOOTAGE, T + 1000, _limits(now=T + 1500))
    assert frame_at(FOOTAGE, T + 1000, _limits(now=T + 2500)).at_ms == T + 500
    with pytest.raises(NothingRecordedError):
        frame_at(FOOTAGE, T - 5000, _limits(consent=T + 90_000))


def test_latest_frame() -> None:
    """`latest_in_range` returns the last recorded instant in the window."""
    assert latest_frame(FOOTAGE, T - 1000, T + 45_000, _limits()).at_ms == T + 30_000
    assert (
        latest_frame(FOOTAGE, T, T + 3_600_000, _limits(now=T + 70_000)).at_ms
        == T + 68_000
    )
    with pytest.raises(NothingRecordedError):
        latest_frame(FOOTAGE, T + 31_000, T + 59_000, _limits())
    with pytest.raises(NotReadyError):
        latest_frame(FOOTAGE, T, T + 10_000, _limits(now=T + 1000))


def test_clip_coverage() -> None:
    """Clips cover the first contiguous stretch of footage in the window."""
    full = clip_coverage(FOOTAGE, T + 1000, 5000, _limits())
    assert (full.start_ms, full.length_ms, full.event_ids) == (
        T + 1000,
        5000,
        ("motion",),
    )
    joined = clip_coverage(FOOTAGE, T - 5000, 50_000, _limits())
    assert (joined.start_ms, joined.end_ms, joined.event_ids) == (
        T,
        T + 30_000,
        ("motion", "live"),
    )
    with pytest.raises(NothingRecordedError):
        clip_coverage(FOOTAGE, T + 31_000, 20_000, _limits())
    with pytest.raises(NotReadyError):
        clip_coverage(FOOTAGE, T, 5000, _limits(now=T + 1000))
