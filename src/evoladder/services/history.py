"""Reads of the rating history: the chart of one player's rating with one race.

``HistoryService.chart`` reads the whole history of one (player, race) from its index
(``ix_rating_history_1v1_rating``: discord uid, race, id) in one statement, then thins it to at
most ``max_points`` with ``domain.history.downsample`` (first and last points, every season break,
the highest and lowest, and min-max buckets between). The web draws its chart from this; the
points are in the order the changes were applied, with the time of each.

Timestamps are parsed only for the points kept: on SQLite the column is read as its stored text,
so a 3,000-game history costs 3,000 small tuples, not 3,000 datetime conversions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, bindparam, select, type_coerce

from evoladder.domain.errors import UnknownRace
from evoladder.domain.history import downsample, season_breaks
from evoladder.game import GameData
from evoladder.services.seasons import SeasonBook
from evoladder.store.schema import rating_history_1v1
from evoladder.store.uow import Database

DEFAULT_MAX_POINTS = 400


@dataclass(frozen=True, slots=True)
class ChartPoint:
    at: datetime
    rating: int
    season_id: int


@dataclass(frozen=True, slots=True)
class SeasonBreak:
    """Where the history enters another season: the first point of ``season_id``."""

    at: datetime
    season_id: int
    name: str


@dataclass(frozen=True, slots=True)
class RatingChart:
    """One rating over its whole history, thinned for drawing."""

    discord_uid: int
    race: str
    points: tuple[ChartPoint, ...]  # oldest first; empty when the rating never changed
    season_breaks: tuple[SeasonBreak, ...]
    total_points: int  # rows in the full history (``len(points)`` when nothing was thinned)

    @property
    def timestamps(self) -> tuple[datetime, ...]:
        return tuple(p.at for p in self.points)

    @property
    def ratings(self) -> tuple[int, ...]:
        return tuple(p.rating for p in self.points)


def _moment(value: Any) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class HistoryService:
    def __init__(
        self,
        *,
        db: Database,
        game: GameData,
        seasons: SeasonBook | None = None,
        max_points: int = DEFAULT_MAX_POINTS,
    ) -> None:
        """``seasons`` names the season breaks; without it a break is labelled with its id."""
        self._db = db
        self._game = game
        self._seasons = seasons
        self.max_points = max_points
        h = rating_history_1v1.c
        self._statement = (
            select(type_coerce(h.at, String), h.rating_after, h.season_id)
            .where(
                h.discord_uid == bindparam("uid", type_=h.discord_uid.type),
                h.race == bindparam("race", type_=h.race.type),
            )
            .order_by(h.id)
        )

    async def chart(self, discord_uid: int, race: str, *, max_points: int | None = None) -> RatingChart:
        """The rating of ``discord_uid`` with ``race`` over its whole history, at most
        ``max_points`` points (the service's default when None)."""
        if race not in self._game.races:
            raise UnknownRace()
        limit = max_points or self.max_points
        raw = await self._db.snapshot(self._statement, {"uid": discord_uid, "race": race})
        return self._build(discord_uid, race, raw, limit)

    def _build(self, uid: int, race: str, raw: Sequence[tuple[Any, ...]], limit: int) -> RatingChart:
        ratings = [row[1] for row in raw]
        seasons = [row[2] for row in raw]
        keep = downsample(ratings, seasons, limit) if raw else []
        points = tuple(ChartPoint(_moment(raw[i][0]), ratings[i], seasons[i]) for i in keep)
        breaks = []
        for i in season_breaks(seasons):
            season = seasons[i]
            found = self._seasons.get(season) if self._seasons is not None else None
            breaks.append(SeasonBreak(_moment(raw[i][0]), season, found.name if found else str(season)))
        return RatingChart(uid, race, points, tuple(breaks), len(raw))
