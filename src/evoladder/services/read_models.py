"""The in-memory read models behind one ``ReadModelSink``: the player cache, the leaderboard and
the profile statistics.

Every writer (accounts, admin tools, the match services) calls the sink after its commit:
``player_changed`` drops the cached player record and statistics, ``mmr_changed`` moves leaderboard
rows and drops the statistics of the players whose ratings moved (every change of a match's
result moves its rating rows, their counters at least, so it lands there). The
accounts side also reports identity changes (country, shown name, ban) that the leaderboard shows
and filters by, through ``identity_changed``; match services never change those.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from evoladder.domain.players import MmrRow
from evoladder.services.leaderboard import LeaderboardService
from evoladder.services.player_cache import PlayerCache
from evoladder.services.ports import ReadModelSink
from evoladder.services.stats_cache import StatsCache


class IdentitySink(ReadModelSink, Protocol):
    """The sink the account services need: the base protocol plus identity changes."""

    def identity_changed(self, discord_uid: int, country: str | None, name: str, banned: bool) -> None: ...


class ReadModels:
    """Implements ``ReadModelSink`` (and ``IdentitySink``) over the caches and the leaderboard.

    ``stats`` defaults to a statistics cache with the player cache's TTL (0 turns both off).
    """

    def __init__(
        self, *, players: PlayerCache, leaderboard: LeaderboardService, stats: StatsCache | None = None
    ) -> None:
        self.players = players
        self.leaderboard = leaderboard
        self.stats = stats if stats is not None else StatsCache(players.ttl_seconds)
        # Bumped by every notification below: what the web's page cache and ETags are keyed on.
        self.version = 0

    def player_changed(self, discord_uid: int) -> None:
        self.version += 1
        self.players.invalidate(discord_uid)
        self.stats.invalidate(discord_uid)

    def mmr_changed(self, rows: Sequence[MmrRow]) -> None:
        self.version += 1
        for row in rows:
            self.stats.invalidate(row.discord_uid)
        self.leaderboard.apply(rows)

    def identity_changed(self, discord_uid: int, country: str | None, name: str, banned: bool) -> None:
        self.version += 1
        self.leaderboard.set_player(discord_uid, country, name, banned)

    async def season_changed(self) -> None:
        """A new season started: every player record (aborts), every statistic (the season's
        record) and every leaderboard row (counters reset, ratings moved) changed at once, so
        the caches are dropped and the board is built again from the database."""
        self.players.clear()
        self.stats.clear()
        await self.leaderboard.build()
