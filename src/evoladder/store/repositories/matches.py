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

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
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
    text,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import RowMapping
from sqlalchemy.sql.expression import ColumnElement

from evoladder.domain.match_state import MatchState, MatchStatus
from evoladder.domain.players import PlayerState
from evoladder.store.engine import driver_connection
from evoladder.store.repositories.base import Repository
from evoladder.store.schema import matches_1v1, players, queue_entries

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
    "confirm_deadline_1": "player_1_confirm_deadline",
    "confirm_deadline_2": "player_2_confirm_deadline",
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
@dataclass(frozen=True, slots=True)
class WaveWrite:
    """What one wave writes (``MatchRepository.create_wave``)."""

    rows: Sequence[WaveMatch]  # each with a different player 1
    now: datetime  # the matches' played_at, the players' updated_at, the outbox rows' time
    wave_at: datetime
    waited_by: datetime  # entries that joined by then and stay queued wait one more wave


# What a wave writes to the outbox: one row per seat, with no payload (the message is built from
# the match row when it is delivered, and the player's confirmation time starts then).
MATCH_FOUND = "match_found"

_NEW_MATCH = (
    f"INSERT INTO matches_1v1 ({', '.join(WAVE_COLUMNS)}, "
    "status, played_at, wave_at, version)"
)
# Both players queued with the race of their slot.
_QUEUED_RACES = """
    JOIN queue_entries qa ON qa.discord_uid = v.p1 AND qa.bw_race = v.r1
    JOIN queue_entries qb ON qb.discord_uid = v.p2 AND qb.sc2_race = v.r2"""
_QUEUEING = f"state = '{PlayerState.QUEUEING.value}'"
# ... and both still queueing and not banned.
_STILL_PAIRABLE = f"""
    JOIN players a ON a.discord_uid = v.p1
    JOIN players b ON b.discord_uid = v.p2 {_QUEUED_RACES}
    WHERE a.{_QUEUEING} AND b.{_QUEUEING} AND NOT a.is_banned AND NOT b.is_banned"""
_IN_MATCH = f"state = '{PlayerState.IN_MATCH.value}'"

PG_LOCK_PLAYERS = (
    "SELECT discord_uid FROM players WHERE discord_uid = ANY($1::bigint[]) "
    f"AND {_QUEUEING} AND NOT is_banned ORDER BY discord_uid FOR UPDATE"
)
"""The first statement of a wave on PostgreSQL: lock the players of every pair (uid order, as
every writer) and return those still queueing and not banned. Waiting for a lock rechecks the
conditions on the row's newest version (READ COMMITTED), a row that fails them is neither locked
nor returned, and a locked row cannot change until the commit: so the players' side of "still
pairable" is settled here, and ``PG_WAVE`` checks only the queue entries (two joins instead of
four: about 1 ms less server time at 1,000 queued). The entries must still be read by a later
statement: this one's snapshot was taken before it waited, and an entry re-created meanwhile
(every writer of an entry locks its player first, but need not change the player's row) would be
missed."""
PG_WAVE = f"""
WITH v AS (
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::varchar[], $4::varchar[],
                         $5::integer[], $6::integer[], $7::varchar[], $8::varchar[])
        AS u(p1, p2, r1, r2, m1, m2, map_played, server_choice)
), made AS (
    {_NEW_MATCH}
    SELECT v.*, '{MatchStatus.FOUND.value}', $9::timestamptz, $10::timestamptz, 1
    FROM v {_QUEUED_RACES}
    RETURNING id, player_1_discord_uid, player_2_discord_uid
), seats AS (
    SELECT id, player_1_discord_uid AS uid FROM made
    UNION ALL SELECT id, player_2_discord_uid FROM made
), gone AS (
    DELETE FROM queue_entries q USING seats WHERE q.discord_uid = seats.uid
), moved AS (
    UPDATE players p SET {_IN_MATCH}, current_match_id = seats.id, updated_at = $9::timestamptz,
        version = p.version + 1
    FROM seats WHERE p.discord_uid = seats.uid
), told AS (
    INSERT INTO outbox (kind, discord_uid, match_id, created_at, attempts)
    SELECT '{MATCH_FOUND}', uid, id, $9::timestamptz, 0 FROM seats
), waited AS (
    UPDATE queue_entries q SET waits = q.waits + 1
    WHERE q.joined_at <= $11::timestamptz AND q.discord_uid NOT IN (SELECT uid FROM seats)
)
SELECT id, player_1_discord_uid FROM made
"""
"""One wave on PostgreSQL after ``PG_LOCK_PLAYERS``, over the pairs whose players it returned. The
sub-statements of one statement see the same snapshot and not each other's changes, so none may
touch a row another one changes: the waits skip the entries this statement deletes (the matched
players'). The arrays go in as text (``pg_array``)."""



