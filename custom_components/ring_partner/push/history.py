"""Poll event history while Ring's webhooks do not arrive, so automations keep working.

History entries become the same typed events webhooks deliver (`HistoryEvent.as_event`) and
enter through the hub, whose ledger drops those a webhook already brought.
"""

from collections import deque
from datetime import datetime, timedelta
from typing import Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from ..client import (
    Device,
    HistoryEventType,
    RingPartnerAuthenticationError,
    RingPartnerError,
    RingPartnerRateLimitError,
)
from ..const import DOMAIN, LOGGER
from ..coordinator import RingPartnerConfigEntry
from .hub import RingPartnerPush

# Ring's clock is not ours: entries this much older than the window still count (ids and
# the match window keep them from firing twice).
CLOCK_SKEW: Final = timedelta(seconds=5)
# At most one history request per camera and minute.
FALLBACK_POLL_INTERVAL: Final = timedelta(minutes=1)
# An entry found later than this is old news: firing "doorbell rang" for it would mislead
# automations, so the fallback only fires what is at most a few polls old.
FALLBACK_MAX_AGE: Final = timedelta(minutes=5)
# Timer jitter: a tick a little early still counts as a minute.
POLL_SLACK: Final = timedelta(seconds=2)
FIRED_IDS: Final = 1024
HISTORY_TYPES: Final = (HistoryEventType.MOTION, HistoryEventType.DING)


class RingPartnerHistoryFallback:
    """Poll motion and ding history of each camera once a minute while webhooks are silent."""

    def __init__(
        self, hass: HomeAssistant, entry: RingPartnerConfigEntry, push: RingPartnerPush
    ) -> None:
        """Initialize the fallback for an entry's hub."""
        self._hass = hass
        self._entry = entry
        self._push = push
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
        health = self._push.health
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
        try:
            for device in list((self._push.coordinator.data or {}).values()):
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
        # One page, read to the end (no early break that would leave the generator open).
        new = [
            event
            async for event in self._push.coordinator.client.history_events(
                device.id, event_types=HISTORY_TYPES, max_pages=1
            )
            if event.start >= floor
            and event.event_type in HISTORY_TYPES
            and event.id not in self._fired
        ]
        new.sort(key=lambda event: event.start)
        for event in new:
            self._fired.append(event.id)
            if (recovered := event.as_event(self._entry.unique_id)) is not None:
                self._push.async_fire(recovered)


def _polls_history(device: Device) -> bool:
    """Return True for online devices that can have motion or ding history."""
    capabilities = device.capabilities
    if capabilities is None or (
        device.status is not None and device.status.online is False
    ):
        return False
    return device.has_video or capabilities.motion_detection
