"""Rating history rows, seasons, closed seasons' final boards, and SC2 account handles."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import RowMapping

from evoladder.domain.history import HistoryKind, HistoryRow, SeasonSpan
from evoladder.store.repositories.base import Repository
from evoladder.store.schema import players, rating_history_1v1, season_standings_1v1, seasons, toon_handles

INSERT_BATCH = 5_000


class NoSeason(RuntimeError):
    """History rows need a season; the seasons table is empty (migration 0004 creates the first)."""


@dataclass(frozen=True, slots=True)
class SeasonRecord:
    id: int
    name: str
    map_pool: str
    started_at: datetime
    ended_at: datetime | None

    @property
    def is_current(self) -> bool:
        return self.ended_at is None

    @property
    def span(self) -> SeasonSpan:
        return SeasonSpan(self.id, self.started_at)


def season_from(row: RowMapping) -> SeasonRecord:
    return SeasonRecord(row["id"], row["name"], row["map_pool"], row["started_at"], row["ended_at"])


def history_values(row: HistoryRow) -> dict[str, Any]:
    return {
        "discord_uid": row.discord_uid,
        "race": row.race,
        "season_id": row.season_id,
        "kind": row.kind.value,
        "match_id": row.match_id,
        "rating_before": row.rating_before,
        "rating_after": row.rating_after,
        "expected": row.expected,
        "at": row.at,
    }


def history_from(row: RowMapping) -> HistoryRow:
    return HistoryRow(
        row["discord_uid"], row["race"], row["season_id"], HistoryKind(row["kind"]), row["match_id"],
        row["rating_before"], row["rating_after"], row["expected"], row["at"],
    )


class HistoryRepository(Repository):
    async def add(self, rows: Sequence[HistoryRow]) -> None:
        for start in range(0, len(rows), INSERT_BATCH):
            part = rows[start:start + INSERT_BATCH]
            await self.conn.execute(insert(rating_history_1v1), [history_values(r) for r in part])

    async def for_rating(self, discord_uid: int, race: str) -> list[HistoryRow]:
        """Every row of one rating, oldest first."""
        h = rating_history_1v1.c
        stmt = (
            select(rating_history_1v1)
            .where(h.discord_uid == discord_uid, h.race == race)
            .order_by(h.id)
        )
        return [history_from(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def for_match(self, match_id: int) -> list[HistoryRow]:
        h = rating_history_1v1.c
        stmt = select(rating_history_1v1).where(h.match_id == match_id).order_by(h.id)
        return [history_from(r) for r in (await self.conn.execute(stmt)).mappings()]


class SeasonRepository(Repository):
    async def all(self) -> list[SeasonRecord]:
        """Every season, oldest first (in id order: seasons are opened one after the other)."""
        stmt = select(seasons).order_by(seasons.c.id)
        return [season_from(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def get(self, season_id: int) -> SeasonRecord | None:
        row = (await self.conn.execute(select(seasons).where(seasons.c.id == season_id))).mappings().first()
        return season_from(row) if row else None

    async def current(self, *, for_update: bool = False) -> SeasonRecord | None:
        stmt = select(seasons).where(seasons.c.ended_at.is_(None)).order_by(seasons.c.id.desc()).limit(1)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self.conn.execute(stmt)).mappings().first()
        return season_from(row) if row else None

    async def of_match(self, played_at: datetime) -> SeasonRecord:
        """The season a match made at ``played_at`` belongs to, read ``FOR SHARE``: a season
        start (which closes that row) waits for this transaction, or this one sees it closed.
        Older than every season: the first season (``domain.history.season_at``)."""
        c = seasons.c
        stmt = (
            select(seasons).where(c.started_at <= played_at)
            .order_by(c.id.desc()).limit(1).with_for_update(read=True)
        )
        row = (await self.conn.execute(stmt)).mappings().first()
        if row is None:
            stmt = select(seasons).order_by(c.id).limit(1).with_for_update(read=True)
            row = (await self.conn.execute(stmt)).mappings().first()
        if row is None:
            raise NoSeason("no season in the database: run `evoladder db upgrade`")
        return season_from(row)

    async def open(self, name: str, map_pool: str, started_at: datetime) -> int:
        result = await self.conn.execute(
            insert(seasons).values(name=name, map_pool=map_pool, started_at=started_at, ended_at=None)
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    async def close(self, season_id: int, ended_at: datetime) -> bool:
        c = seasons.c
        result = await self.conn.execute(
            update(seasons).where(c.id == season_id, c.ended_at.is_(None)).values(ended_at=ended_at)
        )
        return result.rowcount == 1


@dataclass(frozen=True, slots=True)
class Standing:
    """One (player, race) row of a closed season's final board."""

    season_id: int
    discord_uid: int
    race: str
    global_rank: int | None
    letter: str
    best: bool
    mmr: int
    games_won: int
    games_lost: int
    games_drawn: int
    last_played: datetime | None

    @property
    def games(self) -> int:
        return self.games_won + self.games_lost + self.games_drawn


