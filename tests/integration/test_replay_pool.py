"""The worker pool: real files, a few hundred damaged ones, and workers that hang, hog or die.

Nothing here waits on a clock: a hanging worker is recognised because another job finishes while
it is still pending, and limits are configured small enough to trip at once.
"""

from __future__ import annotations

import asyncio
import os
import random
import select
import signal
import time

import pytest

from evoladder.game.replay_parse import (
    ParsedReplay,
    ParseFailure,
    ParseFailureKind,
    ParseOutcome,
    RaceLookup,
    parse_replay,
)
from evoladder.game.replay_pool import ReplayPool
from replayfiles import races, replay_dir

HANG, HOG, DIE = b"HANG", b"HOG", b"DIE"


def misbehaving(data: bytes, races: RaceLookup) -> ParseOutcome:
    """A worker target that hangs, eats memory or dies on marker inputs, else parses."""
    if data == HANG:
        while True:
            time.sleep(3600)
    if data == HOG:
        hog = [bytearray(64 * 1024 * 1024) for _ in range(64)]  # 4 GiB, far past the limit
        return ParseFailure(ParseFailureKind.CORRUPT, f"allocated {len(hog)} blocks")
    if data == DIE:
        os._exit(7)
    return parse_replay(data, races)


EXHAUST = b"<exhaust the archive reader>"


def exhausting(data: bytes, races: RaceLookup) -> ParseOutcome:
    """The real parser on a file whose archive needs more memory than the worker may use.

    For input ending in ``EXHAUST``: sc2reader's archive reader (mpyq) allocates past the limit
    while it opens the file, as a hostile archive makes it do; sc2reader then wraps the
    ``MemoryError`` in its own ``MPQError``. Anything else parses normally.
    """
    if not data.endswith(EXHAUST):
        return parse_replay(data, races)
    import mpyq

    original = mpyq.MPQArchive.__init__

    def greedy(self: object, *args: object, **kwargs: object) -> None:
        self.blocks = [bytearray(64 * 1024 * 1024) for _ in range(64)]  # type: ignore[attr-defined]

    mpyq.MPQArchive.__init__ = greedy  # type: ignore[method-assign,assignment]
    try:
        return parse_replay(data[: -len(EXHAUST)], races)
    finally:
        mpyq.MPQArchive.__init__ = original  # type: ignore[method-assign]


def real_files() -> list[bytes]:
    return [p.read_bytes() for p in sorted(replay_dir().rglob("*.SC2Replay"))]


def sample() -> bytes:
    return (replay_dir() / "standard-1v1" / "Ocrucius_vs_Rairden_EverDream.SC2Replay").read_bytes()


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_real_files_parse_in_the_pool_as_they_do_in_process() -> None:
    files = real_files()
    async with ReplayPool(races(), workers=2) as pool:
        outcomes = await asyncio.gather(*(pool.parse(d) for d in files))
    assert len(outcomes) == 27
    for data, outcome in zip(files, outcomes, strict=True):
        assert outcome == parse_replay(data, races())
    assert pool.stats.jobs == 27 and pool.stats.failures == 0


def mutations(seed: int, originals: list[bytes], count: int) -> list[bytes]:
    """Truncated, empty, random and bit-flipped variants of the real files, reproducibly."""
    rng = random.Random(seed)
    out: list[bytes] = [b"", b"MPQ\x1b", rng.randbytes(4096), b"MPQ\x1b" + rng.randbytes(4096)]
    while len(out) < count:
        data = bytearray(rng.choice(originals))
        how = rng.randrange(5)
        if how == 0:
            data = data[: rng.randrange(len(data))]
        elif how == 1:
            for _ in range(rng.randint(1, 32)):
                i = rng.randrange(len(data))
                data[i] ^= 1 << rng.randrange(8)
        elif how == 2:
            start = rng.randrange(len(data))
            data[start : start + rng.randint(1, 512)] = rng.randbytes(rng.randint(1, 512))
        elif how == 3:
            start = rng.randrange(16, 2048)  # the MPQ headers and the tables live up front
            data[start] = rng.randrange(256)
        else:
            data = bytearray(b"MPQ\x1b" + rng.randbytes(rng.randrange(64, 8192)))
        out.append(bytes(data))
    return out


async def test_a_few_hundred_damaged_files_never_break_the_pool() -> None:
    originals = real_files()
    inputs = mutations(seed=20251103, originals=originals, count=300)
    async with ReplayPool(races(), workers=2, timeout_seconds=15, memory_mb=512) as pool:
        outcomes = await asyncio.gather(*(pool.parse(d) for d in inputs))
        after = await pool.parse(originals[0])
    assert all(isinstance(o, ParsedReplay | ParseFailure) for o in outcomes)
    failures = [o for o in outcomes if isinstance(o, ParseFailure)]
    assert failures, "the mutations should break at least some files"
    assert all(f.message for f in failures)
    assert isinstance(after, ParsedReplay)
    assert pool.stats.jobs == 301


