"""Per-key asyncio locks that are never dropped while held or awaited.

A classic bug of chat-bot ladders: a dict of per-match locks pruned on a timer or when it grows,
so a lock still held (or awaited) is replaced by a fresh one and two operations on one match run
at once. Here each key's lock carries a count of the tasks holding or waiting for it, and the entry
is removed only by the last of them on the way out. The map holds exactly the keys in use.

These locks only spare the database needless contention inside one process; correctness across
processes comes from the database (row lock / version compare-and-set in ``MatchService``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class _Slot:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class KeyedLocks:
    def __init__(self) -> None:
        self._slots: dict[Hashable, _Slot] = {}

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = _Slot()
        slot.users += 1  # counted before awaiting: a waiter keeps the slot alive too
        try:
            async with slot.lock:
                yield
        finally:
            slot.users -= 1
            if slot.users == 0:
                del self._slots[key]

    def in_use(self) -> int:
        """How many keys are held or awaited now (for metrics and tests)."""
        return len(self._slots)

    def is_locked(self, key: Hashable) -> bool:
        slot = self._slots.get(key)
        return slot is not None and slot.lock.locked()
