"""A child process for the SIGKILL test of the command log (run by test_command_log.py).

    python command_log_child.py DATABASE_URL stream|hold

It logs command calls with sequential call ids (c00000000, c00000001, ...) through a real
``CommandLog`` and prints ``flushed N`` after every committed flush.
- stream: records calls without end, like a busy bot; the parent kills it mid-stream.
- hold: records 1,000 calls, waits until all are flushed, records 60 more (under one batch),
  prints ``recorded 1060`` and blocks its event loop, so the kill finds exactly 60 unflushed rows.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import time

from evoladder.services.command_log import CommandLog
from evoladder.services.ports import SystemClock
from evoladder.store.engine import create_engine
from evoladder.store.uow import Database

BATCH = 100


async def main(url: str, mode: str) -> None:
    db = Database(create_engine(url))
    seq = itertools.count()
    all_flushed = asyncio.Event()

    def flushed(written: int) -> None:
        print(f"flushed {written}", flush=True)
        if written >= 1000:
            all_flushed.set()

    log = CommandLog(
        db=db, clock=SystemClock(), flush_ms=20, batch_size=BATCH,
        call_id=lambda: f"c{next(seq):08d}", on_flush=flushed,
    )
    log.start()
    if mode == "stream":
        while True:
            for _ in range(25):
                log.record(7, "queue")
            await asyncio.sleep(0.001)  # the pace of incoming commands
    for _ in range(1000):
        log.record(7, "profile")
    await all_flushed.wait()
    for _ in range(60):
        log.record(7, "leaderboard")
    print("recorded 1060", flush=True)
    time.sleep(3600)  # noqa: ASYNC251  (on purpose: the blocked loop cannot flush before the kill)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
