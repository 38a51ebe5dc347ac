"""Deterministic ids, tokens and a manual clock for the simulator.

Ring ids are opaque (`ava1.ring.device.DCT27…`, 100+ base32 characters), and sub-resource ids
are unrelated to the device id (docs/ring-api.md#device-resource). Scenario ids come from a hash of a
name so they are stable across runs; runtime ids and tokens come from a seeded generator.
"""

import base64
from datetime import UTC, datetime
import hashlib
import random
import uuid

OPAQUE_BYTES = 65


def _b32(raw: bytes) -> str:
    """Base32 without padding, as in Ring's opaque ids."""
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def stable_id(prefix: str, *parts: str) -> str:
    """Return an opaque id derived from names (same input, same id; not reversible)."""
    digest = b"".join(
        hashlib.sha512(f"{i}|{prefix}|{'|'.join(parts)}".encode()).digest()
        for i in range(2)
    )
    return prefix + _b32(digest[:OPAQUE_BYTES])


def stable_uuid(*parts: str) -> str:
    """Return a UUID4-shaped string derived from names (chime audio refs)."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


class IdFactory:
    """Seeded source of opaque ids, tokens and UUIDs."""

    def __init__(self, seed: int | None = None) -> None:
        """Create a generator; `seed=None` draws from the OS."""
        self._rng = random.Random(seed)

    def opaque(self, prefix: str) -> str:
        """Return a new opaque id such as `ava1.ring.history.event.XXXX…`."""
        return prefix + _b32(self._rng.randbytes(OPAQUE_BYTES))

    def token(self, nbytes: int = 32) -> str:
        """Return a URL-safe random string (tokens, codes)."""
        raw = self._rng.randbytes(nbytes)
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    def uuid(self) -> str:
        """Return a random UUID4 string (webhook request ids, zone ids)."""
        return str(uuid.UUID(bytes=self._rng.randbytes(16), version=4))

    def random(self) -> float:
        """Return a float in [0, 1) for chaos decisions."""
        return self._rng.random()


class ManualClock:
    """A wall clock in epoch seconds that only moves when told to (for tests)."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        """Start at `start` epoch seconds (default: September 2026)."""
        self.now = start

    def __call__(self) -> float:
        """Return the current epoch seconds."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


def iso_seconds(ms: int) -> str:
    """Format epoch ms as `2026-09-15T12:45:03Z` (meta.time, reported_at)."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(ms: int) -> str:
    """Format epoch ms as `2026-09-15T12:45:03.123Z` (history cursors)."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def iso_nanos(ms: int) -> str:
    """Format epoch ms like Ring's webhook `meta.time` (nanosecond digits)."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}000000Z"


def parse_iso_ms(text: str) -> int:
    """Parse an ISO 8601 UTC timestamp into epoch ms; raise ValueError."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)
