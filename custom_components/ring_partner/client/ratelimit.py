"""Client-side rate limiting: Ring allows 100 requests/second per client id.

See docs/ring-api.md#rate-limits.
"""

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

from .const import DEFAULT_RATE_LIMIT, DEFAULT_RATE_PERIOD


class RateLimiter:
    """Sliding-window limiter: at most `rate` request starts in any `period` seconds.

    A slot is reserved synchronously before sleeping, so no lock is needed and the
    limiter is safe to share between tasks (and between event loops in tests).
    """

    def __init__(
        self,
        rate: int = DEFAULT_RATE_LIMIT,
        period: float = DEFAULT_RATE_PERIOD,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Initialize the limiter with its budget and injectable clock and sleep.

        The default clock is the running loop's, the one `asyncio.sleep` waits on: a pause
        measured on another clock could end early or never.
        """
        if rate < 1 or period <= 0:
            msg = "rate must be >= 1 and period > 0"
            raise ValueError(msg)
        self.rate = rate
        self.period = period
        self._clock = clock or _loop_time
        self._sleep = sleep
        self._starts: deque[float] = deque(maxlen=rate)

    def reserve(self) -> float:
        """Reserve the next slot and return how long to wait before using it."""
        now = self._clock()
        start = now
        if len(self._starts) == self.rate:
            start = max(now, self._starts[0] + self.period)
        self._starts.append(start)
        return start - now

    async def acquire(self) -> None:
        """Wait until a request may start."""
        delay = self.reserve()
        if delay > 0:
            await self._sleep(delay)


def _loop_time() -> float:
    """Return the running event loop's clock."""
    return asyncio.get_running_loop().time()


class RateLimiters:
    """One limiter per Ring app (client id), shared by every account linked through it.

    The owner keeps it for the life of its event loop (Home Assistant: in `hass.data`), so
    no limiter outlives the loop whose clock it measures on.
    """

    def __init__(self) -> None:
        """Initialize with no limiter yet."""
        self._by_client: dict[str, RateLimiter] = {}

    def get(self, client_id: str) -> RateLimiter:
        """Return the limiter of one Ring app, made on first use."""
        limiter = self._by_client.get(client_id)
        if limiter is None:
            limiter = self._by_client[client_id] = RateLimiter()
        return limiter
