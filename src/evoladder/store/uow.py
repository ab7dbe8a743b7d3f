"""The database facade and its unit of work.

``Database.transaction()`` opens one transaction and hands out repositories bound to it; leaving
the block commits, an exception rolls back. ``Database.read()`` is the same without the write lock.
Services never see a connection outside a unit of work, so a half-done business write cannot leak.

``Database.snapshot(statement, params)`` is the one exception, for hot read paths: a single SELECT
is its own consistent snapshot in both databases, so it needs no transaction block. On SQLite it
runs on a reader connection the facade keeps for this, in one hop to aiosqlite's thread (see
``SnapshotReader``); through a unit of work the same read costs BEGIN, the statement and COMMIT,
and SQLAlchemy's aiosqlite adapter makes each of those several hops (cursor, execute, fetch,
close), about 13 for a two-statement read. On PostgreSQL it runs through asyncpg's own ``fetch``
(``PgSnapshotReader``), without SQLAlchemy's per-row work.

On SQLite a write transaction starts with ``BEGIN IMMEDIATE``: it takes the database's write lock
up front, so two writers serialise instead of failing half-way with "database is locked" on
upgrade. On PostgreSQL rows that must not be changed concurrently are read ``FOR UPDATE``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import CompoundSelect, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from evoladder.store.repositories.activation import ActivationCodeRepository
from evoladder.store.repositories.admin import AdminRepository
from evoladder.store.repositories.bot_messages import BotMessageRepository
from evoladder.store.repositories.command_calls import CommandCallRepository
from evoladder.store.repositories.history import (
    HistoryRepository,
    SeasonRepository,
    StandingsRepository,
    ToonHandleRepository,
)
from evoladder.store.repositories.jobs import JobRepository
from evoladder.store.repositories.matches import MatchRepository
from evoladder.store.repositories.mmrs import MmrRepository
from evoladder.store.repositories.outbox import OutboxRepository
from evoladder.store.repositories.players import PlayerRepository
from evoladder.store.repositories.preferences import PreferenceRepository
from evoladder.store.repositories.queue import QueueRepository
from evoladder.store.repositories.stats import StatsRepository


class UnitOfWork:
    """Repositories over one connection inside one transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    @cached_property
    def players(self) -> PlayerRepository:
        return PlayerRepository(self.conn)

    @cached_property
    def mmrs(self) -> MmrRepository:
        return MmrRepository(self.conn)

    @cached_property
    def admins(self) -> AdminRepository:
        return AdminRepository(self.conn)

    @cached_property
    def activation_codes(self) -> ActivationCodeRepository:
        return ActivationCodeRepository(self.conn)

    @cached_property
    def command_calls(self) -> CommandCallRepository:
        return CommandCallRepository(self.conn)

    @cached_property
    def stats(self) -> StatsRepository:
        return StatsRepository(self.conn)

    @cached_property
    def matches(self) -> MatchRepository:
        return MatchRepository(self.conn)

    @cached_property
    def queue(self) -> QueueRepository:
        return QueueRepository(self.conn)

    @cached_property
    def jobs(self) -> JobRepository:
        return JobRepository(self.conn)

    @cached_property
    def outbox(self) -> OutboxRepository:
        return OutboxRepository(self.conn)

    @cached_property
    def preferences(self) -> PreferenceRepository:
        return PreferenceRepository(self.conn)

    @cached_property
    def bot_messages(self) -> BotMessageRepository:
        return BotMessageRepository(self.conn)

    @cached_property
    def history(self) -> HistoryRepository:
        return HistoryRepository(self.conn)

    @cached_property
    def seasons(self) -> SeasonRepository:
        return SeasonRepository(self.conn)

    @cached_property
    def standings(self) -> StandingsRepository:
        return StandingsRepository(self.conn)

    @cached_property
    def toon_handles(self) -> ToonHandleRepository:
        return ToonHandleRepository(self.conn)


