"""Tests for the account-link nonce helpers (docs/linking.md#time-and-nonce)."""

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.ring_partner.client import (
    RingPartnerLinkError,
    check_link_time,
    compute_nonce,
    find_nonce_account,
    nonce_matches,
)

KEY = "test-hmac-key"
TIME = "1771130906289"
ACCOUNT = "ava1.ring.account.XXXYYY"
NONCE = "qexVypp7hnEZKz7jsI96n5DEp_jrbDeSKXSYWP5KHHE"
MINTED = datetime.fromtimestamp(1771130906.289, tz=UTC)


def test_nonce_vector() -> None:
    """The nonce test vector computes exactly (docs/linking.md#nonce-test-vector)."""
    nonce = compute_nonce(KEY, TIME, ACCOUNT)
    assert nonce == NONCE
    assert len(nonce) == 43
    assert "=" not in nonce


def test_nonce_matches() -> None:
    """Matching is exact and tolerant of garbage input."""
    assert nonce_matches(KEY, TIME, ACCOUNT, NONCE)
    assert not nonce_matches(KEY, TIME, ACCOUNT, NONCE[:-1] + "d")
    assert not nonce_matches(KEY, "1771130906290", ACCOUNT, NONCE)
    assert not nonce_matches(KEY, TIME, "ava1.ring.account.OTHER", NONCE)
    assert not nonce_matches("other-key", TIME, ACCOUNT, NONCE)
    assert not nonce_matches(KEY, TIME, ACCOUNT, "")
    assert not nonce_matches(KEY, TIME, ACCOUNT, "nönce")


def test_find_nonce_account() -> None:
    """Exactly one unclaimed account must match."""
    accounts = ["ava1.ring.account.A", ACCOUNT, "ava1.ring.account.B"]
    assert find_nonce_account(KEY, TIME, NONCE, accounts) == ACCOUNT
    assert find_nonce_account(KEY, TIME, NONCE, ["ava1.ring.account.A"]) is None
    assert find_nonce_account(KEY, TIME, NONCE, [ACCOUNT, ACCOUNT]) is None
    assert find_nonce_account(KEY, TIME, NONCE, []) is None


@pytest.mark.parametrize(
    "offset",
    [timedelta(0), timedelta(seconds=600), timedelta(seconds=-5), timedelta(seconds=1)],
)
def test_link_time_accepted(offset: timedelta) -> None:
    """Times up to 600 s old and up to 5 s in the future are accepted."""
    assert check_link_time(TIME, now=MINTED + offset) == MINTED


@pytest.mark.parametrize(
    ("time", "offset"),
    [
        (TIME, timedelta(seconds=600, milliseconds=1)),
        (TIME, timedelta(hours=5)),
        (TIME, timedelta(seconds=-5, milliseconds=-1)),
        ("", timedelta(0)),
        ("17711309O6289", timedelta(0)),
        ("-1771130906289", timedelta(0)),
        ("1771130906.289", timedelta(0)),
        ("\uff11\uff17\uff17\uff11", timedelta(0)),
        ("9" * 40, timedelta(0)),
        ("9" * 16, timedelta(0)),
        ("1" * 16, timedelta(0)),
    ],
)
def test_link_time_rejected(time: str, offset: timedelta) -> None:
    """Stale, future and malformed times raise RingPartnerLinkError."""
    with pytest.raises(RingPartnerLinkError):
        check_link_time(time, now=MINTED + offset)


def test_link_time_default_clock() -> None:
    """Without `now` the wall clock is used (and a naive now is taken as UTC)."""
    now = datetime.now(UTC)
    stamp = str(int(now.timestamp() * 1000))
    assert abs(check_link_time(stamp) - now) < timedelta(seconds=1)
    naive = now.replace(tzinfo=None)
    assert check_link_time(stamp, now=naive).tzinfo is UTC