SQLITE_WAVE_INSERT = (
    "WITH v(p1, p2, r1, r2, m1, m2, map_played, server_choice) AS MATERIALIZED (SELECT value ->> 0, "
    "value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7 "
    f"FROM json_each(?4)) {_NEW_MATCH} SELECT v.*, ?1, ?2, ?3, 1 FROM v {_STILL_PAIRABLE} "
    "RETURNING id, player_1_discord_uid"
)
"""The pairs go in as ONE JSON array of rows (``json_each``): the statement's text is the same
for every wave, so SQLite parses it once per connection, and no wave needs more parameters
than a statement may have (a VALUES list binds eight per row)."""
_SQLITE_SEATS = (
    "SELECT id, player_1_discord_uid AS uid FROM matches_1v1 WHERE id BETWEEN ?1 AND ?2 "
    "UNION ALL SELECT id, player_2_discord_uid FROM matches_1v1 WHERE id BETWEEN ?1 AND ?2"
)
SQLITE_WAVE_ENTRIES = f"DELETE FROM queue_entries WHERE discord_uid IN (SELECT uid FROM ({_SQLITE_SEATS}))"
SQLITE_WAVE_PLAYERS = (
    f"UPDATE players SET {_IN_MATCH}, current_match_id = s.id, updated_at = ?3, "
    f"version = players.version + 1 FROM ({_SQLITE_SEATS}) AS s WHERE players.discord_uid = s.uid"
)
SQLITE_WAVE_OUTBOX = (
    "INSERT INTO outbox (kind, discord_uid, match_id, created_at, attempts) "
    f"SELECT '{MATCH_FOUND}', uid, id, ?3, 0 FROM ({_SQLITE_SEATS}) ORDER BY id, uid"
)
SQLITE_WAITS = "UPDATE queue_entries SET waits = waits + 1 WHERE joined_at <= ?"


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

    async def create_wave(self, wave: WaveWrite) -> list[int | None]:
        """Write a wave: its matches, minus the pairs the queue no longer allows, and everything
        that goes with them. Returns the new match's id for each row of ``wave.rows`` (``None``:
        the pair was dropped). Must run in the wave's write transaction.

        A pair is kept when both players are still queueing, not banned, and queue the race of
        their slot (player 1 the BW race, player 2 the SC2 race); the check and the insert are one
        statement, so a dropped pair never gets a row. For the kept matches: their players' queue
        entries are deleted, the players go to in_match, each player gets one ``match_found``
        outbox row (delivered after the commit; the confirmation deadlines are armed at delivery,
        so the wave writes no job rows), and every other entry that joined by ``wave.waited_by``
        waits one more wave.

        PostgreSQL, two statements: the players of every pair are locked first (``FOR UPDATE``,
        uid order, as every writer: every writer of a queue entry locks its player first, so the
        entries need no lock of their own), and that statement also returns which of them are
        still queueing and not banned (``PG_LOCK_PLAYERS``); the pairs of the others are dropped
        there. Then ONE statement of data-modifying CTEs does the rest, checking the entries. That
        check must run in a statement that starts after the locks are held: a single statement
        reads one snapshot taken before it waited for a lock, and would miss an entry re-created
        meanwhile. SQLite: the write transaction (``BEGIN IMMEDIATE``) excludes every
        other writer, so the statements run one after the other straight through the driver, one
        thread hop each: the validated multi-row insert, then entries, players, outbox and waits over
        the id range the insert returned (the new rows are exactly that range).

        RETURNING order is unspecified, so ids are matched back by player 1 (a player is in at
        most one pair of a wave).
        """
        if not wave.rows:
            await self._waits_only(wave)
            return []
        driver: Any = await driver_connection(self.conn)
        at = self._bind(wave)
        if self.dialect == "sqlite":
            by_player = await self._wave_sqlite(driver, wave, at)
        else:
            by_player = await self._wave_postgres(driver, wave, at)
        return [by_player.get(row[0]) for row in wave.rows]

    def _bind(self, wave: WaveWrite) -> dict[str, Any]:
        """The wave's timestamps as the driver takes them: the column type's full conversion for
        this dialect (on SQLite the exact text SQLAlchemy stores, so comparisons with stored
        timestamps, which are text comparisons there, hold)."""
        dialect = self.conn.dialect
        convert = matches_1v1.c.played_at.type.dialect_impl(dialect).bind_processor(dialect)
        values = {"now": wave.now, "wave_at": wave.wave_at, "waited_by": wave.waited_by}
        return {k: convert(v) if convert else v for k, v in values.items()}

    async def _waits_only(self, wave: WaveWrite) -> None:
        """A wave without pairs: everyone it saw waited one more wave."""
        await self.conn.execute(
            update(queue_entries)
            .where(queue_entries.c.joined_at <= wave.waited_by)
            .values(waits=queue_entries.c.waits + 1)
        )

    async def _wave_postgres(self, driver: Any, wave: WaveWrite, at: dict[str, Any]) -> dict[int, int]:
        uids = [uid for row in wave.rows for uid in row[:2]]
        pairable = {int(uid) for (uid,) in await driver.fetch(PG_LOCK_PLAYERS, uids)}
        kept = [row for row in wave.rows if row[0] in pairable and row[1] in pairable]
        columns = [list(column) for column in zip(*kept, strict=True)] or [[]] * len(WAVE_COLUMNS)
        rows = await driver.fetch(PG_WAVE, *columns, at["now"], at["wave_at"], at["waited_by"])
        return {int(p1): int(i) for i, p1 in rows}

    async def _wave_sqlite(self, driver: Any, wave: WaveWrite, at: dict[str, Any]) -> dict[int, int]:
        constants = (MatchStatus.FOUND.value, at["now"], at["wave_at"])
        pairs = json.dumps(wave.rows, separators=(",", ":"))
        returned = await driver.execute_fetchall(SQLITE_WAVE_INSERT, (*constants, pairs))
        by_player = {int(p1): int(i) for i, p1 in returned}
        if by_player:
            lo, hi = min(by_player.values()), max(by_player.values())
            await driver.execute_fetchall(SQLITE_WAVE_ENTRIES, (lo, hi))
            await driver.execute_fetchall(SQLITE_WAVE_PLAYERS, (lo, hi, at["now"]))
            await driver.execute_fetchall(SQLITE_WAVE_OUTBOX, (lo, hi, at["now"]))
        await driver.execute_fetchall(SQLITE_WAITS, (at["waited_by"],))
        return by_player

    async def get(self, match_id: int, *, for_update: bool = False) -> MatchState | None:
        stmt = select(matches_1v1).where(matches_1v1.c.id == match_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self.conn.execute(stmt)).mappings().first()
        return match_from_row(row) if row else None

    async def get_many(self, match_ids: Iterable[int]) -> dict[int, MatchState]:
        ids = sorted(set(match_ids))
        if not ids:
            return {}
        out: dict[int, MatchState] = {}
        for start in range(0, len(ids), 5_000):
            stmt = select(matches_1v1).where(matches_1v1.c.id.in_(ids[start : start + 5_000]))
            for row in (await self.conn.execute(stmt)).mappings():
                out[int(row["id"])] = match_from_row(row)
        return out

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

    async def in_progress(self) -> int:
        """Open matches (found or confirmed): what the searching view shows as being played."""
        open_states = [s.value for s in MatchStatus if s.is_open]
        stmt = select(func.count()).select_from(matches_1v1).where(matches_1v1.c.status.in_(open_states))
        return int((await self.conn.execute(stmt)).scalar_one())

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


