"""What one Ring account's push path has already processed, kept across reloads and restarts.

`EventLedger` is the one deduplication point: webhook deliveries by id, device events by
identity (device, kind, event time), whatever brought them (webhook, history catch-up,
reconciliation). `PushStore` keeps the ledger and the webhook health in one Home Assistant
`Store` per entry, written debounced and flushed on unload and at shutdown
(docs/webhooks.md#exactly-once).
"""

from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..client import WebhookEvent
from ..const import DOMAIN
from .health import WebhookHealth

# Ring retries a failed delivery for about 73 minutes (docs/webhooks.md#retry-schedule): every
# retry of something already processed must still be recognised, so ids live longer than that.
# A dead-letter replay comes days later; by then its events are past LATENESS_LIMIT and are
# recorded, not fired, whatever the ledger says.
LEDGER_TTL: Final = timedelta(hours=2).total_seconds()
# Ten cameras at one event a minute for two hours is 1 200 events, two ids each; the cap leaves
# room for bursts and keeps the stored file around half a megabyte at worst.
LEDGER_MAX_IDS: Final = 6_000
# History ids differ from webhook ids (docs/ring-api.md#event-history), so the same event is
# recognised by device, kind and time; Ring stamps both from the same event start.
MATCH_WINDOW: Final = timedelta(seconds=5)
# Reconciliation re-reads LATENESS_LIMIT of history every round: a device's identities must
# outnumber the events it can have in that window (Ring's motion cooldown keeps it well below).
RECENT_PER_DEVICE: Final = 256
# One burst of events costs one write; a crash loses at most this much of the ledger.
SAVE_DELAY: Final = 2.0
STORAGE_VERSION: Final = 1


def _now() -> float:
    """Return wall-clock seconds; wall clock, since the ledger outlives the process."""
    return dt_util.utcnow().timestamp()


