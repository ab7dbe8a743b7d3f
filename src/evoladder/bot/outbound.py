"""The outbound queue: every message the bot sends on its own goes through here.

"On its own" means not as the answer to an interaction: notifications and DMs, admin-log posts,
edits of long-lived messages (a match's message, the searching view), deletions for /prune.

Why a queue at all
------------------
A matchmaking wave can create hundreds of matches at once, each needing two DMs and soon after two
edits. Sent naively, they would hit Discord's global limit (50 requests/s per bot) and the 429s
would also slow the interaction answers players are waiting for. So:

* **Interaction answers go first.** They never enter this queue: the interaction wrapper sends
  them directly, on the interaction's own task. discord.py sends them through its webhook adapter,
  which does not wait on the HTTP client's global lock and is not bound by the global limit
  (Discord exempts interaction endpoints), so a full queue cannot delay them. They are also never
  retried (see :mod:`evoladder.bot.transport`): Discord accepts exactly one initial response.
* **Paced under the global limit.** A token bucket feeds the workers. A token bucket lets through
  at most ``burst + rate * t`` requests in any ``t`` seconds, so ``rate + burst <= 50`` (the
  default: 45/s, burst 5; the rate is a setting) keeps every one-second window under Discord's
  global 50 requests/s: a global 429 would pause everything for a whole second, which is what
  made the last DMs of a big wave late. The last DM of a 1,000-player wave then goes out about
  22 s after the first, 1.1x the 20 s floor the global limit sets (DESIGN section 7, bench
  ``bench_delivery``). DM channels are remembered (see the notifier), so discord.py's own calls
  (command sync, a first DM-channel creation) are rare.
* **Ordered per bucket.** Jobs carry a bucket key (``channel:<id>`` — Discord's per-route limits
  are per channel for messages — or ``user:<uid>`` for a DM whose channel is not known yet). One
  job per bucket is in flight at a time, in submission order, so two edits of one message never
  overtake each other. Between buckets, lower :class:`Priority` values go first.
* **Honours 429 and the bucket headers.** The client's HTTP trace reports every response here
  (:meth:`Outbound.observe`): ``X-RateLimit-Remaining: 0`` parks the route's bucket until
  ``X-RateLimit-Reset-After``; a global 429 (``X-RateLimit-Scope: global``) pauses the whole queue
  for its ``Retry-After``. A job that fails with a rate limit (``discord.RateLimited``, raised by
  discord.py when ``retry_after`` exceeds the client's ``max_ratelimit_timeout``, or a 429 it gave
  up on) is put back at the front of its bucket and retried after ``retry_after``.
* **Drained on shutdown.** :meth:`Outbound.close` stops taking jobs and waits (bounded) until the
  queue is empty; whatever is left after the timeout is logged with its count.

What we rely on from discord.py's ``HTTPClient`` (and do not duplicate): for each request it keeps
per-bucket state from the ``X-RateLimit-*`` headers and waits before a request to an exhausted
bucket; it sleeps and retries a 429 up to 5 times when ``retry_after`` is short (global 429s block
all its requests until over); it retries 500/502/504/524 with a back-off. What this queue adds:
global pacing before requests are made, parking so that jobs of an exhausted bucket wait here
instead of occupying workers inside discord.py's bucket lock (head-of-line blocking), re-queueing
of long rate limits instead of blocking, ordering and priorities, and draining.

Failures never raise into the caller: :meth:`Outbound.submit` returns a future of a
:class:`Delivery`; a player who closed their DMs (403) is an INFO line, not an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import heapq
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Literal, Protocol

import aiohttp
import discord

from evoladder.logging_setup import event

log = logging.getLogger(__name__)

Scope = Literal["bucket", "global"]


class Priority(IntEnum):
    """Lower goes first when several buckets are ready."""

    URGENT = 0  # time-bound: match found, confirmation reminders, deadline warnings
    NORMAL = 1  # what a player waits for: details, results, replay status, message edits
    BULK = 2  # admin-log posts, /prune deletions


class RetryAfter(Exception):
    """Raised by an action (or mapped from discord.py's errors): try again after ``seconds``."""

    def __init__(self, seconds: float, scope: Scope = "bucket") -> None:
        super().__init__(f"retry after {seconds:.3f}s ({scope})")
        self.seconds = max(0.0, float(seconds))
        self.scope: Scope = scope


class Timer(Protocol):
    """Time for the queue: monotonic seconds and a sleep (tests drive a virtual one)."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class MonotonicTimer:
    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True, slots=True)
class Delivery:
    """How a job ended: ``ok`` with the action's ``value``, or the ``error`` that stopped it."""

    ok: bool
    value: Any = None
    error: BaseException | None = None
    attempts: int = 0


@dataclass(slots=True)
class OutboundStats:
    submitted: int = 0
    sent: int = 0
    failed: int = 0
    retried: int = 0
    dropped: int = 0
    # Responses Discord answered 429 (any request the HTTP trace saw), per scope: what /metrics
    # shows, since a 429 that is not rare means the pacing is wrong.
    rate_limited: int = 0
    rate_limited_global: int = 0


Action = Callable[[], Awaitable[Any]]
Then = Callable[[Any], Awaitable[None]]


@dataclass(slots=True)
class _Job:
    seq: int
    kind: str
    bucket: str
    priority: Priority
    action: Action
    idempotent: bool
    then: Then | None
    future: asyncio.Future[Delivery]
    attempts: int = 0


_EPSILON = 1e-9
_IN_JOB: contextvars.ContextVar[bool] = contextvars.ContextVar("outbound_in_job", default=False)


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = float(burst)
        self._tokens = float(burst)
        self._stamp = now

    def _refill(self, now: float) -> None:
        if now > self._stamp:
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now

    def delay(self, now: float) -> float:
        """Seconds until a token is available (0 when one is).

        A token short by a rounding error counts as there: waiting 1e-17 s would not even move
        a large clock value forward.
        """
        self._refill(now)
        missing = 1.0 - self._tokens
        return 0.0 if missing <= _EPSILON else missing / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self._tokens -= 1.0


_API_PREFIX = re.compile(r"^/api(?:/v\d+)?")
_CHANNEL_ROUTE = re.compile(r"^/channels/(\d+)")


def bucket_of_path(path: str) -> str | None:
    """The queue's bucket key for a REST path, or None for routes the queue does not send.

    Discord's message routes are limited per channel (the "major parameter"), so the channel id
    is the bucket. Interaction and webhook routes are the wrapper's, not the queue's.
    """
    match = _CHANNEL_ROUTE.match(_API_PREFIX.sub("", path, count=1))
    return f"channel:{match.group(1)}" if match else None


def channel_bucket(channel_id: int) -> str:
    return f"channel:{channel_id}"


def user_bucket(discord_uid: int) -> str:
    return f"user:{discord_uid}"


class Outbound:
    """Paced, ordered, rate-limit-aware delivery of the bot's own messages.

    ``start()`` runs the dispatcher; ``close()`` drains it. ``submit()`` may be called from any
    task of the loop and returns at once.
    """

    def __init__(
        self,
        *,
        rate: float = 45.0,
        burst: int = 5,
        concurrency: int = 8,
        max_attempts: int = 5,
        timer: Timer | None = None,
    ) -> None:
        self._timer: Timer = timer or MonotonicTimer()
        self._tokens = TokenBucket(rate, burst, self._timer.now())
        self._slots = asyncio.Semaphore(concurrency)
        self._max_attempts = max_attempts
        self._seq = 0
        self._pending: dict[str, deque[_Job]] = {}
        self._ready: list[tuple[int, int, str]] = []  # (priority, seq, bucket) of eligible heads
        self._parked: dict[str, float] = {}  # bucket -> monotonic time it may send again
        self._park_heap: list[tuple[float, str]] = []
        self._busy: set[str] = set()
        self._aliases: dict[str, str] = {}  # route bucket (channel:<id>) -> job bucket (user:<uid>)
        self._global_until = 0.0
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._dispatcher: asyncio.Task[None] | None = None
        self._closing = False
        self.stats = OutboundStats()

    # -- public API ---------------------------------------------------------------------

    @property
    def pending(self) -> int:
        return sum(len(q) for q in self._pending.values())

    @property
    def in_flight(self) -> int:
        return len(self._busy)

    def start(self) -> None:
        if self._dispatcher is None:
            self._dispatcher = asyncio.get_running_loop().create_task(self._dispatch(), name="outbound")

    def submit(
        self,
        action: Action,
        *,
        bucket: str,
        kind: str,
        priority: Priority = Priority.NORMAL,
        idempotent: bool = False,
        then: Then | None = None,
    ) -> asyncio.Future[Delivery]:
        """Queue ``action`` (a coroutine function doing one Discord call) and return at once.

        ``idempotent`` actions (edits, deletes) are also retried after server errors and dropped
        connections; others (a new message) are not, since a retry could post it twice. ``then``
        runs once after success with the action's value (e.g. to store the message id); its
        failure is logged and does not retry the action.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Delivery] = loop.create_future()
        # While draining, a job may still queue its follow-up (e.g. an edit that finds no message
        # to edit sends one instead); anyone else is refused.
        if self._closing and not _IN_JOB.get():
            self.stats.dropped += 1
            event(log, "outbound.dropped", logging.WARNING, kind=kind, bucket=bucket, reason="closing")
            future.set_result(Delivery(False, error=RuntimeError("outbound queue is closed")))
            return future
        self._seq += 1
        job = _Job(self._seq, kind, bucket, priority, action, idempotent, then, future)
        queue = self._pending.setdefault(bucket, deque())
        queue.append(job)
        self.stats.submitted += 1
        if len(queue) == 1:
            self._make_ready(bucket)
        self._wake.set()
        return future

    def alias(self, route_bucket: str, job_bucket: str) -> None:
        """Route-level facts about ``route_bucket`` (e.g. ``channel:<dm id>``) apply to ``job_bucket``.

        DMs are submitted under ``user:<uid>`` before their channel id is known; once it is, rate
        limit headers seen for the channel park the user's bucket.
        """
        self._aliases[route_bucket] = job_bucket

    def observe(self, method: str, path: str, status: int, headers: Mapping[str, str]) -> None:
        """Learn from a response the HTTP layer saw (called by the client's HTTP trace)."""
        now = self._timer.now()
        scope = (headers.get("X-RateLimit-Scope") or "").lower()
        is_global = scope == "global" or (headers.get("X-RateLimit-Global") or "").lower() == "true"
        if status == 429:
            if is_global:
                self.stats.rate_limited_global += 1
            else:
                self.stats.rate_limited += 1
        if status == 429 and is_global:
            seconds = _float(headers.get("Retry-After"), 1.0)
            self._global_until = max(self._global_until, now + seconds)
            event(log, "outbound.global_limit", logging.WARNING, retry_after=seconds)
            return
        bucket = bucket_of_path(path)
        if bucket is None:
            return
        bucket = self._aliases.get(bucket, bucket)
        if status == 429:
            self._park(bucket, now + _float(headers.get("Retry-After"), 1.0))
        elif headers.get("X-RateLimit-Remaining") == "0":
            self._park(bucket, now + _float(headers.get("X-RateLimit-Reset-After"), 0.0))

    async def close(self, grace: float = 10.0) -> int:
        """Stop taking jobs, send what is queued (up to ``grace`` s); returns how many were lost."""
        self._closing = True
        self._wake.set()
        lost = 0
        if self._dispatcher is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._dispatcher), grace)
            except TimeoutError:
                self._dispatcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._dispatcher
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for queue in self._pending.values():
            for job in queue:
                lost += 1
                if not job.future.done():
                    job.future.set_result(Delivery(False, error=RuntimeError("not sent before shutdown")))
        self._pending.clear()
        self.stats.dropped += lost
        event(
            log,
            "outbound.closed",
            logging.WARNING if lost else logging.INFO,
            sent=self.stats.sent,
            failed=self.stats.failed,
            lost=lost,
        )
        return lost

    # -- the dispatcher -------------------------------------------------------------------

    async def _dispatch(self) -> None:
        while True:
            job = await self._next_job()
            if job is None:
                return
            try:
                await self._pace()
                await self._slots.acquire()
            except asyncio.CancelledError:  # close() gave up: the job counts as not sent
                self._busy.discard(job.bucket)
                self._pending.setdefault(job.bucket, deque()).appendleft(job)
                raise
            task = asyncio.get_running_loop().create_task(self._run(job), name=f"outbound:{job.kind}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _next_job(self) -> _Job | None:
        while True:
            self._wake.clear()
            now = self._timer.now()
            self._unpark_due(now)
            while self._ready:
                _, seq, bucket = heapq.heappop(self._ready)
                queue = self._pending.get(bucket)
                if not queue or queue[0].seq != seq or bucket in self._busy or bucket in self._parked:
                    continue  # stale entry: the head changed or the bucket is not eligible
                job = queue.popleft()
                if not queue:
                    del self._pending[bucket]
                self._busy.add(bucket)
                return job
            if self._closing and not self._pending and not self._busy:
                return None
            next_unpark = self._park_heap[0][0] - now if self._park_heap else None
            await self._sleep_or_wake(next_unpark)

    async def _sleep_or_wake(self, seconds: float | None) -> None:
        if seconds is None:
            await self._wake.wait()
            return
        loop = asyncio.get_running_loop()
        sleeper = loop.create_task(self._timer.sleep(max(seconds, 0.0)))
        waker = loop.create_task(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()

    async def _pace(self) -> None:
        """Wait for a global pause to end and for a token of the global pacing bucket."""
        while True:
            now = self._timer.now()
            if now < self._global_until:
                await self._timer.sleep(self._global_until - now)
                continue
            delay = self._tokens.delay(now)
            if delay <= 0:
                self._tokens.take(now)
                return
            await self._timer.sleep(delay)

    async def _run(self, job: _Job) -> None:
        job.attempts += 1
        _IN_JOB.set(True)  # this task's own context: seen by submit() calls made by the action
        try:
            value = await job.action()
        except asyncio.CancelledError:
            self._busy.discard(job.bucket)
            self._slots.release()
            if not job.future.done():
                job.future.set_result(Delivery(False, error=RuntimeError("cancelled"), attempts=job.attempts))
            raise
        except Exception as exc:
            self._failed_attempt(job, exc)
        else:
            self.stats.sent += 1
            job.future.set_result(Delivery(True, value=value, attempts=job.attempts))
            if job.then is not None:
                try:
                    await job.then(value)
                except Exception:
                    log.exception("outbound.then_failed", extra={"fields": {"kind": job.kind}})
        finally:
            if job.bucket in self._busy:
                self._busy.discard(job.bucket)
                self._slots.release()
                if job.bucket in self._pending:
                    self._make_ready(job.bucket)
            self._wake.set()

    def _failed_attempt(self, job: _Job, exc: Exception) -> None:
        retry = _retry_of(exc, job)
        fields: dict[str, Any] = {"kind": job.kind, "bucket": job.bucket, "attempt": job.attempts}
        if retry is not None and job.attempts < self._max_attempts:
            self.stats.retried += 1
            now = self._timer.now()
            if retry.scope == "global":
                self._global_until = max(self._global_until, now + retry.seconds)
            else:
                self._park(job.bucket, now + retry.seconds)
            self._pending.setdefault(job.bucket, deque()).appendleft(job)
            after = round(retry.seconds, 3)
            event(log, "outbound.retry", logging.INFO, **fields, after=after, scope=retry.scope)
            return
        self.stats.failed += 1
        if isinstance(exc, discord.Forbidden | discord.NotFound):
            # A player who closed their DMs, a message already deleted: expected, not a fault.
            event(log, "outbound.undeliverable", logging.INFO, **fields, status=exc.status, code=exc.code)
        else:
            log.error("outbound.failed", exc_info=exc, extra={"fields": fields})
        job.future.set_result(Delivery(False, error=exc, attempts=job.attempts))

    # -- buckets ----------------------------------------------------------------------------

    def _make_ready(self, bucket: str) -> None:
        queue = self._pending.get(bucket)
        if queue and bucket not in self._busy and bucket not in self._parked:
            head = queue[0]
            heapq.heappush(self._ready, (head.priority, head.seq, bucket))

    def _park(self, bucket: str, until: float) -> None:
        if until <= self._timer.now():
            return
        if until > self._parked.get(bucket, 0.0):
            self._parked[bucket] = until
            heapq.heappush(self._park_heap, (until, bucket))

    def _unpark_due(self, now: float) -> None:
        while self._park_heap and self._park_heap[0][0] <= now:
            until, bucket = heapq.heappop(self._park_heap)
            if self._parked.get(bucket) == until:
                del self._parked[bucket]
                self._make_ready(bucket)


@dataclass(frozen=True, slots=True)
class _Retry:
    seconds: float
    scope: Scope = "bucket"


def _retry_of(exc: BaseException, job: _Job) -> _Retry | None:
    """Whether (and when) a failed attempt may be repeated."""
    if isinstance(exc, RetryAfter):
        return _Retry(exc.seconds, exc.scope)
    if isinstance(exc, discord.RateLimited):
        return _Retry(exc.retry_after)
    if isinstance(exc, discord.HTTPException) and exc.status == 429:
        headers = getattr(exc.response, "headers", {}) or {}
        scope: Scope = "global" if (headers.get("X-RateLimit-Scope") or "").lower() == "global" else "bucket"
        return _Retry(_float(headers.get("Retry-After"), 1.0), scope)
    transient = isinstance(
        exc, discord.DiscordServerError | aiohttp.ClientError | OSError | TimeoutError
    ) and not isinstance(exc, discord.Forbidden | discord.NotFound)
    if transient and job.idempotent:
        return _Retry(min(30.0, 0.5 * 2 ** (job.attempts - 1)))
    return None


def _float(value: str | None, default: float) -> float:
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default


@dataclass(slots=True)
class TraceHooks:
    """An aiohttp trace that reports every REST response to :meth:`Outbound.observe`.

    Passed to the client as ``http_trace``, it sees discord.py's own requests too, so a bucket
    exhausted by any request (or a global 429) holds the queue back before it adds to the problem.
    """

    outbound: Outbound
    config: aiohttp.TraceConfig = field(default_factory=aiohttp.TraceConfig)

    def __post_init__(self) -> None:
        self.config.on_request_end.append(self._on_end)

    async def _on_end(
        self, _session: aiohttp.ClientSession, _ctx: object, params: aiohttp.TraceRequestEndParams
    ) -> None:
        response = params.response
        self.outbound.observe(params.method, params.url.path, response.status, response.headers)