def standing_from(row: RowMapping) -> Standing:
    return Standing(
        row["season_id"], row["discord_uid"], row["race"], row["global_rank"], row["letter"], row["best"],
        row["mmr"], row["games_won"], row["games_lost"], row["games_drawn"], row["last_played"],
    )


@dataclass(frozen=True, slots=True)
class BoardQuery:
    """A past board's filters: ``countries`` as given, ``other`` for every country outside
    ``common`` (DESIGN section 2: "Other" means all of them, not only the players who picked it)."""

    season_id: int
    races: frozenset[str]
    countries: frozenset[str]
    other: bool
    common: frozenset[str]
    letter: str | None
    best_only: bool


class StandingsRepository(Repository):
    def _board(self, q: BoardQuery, *columns: Any) -> Any:
        s, p = season_standings_1v1.c, players.c
        stmt = (
            select(*columns)
            .select_from(season_standings_1v1.join(players, p.discord_uid == s.discord_uid))
            .where(s.season_id == q.season_id, s.global_rank.is_not(None), p.is_banned.is_(False))
        )
        if q.races:
            stmt = stmt.where(s.race.in_(sorted(q.races)))
        if q.letter:
            stmt = stmt.where(s.letter == q.letter)
        if q.best_only:
            stmt = stmt.where(s.best.is_(True))
        if q.countries or q.other:
            named = sorted(q.countries - {"ZZ"}) if q.other else sorted(q.countries)
            wanted = [p.country.in_(named)] if named else []
            if q.other:
                wanted += [p.country.is_(None), p.country.not_in(sorted(q.common))]
            stmt = stmt.where(or_(*wanted))
        return stmt

    async def board_count(self, q: BoardQuery) -> int:
        return int((await self.conn.execute(self._board(q, func.count()))).scalar_one())

    async def board_page(self, q: BoardQuery, offset: int, limit: int) -> list[tuple[Any, ...]]:
        """Rows ``offset``.. of the filtered board in rank order: (global rank, letter, uid, race,
        country, main id, username, mmr, last played)."""
        s, p = season_standings_1v1.c, players.c
        stmt = self._board(
            q, s.global_rank, s.letter, s.discord_uid, s.race, p.country, p.main_id, p.discord_username,
            s.mmr, s.last_played,
        ).order_by(s.global_rank).offset(offset).limit(limit)
        return [tuple(r) for r in (await self.conn.execute(stmt)).all()]

    async def board_position(self, q: BoardQuery, discord_uid: int) -> tuple[int, str] | None:
        """The viewer's best place on the filtered board: (1-based position, race), or None."""
        s = season_standings_1v1.c
        mine = (await self.conn.execute(
            self._board(q, s.global_rank, s.race).where(s.discord_uid == discord_uid)
            .order_by(s.global_rank).limit(1)
        )).first()
        if mine is None:
            return None
        ahead = (await self.conn.execute(
            self._board(q, func.count()).where(s.global_rank <= mine[0])
        )).scalar_one()
        return int(ahead), str(mine[1])

    async def ranked_count(self, season_id: int) -> int:
        s = season_standings_1v1.c
        stmt = select(func.count()).select_from(season_standings_1v1).where(
            s.season_id == season_id, s.global_rank.is_not(None)
        )
        return int((await self.conn.execute(stmt)).scalar_one())

    async def add(self, rows: Sequence[Standing]) -> None:
        for start in range(0, len(rows), INSERT_BATCH):
            part = rows[start:start + INSERT_BATCH]
            await self.conn.execute(
                insert(season_standings_1v1),
                [
                    {
                        "season_id": s.season_id, "discord_uid": s.discord_uid, "race": s.race,
                        "global_rank": s.global_rank, "letter": s.letter, "best": s.best, "mmr": s.mmr,
                        "games_won": s.games_won, "games_lost": s.games_lost, "games_drawn": s.games_drawn,
                        "last_played": s.last_played,
                    }
                    for s in part
                ],
            )

    async def count(self, season_id: int) -> int:
        stmt = select(func.count()).select_from(season_standings_1v1).where(
            season_standings_1v1.c.season_id == season_id
        )
        return int((await self.conn.execute(stmt)).scalar_one())

    async def for_player(self, season_id: int, discord_uid: int) -> list[Standing]:
        c = season_standings_1v1.c
        stmt = select(season_standings_1v1).where(c.season_id == season_id, c.discord_uid == discord_uid)
        return [standing_from(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def add_result(
        self, season_id: int, discord_uid: int, race: str, won: int, lost: int, drawn: int, mmr: int
    ) -> None:
        """A match of a closed season that finished after the close: its game joins that season's
        record (rank, letter and rating stay as at the close). A player with no row yet gets one,
        unranked."""
        c = season_standings_1v1.c
        result = await self.conn.execute(
            update(season_standings_1v1)
            .where(c.season_id == season_id, c.discord_uid == discord_uid, c.race == race)
            .values(
                games_won=c.games_won + won, games_lost=c.games_lost + lost, games_drawn=c.games_drawn + drawn
            )
        )
        if result.rowcount == 0:
            await self.add([
                Standing(season_id, discord_uid, race, None, "U", False, mmr, max(won, 0), max(lost, 0),
                         max(drawn, 0), None)
            ])


@dataclass(frozen=True, slots=True)
class ToonHandle:
    toon_handle: str
    discord_uid: int
    first_seen: datetime
    last_seen: datetime
    replays: int


def toon_from(row: RowMapping) -> ToonHandle:
    return ToonHandle(
        row["toon_handle"], row["discord_uid"], row["first_seen"], row["last_seen"], row["replays"]
    )


class ToonHandleRepository(Repository):
    async def record(self, discord_uid: int, handle: str, now: datetime) -> bool:
        """Count one verified replay of ``handle`` by ``discord_uid``; True when it is new for them."""
        c = toon_handles.c
        result = await self.conn.execute(
            update(toon_handles)
            .where(c.toon_handle == handle, c.discord_uid == discord_uid)
            .values(last_seen=now, replays=c.replays + 1)
        )
        if result.rowcount:
            return False
        await self.conn.execute(
            insert(toon_handles).values(
                toon_handle=handle, discord_uid=discord_uid, first_seen=now, last_seen=now, replays=1
            )
        )
        return True

    async def for_player(self, discord_uid: int) -> list[ToonHandle]:
        c = toon_handles.c
        stmt = select(toon_handles).where(c.discord_uid == discord_uid).order_by(c.first_seen, c.id)
        return [toon_from(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def sharing(self, handles: Iterable[str], discord_uid: int) -> list[ToonHandle]:
        """Rows of the same handles held by other Discord accounts."""
        wanted = sorted(set(handles))
        if not wanted:
            return []
        c = toon_handles.c
        stmt = (
            select(toon_handles)
            .where(c.toon_handle.in_(wanted), c.discord_uid != discord_uid)
            .order_by(c.toon_handle, c.first_seen, c.id)
        )
        return [toon_from(r) for r in (await self.conn.execute(stmt)).mappings()]

