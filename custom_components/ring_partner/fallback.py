"""Poll event history while Ring's webhooks do not arrive, so automations keep working."""

from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .client import (
    Device,
    HistoryEvent,
    HistoryEventType,
    RingPartnerAuthenticationError,
    RingPartnerError,
    RingPartnerRateLimitError,
    WebhookEvent,
    WebhookEventType,
)
from .const import DOMAIN, LOGGER
from .coordinator import RingPartnerConfigEntry

# Ring's clock is not ours: entries this much older than the window still count (ids and
# the match window keep them from firing twice).
CLOCK_SKEW: Final = timedelta(seconds=5)
# Issue 5: at most one history request per camera and minute.
FALLBACK_POLL_INTERVAL: Final = timedelta(minutes=1)
# An entry found later than this is old news: firing "doorbell rang" for it would mislead
# automations, so the fallback only fires what is at most a few polls old.
FALLBACK_MAX_AGE: Final = timedelta(minutes=5)
# History ids differ from webhook ids (§5, §6.5), so the same event is recognised by device,
# kind and time; Ring stamps both from the same event start.
MATCH_WINDOW: Final = timedelta(seconds=5)
# Timer jitter: a tick a little early still counts as a minute.
POLL_SLACK: Final = timedelta(seconds=2)
RECENT_PER_DEVICE: Final = 32
FIRED_IDS: Final = 1024
HISTORY_TYPES: Final = (HistoryEventType.MOTION, HistoryEventType.DING)


class RecentEvents:
    """Remember recently fired motion/ding events per device, from webhooks and history."""

    def __init__(self) -> None:
        """Initialize an empty log."""
        self._events: dict[str, deque[tuple[str, datetime, bool]]] = {}

    def matches(
        self, device_id: str, kind: str, when: datetime, *, from_history: bool
    ) -> bool:
        """Return True when the other source (or history itself) already fired this event.

        Webhooks are deduplicated by id in the receiver, so a webhook only matches entries
        fired from history; a history entry matches anything fired around its time.
        """
        return any(
            seen_kind == kind
            and abs(seen_when - when) <= MATCH_WINDOW
            and (from_history or seen_history)
            for seen_kind, seen_when, seen_history in self._events.get(device_id, ())
        )

    def add(
        self, device_id: str, kind: str, when: datetime, *, from_history: bool
    ) -> None:
        """Record a fired event."""
        self._events.setdefault(device_id, deque(maxlen=RECENT_PER_DEVICE)).append(
            (kind, when, from_history)
        )


def history_to_webhook_event(
    event: HistoryEvent, account_id: str | None
) -> WebhookEvent:
    """Describe a history entry as the webhook Ring would have sent (no subtype in §5)."""
    event_type = (
        WebhookEventType.BUTTON_PRESS
        if event.event_type is HistoryEventType.DING
        else WebhookEventType.MOTION_DETECTED
    )
    return WebhookEvent(
        version=None,
        sent_at=None,
        request_id=f"history:{event.id}",
        account_id=account_id,
        event_id=event.id,
        event_type=event_type,
        type_name=event_type.value,
        source=event.device_id,
        source_type="devices",
        device_id=event.device_id,
        timestamp=event.start,
    )


class RingPartnerHistoryFallback:
    """Poll motion and ding history of each camera once a minute while webhooks are silent."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: RingPartnerConfigEntry,
        fire: Callable[[WebhookEvent], bool],
    ) -> None:
        """Initialize the fallback; `fire` applies an event and returns True if it fired."""
        self._hass = hass
        self._entry = entry
        self._fire = fire
        self._started = dt_util.utcnow()
        self._since: datetime | None = None
        self._fired: deque[str] = deque(maxlen=FIRED_IDS)
        self._polling = False

    @property
    def active(self) -> bool:
        """Return True while the fallback polls history."""
        return self._since is not None

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Start the once-a-minute check; return the function that stops it."""
        return async_track_time_interval(
            self._hass,
            self._async_tick,
            FALLBACK_POLL_INTERVAL,
            name=f"{DOMAIN} history fallback",
            cancel_on_shutdown=True,
        )

    @callback
    def _async_tick(self, _now: datetime) -> None:
        """Poll when webhooks are silent; stop as soon as they flow again."""
        now = dt_util.utcnow()
        health = self._entry.runtime_data.health
        if health.revoked or health.is_receiving(now):
            if self._since is not None:
                LOGGER.info("Ring webhooks arrive again; history polling stopped")
            self._since = None
            return
        if self._since is None:
            # Events before the last webhook (or before setup) were delivered or are old.
            self._since = max(self._started, health.last_received or self._started)
            LOGGER.info("No Ring webhooks lately; polling event history every minute")
        last = health.last_history_poll
        if self._polling or (
            last is not None and now - last < FALLBACK_POLL_INTERVAL - POLL_SLACK
        ):
            return
        self._polling = True
        health.history_polls += 1
        health.last_history_poll = now
        self._entry.async_create_background_task(
            self._hass, self._async_poll(now), f"{DOMAIN} history fallback poll"
        )

    async def _async_poll(self, now: datetime) -> None:
        """Fetch new history entries of every eligible camera and fire them."""
        runtime = self._entry.runtime_data
        try:
            for device in list((runtime.coordinator.data or {}).values()):
                if not _polls_history(device) or self._since is None:
                    continue
                try:
                    await self._async_poll_device(
                        device, max(self._since, now - FALLBACK_MAX_AGE) - CLOCK_SKEW
                    )
                except RingPartnerAuthenticationError, RingPartnerRateLimitError:
                    # The coordinator handles reauth and backoff; try again next minute.
                    return
                except RingPartnerError as err:
                    LOGGER.debug("History of %s unavailable: %s", device.name, err)
        finally:
            self._polling = False

    async def _async_poll_device(self, device: Device, floor: datetime) -> None:
        """Fire the device's history entries newer than `floor`, oldest first."""
        runtime = self._entry.runtime_data
        # One page, read to the end (no early break that would leave the generator open).
        new = [
            event
            async for event in runtime.client.history_events(
                device.id, event_types=HISTORY_TYPES, max_pages=1
            )
            if event.start >= floor
            and event.event_type in HISTORY_TYPES
            and event.id not in self._fired
        ]
        new.sort(key=lambda event: event.start)
        for event in new:
            self._fired.append(event.id)
            if self._fire(history_to_webhook_event(event, self._entry.unique_id)):
                runtime.health.history_events += 1


def _polls_history(device: Device) -> bool:
    """Return True for online devices that can have motion or ding history."""
    capabilities = device.capabilities
    if capabilities is None or (
        device.status is not None and device.status.online is False
    ):
        return False
    return capabilities.has_video or capabilities.motion_detection
