"""Read queries over ``matches_1v1`` for profile statistics.

Statistics come from the match rows themselves, never from the per-race counters alone: counters
are a cache that a bug or a manual fix could make drift; the matches are the record. Only final
results count (match_result 0 draw, 1 player 1 won, 2 player 2 won); open, aborted, abandoned,
invalidated and conflicted matches do not. Time windows use ``played_at`` (when the match was
made), the same moment the rating rows store as ``last_played``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, case, func, literal, select, union_all

from evoladder.store.repositories.base import Repository
from evoladder.store.schema import matches_1v1

FINAL_RESULTS = (0, 1, 2)
DEFAULT_WINDOWS_DAYS: tuple[int, ...] = (14, 30, 90)


@dataclass(frozen=True, slots=True)
class Record:
    """Wins, losses and draws."""

    wins: int = 0
    losses: int = 0
    draws: int = 0

    @property
    def games(self) -> int:
        return self.wins + self.losses + self.draws

    def __add__(self, other: Record) -> Record:
        return Record(self.wins + other.wins, self.losses + other.losses, self.draws + other.draws)


@dataclass(frozen=True, slots=True)
class RaceStats:
    """One player's final matches with one race: all time and per trailing window (days)."""

    race: str
    all_time: Record
    windows: dict[int, Record]
    last_played: datetime | None


def _race_stats_statement(windows_days: tuple[int, ...]) -> Select[Any]:
    """The statement for ``race_stats``, built once per set of windows (bind parameters only).

    Building a Core expression with a union and a dozen CASEs costs more Python than running it;
    the statement is made once and reused with new parameters (and SQLAlchemy's compiled cache).
    """
    m = matches_1v1
    uid = bindparam("uid", type_=m.c.player_1_discord_uid.type)
    sides = []
    for me, my_race, my_win in (
        (m.c.player_1_discord_uid, m.c.player_1_race, 1),
        (m.c.player_2_discord_uid, m.c.player_2_race, 2),
    ):
        sides.append(
            select(
                my_race.label("race"),
                case((m.c.match_result == my_win, 1), else_=0).label("won"),
                case((m.c.match_result == 3 - my_win, 1), else_=0).label("lost"),
                case((m.c.match_result == 0, 1), else_=0).label("drawn"),
                m.c.played_at.label("played_at"),
            ).where(me == uid, m.c.match_result.in_(FINAL_RESULTS))
        )
    mine = union_all(*sides).subquery()
    columns: list[Any] = [
        mine.c.race,
        func.sum(mine.c.won),
        func.sum(mine.c.lost),
        func.sum(mine.c.drawn),
        func.max(mine.c.played_at),
    ]
    for days in windows_days:
        since = bindparam(f"since_{days}", type_=m.c.played_at.type)
        for col in (mine.c.won, mine.c.lost, mine.c.drawn):
            columns.append(func.sum(case((mine.c.played_at >= since, col), else_=literal(0))))
    return select(*columns).group_by(mine.c.race).order_by(mine.c.race)


@lru_cache(maxsize=8)
def race_stats_statement(windows_days: tuple[int, ...]) -> Select[Any]:
    return _race_stats_statement(windows_days)


class StatsRepository(Repository):
    async def race_stats(
        self, discord_uid: int, now: datetime, windows_days: Sequence[int] = DEFAULT_WINDOWS_DAYS
    ) -> list[RaceStats]:
        """Per race the player used: W-L-D all time and in each window, and the last match time.

        One query: the player's side of every final match (as player 1 or player 2, each side
        served by its own index), then grouped by race with conditional sums.
        """
        windows = tuple(windows_days)
        params: dict[str, Any] = {"uid": discord_uid}
        params.update({f"since_{days}": now - timedelta(days=days) for days in windows})
        out = []
        for row in (await self.conn.execute(race_stats_statement(windows), params)).all():
            race, wins, losses, draws, last = row[0], row[1], row[2], row[3], row[4]
            per_window = {}
            for i, days in enumerate(windows):
                w, lo, d = row[5 + 3 * i : 8 + 3 * i]
                per_window[days] = Record(int(w or 0), int(lo or 0), int(d or 0))
            total = Record(int(wins or 0), int(losses or 0), int(draws or 0))
            out.append(RaceStats(str(race), total, per_window, last))
        return out
