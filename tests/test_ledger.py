"""The ledger's event identities: matching by time window, forgetting, and what it stores."""

from datetime import UTC, datetime, timedelta

from custom_components.ring_partner.push.ledger import (
    MATCH_WINDOW,
    RECENT_PER_DEVICE,
    EventLedger,
)

BASE = datetime(2026, 12, 2, 12, 0, 0, tzinfo=UTC)
WINDOW = MATCH_WINDOW.total_seconds()


def _at(seconds: float) -> datetime:
    return BASE + timedelta(seconds=seconds)


def _ledger(now: list[float], ttl: float = 7200) -> EventLedger:
    return EventLedger(ttl=ttl, clock=lambda: now[0])


def test_history_matches_anything_within_the_window_on_both_sides() -> None:
    """A history entry matches an identity up to the window before or after it, not beyond."""
    # Times chosen around bucket edges: 12.0 and 17.0 are in different buckets.
    for seen, entry, same in [
        (12.0, 12.0 + WINDOW, True),
        (12.0, 12.0 - WINDOW, True),
        (12.0, 12.0 + WINDOW + 0.001, False),
        (12.0, 12.0 - WINDOW - 0.001, False),
        (9.999, 10.0, True),
        (14.999, 19.998, True),
    ]:
        ledger = _ledger([0.0])
        assert ledger.is_new_event("d", "motion", _at(seen), from_history=False)
        assert (
            ledger.is_new_event("d", "motion", _at(entry), from_history=True)
            is not same
        ), (seen, entry)


def test_webhooks_match_only_history() -> None:
    """Two webhooks close in time are two events: ids tell webhooks apart.

    Kinds and devices never match each other.
    """
    ledger = _ledger([0.0])
    assert ledger.is_new_event("d", "motion", _at(0), from_history=False)
    assert ledger.is_new_event("d", "motion", _at(1), from_history=False)
    assert ledger.is_new_event("d", "ding", _at(0), from_history=True)
    assert ledger.is_new_event("e", "motion", _at(0), from_history=True)
    assert not ledger.is_new_event("d", "motion", _at(0.5), from_history=True)
    # The history entry itself is now known to a later webhook of the same event.
    ledger.is_new_event("d", "ding", _at(100), from_history=True)
    assert not ledger.is_new_event("d", "ding", _at(100), from_history=False)


def test_forgotten_identities_no_longer_match() -> None:
    """Past the TTL, and beyond the per-device bound, an identity is forgotten entirely."""
    now = [0.0]
    ledger = _ledger(now, ttl=60)
    assert ledger.is_new_event("d", "motion", _at(0), from_history=True)
    now[0] = 61
    assert ledger.is_new_event("d", "motion", _at(0), from_history=True)

    ledger = _ledger([0.0])
    for index in range(RECENT_PER_DEVICE + 1):
        assert ledger.is_new_event("d", "motion", _at(index * 60), from_history=True)
    assert ledger.sizes()["events"] == RECENT_PER_DEVICE
    # The second is still known; the first was pushed out.
    assert not ledger.is_new_event("d", "motion", _at(60), from_history=True)
    assert ledger.is_new_event("d", "motion", _at(0), from_history=True)


def test_identities_survive_store_and_load() -> None:
    """What as_stored writes, load restores, and matching works on it as before."""
    now = [0.0]
    ledger = _ledger(now)
    ledger.is_new_event("d", "motion", _at(0), from_history=False)
    ledger.is_new_event("d", "ding", _at(30), from_history=True)
    restored = _ledger(now)
    restored.load(ledger.as_stored())
    assert restored.as_stored() == ledger.as_stored()
    assert not restored.is_new_event("d", "motion", _at(2), from_history=True)
    assert not restored.is_new_event("d", "ding", _at(30), from_history=False)
    assert restored.is_new_event("d", "motion", _at(30), from_history=True)
