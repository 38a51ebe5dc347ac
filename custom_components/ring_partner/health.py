"""Track whether Ring's webhooks reach this Home Assistant."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
import time
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, LOGGER, WEBHOOK_PATH, WEBHOOK_SILENCE
from .endpoints import async_partner_urls

# Distinct type names kept in `counts`; Early Access types may add a few, not hundreds.
MAX_COUNTED_TYPES: Final = 32
# A public URL attracts scanners: repeated conditions are logged once a minute at most.
LOG_INTERVAL: Final = 60.0
MAX_LOG_KEYS: Final = 256
# One entry per linked Ring account; the cap only guards against a runaway caller.
MAX_SEEN_ACCOUNTS: Final = 1000
STORAGE_KEY: Final = f"{DOMAIN}.webhook_seen"
STORAGE_VERSION: Final = 1


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
    history_events: int = 0
    history_polls: int = 0
    last_history_poll: datetime | None = None
    integration_added_at: datetime | None = None
    integration_removed_at: datetime | None = None
    last_subscription_event: str | None = None

    @property
    def revoked(self) -> bool:
        """Return True once Ring reported the app integration removed (tokens revoked)."""
        return self.integration_removed_at is not None

    def record(self, event_type: str, when: datetime | None = None) -> None:
        """Count one accepted webhook."""
        self.last_received = when or dt_util.utcnow()
        if event_type not in self.counts and len(self.counts) >= MAX_COUNTED_TYPES:
            event_type = "other"
        self.counts[event_type] += 1

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
            "counts": dict(self.counts),
            "duplicates": self.duplicates,
            "signature_failures": self.signature_failures,
            "unknown_devices": self.unknown_devices,
            "unknown_types": self.unknown_types,
            "history_polls": self.history_polls,
            "history_events": self.history_events,
            "last_history_poll": self.last_history_poll,
            "integration_added_at": self.integration_added_at,
            "integration_removed_at": self.integration_removed_at,
            "last_subscription_event": self.last_subscription_event,
        }


class RateLimitedLog:
    """Log a repeated condition at most once per interval per key (a public URL gets noise)."""

    def __init__(
        self,
        interval: float = LOG_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Initialize the limiter."""
        self._interval = interval
        self._clock = clock
        self._last: dict[str, float] = {}

    def __call__(self, level: int, key: str, msg: str, *args: object) -> None:
        """Log `msg` unless the same key was logged within the interval."""
        now = self._clock()
        if now - self._last.get(key, -self._interval) < self._interval:
            return
        if len(self._last) >= MAX_LOG_KEYS:
            self._last.clear()
        self._last[key] = now
        LOGGER.log(level, msg, *args)


class WebhookSeenStore:
    """Persist, per Ring account, when the first verified webhook arrived.

    Ring sends lifecycle webhooks while an account is linked (§6.5), possibly before its config
    entry exists, so the "no webhook received" repair asks this store rather than the entry.
    """

    def __init__(self, hass: HomeAssistant) -> None:
        """Initialize the store."""
        self._hass = hass
        self._store: Store[dict[str, str]] = Store(hass, STORAGE_VERSION, STORAGE_KEY)
        self._seen: dict[str, str] = {}

    async def async_load(self) -> None:
        """Load what earlier runs saw."""
        self._seen = await self._store.async_load() or {}

    def has_seen(self, account_id: str) -> bool:
        """Return True when a verified webhook for the account ever arrived."""
        return account_id in self._seen

    @callback
    def async_mark_seen(self, account_id: str) -> None:
        """Remember the account's first webhook; written once per account."""
        if account_id in self._seen or len(self._seen) >= MAX_SEEN_ACCOUNTS:
            return
        self._seen[account_id] = dt_util.utcnow().isoformat()
        self._hass.async_create_task(
            self._store.async_save(dict(self._seen)), "ring_partner save webhook seen"
        )


DATA_SEEN: HassKey[WebhookSeenStore] = HassKey(f"{DOMAIN}_webhook_seen")


@callback
def async_webhook_url(hass: HomeAssistant) -> str:
    """Return the URL to register as Ring's Webhook URL (external address preferred)."""
    try:
        return async_partner_urls(hass)["webhook_url"]
    except NoURLAvailableError:
        return f"https://<your Home Assistant address>{WEBHOOK_PATH}"
