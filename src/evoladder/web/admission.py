"""Admission of web requests onto the bot's event loop: the bot first, a crawler never ahead of it.

The web runs on the bot's event loop (DESIGN section 12), whose ready callbacks run first come,
first served. Every web request that is being worked on puts callbacks in that queue, and every
step of a bot interaction (the gateway frame, the handler, the HTTP reply to Discord) waits
behind them. Measured with a load generator saturating the site (``bench_web``), making requests
cheaper did not help: the web then served more and the loop stayed as busy. What bounds the
bot's wait is how much web work the loop is given, so admission is tied to the loop, not to a
request's price:

- **A global rate** (``rate`` requests a second, ``EVOLADDER_WEB_GLOBAL_RATE``): requests start
  spaced by ``1/rate`` (a token bucket of ``burst`` tokens, 2 by default), so the web takes at
  most a bounded share of the loop however many clients hammer it, and its work is spread
  evenly instead of arriving in bursts that a bot step queues behind. The default (2,000/s) is
  four times the site's budget (500 requests/s) and well under what one core serves (~5,000/s
  of page-cache hits).
- **Concurrency** (``concurrency``, ``EVOLADDER_WEB_MAX_CONCURRENCY``): at most that many
  requests are worked on at once.
- **The bot first**: while the bot has an interaction in flight (``bot_busy``: from the parse of
  its gateway frame until the wrapper has answered), no new web request starts; requests
  already started finish. A request is held for the bot at most ``max_hold`` seconds, so a busy
  ladder slows its site down but never shuts it.
- **Waiting is free, refusing is cheap**: a request that may not start yet waits on a future
  (no loop work until it is woken). When more than ``max_waiting`` are waiting
  (``EVOLADDER_WEB_MAX_WAITING``), a new one is refused at once (the site answers 503 with
  Retry-After) instead of holding an unbounded number of connections.

Clients that hammer from one address meet the per-client rate limit first
(:mod:`evoladder.web.ratelimit`, 429); this gate is for the sum of all clients. The health
checks and the metrics do not pass through it (the operator's probes must answer while the site
is saturated).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Protocol

DEFAULT_RATE = 2000.0
DEFAULT_BURST = 2.0
DEFAULT_MAX_WAITING = 256
DEFAULT_MAX_HOLD = 0.05  # seconds a request waits for the bot at most
BOT_POLL = 0.001  # while the bot is busy, how often the gate looks again
MIN_DELAY = 1e-6  # a timer always moves time on (float rounding could leave it due at once)


class Saturated(Exception):
    """Too many requests are waiting: refuse this one (503) and say when to come back."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"the site is saturated; retry after {retry_after:.1f} s")
        self.retry_after = retry_after


class Timer(Protocol):
    def cancel(self) -> None: ...


Later = Callable[[float, Callable[[], None]], Timer]


class Admission:
    """The gate every web request but the health checks passes (see the module's docstring).

    ``clock`` and ``later`` (run a callback after a delay) default to the running loop's; tests
    give their own to step time by hand.
    """

    def __init__(
        self,
        *,
        rate: float = DEFAULT_RATE,
        concurrency: int = 2,
        max_waiting: int = DEFAULT_MAX_WAITING,
        burst: float = DEFAULT_BURST,
        bot_busy: Callable[[], bool] = lambda: False,
        max_hold: float = DEFAULT_MAX_HOLD,
        clock: Callable[[], float] | None = None,
        later: Later | None = None,
    ) -> None:
        if rate <= 0 or concurrency < 1 or max_waiting < 0 or burst < 1:
            raise ValueError("admission needs a positive rate and burst, and at least one slot")
        self.rate = rate
        self.concurrency = concurrency
        self.max_waiting = max_waiting
        self._burst = burst
        self._bot_busy = bot_busy
        self._max_hold = max_hold
        self._clock = clock
        self._later = later
        self._tokens = burst
        self._at: float | None = None
        self.running = 0
        self._waiting: deque[tuple[float, asyncio.Future[None]]] = deque()
        self._timer: Timer | None = None

    # -- what the middleware calls ---------------------------------------------------------------

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot for the body of the ``async with``; raises :class:`Saturated` at once
        when too many are waiting."""
        ticket = self.enter()
        if ticket is not None:
            try:
                await ticket
            except asyncio.CancelledError:
                # The client went away while waiting; if the slot was granted meanwhile, give it back.
                if ticket.done() and not ticket.cancelled():
                    self.leave()
                raise
        try:
            yield
        finally:
            self.leave()

    def enter(self) -> asyncio.Future[None] | None:
        """Take a slot now (None) or a future that resolves when one is granted."""
        now = self._now()
        if not self._waiting and self._may_start(now, held_since=now):
            self._start(now)
            return None
        if len(self._waiting) >= self.max_waiting:
            raise Saturated(max(1.0, len(self._waiting) / self.rate))
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((now, future))
        self._pump()
        return future

    def leave(self) -> None:
        self.running -= 1
        self._pump()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    # -- the gate --------------------------------------------------------------------------------

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    def _refill(self, now: float) -> None:
        if self._at is not None:
            self._tokens = min(self._burst, self._tokens + (now - self._at) * self.rate)
        self._at = now

    def _may_start(self, now: float, held_since: float) -> bool:
        if self.running >= self.concurrency:
            return False
        self._refill(now)
        if self._tokens < 1.0 - 1e-9:  # float sums of (now - at) * rate
            return False
        return not (self._bot_busy() and now < held_since + self._max_hold)

    def _start(self, now: float) -> None:
        self._tokens -= 1.0
        self.running += 1

    def _pump(self) -> None:
        """Grant slots to the waiting requests in order while the gate allows; otherwise look
        again when it may (the next token, or shortly while the bot is busy)."""
        now = self._now()
        while self._waiting:
            since, future = self._waiting[0]
            if future.done():  # cancelled while waiting
                self._waiting.popleft()
                continue
            if not self._may_start(now, held_since=since):
                break
            self._waiting.popleft()
            self._start(now)
            future.set_result(None)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._waiting or self.running >= self.concurrency:
            return  # a request that finishes pumps again
        if self._tokens < 1.0 - 1e-9:
            delay = (1.0 - self._tokens) / self.rate
        else:  # held for the bot
            delay = min(BOT_POLL, self._waiting[0][0] + self._max_hold - now)
        self._timer = self._schedule(max(MIN_DELAY, delay))

    def _schedule(self, delay: float) -> Timer:
        def fire() -> None:
            self._timer = None
            self._pump()

        if self._later is not None:
            return self._later(delay, fire)
        return asyncio.get_running_loop().call_later(delay, fire)
