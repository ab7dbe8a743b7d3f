"""Reading EvoLadderBot's database (``shared/peer-schema.md``): its SQLite file or PostgreSQL.

The store-level adapter of the importer: it knows the peer's tables and both of its backends and
gives rows as plain tuples in the column order of the domain's ``Peer*`` named tuples
(``evoladder.domain.peer_import``), in batches ordered by the peer's id. It never interprets a
value: text timestamps, 0/1 booleans and JSON text go to the domain's mapping rules as they are.

Old files lack some tables and columns (``admin_actions`` is missing from old SQLite files):
a missing column is read as NULL and a missing table as empty, so the mapping rules see one
shape. Both backends read with one statement per table, streamed: SQLite through the stdlib
driver in a worker thread (``fetchmany``), PostgreSQL through an asyncpg server-side cursor in a
read-only transaction, so a million matches never sit in memory at once.

The source is opened read-only (SQLite ``mode=ro``; a PostgreSQL transaction marked READ ONLY):
the importer never changes the peer's data.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import asyncpg

from evoladder.domain.peer_import import (
    PeerActionLog,
    PeerCommandCall,
    PeerMatch,
    PeerMmr,
    PeerPlayer,
    PeerPreferences,
    PeerReplay,
)

# peer table -> the columns read, in the domain's order (the replays' last three come from the match)
COLUMNS: dict[str, tuple[str, ...]] = {
    "players": PeerPlayer._fields,
    "mmrs_1v1": PeerMmr._fields,
    "matches_1v1": PeerMatch._fields,
    "preferences_1v1": PeerPreferences._fields,
    "player_action_logs": PeerActionLog._fields,
    "command_calls": PeerCommandCall._fields,
    "replays": PeerReplay._fields[:-3],
}
TABLES = (*COLUMNS, "admin_actions")
Row = tuple[Any, ...]


class PeerSourceError(Exception):
    """The source cannot be opened or is not an EvoLadderBot database; the message says why."""


class PeerSource(Protocol):
    """What the importer reads from the peer."""

    def describe(self) -> str: ...

    async def tables(self) -> frozenset[str]: ...

    async def count(self, table: str, after_id: int = 0) -> int: ...

    def batches(self, table: str, after_id: int = 0, size: int = 20_000) -> AsyncIterator[list[Row]]: ...

    async def open_match_ids(self) -> frozenset[int]: ...

    async def abort_rows(self) -> list[Row]: ...

    async def close(self) -> None: ...


def open_peer_source(source: str) -> PeerSource:
    """A PostgreSQL URL (``postgres://``, ``postgresql://``, ``postgresql+asyncpg://``) or an
    SQLite file (a path, or ``sqlite:///path``)."""
    text = source.strip()
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if text.startswith(prefix):
            return PostgresPeerSource("postgresql://" + text[len(prefix):])
    for prefix in ("sqlite+aiosqlite:///", "sqlite:///"):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    if "://" in text:
        raise PeerSourceError(f"not an SQLite file or a PostgreSQL URL: {text.split('://', 1)[0]}://")
    return SqlitePeerSource(Path(text))


class _Queries:
    """The statements, built from the columns each table has (missing ones read as NULL)."""

    def __init__(self, present: dict[str, frozenset[str]], placeholder: str, schema: str = "") -> None:
        self.present = present
        self.p = placeholder
        self.schema = schema  # "peer." when the file is attached to the ladder's connection

    @staticmethod
    def columns(table: str) -> tuple[str, ...]:
        """The names of the columns a table's statement gives, in order."""
        return COLUMNS[table] if table != "replays" else PeerReplay._fields

    def _cols(self, table: str, alias: str = "") -> str:
        have = self.present.get(table, frozenset())
        prefix = f"{alias}." if alias else ""
        return ", ".join(f"{prefix}{c}" if c in have else f"NULL AS {c}" for c in COLUMNS[table])

    def replay_columns(self, alias: str) -> str:
        """The replay record's own columns, as ``select("replays")`` gives them first."""
        return self._cols("replays", alias)

    def select(self, table: str) -> str | None:
        if table not in self.present:
            return None
        if table == "replays":
            return self._replays()
        return f"SELECT {self._cols(table)} FROM {self.schema}{table} WHERE id > {self.p} ORDER BY id"

    def _replays(self) -> str:
        m = self.present.get("matches_1v1", frozenset())
        cols = self._cols("replays", "r")
        if not {"player_1_replay_path", "player_2_replay_path"} <= m:
            return (f"SELECT {cols}, NULL AS match_id, NULL AS uploader_uid, NULL AS uploader_time "
                    f"FROM {self.schema}replays r WHERE r.id > {self.p} ORDER BY r.id")
        t1 = "m1.player_1_replay_time" if "player_1_replay_time" in m else "NULL"
        t2 = "m2.player_2_replay_time" if "player_2_replay_time" in m else "NULL"
        # A record belongs to the match (and slot) whose replay path names it.
        return (
            f"SELECT {cols}, COALESCE(m1.id, m2.id) AS match_id, "
            f"CASE WHEN m1.id IS NOT NULL THEN m1.player_1_discord_uid ELSE m2.player_2_discord_uid END "
            f"AS uploader_uid, CASE WHEN m1.id IS NOT NULL THEN {t1} ELSE {t2} END AS uploader_time "
            f"FROM {self.schema}replays r "
            f"LEFT JOIN {self.schema}matches_1v1 m1 ON m1.player_1_replay_path = r.replay_path "
            f"LEFT JOIN {self.schema}matches_1v1 m2 ON m2.player_2_replay_path = r.replay_path "
            # A record two matches point at: player 1's slot first, then the lower match id
            # (one order on both backends, the set-based import's too).
            f"WHERE r.id > {self.p} ORDER BY r.id, m1.id IS NULL, COALESCE(m1.id, m2.id)"
        )

    def staged(self, table: str) -> str | None:
        """A table's rows after the mark for the set-based import on PostgreSQL
        (``evoladder.store.peer_staged``), unordered; the replay records with the match (and
        slot) whose replay path names them, one row per such match, and with NULLs when none
        does, as ``select`` gives them, plus the slot."""
        if table not in self.present:
            return None
        if table != "replays":
            return f"SELECT {self._cols(table)} FROM {self.schema}{table} WHERE id > {self.p}"
        cols = self._cols("replays", "r")
        have = self.present.get("matches_1v1", frozenset())
        if not {"player_1_replay_path", "player_2_replay_path"} <= have:
            return (f"SELECT {cols}, NULL::bigint AS match_id, NULL::bigint AS uploader_uid, "
                    f"NULL::timestamptz AS uploader_time, 0 AS slot "
                    f"FROM {self.schema}replays r WHERE r.id > {self.p}")
        legs = " UNION ALL ".join(
            f"SELECT id, {n} AS slot, player_{n}_replay_path AS path, player_{n}_discord_uid AS uid, "
            f"{f'player_{n}_replay_time' if f'player_{n}_replay_time' in have else 'NULL'} AS at "
            f"FROM {self.schema}matches_1v1 WHERE player_{n}_replay_path IS NOT NULL"
            for n in (1, 2)
        )
        return (f"SELECT {cols}, m.id AS match_id, m.uid AS uploader_uid, m.at AS uploader_time, "
                f"COALESCE(m.slot, 0) AS slot FROM {self.schema}replays r "
                f"LEFT JOIN ({legs}) m ON m.path = r.replay_path WHERE r.id > {self.p}")

    def count(self, table: str) -> str:
        return f"SELECT count(*) FROM {table} WHERE id > {self.p}"

    def open_ids(self) -> str:
        return "SELECT id FROM matches_1v1 WHERE match_result IS NULL"

    def aborts(self) -> str:
        return ("SELECT player_1_discord_uid, player_1_report, player_2_discord_uid, player_2_report, "
                "played_at FROM matches_1v1 WHERE player_1_report = -3 OR player_2_report = -3")


def _sqlite_present(conn: sqlite3.Connection, names: list[str]) -> dict[str, frozenset[str]]:
    return {
        n: frozenset(r[1] for r in conn.execute(f"PRAGMA table_info({n})"))
        for n in names if n in TABLES
    }


def peer_queries(path: Path, schema: str) -> _Queries:
    """The statements for the peer's SQLite file at ``path`` attached as ``schema`` (with its
    dot) to another connection: the set-based import (``evoladder.store.peer_attach``)."""
    conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return _Queries(_sqlite_present(conn, names), "?", schema)
    finally:
        conn.close()


class SqlitePeerSource:
    """The peer's SQLite file, read-only, through the stdlib driver in a worker thread."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise PeerSourceError(f"no such SQLite file: {path}")
        self.path = path
        try:
            self._conn = sqlite3.connect(
                f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, check_same_thread=False
            )
            self._conn.execute("PRAGMA query_only=ON")
            names = [r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        except sqlite3.DatabaseError as exc:
            raise PeerSourceError(f"{path} is not a readable SQLite database: {exc}") from None
        present = _sqlite_present(self._conn, names)
        if "players" not in present:
            raise PeerSourceError(f"{path} has no players table: not an EvoLadderBot database")
        self._q = _Queries(present, "?")

    def describe(self) -> str:
        return f"SQLite file {self.path}"

    async def tables(self) -> frozenset[str]:
        return frozenset(self._q.present)

    async def count(self, table: str, after_id: int = 0) -> int:
        if table not in self._q.present:
            return 0
        sql = self._q.count(table)
        row = await asyncio.to_thread(lambda: self._conn.execute(sql, (after_id,)).fetchone())
        return int(row[0])

    async def batches(self, table: str, after_id: int = 0, size: int = 20_000) -> AsyncIterator[list[Row]]:
        sql = self._q.select(table)
        if sql is None:
            return
        cursor = await asyncio.to_thread(self._conn.execute, sql, (after_id,))
        try:
            while True:
                rows = await asyncio.to_thread(cursor.fetchmany, size)
                if not rows:
                    return
                yield rows
        finally:
            cursor.close()

    async def open_match_ids(self) -> frozenset[int]:
        if "matches_1v1" not in self._q.present:
            return frozenset()
        rows = await asyncio.to_thread(lambda: self._conn.execute(self._q.open_ids()).fetchall())
        return frozenset(int(r[0]) for r in rows)

    async def abort_rows(self) -> list[Row]:
        if "matches_1v1" not in self._q.present:
            return []
        return await asyncio.to_thread(lambda: self._conn.execute(self._q.aborts()).fetchall())

    async def close(self) -> None:
        self._conn.close()


class PostgresPeerSource:
    """The peer's PostgreSQL database through asyncpg, in READ ONLY transactions."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._conn: asyncpg.Connection | None = None
        self._q: _Queries | None = None

    def describe(self) -> str:
        host = self.dsn.split("@")[-1]
        return f"PostgreSQL {host}"

    async def _open(self) -> tuple[asyncpg.Connection, _Queries]:
        if self._conn is None or self._q is None:
            try:
                conn = await asyncpg.connect(self.dsn)
            except (OSError, asyncpg.PostgresError) as exc:
                raise PeerSourceError(f"cannot connect to {self.describe()}: {exc}") from None
            rows = await conn.fetch(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = ANY($1::text[])",
                list(TABLES),
            )
            present: dict[str, set[str]] = {}
            for r in rows:
                present.setdefault(r["table_name"], set()).add(r["column_name"])
            if "players" not in present:
                await conn.close()
                raise PeerSourceError(f"{self.describe()} has no players table: not an EvoLadderBot database")
            self._conn = conn
            self._q = _Queries({k: frozenset(v) for k, v in present.items()}, "$1")
        return self._conn, self._q

    async def tables(self) -> frozenset[str]:
        _, q = await self._open()
        return frozenset(q.present)

    async def count(self, table: str, after_id: int = 0) -> int:
        conn, q = await self._open()
        if table not in q.present:
            return 0
        return int(await conn.fetchval(q.count(table), after_id))

    async def batches(self, table: str, after_id: int = 0, size: int = 20_000) -> AsyncIterator[list[Row]]:
        conn, q = await self._open()
        sql = q.select(table)
        if sql is None:
            return
        async with conn.transaction(readonly=True):
            cursor = await conn.cursor(sql, after_id)
            while True:
                records: Sequence[asyncpg.Record] = await cursor.fetch(size)
                if not records:
                    return
                yield [tuple(r) for r in records]

    async def staged_columns(self, table: str) -> list[tuple[str, str]] | None:
        """The columns of ``table``'s staged rows (``_Queries.staged``): name and type
        (``pg_catalog.int8``...); None when the source lacks the table."""
        conn, q = await self._open()
        sql = q.staged(table)
        if sql is None:
            return None
        statement = await conn.prepare(sql)
        return [(a.name, f"{a.type.schema}.{a.type.name}") for a in statement.get_attributes()]

    async def copy_staged(
        self, table: str, after_id: int, output: Callable[[bytes], Awaitable[None]]
    ) -> None:
        """``table``'s staged rows after ``after_id`` in COPY's binary format, chunk by chunk."""
        conn, q = await self._open()
        sql = q.staged(table)
        assert sql is not None
        async with conn.transaction(readonly=True):
            await conn.copy_from_query(sql, after_id, output=output, format="binary")

    async def open_match_ids(self) -> frozenset[int]:
        conn, q = await self._open()
        if "matches_1v1" not in q.present:
            return frozenset()
        return frozenset(int(r[0]) for r in await conn.fetch(q.open_ids()))

    async def abort_rows(self) -> list[Row]:
        conn, q = await self._open()
        if "matches_1v1" not in q.present:
            return []
        return [tuple(r) for r in await conn.fetch(q.aborts())]

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
