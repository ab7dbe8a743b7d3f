"""Runs the deadlines and reminders kept in ``scheduled_jobs``, surviving restarts.

The database is the only schedule: nothing is armed only in memory. ``start()`` re-arms by running
every job that fell due while the bot was down and then waits for the next ``due_at`` (or a
``wake()`` from a service that just added or moved jobs; or, at the latest, ``idle_seconds`` so
jobs written by another process are found too). A job is executed by its handler, which claims
the row (``done_at`` compare-and-set) in the same transaction as its effect: a crash before the
commit leaves the job pending, so it runs again after the restart; a crash after it leaves it done,
so it never runs twice.

A handler that raises leaves the job pending; it is retried after ``retry_after`` (kept in memory:
after a restart it is simply retried at once). Tests drive the scheduler with ``run_due()`` and a
fake clock instead of waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from evoladder.logging_setup import event
from evoladder.services.ports import Clock
from evoladder.store.repositories.jobs import Job
from evoladder.store.uow import Database

log = logging.getLogger(__name__)

JobHandler = Callable[[Job], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]
PRUNE_EVERY = timedelta(hours=1)


class Scheduler:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        batch: int = 500,
        retry_after: timedelta = timedelta(seconds=30),
        idle_seconds: float = 30.0,
        keep_done: timedelta = timedelta(days=7),
        sleep: Sleep | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._batch = batch
        self._retry_after = retry_after
        self._idle = idle_seconds
        self._keep_done = keep_done
        self._handlers: dict[str, JobHandler] = {}
        self._backoff: dict[int, datetime] = {}
        self._poke = asyncio.Event()
        self._stopping = asyncio.Event()
        self._sleep: Sleep = sleep or self._wait_for_poke
        self._task: asyncio.Task[None] | None = None
        self._running = asyncio.Lock()
        self._pruned_at: datetime | None = None

    def register(self, handlers: Mapping[str, JobHandler]) -> None:
        self._handlers.update(handlers)

    def wake(self) -> None:
        """Jobs were added or moved: look at the schedule again now."""
        self._poke.set()

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> int:
        """Re-arm: run what fell due while stopped, then keep running. Returns the pending count."""
        pruned = await self.prune()
        async with self._db.read() as uow:
            pending = await uow.jobs.pending_count()
        event(log, "scheduler.start", pending=pending, pruned=pruned)
        await self.run_due()
        self._stopping.clear()
        self._task = asyncio.create_task(self._loop(), name="scheduler")
        return pending

    async def prune(self) -> int:
        """Delete jobs finished more than ``keep_done`` ago (at start, then about hourly)."""
        now = self._clock.now()
        async with self._db.transaction() as uow:
            pruned = await uow.jobs.prune_done(now - self._keep_done)
        self._pruned_at = now
        return pruned

    async def stop(self) -> None:
        """Stop after the job in progress (if any) has finished."""
        self._stopping.set()
        self._poke.set()
        if self._task is not None:
            await self._task
            self._task = None
        event(log, "scheduler.stop")

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    # --- one pass ----------------------------------------------------------------------------

    async def run_due(self) -> int:
        """Run every job due now (in due order); returns how many handlers ran without error."""
        ran = 0
        async with self._running:  # one pass at a time in this process
            seen: set[int] = set()
            while True:
                now = self._clock.now()
                async with self._db.read() as uow:
                    due = await uow.jobs.due(now, self._batch)
                todo = [j for j in due if j.id not in seen and self._backoff.get(j.id, now) <= now]
                if not todo:
                    return ran
                for job in todo:
                    seen.add(job.id)
                    ran += await self._run_one(job)

    async def _run_one(self, job: Job) -> int:
        handler = self._handlers.get(job.kind)
        if handler is None:
            event(log, "job.unknown_kind", logging.ERROR, job_id=job.id, kind=job.kind)
            self._backoff[job.id] = self._clock.now() + self._retry_after
            return 0
        try:
            await handler(job)
        except Exception:
            log.exception("job %s (%s, match %s) failed; retrying later", job.id, job.kind, job.match_id)
            self._backoff[job.id] = self._clock.now() + self._retry_after
            return 0
        self._backoff.pop(job.id, None)
        event(log, "job.run", job_id=job.id, kind=job.kind, match_id=job.match_id)
        return 1

    async def seconds_until_next(self) -> float:
        """How long the loop may sleep: until the next due job (or its retry), at most idle."""
        now = self._clock.now()
        async with self._db.read() as uow:
            upcoming = await uow.jobs.pending_page(limit=100)
        times = [max(j.due_at, self._backoff.get(j.id, j.due_at)) for j in upcoming]
        if not times:
            return self._idle
        return max(0.0, min(self._idle, (min(times) - now).total_seconds()))

    # --- the loop ----------------------------------------------------------------------------

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.run_due()
                if self._pruned_at is None or self._clock.now() - self._pruned_at >= PRUNE_EVERY:
                    await self.prune()
                delay = await self.seconds_until_next()
            except Exception:
                log.exception("scheduler pass failed; retrying")
                delay = self._retry_after.total_seconds()
            if self._stopping.is_set():
                break
            await self._sleep(delay)

    async def _wait_for_poke(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._poke.wait(), timeout=seconds)
        self._poke.clear()
