"""Apply one Ring account's events to Home Assistant; the only way they reach entities.

Webhooks (from `receiver`) and events recovered from history (from `reconciliation`) both enter
through `RingPartnerPush`: the persisted ledger drops what was seen before, events past the
lateness limit are recorded but not fired, lifecycle events update the coordinator at once,
and device events go to the callbacks entities registered with `async_subscribe`.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
import logging
import time
from typing import TYPE_CHECKING, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from ..client import (
    SENSOR_EVENT_TYPES,
    DeviceKind,
    MotionSubtype,
    RingPartnerError,
    RingPartnerNotFoundError,
    WebhookEvent,
    WebhookEventType,
)
from ..const import (
    CONF_HMAC_KEY,
    CONF_LATE_EVENT_LIMIT,
    CONF_LINK_METHOD,
    DOMAIN,
    LATENESS_LIMIT,
    LOGGER,
    MAX_LATE_EVENT_LIMIT,
    LinkMethod,
)
from ..coordinator import RingPartnerConfigEntry, RingPartnerDataUpdateCoordinator
from ..repairs import async_create_no_webhook_issue, async_delete_no_webhook_issue
from .health import WebhookHealth
from .ledger import EventLedger, PushStore

if TYPE_CHECKING:
    from .reconciliation import RingPartnerHistoryReconciler

__all__ = [
    "LATENESS_LIMIT",
    "EventLedger",
    "RingPartnerPush",
    "WebhookHealth",
    "lateness_limit",
]

# A public URL attracts scanners: repeated conditions are logged once a minute at most.
LOG_INTERVAL: Final = 60.0
MAX_LOG_KEYS: Final = 256
# Ring sends lifecycle webhooks while an account is linked (docs/webhooks.md#event-types); a
# day without any webhook after linking means a wrong Webhook URL or an unreachable instance.
NO_WEBHOOK_GRACE: Final = timedelta(hours=24)
# One entry per linked Ring account; the cap only guards against a runaway caller.
MAX_SEEN_ACCOUNTS: Final = 1000
STORAGE_KEY: Final = f"{DOMAIN}.webhook_seen"
STORAGE_VERSION: Final = 1

_DEVICE_EVENTS: Final = frozenset(
    {WebhookEventType.MOTION_DETECTED, WebhookEventType.BUTTON_PRESS}
)

type EventCallback = Callable[[WebhookEvent], None]


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


_log = RateLimitedLog()


class WebhookSeenStore:
    """Persist, per Ring account, when the first verified webhook arrived.

    Ring sends lifecycle webhooks while an account is linked, possibly before its config entry
    exists, so the "no webhook received" repair asks this store rather than the entry.
    """

    def __init__(self, hass: HomeAssistant) -> None:
        """Initialize the store."""
        self._hass = hass
        self._store: Store[dict[str, str]] = Store(hass, STORAGE_VERSION, STORAGE_KEY)
        self._seen: dict[str, str] = {}

    async def async_load(self) -> None:
        """Load what earlier runs saw (keeping anything marked meanwhile)."""
        self._seen = {**(await self._store.async_load() or {}), **self._seen}

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
            self._store.async_save(dict(self._seen)), f"{DOMAIN} save webhook seen"
        )


DATA_SEEN: HassKey[WebhookSeenStore] = HassKey(f"{DOMAIN}_webhook_seen")


def lateness_limit(entry: RingPartnerConfigEntry) -> timedelta:
    """Return how late an event may reach us and still fire (the late event limit option)."""
    minutes = entry.options.get(CONF_LATE_EVENT_LIMIT)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 1:
        return LATENESS_LIMIT
    return min(timedelta(minutes=minutes), MAX_LATE_EVENT_LIMIT)


class RingPartnerPush:
    """Route one account's webhooks and recovered events to entities and the coordinator."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: RingPartnerConfigEntry,
        coordinator: RingPartnerDataUpdateCoordinator,
        store: PushStore,
    ) -> None:
        """Initialize the hub of a loaded entry."""
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.store = store
        self.health = store.health
        self.ledger = store.ledger
        self.account_id = entry.unique_id
        self.hmac_key: str | None = entry.data.get(CONF_HMAC_KEY)
        self.reconciler: RingPartnerHistoryReconciler | None = None
        self._subscribers: dict[str, list[EventCallback]] = {}
        self._revealing: dict[str, WebhookEvent] = {}
        self._issue = False

    @callback
    def async_subscribe(self, device_id: str, on_event: EventCallback) -> CALLBACK_TYPE:
        """Call `on_event` with each new event of a device; return the unsubscribe."""
        callbacks = self._subscribers.setdefault(device_id, [])
        callbacks.append(on_event)

        @callback
        def _unsubscribe() -> None:
            callbacks.remove(on_event)
            if not callbacks:
                self._subscribers.pop(device_id, None)

        return _unsubscribe

    def revealing_event(self, device_id: str) -> WebhookEvent | None:
        """Return the button press that is turning a camera into a doorbell right now.

        Doorbell entities created while it is being applied start by handling it.
        """
        return self._revealing.get(device_id)

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Start the first-webhook check; return the function that stops it."""
        unsub: CALLBACK_TYPE | None = None
        if (due := self._silence_check_due()) is not None:
            if due <= (now := dt_util.utcnow()):
                self._async_check_silence(now)
            else:
                unsub = async_track_point_in_utc_time(
                    self.hass, self._async_check_silence, due
                )

        @callback
        def _stop() -> None:
            if unsub is not None:
                unsub()
            async_delete_no_webhook_issue(self.hass, self.entry.entry_id)

        return _stop

    def _silence_check_due(self) -> datetime | None:
        """Return when to check for a first webhook, or None when there is nothing to check."""
        linked_at = self.health.linked_at
        if (
            self.hmac_key is None
            or self.entry.data.get(CONF_LINK_METHOD) == LinkMethod.PLAYGROUND
            or linked_at is None
            or self._seen_before()
        ):
            return None
        return linked_at + NO_WEBHOOK_GRACE

    def _seen_before(self) -> bool:
        """Return True when any earlier run received a verified webhook for this account."""
        seen = self.hass.data.get(DATA_SEEN)
        return bool(
            seen is not None and self.account_id and seen.has_seen(self.account_id)
        )

    @callback
    def _async_check_silence(self, _now: datetime) -> None:
        """Raise the repair issue when no webhook arrived within a day of linking."""
        if self.health.last_received is not None or self._seen_before():
            return
        self._issue = True
        async_create_no_webhook_issue(self.hass, self.entry.entry_id, self.entry.title)

    @callback
    def async_handle_webhook(self, event: WebhookEvent) -> None:
        """Apply one verified webhook of this account; never touches the network directly."""
        if not self.ledger.is_new_delivery(event):
            self.health.duplicates += 1
            return
        self.health.record(event.type_name)
        self.store.async_schedule_save()
        if self._issue:
            self._issue = False
            async_delete_no_webhook_issue(self.hass, self.entry.entry_id)
        if self.health.revoked:
            return
        match event.event_type:
            case WebhookEventType.MOTION_DETECTED | WebhookEventType.BUTTON_PRESS:
                self.async_fire(event)
            case WebhookEventType.DEVICE_ONLINE | WebhookEventType.DEVICE_OFFLINE:
                self._async_online(event)
            case WebhookEventType.DEVICE_ADDED:
                self._async_device_added(event)
            case WebhookEventType.DEVICE_REMOVED:
                self._async_device_removed(event)
            case WebhookEventType.APP_INTEGRATION_ADDED:
                self.health.integration_added_at = dt_util.utcnow()
            case WebhookEventType.APP_INTEGRATION_REMOVED:
                self._async_revoke()
            case (
                WebhookEventType.SUBSCRIPTION_ACTIVATED
                | WebhookEventType.SUBSCRIPTION_DEACTIVATED
            ):
                # Partner-app plans (docs/webhooks.md#subscription-events); nothing in
                # Home Assistant depends on them.
                self.health.last_subscription_event = event.type_name
            case event_type if event_type in SENSOR_EVENT_TYPES:
                self._async_sensor_event(event)
            case _:
                self.health.unknown_types += 1
                self.health.record_unknown(
                    self.health.unknown_type_names, event.type_name[:64]
                )
                _log(
                    logging.DEBUG,
                    f"type:{event.type_name}",
                    "Ignoring Ring webhook of unknown type %s",
                    event.type_name,
                )

    @callback
    def async_fire(self, event: WebhookEvent) -> bool:
        """Fire a motion or ding event for its device, at most once; return True if fired."""
        data = self.coordinator.data or {}
        if event.device_id is None or (device := data.get(event.device_id)) is None:
            self.health.unknown_devices += 1
            _log(
                logging.INFO,
                f"device:{self.entry.entry_id}",
                "Ring sent an event for a device this account does not share yet; refreshing",
            )
            self._async_refresh("unknown device")
            return False
        if event.event_type not in _DEVICE_EVENTS:
            return False
        kind = "ding" if event.event_type is WebhookEventType.BUTTON_PRESS else "motion"
        now = dt_util.utcnow()
        # The event's own time; a body without one is taken as sent just now.
        when = event.timestamp or event.sent_at or now
        if not self.ledger.is_new_event(
            device.id, kind, when, from_history=event.from_history
        ):
            # Every round re-reads the recent history: only a webhook repeating an event
            # counts as a duplicate.
            if not event.from_history:
                self.health.duplicates += 1
            return False
        if now - when > (limit := lateness_limit(self.entry)):
            self.health.late_events += 1
            _log(
                logging.INFO,
                f"late:{self.entry.entry_id}",
                "Not firing a Ring %s event from %s: it is older than %s",
                kind,
                when.isoformat(),
                limit,
            )
            return False
        if event.from_history:
            self.health.history_events += 1
        if event.motion_subtype is MotionSubtype.UNKNOWN and event.motion_subtype_name:
            self.health.record_unknown(
                self.health.unknown_motion_subtypes, event.motion_subtype_name
            )
        if kind == "ding" and device.kind is DeviceKind.CAMERA:
            LOGGER.info("%s pressed its button: adding doorbell entities", device.name)
            self._revealing[device.id] = event
            try:
                self.coordinator.async_mark_doorbell(device.id)
            finally:
                del self._revealing[device.id]
        self._dispatch(device.id, event)
        return True

    @callback
    def _async_sensor_event(self, event: WebhookEvent) -> None:
        """Apply a sensor webhook to the device's status, then tell its entities."""
        data = self.coordinator.data or {}
        if event.device_id is None or event.device_id not in data:
            self.health.unknown_devices += 1
            self._async_refresh("unknown device")
            return
        self.health.sensor_events += 1
        self.coordinator.async_apply_sensor_event(event)
        self._dispatch(event.device_id, event)

    @callback
    def _dispatch(self, device_id: str, event: WebhookEvent) -> None:
        """Hand an event to every subscriber of its device."""
        for on_event in list(self._subscribers.get(device_id, ())):
            on_event(event)

    @callback
    def _async_online(self, event: WebhookEvent) -> None:
        """Apply device_online/device_offline at once, without polling."""
        if event.device_id is None:
            return
        self.coordinator.async_set_device_online(
            event.device_id, online=event.event_type is WebhookEventType.DEVICE_ONLINE
        )
        self._dispatch(event.device_id, event)

    @callback
    def _async_device_added(self, event: WebhookEvent) -> None:
        """Read the new device (one request, after the answer) and add its entities."""
        if (device_id := event.device_id) is None:
            return
        self.entry.async_create_background_task(
            self.hass,
            self._async_fetch_device(device_id, event),
            f"{DOMAIN} read added device",
        )

    async def _async_fetch_device(self, device_id: str, event: WebhookEvent) -> None:
        """Fetch one device with its includes (docs/webhooks.md#device-lifecycle-events)."""
        try:
            device = await self.coordinator.client.get_device(device_id)
        except RingPartnerNotFoundError:
            # Removed again before we asked; device_removed follows or came first.
            return
        except RingPartnerError as err:
            LOGGER.debug(
                "Added device unavailable (%s); refreshing", type(err).__name__
            )
            await self.coordinator.async_request_refresh()
            return
        self.coordinator.async_set_device(device)
        self._dispatch(device_id, event)

    @callback
    def _async_device_removed(self, event: WebhookEvent) -> None:
        """Drop the device and its entities at once; its endpoints answer 404 from now on."""
        if (device_id := event.device_id) is None:
            return
        self._dispatch(device_id, event)
        self.coordinator.async_remove_device(device_id)

    @callback
    def _async_refresh(self, reason: str) -> None:
        """Ask the coordinator for fresh device data (debounced; it adds/removes)."""
        self.entry.async_create_background_task(
            self.hass,
            self.coordinator.async_request_refresh(),
            f"{DOMAIN} refresh after {reason}",
        )

    @callback
    def _async_revoke(self) -> None:
        """Tokens are revoked: mark entities unavailable and ask the user to re-link.

        See docs/linking.md#unlinking.
        """
        self.health.integration_removed_at = dt_util.utcnow()
        LOGGER.warning(
            "The Ring app integration of %s was removed; link it again",
            self.entry.title,
        )
        self.coordinator.async_set_update_error(
            ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="authentication_error"
            )
        )
        self.entry.async_start_reauth(self.hass)
