"""Per (player, race) ratings and their counters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String, cast, func, insert, or_, select, type_coerce, update
from sqlalchemy.engine import RowMapping

from evoladder.domain.players import MmrRow
from evoladder.domain.rating import START_MMR
from evoladder.store.repositories.base import Repository
from evoladder.store.schema import mmrs_1v1

# (row id, discord uid, race, mmr, last_played as microseconds since the epoch)
RankKey = tuple[int, int, str, int, int]


def mmr_from_row(row: RowMapping) -> MmrRow:
    return MmrRow(
        id=row["id"],
        discord_uid=row["discord_uid"],
        race=row["race"],
        mmr=row["mmr"],
        games_played=row["games_played"],
        games_won=row["games_won"],
        games_lost=row["games_lost"],
        games_drawn=row["games_drawn"],
        last_played=row["last_played"],
    )


class MmrRepository(Repository):
    async def get(self, discord_uid: int, race: str, *, for_update: bool = False) -> MmrRow | None:
        stmt = select(mmrs_1v1).where(mmrs_1v1.c.discord_uid == discord_uid, mmrs_1v1.c.race == race)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self.conn.execute(stmt)).mappings().first()
        return mmr_from_row(row) if row else None

    async def get_or_create(self, discord_uid: int, race: str) -> MmrRow:
        """The row for (player, race), created at the start rating on first use."""
        existing = await self.get(discord_uid, race, for_update=True)
        if existing is not None:
            return existing
        await self.conn.execute(
            insert(mmrs_1v1).values(
                discord_uid=discord_uid, race=race, mmr=START_MMR, games_played=0,
                games_won=0, games_lost=0, games_drawn=0, last_played=None,
            )
        )
        created = await self.get(discord_uid, race)
        assert created is not None
        return created

    async def for_player(self, discord_uid: int) -> list[MmrRow]:
        stmt = select(mmrs_1v1).where(mmrs_1v1.c.discord_uid == discord_uid).order_by(mmrs_1v1.c.race)
        return [mmr_from_row(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def apply_result(
        self,
        discord_uid: int,
        race: str,
        delta: int,
        *,
        won: int = 0,
        lost: int = 0,
        drawn: int = 0,
        played_at: datetime | None = None,
    ) -> None:
        """Move a rating by ``delta`` and the counters by the given amounts, in SQL.

        The arithmetic happens in the UPDATE (mmr = mmr + delta), so it composes with any other
        change committed in between: reversing a result later never resets to a snapshot.
        """
        games = won + lost + drawn
        values: dict[str, object] = {
            "mmr": mmrs_1v1.c.mmr + delta,
            "games_played": mmrs_1v1.c.games_played + games,
            "games_won": mmrs_1v1.c.games_won + won,
            "games_lost": mmrs_1v1.c.games_lost + lost,
            "games_drawn": mmrs_1v1.c.games_drawn + drawn,
        }
        if played_at is not None:
            values["last_played"] = played_at
        await self.conn.execute(
            update(mmrs_1v1)
            .where(mmrs_1v1.c.discord_uid == discord_uid, mmrs_1v1.c.race == race)
            .values(**values)
        )

    async def touch_last_played(self, discord_uid: int, race: str, played_at: datetime) -> None:
        """Move ``last_played`` forward to ``played_at``, never back.

        A result decided late (a conflict an admin resolves next week) must not make a player who
        played since look inactive, so this is a max(), not an assignment.
        """
        await self.conn.execute(
            update(mmrs_1v1)
            .where(
                mmrs_1v1.c.discord_uid == discord_uid,
                mmrs_1v1.c.race == race,
                or_(mmrs_1v1.c.last_played.is_(None), mmrs_1v1.c.last_played < played_at),
            )
            .values(last_played=played_at)
        )

    async def set_mmr(self, discord_uid: int, race: str, mmr: int) -> None:
        await self.conn.execute(
            update(mmrs_1v1)
            .where(mmrs_1v1.c.discord_uid == discord_uid, mmrs_1v1.c.race == race)
            .values(mmr=mmr)
        )

    async def rankable_batches(self, since: datetime, batch: int = 10_000) -> AsyncIterator[list[RankKey]]:
        """The rows the leaderboard can rank (a game at or after ``since``), lean and in lists.

        This is the start-up path for 100k+ rows, so it carries only what the index needs, as
        plain tuples, and the database itself turns ``last_played`` into integer microseconds
        since the epoch (exact on both: SQLite's stored UTC text is split into seconds and its
        six fraction digits; PostgreSQL's epoch is an exact numeric). Whole partitions cross the
        async boundary, one hop per ``batch`` rows. Only rows with a recent game are read, so a
        ladder with many inactive rows starts as fast as a young one.
        """
        c = mmrs_1v1.c
        stmt = (
            select(c.id, c.discord_uid, c.race, c.mmr, self._epoch_us(c.last_played))
            .where(c.games_played > 0, c.last_played >= since)
            .execution_options(yield_per=batch)
        )
        result = await self.conn.stream(stmt)
        async for part in result.partitions(batch):
            yield [tuple(row) for row in part]

    def _epoch_us(self, column: Any) -> Any:
        if self.dialect == "sqlite":
            text = type_coerce(column, String)
            seconds = cast(func.strftime("%s", text), BigInteger)
            return seconds * 1_000_000 + cast(func.substr(text, 21, 6), BigInteger)
        return cast(func.extract("epoch", column) * 1_000_000, BigInteger)

    async def stream_all(self, batch: int = 10_000) -> AsyncIterator[MmrRow]:
        """Every row, in batches (used to build the leaderboard at start-up)."""
        result = await self.conn.stream(select(mmrs_1v1).execution_options(yield_per=batch))
        async for row in result.mappings():
            yield mmr_from_row(row)

