"""The write-behind command log: nothing lost on shutdown, on database errors, or (beyond the
last unflushed rows) on SIGKILL; never a duplicate; never an error raised into the command.

No sleeps: the tests drive the flusher with ``flush_now()`` or wait on events its ``on_flush``
hook sets; the timeouts below are only safety nets against a hang.

Each test builds the ``CommandLog`` alone, not through ``build_services``, on purpose: it swaps the
log's database for a flaky one and its ids for a sequence (seams the production graph does not
have), and no other service takes part in what is checked.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from accountkit import T0, FakeClock
from sqlalchemy import event, select

from evoladder.services.command_log import CommandLog
from evoladder.store.engine import create_engine
from evoladder.store.schema import command_calls
from evoladder.store.uow import Database, UnitOfWork

CHILD = Path(__file__).with_name("command_log_child.py")
SAFETY_S = 60


def seq_ids() -> Any:
    counter = itertools.count()
    return lambda: f"c{next(counter):08d}"


async def stored(db: Database) -> list[str]:
    async with db.read() as uow:
        return await uow.command_calls.call_ids()


class FlakyDatabase(Database):
    """Refuses writes while ``failing``; with ``lose_ack`` it commits and then raises once."""

    def __init__(self, inner: Database) -> None:
        super().__init__(inner.engine)
        self.failing = False
        self.lose_ack = False
        self.refusals = 0
        self.refused_twice = asyncio.Event()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        if self.failing:
            self.refusals += 1
            if self.refusals >= 2:
                self.refused_twice.set()
            raise ConnectionError("database refuses writes")
        async with super().transaction() as uow:
            yield uow
        if self.lose_ack:
            self.lose_ack = False
            raise ConnectionError("committed, but the acknowledgement was lost")


async def test_ten_thousand_calls_then_a_clean_shutdown_leaves_ten_thousand_rows(db: Database) -> None:
    inserts: list[bool] = []

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def count(_c: Any, _cur: Any, statement: str, _p: Any, _ctx: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO COMMAND_CALLS"):
            inserts.append(executemany)

    log = CommandLog(db=db, clock=FakeClock(), call_id=seq_ids())
    log.start()
    for i in range(10_000):
        log.record(1_000 + i % 37, "profile" if i % 2 else "leaderboard", guild_id=None)
    await log.close()
    ids = await stored(db)
    assert len(ids) == 10_000 == len(set(ids))
    assert ids == [f"c{i:08d}" for i in range(10_000)]
    assert log.stats().pending == 0 and log.stats().written == 10_000
    assert len(inserts) == 20 and not any(inserts)  # 20 batches of 500, each one multi-row INSERT


async def test_called_at_is_the_time_of_the_call_not_of_the_flush(db: Database) -> None:
    clock = FakeClock()
    log = CommandLog(db=db, clock=clock, call_id=seq_ids())
    log.record(1, "profile")
    clock.advance(seconds=5)
    log.record(2, "queue", guild_id=77)
    clock.advance(minutes=10)
    assert await log.flush_now()
    async with db.read() as uow:
        rows = (await uow.conn.execute(select(command_calls).order_by(command_calls.c.id))).mappings().all()
    assert [(r["discord_uid"], r["command"], r["called_at"], r["guild_id"]) for r in rows] == [
        (1, "profile", T0, None), (2, "queue", T0 + timedelta(seconds=5), 77)
    ]


async def test_a_database_that_refuses_writes_loses_nothing_once_it_is_back(db: Database) -> None:
    flaky = FlakyDatabase(db)
    log = CommandLog(db=flaky, clock=FakeClock(), call_id=seq_ids())
    for i in range(1_200):
        log.record(i, "setup")
    flaky.failing = True
    assert not await log.flush_now()  # logged and counted, not raised
    assert not await log.flush_now()
    assert log.stats().pending == 1_200 and log.stats().failed_flushes == 2
    flaky.failing = False
    while log.stats().pending:
        assert await log.flush_now()
    assert await stored(db) == [f"c{i:08d}" for i in range(1_200)]


async def test_a_batch_retried_after_a_lost_acknowledgement_is_not_written_twice(db: Database) -> None:
    flaky = FlakyDatabase(db)
    log = CommandLog(db=flaky, clock=FakeClock(), call_id=seq_ids())
    for i in range(700):
        log.record(i, "activate")
    flaky.lose_ack = True
    assert not await log.flush_now()  # the first 500 committed, the log could not know
    assert log.stats().pending == 700
    assert await log.flush_now() and await log.flush_now()
    ids = await stored(db)
    assert len(ids) == 700 == len(set(ids))


async def test_the_background_writer_retries_until_the_database_is_back(db: Database) -> None:
    flaky = FlakyDatabase(db)
    done = asyncio.Event()
    log = CommandLog(db=flaky, clock=FakeClock(), flush_ms=10, max_backoff_s=0.05, call_id=seq_ids(),
                     on_flush=lambda written: done.set() if written == 30 else None)
    flaky.failing = True
    log.start()
    for i in range(30):
        log.record(i, "help")
    await asyncio.wait_for(flaky.refused_twice.wait(), SAFETY_S)  # it failed, backed off, retried
    assert log.stats().failed_flushes >= 2 and log.stats().pending == 30
    flaky.failing = False
    await asyncio.wait_for(done.wait(), SAFETY_S)
    await log.close()
    assert len(await stored(db)) == 30


async def test_a_full_batch_wakes_the_writer_before_the_interval(db: Database) -> None:
    done = asyncio.Event()
    log = CommandLog(db=db, clock=FakeClock(), flush_ms=3_600_000, batch_size=50, call_id=seq_ids(),
                     on_flush=lambda written: done.set() if written >= 50 else None)
    log.start()
    for i in range(50):
        log.record(i, "profile")
    await asyncio.wait_for(done.wait(), SAFETY_S)  # an hour-long interval: only the size woke it
    await log.close()
    assert len(await stored(db)) == 50


def test_recording_never_raises_into_the_command() -> None:
    class BrokenClock:
        def now(self) -> Any:
            raise RuntimeError("clock is gone")

    log = CommandLog(db=Database(create_engine("sqlite+aiosqlite:///:memory:")), clock=BrokenClock())
    log.record(1, "profile")  # logged, not raised
    assert log.stats().pending == 0


async def test_full_queue_and_calls_after_close_are_counted_as_dropped(db: Database) -> None:
    log = CommandLog(db=db, clock=FakeClock(), max_pending=10, call_id=seq_ids())
    for i in range(15):
        log.record(i, "queue")
    assert log.stats().pending == 10 and log.stats().dropped == 5
    await log.close()
    log.record(99, "queue")
    assert log.stats().dropped == 6
    assert len(await stored(db)) == 10


async def run_child(db_url: str, mode: str) -> asyncio.subprocess.Process:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return await asyncio.create_subprocess_exec(
        sys.executable, str(CHILD), db_url, mode, stdout=asyncio.subprocess.PIPE, env=env
    )


async def read_until(proc: asyncio.subprocess.Process, done: Any) -> str:
    assert proc.stdout is not None
    while True:
        line = (await asyncio.wait_for(proc.stdout.readline(), SAFETY_S)).decode().strip()
        assert line, "the child ended early"
        if done(line):
            return line


async def kill(proc: asyncio.subprocess.Process) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    assert await proc.wait() == -signal.SIGKILL


async def test_sigkill_mid_stream_keeps_every_flushed_batch_whole(db: Database, db_url: str) -> None:
    proc = await run_child(db_url, "stream")
    line = await read_until(proc, lambda text: text.startswith("flushed") and int(text.split()[1]) >= 500)
    await kill(proc)
    assert proc.stdout is not None
    rest = (await proc.stdout.read()).decode().split()  # lines printed before the kill
    printed = [int(line.split()[1]), *(int(t) for t in rest if t.isdigit())]
    ids = await stored(db)
    # Every acknowledged flush survived, whole; at most one more batch committed between its
    # commit and its "flushed" line; no duplicate, no gap: only rows still in memory were lost.
    last_acknowledged = max(printed)
    assert last_acknowledged <= len(ids) <= last_acknowledged + 100
    assert ids == [f"c{i:08d}" for i in range(len(ids))]


async def test_sigkill_loses_at_most_the_last_unflushed_batch(db: Database, db_url: str) -> None:
    proc = await run_child(db_url, "hold")
    await read_until(proc, lambda text: text == "recorded 1060")
    await kill(proc)
    ids = await stored(db)
    assert ids == [f"c{i:08d}" for i in range(1000)]  # 1060 recorded, 60 (< one batch) lost
