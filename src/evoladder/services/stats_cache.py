"""The in-memory read model behind /profile's statistics: one player's rating rows and W-L-D.

Why: /profile is answered from memory like the leaderboard (DESIGN section 1: reads that must be
fast come from read models the process keeps current on every write). Reading the statistics is
one statement over the player's matches, but on SQLite that is a hop to the driver's thread and
back, about as long as the whole rest of the command (BENCHMARKS.md, issue 5).

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

A read racing a write: the reader takes a ``Ticket`` before it reads (as with the player cache);
an invalidation in between voids it, so statistics read before a commit are never stored after
that commit's invalidation.

Stored values are shared, not copied: ``PlayerStats`` and its parts are frozen, and the profile
service hands the one mapping inside them (the windows) on only behind a read-only proxy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from evoladder.services.player_cache import Ticket, Tickets
from evoladder.store.repositories.stats import PlayerStats

DEFAULT_MAX_ENTRIES = 20_000  # ~2 KB each: ~40 MB at most, the players who looked recently


class StatsCache:
    """uid -> (statistics, stored_at); see the module doc for when an entry is no longer served."""

    def __init__(
        self,
        ttl_seconds: float,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        ticker: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._max = max_entries
        self._ticker = ticker
        self._entries: dict[int, tuple[PlayerStats, float]] = {}
        self._tickets = Tickets()
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.ttl_seconds > 0 and self._max > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, discord_uid: int, now: datetime) -> PlayerStats | None:
        """The statistics as they stand at ``now``, or None (the caller reads and ``put``s)."""
        entry = self._entries.get(discord_uid)
        if entry is not None:
            stats, stored = entry
            expires = stats.expires_at
            if self._ticker() - stored < self.ttl_seconds and (expires is None or now < expires):
                self.hits += 1
                return stats
            del self._entries[discord_uid]
        self.misses += 1
        return None

    def ticket(self, discord_uid: int) -> Ticket:
        """Take before reading the database; pass to ``put`` with what was read."""
        return self._tickets.take(discord_uid)

    def put(self, stats: PlayerStats, ticket: Ticket) -> bool:
        """Store ``stats`` unless an invalidation happened since ``ticket``; True when stored."""
        uid = ticket.discord_uid
        if not self._tickets.redeem(ticket):
            return False
        if not self.enabled:
            return False
        self._entries.pop(uid, None)
        self._entries[uid] = (stats, self._ticker())
        while len(self._entries) > self._max:  # dict order: the least recently stored first
            del self._entries[next(iter(self._entries))]
        return True

    def invalidate(self, discord_uid: int) -> None:
        self._entries.pop(discord_uid, None)
        self._tickets.void(discord_uid)

    def clear(self) -> None:
        self._entries.clear()
        self._tickets.clear()
