"""Delivery health of one Ring account: what arrived, how, and what went wrong.

Persisted with the ledger (`ledger.PushStore`), so a reload neither forgets the last webhook
(which would make polling drop to its silent-webhook pace) nor resets the counters that
diagnostics show (docs/webhooks.md#delivery-health).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from homeassistant.util import dt as dt_util

from ..const import WEBHOOK_SILENCE

# Distinct type names kept in `counts`; Early Access types may add a few, not hundreds.
MAX_COUNTED_TYPES: Final = 32
# Counters restored from storage; the revocation is not (a reauth reloads the entry).
_STORED_COUNTERS: Final = (
    "duplicates",
    "signature_failures",
    "unknown_devices",
    "unknown_types",
    "history_events",
    "history_polls",
    "history_requests",
    "late_events",
    "sensor_events",
)
# Raw names Ring sent that this version does not know: webhook types and motion subtypes
# (Early Access names may change: docs/ambiguities.md#early-access-webhook-names).
_STORED_NAME_COUNTERS: Final = ("unknown_type_names", "unknown_motion_subtypes")
_STORED_TIMES: Final = ("last_received", "last_history_poll", "integration_added_at")


@dataclass(kw_only=True)
class WebhookHealth:
    """Remember when webhooks last arrived, what they were and what went wrong."""

    linked_at: datetime | None = None
    last_received: datetime | None = None
    counts: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    signature_failures: int = 0
    unknown_devices: int = 0
    unknown_types: int = 0
    # Events fired from history because their webhook never came.
    history_events: int = 0
    # Reconciliation rounds and the history requests they made.
    history_polls: int = 0
    history_requests: int = 0
    last_history_poll: datetime | None = None
    # Events past the lateness limit: recorded, not fired.
    late_events: int = 0
    integration_added_at: datetime | None = None
    integration_removed_at: datetime | None = None
    last_subscription_event: str | None = None
    unknown_type_names: Counter[str] = field(default_factory=Counter)
    unknown_motion_subtypes: Counter[str] = field(default_factory=Counter)
    sensor_events: int = 0

    @property
    def revoked(self) -> bool:
        """Return True once Ring reported the app integration removed (tokens revoked)."""
        return self.integration_removed_at is not None

    @property
    def webhook_events(self) -> int:
        """Return how many webhooks were accepted (all types)."""
        return sum(self.counts.values())

    def record(self, event_type: str, when: datetime | None = None) -> None:
        """Count one accepted webhook."""
        self.last_received = when or dt_util.utcnow()
        if event_type not in self.counts and len(self.counts) >= MAX_COUNTED_TYPES:
            event_type = "other"
        self.counts[event_type] += 1

    def record_unknown(self, counter: Counter[str], name: str) -> None:
        """Count a raw name, folding new ones into "other" past the cap."""
        if name not in counter and len(counter) >= MAX_COUNTED_TYPES:
            name = "other"
        counter[name] += 1

    def is_receiving(self, now: datetime | None = None) -> bool:
        """Return True when a webhook arrived within the silence window."""
        if self.last_received is None:
            return False
        return (now or dt_util.utcnow()) - self.last_received < WEBHOOK_SILENCE

    def as_dict(self) -> dict[str, Any]:
        """Return the counters for diagnostics (no identifiers, no payloads)."""
        return {
            "linked_at": self.linked_at,
            "last_received": self.last_received,
            "receiving": self.is_receiving(),
            "webhook_events": self.webhook_events,
            "counts": dict(self.counts),
            "duplicates": self.duplicates,
            "signature_failures": self.signature_failures,
            "unknown_devices": self.unknown_devices,
            "unknown_types": self.unknown_types,
            "unknown_type_names": dict(self.unknown_type_names),
            "unknown_motion_subtypes": dict(self.unknown_motion_subtypes),
            "sensor_events": self.sensor_events,
            "history_polls": self.history_polls,
            "history_requests": self.history_requests,
            "history_events": self.history_events,
            "late_events": self.late_events,
            "last_history_poll": self.last_history_poll,
            "integration_added_at": self.integration_added_at,
            "integration_removed_at": self.integration_removed_at,
            "last_subscription_event": self.last_subscription_event,
        }

    def as_stored(self) -> dict[str, Any]:
        """Return what survives a reload, JSON-ready."""
        stored: dict[str, Any] = {
            name: getattr(self, name) for name in _STORED_COUNTERS
        }
        for name in _STORED_TIMES:
            value: datetime | None = getattr(self, name)
            stored[name] = value.isoformat() if value else None
        stored["counts"] = dict(self.counts)
        for name in _STORED_NAME_COUNTERS:
            stored[name] = dict(getattr(self, name))
        stored["last_subscription_event"] = self.last_subscription_event
        return stored

    def load(self, stored: object) -> None:
        """Restore what `as_stored` wrote; malformed parts are skipped."""
        if not isinstance(stored, dict):
            return
        for name in _STORED_COUNTERS:
            if isinstance(value := stored.get(name), int) and value >= 0:
                setattr(self, name, value)
        for name in _STORED_TIMES:
            if isinstance(raw := stored.get(name), str) and (
                parsed := dt_util.parse_datetime(raw)
            ):
                setattr(self, name, parsed)
        for name in ("counts", *_STORED_NAME_COUNTERS):
            if isinstance(counts := stored.get(name), dict):
                setattr(self, name, _counter(counts))
        if isinstance(event := stored.get("last_subscription_event"), str):
            self.last_subscription_event = event


def _counter(stored: dict[Any, Any]) -> Counter[str]:
    """Return a stored name counter, capped and without malformed counts."""
    return Counter(
        {
            str(name): count
            for name, count in list(stored.items())[:MAX_COUNTED_TYPES]
            if isinstance(count, int) and count >= 0
        }
    )