class EventLedger:
    """Remember deliveries by id and device events by identity; only first sightings pass.

    Ring may deliver a webhook twice (docs/webhooks.md#duplicates-and-ordering), and the same
    event comes back from history; only the first sighting passes.
    """

    def __init__(
        self,
        ttl: float = LEDGER_TTL,
        max_size: int = LEDGER_MAX_IDS,
        clock: Callable[[], float] = _now,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        """Initialize an empty ledger."""
        self._ttl = ttl
        self._max_size = max_size
        self._clock = clock
        self._on_change = on_change
        self._ids: OrderedDict[str, float] = OrderedDict()
        self._recent: dict[str, _DeviceEvents] = {}

    def has_delivery(self, event: WebhookEvent) -> bool:
        """Return True when the delivery (request id or event id) was recorded."""
        self._prune(self._clock())
        return any(key in self._ids for key in _delivery_keys(event))

    def is_new_delivery(self, event: WebhookEvent) -> bool:
        """Return False if the delivery (request id or event id) was seen; remember it."""
        now = self._clock()
        self._prune(now)
        keys = _delivery_keys(event)
        seen = any(key in self._ids for key in keys)
        for key in keys:
            self._ids[key] = now
            self._ids.move_to_end(key)
        while len(self._ids) > self._max_size:
            self._ids.popitem(last=False)
        self._changed()
        return not seen

    def is_new_event(
        self, device_id: str, kind: str, when: datetime, *, from_history: bool
    ) -> bool:
        """Return False if the other source (or history itself) already had this event.

        Webhooks are unique by id, so a webhook only matches events recovered from history;
        a history entry matches anything seen around its time.
        """
        now = self._clock()
        at = when.timestamp()
        recent = self._recent.get(device_id)
        if recent is None:
            recent = self._recent[device_id] = _DeviceEvents()
        recent.prune(now - self._ttl)
        if recent.matches(kind, at, from_history=from_history):
            return False
        recent.add((kind, at, from_history, now))
        self._changed()
        return True

    def sizes(self) -> dict[str, int]:
        """Return how much the ledger holds (for diagnostics; no ids)."""
        return {
            "deliveries": len(self._ids),
            "events": sum(len(recent.order) for recent in self._recent.values()),
        }

    def clear(self) -> None:
        """Forget everything (tests of the whole pipeline start each example afresh)."""
        self._ids.clear()
        self._recent.clear()
        self._changed()

    def _prune(self, now: float) -> None:
        """Forget ids older than the TTL."""
        while self._ids and next(iter(self._ids.values())) < now - self._ttl:
            self._ids.popitem(last=False)

    def _changed(self) -> None:
        """Tell the store there is something to write."""
        if self._on_change is not None:
            self._on_change()

    def as_stored(self) -> dict[str, Any]:
        """Return the ledger as JSON-ready data."""
        return {
            "ids": [[key, seen] for key, seen in self._ids.items()],
            "events": {
                device_id: [list(item) for item in recent.order]
                for device_id, recent in self._recent.items()
                if recent.order
            },
        }

    def load(self, stored: object) -> None:
        """Restore what `as_stored` wrote; anything malformed is skipped, never fatal."""
        if not isinstance(stored, dict):
            return
        ids = stored.get("ids")
        for item in ids if isinstance(ids, list) else ():
            if (
                isinstance(item, list)
                and len(item) == 2
                and isinstance(item[0], str)
                and isinstance(item[1], int | float)
            ):
                self._ids[item[0]] = float(item[1])
        events = stored.get("events")
        for device_id, items in (events if isinstance(events, dict) else {}).items():
            recent = self._recent.setdefault(str(device_id), _DeviceEvents())
            for item in items if isinstance(items, list) else ():
                if (
                    isinstance(item, list)
                    and len(item) == 4
                    and isinstance(item[0], str)
                    and isinstance(item[1], int | float)
                    and isinstance(item[3], int | float)
                ):
                    recent.add((item[0], float(item[1]), bool(item[2]), float(item[3])))
        self._prune(self._clock())


# (kind, event time, from history, when recorded), epoch seconds.
type _Identity = tuple[str, float, bool, float]


class _DeviceEvents:
    """One device's recent event identities: in arrival order, and indexed by time.

    Every reconciliation round checks each history entry here, so a lookup reads only the
    identities within MATCH_WINDOW of it (three time buckets) instead of all of them. A
    webhook can only match an event recovered from history, which has an index of its own
    (nearly always empty while webhooks flow).
    """

    __slots__ = ("_from_history", "_index", "order")

    def __init__(self) -> None:
        """Initialize an empty record."""
        self.order: deque[_Identity] = deque()
        self._index: dict[tuple[str, int], list[_Identity]] = {}
        self._from_history: dict[tuple[str, int], list[_Identity]] = {}

    def add(self, identity: _Identity) -> None:
        """Remember an identity, forgetting the oldest beyond RECENT_PER_DEVICE."""
        if len(self.order) >= RECENT_PER_DEVICE:
            self._drop(self.order.popleft())
        self.order.append(identity)
        key = _bucket(identity[0], identity[1])
        self._index.setdefault(key, []).append(identity)
        if identity[2]:
            self._from_history.setdefault(key, []).append(identity)

    def prune(self, oldest: float) -> None:
        """Forget identities recorded before `oldest`."""
        while self.order and self.order[0][3] < oldest:
            self._drop(self.order.popleft())

    def matches(self, kind: str, at: float, *, from_history: bool) -> bool:
        """Return True when an identity of this kind lies within the window of `at`.

        Webhooks are unique by id, so a webhook matches only events from history; a history
        entry matches anything.
        """
        if not (index := self._index if from_history else self._from_history):
            return False
        window = MATCH_WINDOW.total_seconds()
        _, middle = _bucket(kind, at)
        return any(
            abs(seen[1] - at) <= window
            for bucket in (middle - 1, middle, middle + 1)
            for seen in index.get((kind, bucket), ())
        )

    def _drop(self, identity: _Identity) -> None:
        """Remove a forgotten identity from the indexes."""
        key = _bucket(identity[0], identity[1])
        for index in (
            (self._index, self._from_history) if identity[2] else (self._index,)
        ):
            bucket = index[key]
            bucket.remove(identity)
            if not bucket:
                del index[key]


def _bucket(kind: str, at: float) -> tuple[str, int]:
    """Return the index key of an event time: buckets as wide as the match window."""
    return kind, int(at // MATCH_WINDOW.total_seconds())


def _delivery_keys(event: WebhookEvent) -> list[str]:
    """Return the ids a delivery is known by: `meta.request_id` and `data.id`."""
    keys = [f"r:{event.request_id}"]
    if event.event_id:
        keys.append(f"e:{event.event_id}")
    return keys


def storage_key(entry_id: str) -> str:
    """Return the storage key of an entry's push memory."""
    return f"{DOMAIN}.push.{entry_id}"


class PushStore:
    """The ledger and the webhook health of one entry, persisted together."""

    def __init__(
        self, hass: HomeAssistant, entry_id: str, health: WebhookHealth
    ) -> None:
        """Initialize the store; call `async_load` before use."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, storage_key(entry_id)
        )
        self.health = health
        self.ledger = EventLedger(on_change=self.async_schedule_save)

    async def async_load(self) -> None:
        """Restore the ledger and health of earlier runs."""
        stored = await self._store.async_load()
        if not isinstance(stored, dict):
            return
        self.ledger.load(stored.get("ledger"))
        self.health.load(stored.get("health"))

    def _data(self) -> dict[str, Any]:
        """Return what to write."""
        return {"ledger": self.ledger.as_stored(), "health": self.health.as_stored()}

    @callback
    def async_schedule_save(self) -> None:
        """Write soon; a burst of changes costs one write."""
        self._store.async_delay_save(self._data, SAVE_DELAY)

    async def async_flush(self) -> None:
        """Write now (on unload), so the next setup of the entry starts from it."""
        await self._store.async_save(self._data())

    async def async_remove(self) -> None:
        """Delete the stored data (the entry was removed)."""
        await self._store.async_remove()
