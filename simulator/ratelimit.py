"""Rate limiting per partner client id (docs/ring-api.md#rate-limits).

Sliding one-second window (the window is not documented; docs/ring-api.md#rate-limits says "presumably 1 s"),
`config.rate_limit` requests per second per client id across all `/v1/` endpoints and all
accounts, measured on the real monotonic clock. Every counted response carries
`X-RateLimit-Limit` and `X-RateLimit-Remaining`; over the limit the answer is 429
`Rate Limit Exceeded` with `Retry-After` (whole seconds). Requests without a valid bearer are
not counted (they cannot be attributed to a client id), and Playground tokens are exempt
(sandbox: no rate limits, docs/ring-api.md#rate-limits). The middleware lives in `middleware.py`.
"""

from collections import deque
from collections.abc import Callable
import time

WINDOW_S = 1.0


class RateLimiter:
    """Counts requests per key in a sliding window."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        """Create an empty limiter."""
        self._monotonic = monotonic
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str, limit: int) -> tuple[bool, int, float]:
        """Count one request; return (allowed, remaining, retry_after seconds)."""
        now = self._monotonic()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - WINDOW_S:
            hits.popleft()
        if len(hits) >= limit:
            return False, 0, hits[0] + WINDOW_S - now
        hits.append(now)
        return True, limit - len(hits), 0.0

    def reset(self) -> None:
        """Forget all counts."""
        self._hits.clear()
