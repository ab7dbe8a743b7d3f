"""The in-memory read models behind one ``ReadModelSink``: the player cache and the leaderboard.

Every writer (accounts, admin tools, the match services) calls the sink after its commit:
``player_changed`` drops the cached player record, ``mmr_changed`` moves leaderboard rows. The
accounts side also reports identity changes (country, shown name, ban) that the leaderboard shows
and filters by, through ``identity_changed``; match services never change those.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from evoladder.domain.players import MmrRow
from evoladder.game import GameData
from evoladder.services.leaderboard import LeaderboardService
from evoladder.services.player_cache import PlayerCache
from evoladder.services.ports import Clock, ReadModelSink
from evoladder.store.uow import Database


class IdentitySink(ReadModelSink, Protocol):
    """The sink the account services need: the base protocol plus identity changes."""

    def identity_changed(self, discord_uid: int, country: str | None, name: str, banned: bool) -> None: ...


class ReadModels:
    """Implements ``ReadModelSink`` (and ``IdentitySink``) over the cache and the leaderboard."""

    def __init__(self, players: PlayerCache, leaderboard: LeaderboardService) -> None:
        self.players = players
        self.leaderboard = leaderboard

    def player_changed(self, discord_uid: int) -> None:
        self.players.invalidate(discord_uid)

    def mmr_changed(self, rows: Sequence[MmrRow]) -> None:
        self.leaderboard.apply(rows)

    def identity_changed(self, discord_uid: int, country: str | None, name: str, banned: bool) -> None:
        self.leaderboard.set_player(discord_uid, country, name, banned)


async def build_read_models(
    db: Database, clock: Clock, game: GameData, *, player_cache_ttl_seconds: float
) -> ReadModels:
    """Create the cache and build the leaderboard from the database (the start-up path)."""
    leaderboard = LeaderboardService(db, clock, game)
    await leaderboard.build()
    return ReadModels(PlayerCache(player_cache_ttl_seconds), leaderboard)
