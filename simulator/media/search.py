"""Find recorded footage for image and clip requests (docs/media.md#clip-download, docs/media.md#image-download).

Choices for the gaps in docs/ambiguities.md:
- item 15: `at_timestamp` honours Ring staff's ±10 s tolerance and picks the recorded instant
  nearest the requested one; `latest_in_range` returns the last recorded instant inside the
  window (frame end, not start) and applies no tolerance.
- item 17: a recorded instant becomes downloadable `recording_not_ready_s` (scaled by
  `time_scale`) after it was recorded. A request that only matches footage which is not ready
  yet answers 425 `RECORDING_NOT_READY`; one that matches no footage at all answers 416.
- Nothing before the consent instant is ever returned, even within the tolerance.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple

AT_TIMESTAMP_TOLERANCE_MS: Final = 10_000


class Footage(NamedTuple):
    """A recorded range of a device and the history event it belongs to.

    A stored snapshot is an instant (`start_ms == end_ms`) with origin `snapshot`.
    """

    start_ms: int
    end_ms: int
    event_id: str | None
    origin: str = "recording"


class NothingRecordedError(LookupError):
    """Raised when no footage overlaps the requested time (416)."""


class NotReadyError(LookupError):
    """Raised when footage exists but is still being processed (425)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Frame:
    """The instant a still is taken from, and its event."""

    at_ms: int
    event_id: str | None
    origin: str = "recording"


@dataclass(frozen=True, kw_only=True, slots=True)
class Coverage:
    """The part of a clip request that footage covers."""

    start_ms: int
    end_ms: int
    event_ids: tuple[str, ...]

    @property
    def length_ms(self) -> int:
        """Return the covered length in ms."""
        return self.end_ms - self.start_ms


@dataclass(frozen=True, kw_only=True, slots=True)
class Availability:
    """What may be served: nothing before consent, nothing after `ready_until`."""

    consent_ms: int
    now_ms: int
    ready_until_ms: int


def _overlapping(footage: Iterable[Footage], low: int, high: int) -> list[Footage]:
    """Return the footage that overlaps [low, high]."""
    return [item for item in footage if item.start_ms <= high and item.end_ms >= low]


def _best_frame(
    footage: Sequence[Footage],
    low: int,
    high: int,
    limits: Availability,
    *,
    pick: Callable[[int, int], int],
    distance: Callable[[int], int],
) -> Frame:
    """Return the served frame of least `distance` among each footage's `pick(first, last)`.

    [first, last] is the part of a footage inside [low, high] that is ready to be served.
    """
    matches = _overlapping(footage, low, high)
    if not matches:
        raise NothingRecordedError
    best: Frame | None = None
    for item in matches:
        first = max(item.start_ms, low)
        last = min(item.end_ms, high, limits.ready_until_ms)
        if first > last:
            continue
        instant = pick(first, last)
        if best is None or distance(instant) < distance(best.at_ms):
            best = Frame(at_ms=instant, event_id=item.event_id, origin=item.origin)
    if best is None:
        raise NotReadyError
    return best


def frame_at(footage: Sequence[Footage], target_ms: int, limits: Availability) -> Frame:
    """Return the recorded instant nearest `target_ms` within the ±10 s tolerance."""
    return _best_frame(
        footage,
        max(target_ms - AT_TIMESTAMP_TOLERANCE_MS, limits.consent_ms),
        min(target_ms + AT_TIMESTAMP_TOLERANCE_MS, limits.now_ms),
        limits,
        pick=lambda first, last: min(max(target_ms, first), last),
        distance=lambda instant: abs(instant - target_ms),
    )


def latest_frame(
    footage: Sequence[Footage], start_ms: int, end_ms: int, limits: Availability
) -> Frame:
    """Return the most recent recorded instant inside [start_ms, end_ms]."""
    return _best_frame(
        footage,
        max(start_ms, limits.consent_ms),
        min(end_ms, limits.now_ms),
        limits,
        pick=lambda _first, last: last,
        distance=lambda instant: -instant,
    )


def clip_coverage(
    footage: Sequence[Footage], start_ms: int, duration_ms: int, limits: Availability
) -> Coverage:
    """Return the first contiguous stretch of footage inside the requested clip window."""
    low = max(start_ms, limits.consent_ms)
    high = min(start_ms + duration_ms, limits.now_ms)
    matches = sorted(_overlapping(footage, low, high))
    if not matches:
        raise NothingRecordedError
    first = max(matches[0].start_ms, low)
    if first > limits.ready_until_ms:
        raise NotReadyError
    last = min(matches[0].end_ms, high)
    event_ids = [matches[0].event_id]
    for item in matches[1:]:
        if item.start_ms > last:
            break
        last = max(last, min(item.end_ms, high))
        event_ids.append(item.event_id)
    last = min(last, limits.ready_until_ms)
    return Coverage(
        start_ms=first,
        end_ms=last,
        event_ids=tuple(dict.fromkeys(e for e in event_ids if e)),
    )