async def test_a_hanging_parse_leaves_the_loop_and_the_other_worker_free() -> None:
    async with ReplayPool(races(), workers=2, timeout_seconds=300, target=misbehaving) as pool:
        hung = asyncio.create_task(pool.parse(HANG))
        ok = await pool.parse(sample())
        assert isinstance(ok, ParsedReplay)
        assert not hung.done()  # still hanging while the loop served another job
        pids = set(pool.worker_pids)
        hung.cancel()
        with pytest.raises(asyncio.CancelledError):
            await hung
        again = await asyncio.gather(pool.parse(sample()), pool.parse(sample()))
        assert all(isinstance(o, ParsedReplay) for o in again)
        assert set(pool.worker_pids) != pids  # the hung worker was replaced
    assert all(gone(pid) for pid in pids)


async def test_a_parse_over_the_time_limit_is_killed_and_answered() -> None:
    async with ReplayPool(races(), workers=1, timeout_seconds=0.5, target=misbehaving) as pool:
        (before,) = pool.worker_pids
        outcome = await pool.parse(HANG)
        assert isinstance(outcome, ParseFailure) and outcome.kind is ParseFailureKind.TIMEOUT
        assert "too long" in outcome.message
        # The replacement answers. An empty file, not a real replay: the short limit applies to
        # every job, and a real parse on a busy machine can take longer than half a second.
        after = await pool.parse(b"")
        assert isinstance(after, ParseFailure) and after.kind is ParseFailureKind.EMPTY
        assert pool.worker_pids != [before] and gone(before)
    assert pool.stats.timeouts == 1 and pool.stats.workers_killed == 1


async def test_a_parse_over_the_memory_limit_is_stopped_and_answered() -> None:
    async with ReplayPool(races(), workers=1, memory_mb=256, target=misbehaving) as pool:
        outcome = await pool.parse(HOG)
        assert isinstance(outcome, ParseFailure) and outcome.kind is ParseFailureKind.MEMORY
        assert "memory" in outcome.message
        assert isinstance(await pool.parse(sample()), ParsedReplay)
    assert pool.stats.memory == 1


async def test_a_replay_that_exhausts_the_parsers_memory_is_too_large_and_its_worker_replaced() -> None:
    async with ReplayPool(races(), workers=1, memory_mb=256, target=exhausting) as pool:
        (before,) = pool.worker_pids
        outcome = await pool.parse(sample() + EXHAUST)
        assert isinstance(outcome, ParseFailure) and outcome.kind is ParseFailureKind.MEMORY, outcome
        assert "too large to check" in outcome.message and "MPQError" in outcome.detail
        assert isinstance(await pool.parse(sample()), ParsedReplay)
        assert pool.worker_pids != [before] and gone(before)
    assert pool.stats.memory == 1 and pool.stats.workers_killed == 1


async def test_a_worker_that_dies_is_answered_and_replaced() -> None:
    async with ReplayPool(races(), workers=1, target=misbehaving) as pool:
        outcome = await pool.parse(DIE)
        assert isinstance(outcome, ParseFailure) and outcome.kind is ParseFailureKind.CRASHED
        assert "code 7" in outcome.detail
        assert isinstance(await pool.parse(sample()), ParsedReplay)
    assert pool.stats.crashes == 1 and pool.stats.workers_started == 2


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs pidfd_open (Linux 5.3+)")
async def test_a_worker_killed_while_idle_costs_the_next_upload_nothing() -> None:
    async with ReplayPool(races(), workers=1) as pool:
        (pid,) = pool.worker_pids
        pidfd = os.pidfd_open(pid)
        os.kill(pid, signal.SIGKILL)
        select.select([pidfd], [], [])  # readable once the process has ended
        os.close(pidfd)
        assert isinstance(await pool.parse(sample()), ParsedReplay)
        assert pool.worker_pids != [pid]
    assert pool.stats.failures == 0


async def test_workers_are_recycled_after_their_job_quota() -> None:
    async with ReplayPool(races(), workers=1, max_jobs_per_worker=2) as pool:
        for _ in range(5):
            assert isinstance(await pool.parse(sample()), ParsedReplay)
    assert pool.stats.workers_started == 3 and pool.stats.workers_killed == 0


async def test_a_closed_pool_answers_unavailable_and_leaves_no_process() -> None:
    pool = ReplayPool(races(), workers=2)
    await pool.start()
    pids = pool.worker_pids
    assert len(pids) == 2
    await pool.close()
    await pool.close()  # idempotent
    outcome = await pool.parse(sample())
    assert isinstance(outcome, ParseFailure) and outcome.kind is ParseFailureKind.UNAVAILABLE
    assert all(gone(pid) for pid in pids)


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one worker"):
        ReplayPool(races(), workers=0)
    with pytest.raises(ValueError, match="positive"):
        ReplayPool(races(), timeout_seconds=0)
