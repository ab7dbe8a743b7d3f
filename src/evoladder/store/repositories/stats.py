"""Read queries over ``matches_1v1`` for profile statistics.

Statistics come from the match rows themselves, never from the per-race counters alone: counters
are a cache that a bug or a manual fix could make drift; the matches are the record. Only final
results count (match_result 0 draw, 1 player 1 won, 2 player 2 won); open, aborted, abandoned,
invalidated and conflicted matches do not. Time windows use ``played_at`` (when the match was
made), the same moment the rating rows store as ``last_played``.

/profile reads everything it needs from the database in one statement (``player_stats_statement``:
the player's rating rows and the grouped statistics, as a UNION ALL), through
``Database.snapshot``: one statement is one consistent snapshot, and on SQLite one hop to the
driver's thread instead of a transaction's dozen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Select,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)

from evoladder.domain.history import SEASONS_BEGIN
from evoladder.domain.records import DEFAULT_WINDOWS_DAYS, Record
from evoladder.store.repositories.base import Repository
from evoladder.store.schema import matches_1v1, mmrs_1v1

FINAL_RESULTS = (0, 1, 2)  # match_result codes of a final match: a contiguous range, read by BETWEEN


@dataclass(frozen=True, slots=True)
class RaceStats:
    """One player's final matches with one race: all time and per trailing window (days)."""

    race: str
    all_time: Record
    windows: dict[int, Record]
    last_played: datetime | None
    # The first moment a window's counts drop by time alone (its oldest match leaves it); None
    # when every window is empty. Until then only a new or changed match can change them.
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RatingCounters:
    """What /profile shows of one rating row: the MMR and the counters kept beside it."""

    race: str
    mmr: int
    counters: Record


@dataclass(frozen=True, slots=True)
class PlayerStats:
    """One player's rating rows and per-race statistics from the matches, read together."""

    ratings: dict[str, RatingCounters]
    races: dict[str, RaceStats]

    @property
    def expires_at(self) -> datetime | None:
        """When these statistics go stale by time alone (see ``RaceStats.expires_at``)."""
        return min((r.expires_at for r in self.races.values() if r.expires_at is not None), default=None)


def _race_stats_statement(windows_days: tuple[int, ...], kind: bool = False) -> Select[Any]:
    """The statement for ``race_stats``, built once per set of windows (bind parameters only).

    Building a Core expression with a union and a dozen CASEs costs more Python than running it;
    the statement is made once and reused with new parameters (and SQLAlchemy's compiled cache).
    """
    m = matches_1v1
    uid = bindparam("uid", type_=m.c.player_1_discord_uid.type)
    season_from = bindparam("season_from", type_=m.c.played_at.type)
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
            ).where(
                me == uid, m.c.match_result.between(FINAL_RESULTS[0], FINAL_RESULTS[-1]),
                m.c.played_at >= season_from,
            )
        )
    mine = union_all(*sides).subquery()
    columns: list[Any] = [literal_column("1").label("kind")] if kind else []
    columns += [
        mine.c.race,
        func.sum(mine.c.won),
        func.sum(mine.c.lost),
        func.sum(mine.c.drawn),
        func.max(mine.c.played_at),
    ]
    since = {days: bindparam(f"since_{days}", type_=m.c.played_at.type) for days in windows_days}
    for days in windows_days:
        for col in (mine.c.won, mine.c.lost, mine.c.drawn):
            columns.append(func.sum(case((mine.c.played_at >= since[days], col), else_=literal(0))))
    for days in windows_days:  # each window's oldest match: when the window's counts next drop
        columns.append(func.min(case((mine.c.played_at >= since[days], mine.c.played_at), else_=null())))
    grouped = select(*columns).group_by(mine.c.race)
    return grouped if kind else grouped.order_by(mine.c.race)


@lru_cache(maxsize=8)
def race_stats_statement(windows_days: tuple[int, ...]) -> Select[Any]:
    return _race_stats_statement(windows_days)


@lru_cache(maxsize=8)
def player_stats_statement(windows_days: tuple[int, ...]) -> CompoundSelect[Any]:
    """The player's rating rows (kind 0) and grouped statistics (kind 1) in one statement.

    Columns: kind, race, won, lost, drawn, last played; then kind 0 has the MMR (and NULLs), kind 1
    the windows' sums and oldest matches (as ``race_stats_statement``). Built once per set of
    windows; the parameters are ``player_stats_params``. A union's column types are its first
    select's: that is why ``last_played`` and the NULLs under the oldest-match columns are typed as
    the rating row's time, so every time comes back as a UTC datetime.
    """
    r = mmrs_1v1
    uid = bindparam("uid", type_=r.c.discord_uid.type)
    pad = [null()] * (3 * len(windows_days) - 1)
    times = [type_coerce(null(), r.c.last_played.type) for _ in windows_days]
    ratings = select(
        literal_column("0").label("kind"), r.c.race, r.c.games_won, r.c.games_lost, r.c.games_drawn,
        r.c.last_played, r.c.mmr, *pad, *times,
    ).where(r.c.discord_uid == uid)
    return union_all(ratings, _race_stats_statement(windows_days, kind=True))


def player_stats_params(
    discord_uid: int, now: datetime, windows_days: Iterable[int], season_from: datetime = SEASONS_BEGIN
) -> dict[str, Any]:
    """``season_from``: where the current season's matches begin (statistics are the season's;
    the default counts every match, as the first season does)."""
    params: dict[str, Any] = {"uid": discord_uid, "season_from": season_from}
    params.update({f"since_{days}": now - timedelta(days=days) for days in windows_days})
    return params


def _record(w: Any, lo: Any, d: Any) -> Record:
    return Record(int(w or 0), int(lo or 0), int(d or 0))


def race_stats_from(row: Sequence[Any], windows: tuple[int, ...]) -> RaceStats:
    """A ``RaceStats`` from a row of ``race_stats_statement`` (race first)."""
    per_window = {days: _record(*row[5 + 3 * i : 8 + 3 * i]) for i, days in enumerate(windows)}
    first_oldest = 5 + 3 * len(windows)
    drops = [
        oldest + timedelta(days=days)
        for days, oldest in zip(windows, row[first_oldest : first_oldest + len(windows)], strict=True)
        if oldest is not None
    ]
    all_time = _record(row[1], row[2], row[3])
    return RaceStats(str(row[0]), all_time, per_window, row[4], min(drops, default=None))


def player_stats_from(rows: Iterable[Sequence[Any]], windows: tuple[int, ...]) -> PlayerStats:
    """Parse the rows of ``player_stats_statement``."""
    ratings: dict[str, RatingCounters] = {}
    races: dict[str, RaceStats] = {}
    for row in rows:
        if int(row[0]) == 0:
            race = str(row[1])
            ratings[race] = RatingCounters(race, int(row[6]), _record(row[2], row[3], row[4]))
        else:
            stats = race_stats_from(row[1:], windows)
            races[stats.race] = stats
    return PlayerStats(ratings, races)


class StatsRepository(Repository):
    async def race_stats(
        self, discord_uid: int, now: datetime, windows_days: Sequence[int] = DEFAULT_WINDOWS_DAYS
    ) -> list[RaceStats]:
        """Per race the player used: W-L-D all time and in each window, and the last match time.

        One query: the player's side of every final match (as player 1 or player 2, each side
        served by its own index), then grouped by race with conditional sums.
        """
        windows = tuple(windows_days)
        params = player_stats_params(discord_uid, now, windows)
        rows = (await self.conn.execute(race_stats_statement(windows), params)).all()
        return [race_stats_from(row, windows) for row in rows]