Statement = Select[Any] | CompoundSelect[Any]
READER_CACHE_KIB = 8192  # the snapshot reader's SQLite page cache (the pool's connections: 64 MiB)


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A SELECT compiled once for the driver (aiosqlite or asyncpg): its SQL, its parameters in order, and the
    type conversions SQLAlchemy would apply to them and to the result columns."""

    sql: str
    names: tuple[str, ...]
    defaults: Mapping[str, Any]  # literal values the statement binds (CASE ... THEN 1)
    bind: Mapping[str, Callable[[Any], Any]]
    result: tuple[Callable[[Any], Any] | None, ...]

    @classmethod
    def of(cls, statement: Statement, dialect: Dialect) -> _Prepared:
        compiled = statement.compile(dialect=dialect)
        names = tuple(compiled.positiontup or ())
        if "POSTCOMPILE" in compiled.string:
            raise ValueError("snapshot statements cannot use expanding IN parameters")
        bind = {}
        for name in names:
            processor = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                bind[name] = processor
        result = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        )
        fixed = {name: b.effective_value for name, b in compiled.binds.items() if not b.required}
        return cls(compiled.string, names, fixed, bind, result)

    def parameters(self, params: Mapping[str, Any]) -> list[Any]:
        merged = {**self.defaults, **params}
        out = []
        for name in self.names:
            value = merged[name]
            processor = self.bind.get(name)
            out.append(processor(value) if processor is not None and value is not None else value)
        return out

    def rows(self, raw: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        processors = self.result
        if not any(processors):
            return [tuple(r) for r in raw]
        return [
            tuple(v if p is None or v is None else p(v) for p, v in zip(processors, r, strict=True))
            for r in raw
        ]


class SnapshotReader:
    """Single-statement reads on SQLite, one thread hop each.

    Keeps one connection from the engine's pool checked out (so it has the engine's pragmas: WAL,
    busy timeout) and runs each statement with aiosqlite's ``execute_fetchall``: the statement,
    its rows, one trip to the driver's thread. The connection is in autocommit (the engine sets
    ``isolation_level = None`` and this reader never begins), so each statement reads the latest
    committed state as its own snapshot; under WAL it never blocks or is blocked by the writer.
    Statements are compiled by SQLAlchemy once (``_Prepared``) with the same type conversions.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None
        self._driver: Any = None
        self._opening = asyncio.Lock()
        self._prepared: dict[Statement, _Prepared] = {}

    async def fetch(self, statement: Statement, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        prepared = self._prepared.get(statement)
        if prepared is None:
            prepared = self._prepared[statement] = _Prepared.of(statement, self._engine.dialect)
        driver = self._driver or await self._open()
        raw = await driver.execute_fetchall(prepared.sql, prepared.parameters(params))
        return prepared.rows(raw)

    async def _open(self) -> Any:
        async with self._opening:
            if self._driver is None:
                conn = await self._engine.connect()
                raw = await conn.get_raw_connection()
                driver: Any = raw.driver_connection
                # Its own page cache (SQLite's is per connection) duplicates what the pool's
                # connections and the OS already cache; a small one keeps the RSS where it was.
                await driver.execute(f"PRAGMA cache_size=-{READER_CACHE_KIB}")
                self._conn, self._driver = conn, driver
        return self._driver

    async def close(self) -> None:
        conn, self._conn, self._driver = self._conn, None, None
        if conn is not None:
            await conn.close()


class PgSnapshotReader:
    """Single-statement reads on PostgreSQL, straight through asyncpg.

    Why: SQLAlchemy's row handling over asyncpg costs about a microsecond a row on top of the
    driver's own decoding, which is most of a chart read (3,000 history rows: ~3 ms of the
    read; BENCHMARKS.md, the history rows). The statement is compiled by SQLAlchemy once
    (``_Prepared``, with the same type conversions) and run with the driver's ``fetch`` on a
    connection of the engine's pool, outside a transaction block: one statement is its own
    consistent snapshot. asyncpg keeps the statement prepared per connection.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._prepared: dict[Statement, _Prepared] = {}

    async def fetch(self, statement: Statement, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        prepared = self._prepared.get(statement)
        if prepared is None:
            prepared = self._prepared[statement] = _Prepared.of(statement, self._engine.dialect)
        async with self._engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver: Any = raw.driver_connection
            rows = await driver.fetch(prepared.sql, *prepared.parameters(params))
        return prepared.rows(rows)

    async def close(self) -> None:
        return None


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # An in-memory database is private to its connection: no second connection may read it.
        file_backed = engine.url.database not in (None, "", ":memory:")
        self._reader: SnapshotReader | PgSnapshotReader | None = None
        if engine.dialect.name == "sqlite" and file_backed:
            self._reader = SnapshotReader(engine)
        elif engine.dialect.name == "postgresql":
            self._reader = PgSnapshotReader(engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        """A write transaction: commit on success, roll back on any exception."""
        async with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                await conn.execution_options(sqlite_write=True)
            async with conn.begin():
                yield UnitOfWork(conn)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[UnitOfWork]:
        """A read-only transaction (a consistent snapshot, no write lock)."""
        async with self.engine.connect() as conn, conn.begin():
            yield UnitOfWork(conn)

    async def snapshot(self, statement: Statement, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """All rows of one SELECT, read as one consistent snapshot without a transaction block.

        For hot read paths that fit in one statement (/profile). ``statement`` should be built
        once and reused (it is compiled once per object); it may not use expanding IN lists.
        """
        if self._reader is not None:
            return await self._reader.fetch(statement, params)
        async with self.engine.connect() as conn:
            return [tuple(row) for row in (await conn.execute(statement, params)).all()]

    async def close(self) -> None:
        if self._reader is not None:
            await self._reader.close()
        await self.engine.dispose()
