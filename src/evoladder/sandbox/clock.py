"""Injectable time for the local Discord server.

Discord's deadlines (3 s to answer an interaction, 15 min of interaction-token life) are enforced
against a clock object so that a test can move time forward instead of sleeping. ``Clock`` follows
the wall clock plus an offset that ``advance`` grows: time keeps flowing (a slow bot still misses
the 3 s deadline) and a test can jump 15 minutes in no time. ``FrozenClock`` only moves when told,
for unit tests that want exact instants.

Rate limits are deliberately *not* on this clock: discord.py sleeps ``retry_after`` in real time,
so buckets must refill in real time too (see ``ratelimit.py``).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class ClockLike(Protocol):
    """What the server needs from a clock: seconds since the Unix epoch."""

    def time(self) -> float: ...


class Clock:
    """Wall-clock time plus an offset that tests can grow with :meth:`advance`."""

    def __init__(self) -> None:
        self._offset = 0.0

    def time(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Jump forward; every deadline the server checks afterwards sees the new time."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._offset += seconds


class FrozenClock:
    """A clock that stands still until :meth:`advance` moves it."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._now += seconds


def iso(ts: float) -> str:
    """Discord's timestamp format (ISO 8601 with microseconds and an explicit UTC offset)."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="microseconds")
