"""The in-memory read model behind /profile's statistics: one player's rating rows and W-L-D.

Why: /profile is answered from memory like the leaderboard (DESIGN section 1: reads that must be
fast come from read models the process keeps current on every write). Reading the statistics is
one statement over the player's matches, but on SQLite that is a hop to the driver's thread and
back, about as long as the whole rest of the command (BENCHMARKS.md).

What it holds: per player, exactly what ``player_stats_statement`` returned (never a truncated
history rebuilt in memory: the numbers are the database's, computed over all the player's
matches). An entry stops being served when any of these happens:

* a write that can change it: every match result (final, re-resolved, reversed), MMR adjustment,
  abort or state change reaches ``ReadModelSink.player_changed`` / ``mmr_changed`` after its
  commit, which lands in ``invalidate`` here;
* time moves a window: the 14/30/90-day counts drop when their oldest match leaves the window,
  and the read says when that is (``PlayerStats.expires_at``); from then on the entry is stale;
* its age passes the TTL (the player cache's setting, ``EVOLADDER_PLAYER_CACHE_TTL_SECONDS``;
  0 turns this cache off too), which bounds a write that forgot to invalidate, or a second process;
* the size bound evicts the least recently stored entry.

A read racing a write: the ticket rule of :class:`~evoladder.services.ttl_cache.TtlCache`, of
which this is one configuration (the player cache is the other).

Stored values are shared, not copied: ``PlayerStats`` and its parts are frozen, and the profile
service hands the one mapping inside them (the windows) on only behind a read-only proxy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from evoladder.services.ttl_cache import TtlCache
from evoladder.store.repositories.stats import PlayerStats

DEFAULT_MAX_ENTRIES = 20_000  # ~2 KB each: ~40 MB at most, the players who looked recently


class StatsCache(TtlCache[PlayerStats]):
    """uid -> the player's statistics, stale from ``PlayerStats.expires_at`` on (``get`` needs the
    clock's ``now`` to tell)."""

    def __init__(
        self,
        ttl_seconds: float,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        ticker: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(ttl_seconds, max_entries=max_entries, ticker=ticker, expires=_expires_at)


def _expires_at(stats: PlayerStats) -> datetime | None:
    return stats.expires_at