@dataclass(frozen=True, slots=True)
class CasWrite:
    """One match's change for ``MatchRepository.update_cas_many``: from ``before`` (as read under
    the lock) to ``after``, which moves the row version by ``steps`` (the transitions it folds:
    the same version one ``update_cas`` per transition would have left)."""

    before: MatchState
    after: MatchState
    steps: int = 1

    def changed(self) -> dict[str, Any]:
        """The columns ``after`` changes, with their new values (as ``update_cas`` writes them)."""
        out = {
            COLUMN_OF.get(name, name): getattr(self.after, name)
            for name in FIELDS
            if name not in IMMUTABLE and getattr(self.after, name) != getattr(self.before, name)
        }
        if "status" in out:
            out["status"] = self.after.status.value
        return out


_CasGroup = list[tuple[CasWrite, dict[str, Any]]]  # writes changing the same columns, with their values


class MatchBatches(Repository):
    """Set-based forms of ``MatchRepository``'s reads and compare-and-sets, for a batch of matches
    changed in one transaction (a wave's delivery receipts): a constant number of statements
    whatever the batch's size, because on PostgreSQL every statement is a network round trip.

    Kept apart from ``MatchRepository`` (the wave's write lives there); built over the unit of
    work's connection (``MatchBatches(uow.conn)``).
    """

    async def lock_many(self, match_ids: Iterable[int]) -> dict[int, MatchState]:
        """The matches, read ``FOR UPDATE`` in one statement, locked in id order.

        The order is the deadlock rule: every writer that locks more than one match locks them by
        ascending id, so two batches (or a batch and a single change, which locks one) never wait
        on each other in a circle. PostgreSQL locks the rows as the sorted scan returns them; on
        SQLite the transaction already holds the database's write lock and the clause is dropped.
        The ids go in as one parameter (an array; JSON on SQLite), so the statement's text and
        its parameter count do not grow with the batch.
        """
        ids = sorted(set(match_ids))
        if not ids:
            return {}
        m = matches_1v1.c
        listed: ColumnElement[bool]
        if self.dialect == "sqlite":
            listed = m.id.in_(text("SELECT value FROM json_each(:ids)").bindparams(ids=json.dumps(ids)))
        else:
            listed = m.id == any_(literal(ids, ARRAY(Integer)))
        stmt = select(matches_1v1).where(listed).order_by(m.id).with_for_update()
        return {int(r["id"]): match_from_row(r) for r in (await self.conn.execute(stmt)).mappings()}

    async def update_cas_many(self, writes: Sequence[CasWrite]) -> int:
        """``update_cas`` for many matches: one statement per distinct set of changed columns;
        how many rows were still at their ``before.version`` (and were written).

        PostgreSQL: ``UPDATE ... FROM unnest(arrays)``, one array per column, one round trip.
        SQLite: one executemany of the single-row compare-and-set (no network to save; the
        driver runs it as one call and sums the rows it changed).
        """
        groups: dict[tuple[str, ...], _CasGroup] = {}
        for w in writes:
            changed = w.changed()
            groups.setdefault(tuple(sorted(changed)), []).append((w, changed))
        written = 0
        for columns, group in groups.items():
            if self.dialect == "sqlite":
                written += await self._cas_sqlite(columns, group)
            else:
                written += await self._cas_postgres(columns, group)
        return written

    async def _cas_sqlite(self, columns: tuple[str, ...], group: _CasGroup) -> int:
        m = matches_1v1.c
        values: dict[str, Any] = {c: bindparam(f"w_{c}", type_=m[c].type) for c in columns}
        values["version"] = bindparam("w_new")
        same = (m.id == bindparam("w_id"), m.version == bindparam("w_old"))
        stmt = update(matches_1v1).where(*same).values(values)
        params = [
            {"w_id": w.before.id, "w_old": w.before.version, "w_new": w.before.version + w.steps}
            | {f"w_{c}": changed[c] for c in columns}
            for w, changed in group
        ]
        return int((await self.conn.execute(stmt, params)).rowcount)

    async def _cas_postgres(self, columns: tuple[str, ...], group: _CasGroup) -> int:
        m = matches_1v1.c
        arrays = [  # each bound as one typed array (``$n::INTEGER[]``), whatever the group's size
            literal([w.before.id for w, _ in group], ARRAY(Integer)),
            literal([w.before.version for w, _ in group], ARRAY(Integer)),
            literal([w.before.version + w.steps for w, _ in group], ARRAY(Integer)),
            *(literal([ch[c] for _, ch in group], ARRAY(m[c].type)) for c in columns),
        ]
        v = func.unnest(*arrays).table_valued("w_id", "w_old", "w_new", *columns).render_derived(name="w")
        stmt = (
            update(matches_1v1)
            .where(m.id == v.c.w_id, m.version == v.c.w_old)
            .values({c: v.c[c] for c in columns} | {"version": v.c.w_new})
            .returning(m.id)
        )
        return len((await self.conn.execute(stmt)).all())
