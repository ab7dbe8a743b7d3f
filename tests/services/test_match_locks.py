"""Per-match locks: one holder per key at a time, and a lock is never dropped while held or awaited.

Tasks announce with an event right before they ask for the lock; asking for it runs up to the
wait on the lock without yielding, so once the test has seen the announcement the task is parked
on the lock. No sleeping anywhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

import pytest

from evoladder.services.match_locks import KeyedLocks


class Probe:
    """A task that takes the lock for ``key`` and stays inside until released."""

    def __init__(self, locks: KeyedLocks, key: Hashable, log: list[str], name: str) -> None:
        self.locks, self.key, self.log, self.name = locks, key, log, name
        self.asking, self.inside, self.leave = asyncio.Event(), asyncio.Event(), asyncio.Event()
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        self.asking.set()
        async with self.locks.hold(self.key):
            self.log.append(f"{self.name} in")
            self.inside.set()
            await self.leave.wait()
            self.log.append(f"{self.name} out")


async def test_one_holder_per_key_and_the_map_empties() -> None:
    locks = KeyedLocks()
    log: list[str] = []
    probes = [Probe(locks, k, log, f"{k}.{i}") for i in range(5) for k in (1, 2)]
    for p in probes:
        await p.asking.wait()
    await probes[0].inside.wait()
    await probes[1].inside.wait()
    assert locks.in_use() == 2 and locks.is_locked(1) and locks.is_locked(2)
    for p in probes:
        p.leave.set()
    await asyncio.gather(*(p.task for p in probes))
    for key in (1, 2):  # per key: strictly in, out, in, out...
        mine = [e for e in log if e.startswith(f"{key}.")]
        pairs = zip(mine[::2], mine[1::2], strict=True)
        assert all(a.endswith(" in") and b.endswith(" out") for a, b in pairs)
    assert locks.in_use() == 0 and not locks.is_locked(1)


async def test_a_waiter_keeps_the_lock_alive_when_the_holder_leaves() -> None:
    """The classic bug: the holder releases, the entry is pruned, a newcomer gets a *new* lock
    while the old waiter also proceeds: two inside at once. Here the waiter keeps the entry."""
    locks = KeyedLocks()
    log: list[str] = []
    first = Probe(locks, "m", log, "first")
    await first.inside.wait()
    second = Probe(locks, "m", log, "second")
    await second.asking.wait()
    first.leave.set()
    await first.task
    third = Probe(locks, "m", log, "third")  # arrives while second holds (or is about to)
    await second.inside.wait()
    await third.asking.wait()
    assert not third.inside.is_set() and locks.in_use() == 1
    second.leave.set()
    third.leave.set()
    await asyncio.gather(second.task, third.task)
    assert log == ["first in", "first out", "second in", "second out", "third in", "third out"]
    assert locks.in_use() == 0


async def test_an_exception_or_cancellation_releases_and_cleans_up() -> None:
    locks = KeyedLocks()
    with pytest.raises(RuntimeError):
        async with locks.hold(7):
            raise RuntimeError("boom")
    assert locks.in_use() == 0

    log: list[str] = []
    holder = Probe(locks, 7, log, "holder")
    await holder.inside.wait()
    waiter = Probe(locks, 7, log, "waiter")
    await waiter.asking.wait()
    waiter.task.cancel()  # a cancelled waiter must not take the entry away from the holder
    with pytest.raises(asyncio.CancelledError):
        await waiter.task
    assert locks.is_locked(7) and locks.in_use() == 1
    holder.leave.set()
    await holder.task
    assert locks.in_use() == 0 and log == ["holder in", "holder out"]
