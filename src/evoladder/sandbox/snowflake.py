"""Discord-style snowflake ids.

Ids carry their creation time (milliseconds since the Discord epoch, shifted left 22 bits) so
that discord.py's ``created_at`` and the ``before``/``after`` history filters behave as they do
on Discord. A counter in the low bits keeps ids unique and increasing even when the clock stands
still (``FrozenClock``).
"""

from __future__ import annotations

from .clock import ClockLike

DISCORD_EPOCH_MS = 1_420_070_400_000


class Snowflakes:
    """Generates strictly increasing snowflakes from a clock."""

    def __init__(self, clock: ClockLike) -> None:
        self._clock = clock
        self._last = 0

    def next(self) -> int:
        ms = max(0, int(self._clock.time() * 1000) - DISCORD_EPOCH_MS)
        candidate = ms << 22
        self._last = max(candidate, self._last + 1)
        return self._last


def snowflake_time(snowflake: int) -> float:
    """Unix seconds encoded in a snowflake."""
    return ((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000
