"""Account-link nonce helpers for Ring's one-way linking (docs/linking.md#time-and-nonce)."""

import base64
from collections.abc import Iterable
from datetime import UTC, datetime
import hashlib
import hmac

from .const import LINK_MAX_AGE, LINK_MAX_FUTURE
from .exceptions import RingPartnerLinkError


def compute_nonce(hmac_key: str, time: str, account_id: str) -> str:
    """Return base64url(HMAC-SHA256(key, f"{time}:{account_id}")) without padding."""
    mac = hmac.new(
        hmac_key.encode(), f"{time}:{account_id}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def nonce_matches(hmac_key: str, time: str, account_id: str, nonce: str) -> bool:
    """Return True when nonce belongs to (time, account_id); constant-time compare."""
    try:
        received = nonce.encode("ascii")
    except UnicodeEncodeError:
        return False
    expected = compute_nonce(hmac_key, time, account_id).encode("ascii")
    return hmac.compare_digest(expected, received)


def find_nonce_account(
    hmac_key: str, time: str, nonce: str, account_ids: Iterable[str]
) -> str | None:
    """Return the one unclaimed account whose nonce matches, else None.

    Every candidate is checked (no early exit), so timing does not reveal which one
    matched; more than one match is treated as no match.
    """
    matches = [
        account_id
        for account_id in account_ids
        if nonce_matches(hmac_key, time, account_id, nonce)
    ]
    return matches[0] if len(matches) == 1 else None


def check_link_time(time: str, *, now: datetime | None = None) -> datetime:
    """Validate the link `time` (epoch ms digits): at most 600 s old, not in the future.

    A few seconds of clock skew into the future are tolerated.
    """
    if not time.isascii() or not time.isdigit() or len(time) > 16:
        msg = "Account-link time is not epoch milliseconds"
        raise RingPartnerLinkError(msg)
    try:
        minted = datetime.fromtimestamp(int(time) / 1000, tz=UTC)
    except ValueError, OverflowError, OSError:
        # Digits only, so beyond what a datetime holds means centuries ahead.
        msg = "Account-link time lies in the future"
        raise RingPartnerLinkError(msg) from None
    current = now or datetime.now(UTC)
    if current.tzinfo is None:
        current = current.replace(tzinfo=UTC)
    age = current - minted
    if age > LINK_MAX_AGE:
        msg = "Account-link request has expired"
        raise RingPartnerLinkError(msg)
    if -age > LINK_MAX_FUTURE:
        msg = "Account-link time lies in the future"
        raise RingPartnerLinkError(msg)
    return minted
