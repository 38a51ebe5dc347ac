"""Read each camera's event history on a schedule and fire what no webhook brought.

Ring's webhooks can be lost (a 404 while Home Assistant starts, a network hiccup, a delivery
Ring gave up on). Every round reads the motion and ding history of each online camera back to
the lateness limit and hands each entry to the hub as the event a webhook would have
delivered; the hub's ledger drops those a webhook (or an earlier round) already brought. The
first round runs right after setup and is the catch-up after a restart. See
docs/webhooks.md#reconciliation for the cost and the policy.
"""

from collections.abc import AsyncGenerator
from contextlib import aclosing
from datetime import datetime, timedelta
from typing import Final, cast

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from ..client import (
    Device,
    HistoryEvent,
    HistoryEventType,
    RingPartnerAuthenticationError,
    RingPartnerError,
    RingPartnerRateLimitError,
)
from ..const import DOMAIN, LOGGER
from ..coordinator import RingPartnerConfigEntry, consent_time
from .hub import RingPartnerPush, lateness_limit

# One round a minute: a lost webhook's event fires at most a minute (plus the round's own
# requests) after Ring lists it, inside the two minutes promised in the README. That is one
# history request per camera and minute (60 an hour) while webhooks flow: Ring allows 100
# requests a second per app (docs/ring-api.md#rate-limits).
RECONCILE_INTERVAL: Final = timedelta(minutes=1)
# After a 429 the pace halves per further 429, up to this; one round without 429 resets it.
MAX_BACKOFF: Final = timedelta(minutes=16)
# Pages read per camera and round; ten entries a page cover the default lateness limit unless a camera
# fires every 30 s, and the bound keeps a runaway history from costing more.
MAX_PAGES: Final = 3
# Ring's clock is not ours: entries this much older than the window still count (the ledger
# keeps them from firing twice).
CLOCK_SKEW: Final = timedelta(seconds=5)
# Timer jitter: a tick a little early still counts as a full interval.
TICK_SLACK: Final = timedelta(seconds=2)
HISTORY_TYPES: Final = (HistoryEventType.MOTION, HistoryEventType.DING)


class RingPartnerHistoryReconciler:
    """Read motion and ding history of every camera on a bounded schedule."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: RingPartnerConfigEntry,
        push: RingPartnerPush,
        interval: timedelta = RECONCILE_INTERVAL,
    ) -> None:
        """Initialize the reconciler for an entry's hub."""
        self._hass = hass
        self._entry = entry
        self._push = push
        self._interval = interval
        self._backoff: timedelta | None = None
        self._resume_at: datetime | None = None
        self._running = False

    @property
    def backoff(self) -> timedelta | None:
        """Return the current pause after a 429, or None at the normal pace."""
        return self._backoff

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Catch up now, then reconcile every interval; return the function that stops it."""
        self._async_tick(dt_util.utcnow())
        return async_track_time_interval(
            self._hass,
            self._async_tick,
            self._interval,
            name=f"{DOMAIN} history reconciliation",
            cancel_on_shutdown=True,
        )

    @callback
    def _async_tick(self, _now: datetime) -> None:
        """Start a round in the background (from the timer, and once at setup)."""
        if not self._due():
            return
        self._entry.async_create_background_task(
            self._hass, self.async_reconcile(), f"{DOMAIN} history reconciliation"
        )

    def _due(self) -> bool:
        """Return False while a round runs, the tokens are revoked or a 429 pause lasts."""
        if self._running or self._push.health.revoked:
            return False
        return self._resume_at is None or dt_util.utcnow() >= (
            self._resume_at - TICK_SLACK
        )

    async def async_reconcile(self) -> None:
        """Run one round now, unless one runs or a pause lasts."""
        if not self._due():
            return
        self._running = True
        await self._async_round(dt_util.utcnow())

    async def _async_round(self, now: datetime) -> None:
        """Read every eligible camera's recent history and fire what is new."""
        health = self._push.health
        floor = (
            max(now - lateness_limit(self._entry), consent_time(self._entry))
            - CLOCK_SKEW
        )
        try:
            for device in list((self._push.coordinator.data or {}).values()):
                if not _has_history(device):
                    continue
                health.history_requests += 1
                try:
                    entries = await self._async_read(device, floor)
                except RingPartnerRateLimitError as err:
                    self._async_back_off(now, err.retry_after)
                    return
                except RingPartnerAuthenticationError:
                    # The coordinator handles reauth; try again next round.
                    return
                except RingPartnerError as err:
                    LOGGER.debug("History of %s unavailable: %s", device.name, err)
                    continue
                for entry in sorted(entries, key=lambda item: item.start):
                    if (event := entry.as_event(self._entry.unique_id)) is not None:
                        self._push.async_fire(event)
            self._backoff = self._resume_at = None
        finally:
            health.history_polls += 1
            health.last_history_poll = now
            self._push.store.async_schedule_save()
            self._running = False

    async def _async_read(self, device: Device, floor: datetime) -> list[HistoryEvent]:
        """Return the device's motion and ding entries that started after `floor`."""
        found: list[HistoryEvent] = []
        client = self._push.coordinator.client
        # An async generator (typed as an iterator): closed at once when we stop early, so
        # no page beyond the floor is requested.
        pages = cast(
            "AsyncGenerator[HistoryEvent]",
            client.history_events(
                device.id, event_types=HISTORY_TYPES, max_pages=MAX_PAGES
            ),
        )
        async with aclosing(pages) as entries:
            async for entry in entries:
                if entry.start < floor:
                    # Newest first: everything after this is older still.
                    break
                if entry.event_type in HISTORY_TYPES:
                    found.append(entry)
        return found

    @callback
    def _async_back_off(self, now: datetime, retry_after: float | None) -> None:
        """Pause after a 429: double the pause each time, honour Retry-After."""
        self._backoff = min(
            MAX_BACKOFF, self._backoff * 2 if self._backoff else self._interval * 2
        )
        pause = max(self._backoff, timedelta(seconds=retry_after or 0))
        self._resume_at = now + pause
        LOGGER.info("Ring rate-limited history reads; next round in %s", pause)


def _has_history(device: Device) -> bool:
    """Return True for online devices that can have motion or ding history."""
    capabilities = device.capabilities
    if capabilities is None or (
        device.status is not None and device.status.online is False
    ):
        return False
    return device.has_video or capabilities.motion_detection
