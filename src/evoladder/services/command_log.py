"""The command-call log: recording a call costs the command an in-memory append (DESIGN section 7).

``record`` appends a row (with ``called_at`` = the clock's time of the call and a unique
``call_id``) to a deque and returns; it never awaits, never touches the database and never raises
into the command. A background task writes the rows in batches: every ``flush_ms`` (200 ms), or at
once when ``batch_size`` (500) rows are waiting, as one multi-row ``INSERT ... ON CONFLICT
(call_id) DO NOTHING`` per batch.

Losing nothing:
- a batch leaves memory only after its transaction committed; a failed flush is logged, the rows
  stay at the front of the queue and are retried with a growing pause (up to ``max_backoff_s``);
- a retried batch that had in fact committed (the acknowledgement was lost) inserts nothing twice,
  because every row carries its ``call_id`` and the insert skips known ids;
- ``close()`` stops the task and drains the queue completely before it returns (SIGTERM path);
- on SIGKILL only rows not yet flushed are lost: at most what arrived since the last flush,
  i.e. one flush interval or one batch.
Memory is bounded by ``max_pending`` rows: beyond it (a long database outage) new rows are
refused and counted, and the count is logged (the queued rows keep their order and their place,
which the flusher relies on). Rows recorded after ``close()`` are counted as dropped too.

Call ids are ``<16 hex chars random per log instance><sequence in hex>``: unique across restarts
and processes without the cost of a uuid4 per call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from evoladder.logging_setup import event
from evoladder.services.ports import Clock
from evoladder.store.uow import Database

log = logging.getLogger(__name__)

Row = tuple[str, int, str, datetime, int | None]  # call_id, discord_uid, command, called_at, guild_id


@dataclass(frozen=True, slots=True)
class CommandLogStats:
    pending: int
    written: int
    failed_flushes: int
    dropped: int


class CommandLog:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        flush_ms: int = 200,
        batch_size: int = 500,
        max_pending: int = 500_000,
        max_backoff_s: float = 5.0,
        call_id: Callable[[], str] | None = None,
        on_flush: Callable[[int], None] | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._interval = flush_ms / 1000
        self._batch = batch_size
        self._max_pending = max_pending
        self._max_backoff = max_backoff_s
        self._prefix = os.urandom(8).hex()
        self._seq = 0
        self._call_id = call_id or self._next_id
        self._on_flush = on_flush
        self._queue: deque[Row] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._flush_lock = asyncio.Lock()
        self._closed = False
        self.written = 0
        self.failed_flushes = 0
        self.dropped = 0

    # -- the hot path ----------------------------------------------------------------------------

    def record(self, discord_uid: int, command: str, guild_id: int | None = None) -> None:
        """Append one call; O(1), no I/O. Never raises into the command."""
        try:
            queue = self._queue
            if len(queue) >= self._max_pending or self._closed:
                self._refuse()
                return
            queue.append((self._call_id(), discord_uid, command[:64], self._clock.now(), guild_id))
            if len(queue) >= self._batch:
                self._wake.set()
        except Exception:  # the command must not fail because its analytics row could not be kept
            log.exception("command log: record failed")

    def _next_id(self) -> str:
        self._seq += 1
        return f"{self._prefix}{self._seq:x}"

    def _refuse(self) -> None:
        self.dropped += 1
        if self.dropped == 1 or self.dropped % 10_000 == 0:  # one line per 10,000, not per call
            event(log, "command_log.dropped", logging.ERROR, total_dropped=self.dropped,
                  closed=self._closed, pending=len(self._queue))

    # -- the background writer ------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="command-log-flusher")

    async def _run(self) -> None:
        backoff = self._interval
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=backoff)
            self._wake.clear()
            ok = await self._flush_available()
            backoff = self._interval if ok else min(max(backoff * 2, self._interval), self._max_backoff)

    async def _flush_available(self) -> bool:
        """Flush full batches until the queue is empty or a flush fails."""
        while self._queue:
            if not await self.flush_now():
                return False
        return True

    async def flush_now(self) -> bool:
        """Write one batch (at most ``batch_size`` rows) now; True when it committed or was empty.

        A failure is logged and counted, never raised: the rows stay queued for the next attempt.
        """
        async with self._flush_lock:
            batch = [self._queue[i] for i in range(min(self._batch, len(self._queue)))]
            if not batch:
                return True
            rows = [
                {"call_id": c, "discord_uid": u, "command": cmd, "called_at": at, "guild_id": g}
                for c, u, cmd, at, g in batch
            ]
            try:
                async with self._db.transaction() as uow:
                    await uow.command_calls.insert_many(rows)
            except Exception as exc:
                self.failed_flushes += 1
                event(log, "command_log.flush_failed", logging.WARNING, rows=len(rows),
                      pending=len(self._queue), error=type(exc).__name__, detail=str(exc)[:200])
                return False
            for _ in batch:  # only the flusher removes rows, so the front is still this batch
                self._queue.popleft()
            self.written += len(batch)
            if self._on_flush is not None:
                self._on_flush(self.written)
            return True

    async def close(self, *, attempts: int = 20) -> None:
        """Stop the writer and drain every queued row (retrying a failing database a while)."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        pause = self._interval
        for _ in range(attempts):
            if await self._flush_available():
                break
            await asyncio.sleep(pause)
            pause = min(pause * 2, self._max_backoff)
        if self._queue:
            event(log, "command_log.lost_on_shutdown", logging.ERROR, rows=len(self._queue))
        event(log, "command_log.closed", written=self.written, dropped=self.dropped)

    def stats(self) -> CommandLogStats:
        return CommandLogStats(len(self._queue), self.written, self.failed_flushes, self.dropped)
