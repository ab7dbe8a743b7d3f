"""Per-client token buckets: a crawler gets 429 with Retry-After instead of the bot's time.

Each client (its address, or the first X-Forwarded-For hop behind a trusted proxy) has a bucket of
``burst`` tokens refilled at ``rate`` per second; a request takes one. Buckets of the most recent
``max_clients`` clients are kept (the oldest is forgotten first, and a forgotten client simply
starts again with a full bucket), so memory stays bounded whatever the traffic.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._max = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at

    def take(self, client: str) -> float:
        """Take one token; 0 when allowed, else the seconds until one is available."""
        now = self._clock()
        tokens, at = self._buckets.pop(client, (self._burst, now))
        tokens = min(self._burst, tokens + (now - at) * self._rate)
        if tokens >= 1.0:
            self._put(client, tokens - 1.0, now)
            return 0.0
        self._put(client, tokens, now)
        return (1.0 - tokens) / self._rate

    def _put(self, client: str, tokens: float, now: float) -> None:
        self._buckets[client] = (tokens, now)
        if len(self._buckets) > self._max:
            self._buckets.popitem(last=False)


def retry_after_header(seconds: float) -> str:
    """Whole seconds, at least 1 (the header takes integers)."""
    return str(max(1, math.ceil(seconds)))
