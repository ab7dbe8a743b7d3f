"""Discord-style rate limits: bucket headers on every response, 429s on demand.

Each route (``"POST /channels/{channel_id}/messages"``, the spec's path template) is a bucket,
split by its major parameter (channel, guild, webhook/interaction) as Discord does. Responses
carry ``X-RateLimit-Limit/Remaining/Reset/Reset-After/Bucket`` so discord.py's pre-emptive
limiter runs as in production. A request over a bucket, over the optional global limit, or one
that a test forced with :meth:`RateLimiter.force` gets a 429 with ``retry_after`` in the body,
``Retry-After`` and ``Via`` headers (discord.py treats a 429 without ``Via`` as a Cloudflare ban).

Buckets refill in real (monotonic) time, not on the injectable clock, because clients sleep
``retry_after`` in real time. Defaults are generous so functional tests never wait;
:meth:`RateLimitConfig.realistic` applies Discord's usual per-channel message limits.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

MESSAGES = "POST /channels/{channel_id}/messages"
INTERACTION_CALLBACK = "POST /interactions/{interaction_id}/{interaction_token}/callback"
GLOBAL_EXEMPT_PREFIXES = ("POST /interactions/", "GET /webhooks/", "POST /webhooks/",
                          "PATCH /webhooks/", "DELETE /webhooks/")


@dataclass(frozen=True)
class BucketRule:
    limit: int
    window: float


@dataclass
class RateLimitConfig:
    """Per-route bucket sizes and an optional global requests-per-second limit."""

    default: BucketRule = field(default_factory=lambda: BucketRule(50, 1.0))
    routes: dict[str, BucketRule] = field(default_factory=dict)
    global_per_second: int | None = None

    @classmethod
    def realistic(cls) -> RateLimitConfig:
        """Discord's usual numbers: 5 messages per 5 s per channel, 50 requests/s globally."""
        five = BucketRule(5, 5.0)
        routes = {
            MESSAGES: five,
            "PATCH /channels/{channel_id}/messages/{message_id}": five,
            "DELETE /channels/{channel_id}/messages/{message_id}": BucketRule(5, 1.0),
            "POST /users/@me/channels": BucketRule(10, 10.0),
        }
        return cls(BucketRule(50, 1.0), routes, global_per_second=50)

    def rule(self, route: str) -> BucketRule:
        return self.routes.get(route, self.default)


@dataclass
class Forced:
    remaining: int
    retry_after: float
    is_global: bool


@dataclass
class Window:
    limit: int
    remaining: int
    reset_at: float


@dataclass(frozen=True)
class Decision:
    """Whether a request may proceed, and the headers (and 429 body) to answer with."""

    allowed: bool
    headers: dict[str, str]
    retry_after: float = 0.0
    is_global: bool = False
    forced: bool = False

    def body(self) -> dict[str, object]:
        return {"message": "You are being rate limited.", "retry_after": self.retry_after,
                "global": self.is_global, "code": 0}


@dataclass(frozen=True)
class Hit:
    """A 429 the server sent (``forced`` when a test asked for it)."""

    route: str
    retry_after: float
    is_global: bool
    forced: bool


class RateLimiter:
    """Tracks buckets and decides each request's fate."""

    def __init__(
        self, config: RateLimitConfig | None = None,
        monotonic: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time,
    ) -> None:
        self.config = config or RateLimitConfig()
        self._monotonic = monotonic
        self._wall = wall
        self._windows: dict[tuple[str, str], Window] = {}
        self._global: Window | None = None
        self._forced: dict[str, Forced] = {}
        self.hits: list[Hit] = []

    def force(
        self, route: str, count: int = 1, retry_after: float = 0.05, *, is_global: bool = False
    ) -> None:
        """Answer the next ``count`` requests of ``route`` with 429 (``"*"`` matches any route)."""
        self._forced[route] = Forced(count, retry_after, is_global)

    def check(self, route: str, major: str) -> Decision:
        forced = self._take_forced(route)
        if forced is not None:
            return self._reject(route, forced.retry_after, forced.is_global, forced=True)
        if self._global_exhausted(route):
            return self._reject(route, 1.0 / (self.config.global_per_second or 1), True, forced=False)
        window = self._window(route, major)
        now = self._monotonic()
        if window.remaining <= 0:
            return self._reject(route, max(window.reset_at - now, 0.001), False, forced=False,
                                headers=self._headers(route, window, now))
        window.remaining -= 1
        return Decision(True, self._headers(route, window, now))

    def _take_forced(self, route: str) -> Forced | None:
        for key in (route, "*"):
            forced = self._forced.get(key)
            if forced is not None and forced.remaining > 0:
                forced.remaining -= 1
                if forced.remaining == 0:
                    del self._forced[key]
                return forced
        return None

    def _global_exhausted(self, route: str) -> bool:
        per_second = self.config.global_per_second
        if per_second is None or route.startswith(GLOBAL_EXEMPT_PREFIXES):
            return False
        now = self._monotonic()
        if self._global is None or now >= self._global.reset_at:
            self._global = Window(per_second, per_second, now + 1.0)
        if self._global.remaining <= 0:
            return True
        self._global.remaining -= 1
        return False

    def _window(self, route: str, major: str) -> Window:
        now = self._monotonic()
        window = self._windows.get((route, major))
        if window is None or now >= window.reset_at:
            rule = self.config.rule(route)
            window = Window(rule.limit, rule.limit, now + rule.window)
            self._windows[(route, major)] = window
        return window

    def _headers(self, route: str, window: Window, now: float) -> dict[str, str]:
        after = max(window.reset_at - now, 0.0)
        return {
            "X-RateLimit-Limit": str(window.limit),
            "X-RateLimit-Remaining": str(window.remaining),
            "X-RateLimit-Reset": f"{self._wall() + after:.3f}",
            "X-RateLimit-Reset-After": f"{after:.3f}",
            "X-RateLimit-Bucket": bucket_hash(route),
        }

    def _reject(
        self, route: str, retry_after: float, is_global: bool, *, forced: bool,
        headers: dict[str, str] | None = None,
    ) -> Decision:
        out = dict(headers or {})
        out |= {"Retry-After": str(math.ceil(retry_after)), "Via": "1.1 google",
                "X-RateLimit-Scope": "global" if is_global else "user"}
        if is_global:
            out["X-RateLimit-Global"] = "true"
        self.hits.append(Hit(route, retry_after, is_global, forced))
        log.info("429 on %s (retry_after %.3fs, global=%s, forced=%s)", route, retry_after, is_global, forced)
        return Decision(False, out, retry_after, is_global, forced)


def bucket_hash(route: str) -> str:
    """A stable opaque bucket id per route, like Discord's ``X-RateLimit-Bucket``."""
    return hashlib.sha1(route.encode(), usedforsecurity=False).hexdigest()[:32]
