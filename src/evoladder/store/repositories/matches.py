"""1v1 matches, and the player-state side of their lifecycle (in_match <-> idle).

A match row changes only through ``update_cas``: it writes the fields a transition changed and
bumps ``version``, *only if* the version is still the one that was read. Together with the row
lock taken by ``get(..., for_update=True)`` (PostgreSQL) or the database write lock of
``BEGIN IMMEDIATE`` (SQLite), this makes every change of a match one serialised step: a second
writer either waits and then sees the new state, or (if it read without the lock) updates nothing.

Players enter and leave matches here rather than in ``PlayerRepository`` so that the rule "a player
is released only from the match that holds them" lives in one WHERE clause
(``current_match_id = :match``) next to the match writes; the row version is bumped as any other
player write does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    any_,
    bindparam,
    delete,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import RowMapping

from evoladder.domain.match_state import MatchState, MatchStatus
from evoladder.domain.players import PlayerState
from evoladder.store.repositories.base import Repository
from evoladder.store.schema import matches_1v1, players

# MatchState field -> matches_1v1 column (fields not listed have the column's own name).
COLUMN_OF = {
    "player_1": "player_1_discord_uid",
    "player_2": "player_2_discord_uid",
    "race_1": "player_1_race",
    "race_2": "player_2_race",
    "mmr_1": "player_1_mmr",
    "mmr_2": "player_2_mmr",
    "report_1": "player_1_report",
    "report_2": "player_2_report",
    "result": "match_result",
    "map_name": "map_played",
    "server": "server_choice",
    "confirmed_1_at": "player_1_confirmed_at",
    "confirmed_2_at": "player_2_confirmed_at",
    "reported_1_at": "player_1_reported_at",
    "reported_2_at": "player_2_reported_at",
}
FIELDS = tuple(f.name for f in fields(MatchState))
IMMUTABLE = frozenset({"id", "version"})


# A wave's new match: the columns of WAVE_COLUMNS, in that order.
WaveMatch = tuple[int, int, str, str, int, int, str, str]
WAVE_COLUMNS = (
    "player_1_discord_uid",
    "player_2_discord_uid",
    "player_1_race",
    "player_2_race",
    "player_1_mmr",
    "player_2_mmr",
    "map_played",
    "server_choice",
)
# Rows per INSERT of a wave: 8 parameters each stays far below SQLite's (32766) and asyncpg's
# (32767) limits.
WAVE_CHUNK = 2_000
WAVE_PG_TYPES = ("bigint", "bigint", "varchar", "varchar", "integer", "integer", "varchar", "varchar")


def match_from_row(row: RowMapping) -> MatchState:
    values: dict[str, Any] = {name: row[COLUMN_OF.get(name, name)] for name in FIELDS}
    values["status"] = MatchStatus(values["status"])
    return MatchState(**values)


def match_to_row(state: MatchState) -> dict[str, Any]:
    """Columns for an INSERT (without ``id``)."""
    row = {COLUMN_OF.get(name, name): getattr(state, name) for name in FIELDS if name != "id"}
    row["status"] = state.status.value
    return row


class MatchRepository(Repository):
    async def insert_many(self, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert matches; their ids in the order of ``rows``."""
        ids, _ = await self.insert_batch(rows)
        return ids

    async def insert_batch(self, rows: Sequence[Mapping[str, Any]]) -> tuple[list[int], BatchSelect]:
        """Insert matches (each row with a different player 1); their ids in the order of ``rows``
        and a SELECT of exactly these matches for set-based follow-up statements.

        SQLite: one executemany inside the write transaction (which excludes every other writer),
        so the new rows are exactly those above the largest id before it. ``INSERT ... RETURNING``
        in parameter order would be split by SQLAlchemy into many small statements there.
        PostgreSQL: ``INSERT ... RETURNING`` (asyncpg batches it), and the batch is ``id = ANY(ids)``:
        one array parameter, where an IN list of thousands of ids costs more to render than to run.
        """
        m = matches_1v1.c
        columns = (m.id, m.player_1_discord_uid, m.player_2_discord_uid, m.player_1_race, m.player_2_race)
        if not rows:
            return [], select(*columns).where(false())
        # Columns that are NULL in every row are left to their default: fewer values to convert.
        used = [k for k in rows[0] if any(r[k] is not None for r in rows)]
        params = [{k: r[k] for k in used} for r in rows]
        if self.dialect == "sqlite":
            before = int((await self.conn.execute(select(func.coalesce(func.max(m.id), 0)))).scalar_one())
            await self.conn.execute(insert(matches_1v1), params)
            new = (await self.conn.execute(select(m.id, m.player_1_discord_uid).where(m.id > before))).all()
            by_player = {int(p1): int(i) for i, p1 in new}
            ids = [by_player[int(r["player_1_discord_uid"])] for r in rows]
            return ids, select(*columns).where(m.id > before, m.id <= max(ids))
        returning = insert(matches_1v1).returning(m.id, sort_by_parameter_order=True)
        result = await self.conn.execute(returning, params)
        ids = [int(i) for i in result.scalars()]
        return ids, select(*columns).where(m.id == any_(literal(ids, ARRAY(Integer))))

    async def insert_wave(
        self,
        rows: Sequence[WaveMatch],
        played_at: datetime,
        confirm_deadline: datetime,
        wave_at: datetime,
    ) -> tuple[list[int], BatchSelect]:
        """Insert a wave's new matches (status found, each row with a different player 1): their
        ids in the order of ``rows`` and a SELECT of exactly these matches (as ``insert_batch``).

        Straight through the driver, with ``RETURNING id, player 1`` (SQLite >= 3.35,
        PostgreSQL); RETURNING order is unspecified, so ids are matched back by player 1. The
        values that are the same for the whole wave (status and the three timestamps) are bound
        once per statement, converted once.
        SQLite: multi-row ``INSERT ... VALUES``, a few thousand rows per statement, each row
        binding its own eight values; the batch is the id range (the write transaction excludes
        every other writer). PostgreSQL: one ``INSERT ... SELECT FROM unnest(arrays)``, eight
        array parameters whatever the wave's size; the batch is ``id = ANY(ids)``.
        """
        m = matches_1v1.c
        columns = (m.id, m.player_1_discord_uid, m.player_2_discord_uid, m.player_1_race, m.player_2_race)
        if not rows:
            return [], select(*columns).where(false())
        dialect = self.conn.dialect
        constants: list[Any] = [MatchStatus.FOUND.value]
        once = ((m.played_at, played_at), (m.confirm_deadline, confirm_deadline), (m.wave_at, wave_at))
        for column, value in once:
            convert = column.type.bind_processor(dialect)
            constants.append(convert(value) if convert else value)
        target = (
            f"INSERT INTO matches_1v1 ({', '.join(WAVE_COLUMNS)}, "
            "status, played_at, confirm_deadline, wave_at, version)"
        )
        by_player: dict[int, int] = {}
        if self.dialect == "sqlite":
            width = len(WAVE_COLUMNS)
            fixed = ", ".join(f"?{k + 1}" for k in range(len(constants)))  # numbered: bound once
            for start in range(0, len(rows), WAVE_CHUNK):
                part = rows[start : start + WAVE_CHUNK]
                first = len(constants) + 1
                values = ", ".join(
                    "(" + ", ".join(f"?{first + r * width + k}" for k in range(width)) + f", {fixed}, 1)"
                    for r in range(len(part))
                )
                params = (*constants, *(v for row in part for v in row))
                result = await self.conn.exec_driver_sql(
                    f"{target} VALUES {values} RETURNING id, player_1_discord_uid", params
                )
                by_player.update((int(p1), int(i)) for i, p1 in result.tuples())
            ids = [by_player[row[0]] for row in rows]
            return ids, select(*columns).where(m.id >= min(ids), m.id <= max(ids))
        arrays = ", ".join(f"${k + 1}::{t}[]" for k, t in enumerate(WAVE_PG_TYPES))
        first = len(WAVE_PG_TYPES) + 1
        sql = (
            f"{target} SELECT u.*, ${first}::varchar, ${first + 1}::timestamptz, "
            f"${first + 2}::timestamptz, ${first + 3}::timestamptz, 1 FROM unnest({arrays}) AS u "
            "RETURNING id, player_1_discord_uid"
        )
        arrays_of_rows = [list(column) for column in zip(*rows, strict=True)]
        result = await self.conn.exec_driver_sql(sql, (*arrays_of_rows, *constants))
        by_player.update((int(p1), int(i)) for i, p1 in result.tuples())
        ids = [by_player[row[0]] for row in rows]
        return ids, select(*columns).where(m.id == any_(literal(ids, ARRAY(Integer))))

    async def get(self, match_id: int, *, for_update: bool = False) -> MatchState | None:
        stmt = select(matches_1v1).where(matches_1v1.c.id == match_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self.conn.execute(stmt)).mappings().first()
        return match_from_row(row) if row else None

    async def update_cas(self, before: MatchState, after: MatchState) -> bool:
        """Write what changed from ``before`` to ``after`` if the row is still at ``before.version``."""
        changed = {
            COLUMN_OF.get(name, name): getattr(after, name)
            for name in FIELDS
            if name not in IMMUTABLE and getattr(after, name) != getattr(before, name)
        }
        if "status" in changed:
            changed["status"] = after.status.value
        result = await self.conn.execute(
            update(matches_1v1)
            .where(matches_1v1.c.id == before.id, matches_1v1.c.version == before.version)
            .values(**changed, version=matches_1v1.c.version + 1)
        )
        return result.rowcount == 1

    async def open_for_player(self, discord_uid: int) -> list[MatchState]:
        stmt = (
            select(matches_1v1)
            .where(
                _involves(discord_uid),
                matches_1v1.c.status.in_([MatchStatus.FOUND.value, MatchStatus.CONFIRMED.value]),
            )
            .order_by(matches_1v1.c.id)
        )
        return [match_from_row(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def open_ids(self) -> list[int]:
        stmt = select(matches_1v1.c.id).where(
            matches_1v1.c.status.in_([MatchStatus.FOUND.value, MatchStatus.CONFIRMED.value])
        )
        return [int(i) for i in (await self.conn.execute(stmt)).scalars()]

    async def history(self, discord_uid: int, limit: int) -> list[MatchState]:
        """The player's newest matches first (any state)."""
        stmt = (
            select(matches_1v1)
            .where(_involves(discord_uid))
            .order_by(matches_1v1.c.id.desc())
            .limit(limit)
        )
        return [match_from_row(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def players_since(self, since: datetime) -> set[int]:
        """Players of every match made at or after ``since``."""
        stmt = select(matches_1v1.c.player_1_discord_uid, matches_1v1.c.player_2_discord_uid).where(
            matches_1v1.c.played_at >= since
        )
        out: set[int] = set()
        for one, two in (await self.conn.execute(stmt)).all():
            out.update((int(one), int(two)))
        return out

    async def delete_ids(self, match_ids: Iterable[int]) -> None:
        """Delete matches that were never announced (a wave's pairs that became invalid)."""
        ids = sorted(match_ids)
        if ids:
            await self.conn.execute(delete(matches_1v1).where(matches_1v1.c.id.in_(ids)))

    async def count(self, status: MatchStatus | None = None) -> int:
        stmt = select(func.count()).select_from(matches_1v1)
        if status is not None:
            stmt = stmt.where(matches_1v1.c.status == status.value)
        return int((await self.conn.execute(stmt)).scalar_one())

    # --- the players' side ----------------------------------------------------------------

    async def put_batch_players_in_matches(self, batch: BatchSelect, now: datetime) -> None:
        """Every player of the batch's matches goes to in_match, in one set-based UPDATE.

        A wave creates thousands of matches; one UPDATE over both player sides (with the match id
        joined in the database) costs a fraction of one statement per player.
        """
        sub = batch.subquery()
        seats = union_all(
            select(sub.c.id, sub.c.player_1_discord_uid.label("uid")),
            select(sub.c.id, sub.c.player_2_discord_uid.label("uid")),
        ).subquery()
        await self.conn.execute(  # UPDATE ... FROM (PostgreSQL; SQLite since 3.33)
            update(players)
            .where(players.c.discord_uid == seats.c.uid)
            .values(
                state=PlayerState.IN_MATCH.value,
                current_match_id=seats.c.id,
                updated_at=now,
                version=players.c.version + 1,
            )
        )

    async def put_players_in_matches(self, assignments: Iterable[tuple[int, int]], now: datetime) -> None:
        """``(discord_uid, match_id)`` pairs: each player goes from queueing to in_match."""
        params = [{"uid": uid, "mid": mid} for uid, mid in assignments]
        if not params:
            return
        await self.conn.execute(
            update(players)
            .where(players.c.discord_uid == bindparam("uid"))
            .values(
                state=PlayerState.IN_MATCH.value,
                current_match_id=bindparam("mid"),
                updated_at=now,
                version=players.c.version + 1,
            )
            .execution_options(synchronize_session=False),
            params,
        )

    async def release_players(self, match_id: int, discord_uids: Iterable[int], now: datetime) -> list[int]:
        """Back to idle every given player that this match still holds; returns who was released."""
        released = []
        for uid in sorted(discord_uids):
            result = await self.conn.execute(
                update(players)
                .where(players.c.discord_uid == uid, players.c.current_match_id == match_id)
                .values(
                    state=PlayerState.IDLE.value,
                    current_match_id=None,
                    updated_at=now,
                    version=players.c.version + 1,
                )
            )
            if result.rowcount:
                released.append(uid)
        return released


BatchSelect = Select[tuple[int, int, int, str, str]]
"""Matches of one wave write: id, the two players and their races (slot order)."""


def _involves(discord_uid: int) -> Any:
    return or_(
        matches_1v1.c.player_1_discord_uid == discord_uid,
        matches_1v1.c.player_2_discord_uid == discord_uid,
    )
