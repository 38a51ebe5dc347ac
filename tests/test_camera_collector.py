"""Tests for the camera's candidate gathering window, on virtual time."""

import asyncio
from collections.abc import Callable

import pytest

from custom_components.ring_partner.camera import CandidateCollector
from custom_components.ring_partner.client import IceCandidate

HOST = "candidate:1 1 udp 2122260223 192.168.1.10 50000 typ host generation 0"


class Timeline:
    """Virtual time for a collector: its waits advance it; scheduled arrivals happen in it."""

    def __init__(self) -> None:
        """Start at 0 with nothing scheduled."""
        self.now = 0.0
        self.arrivals: list[tuple[float, Callable[[], object]]] = []

    def clock(self) -> float:
        """Return the virtual time."""
        return self.now

    def at(self, when: float, action: Callable[[], object]) -> None:
        """Schedule an action (a browser trickling a candidate) at a virtual time."""
        self.arrivals.append((when, action))
        self.arrivals.sort(key=lambda item: item[0])

    async def wait(self, event: asyncio.Event, seconds: float) -> bool:
        """Wait the way the collector does: until the event is set or `seconds` pass."""
        if event.is_set():
            return True
        due = self.now + seconds
        while self.arrivals and self.arrivals[0][0] <= due:
            when, action = self.arrivals.pop(0)
            self.now = max(self.now, when)
            action()
            if event.is_set():
                return True
        self.now = due
        return False


def _collector(
    timeline: Timeline, *, quiet: float, cap: float, have_candidates: bool
) -> CandidateCollector:
    """Return a collector on the timeline."""
    return CandidateCollector(
        quiet=quiet,
        cap=cap,
        have_candidates=have_candidates,
        clock=timeline.clock,
        wait=timeline.wait,
    )


async def test_quiet_gap_ends_the_window() -> None:
    """The window ends one quiet gap after the last candidate."""
    timeline = Timeline()
    collector = _collector(timeline, quiet=0.05, cap=2.0, have_candidates=False)
    for when in (0.02, 0.04, 0.06):
        timeline.at(when, lambda: collector.add(IceCandidate(HOST, sdp_mid="1")))
    result = await collector.collect()
    assert len(result) == 3
    assert timeline.now == pytest.approx(0.06 + 0.05)
    assert not collector.is_open
    assert not collector.add(IceCandidate(HOST, sdp_mid="1"))


async def test_hard_cap() -> None:
    """A steady trickle cannot hold the offer past the cap."""
    timeline = Timeline()
    collector = _collector(timeline, quiet=0.05, cap=0.2, have_candidates=True)
    for step in range(1, 100):
        timeline.at(step * 0.01, lambda: collector.add(IceCandidate(HOST, sdp_mid="1")))
    result = await collector.collect()
    assert timeline.now == pytest.approx(0.2)
    assert 15 <= len(result) <= 20


async def test_waits_for_first_candidate_up_to_cap() -> None:
    """Without any candidate yet, the quiet gap does not apply; the cap does."""
    timeline = Timeline()
    collector = _collector(timeline, quiet=0.01, cap=0.1, have_candidates=False)
    assert await collector.collect() == []
    assert timeline.now == pytest.approx(0.1)


async def test_first_candidate_late_in_the_cap() -> None:
    """A first candidate just before the cap still gets in; the cap still ends it."""
    timeline = Timeline()
    collector = _collector(timeline, quiet=0.05, cap=0.1, have_candidates=False)
    timeline.at(0.08, lambda: collector.add(IceCandidate(HOST, sdp_mid="1")))
    assert len(await collector.collect()) == 1
    assert timeline.now == pytest.approx(0.1)


async def test_end_of_candidates_is_not_collected() -> None:
    """An empty candidate neither counts nor restarts the gap."""
    timeline = Timeline()
    collector = _collector(timeline, quiet=0.01, cap=0.05, have_candidates=True)
    assert collector.add(IceCandidate("", sdp_mid="1"))
    assert await collector.collect() == []
    assert timeline.now == pytest.approx(0.01)


async def test_abort_ends_the_window_at_once() -> None:
    """Aborting (the browser closed the view) ends a real wait at once."""
    collector = CandidateCollector(quiet=1.0, cap=3600.0, have_candidates=False)
    task = asyncio.create_task(collector.collect())
    await asyncio.sleep(0)
    collector.abort()
    assert await asyncio.wait_for(task, 10) == []
    assert collector.aborted
