"""Bulk writes for imports: many rows per statement, straight to the driver, both databases.

An import writes millions of rows (a million matches, their history, the command log); going
through SQLAlchemy's per-row parameter processing would cost most of the time budget (DESIGN
section 7: 100k players and 1M matches in a minute). So a batch goes to the driver in one call:

* SQLite: ``executemany`` of one INSERT on the connection of the unit of work (aiosqlite, one
  hop to its thread per batch), inside the ``BEGIN IMMEDIATE`` of ``Database.transaction``.
  Values are put in the form SQLAlchemy stores them in (``UTCDateTime``: naive UTC text
  ``YYYY-MM-DD HH:MM:SS.ffffff``; JSON as text; booleans 0/1), so the rest of the code reads
  them back as if SQLAlchemy had written them.
* PostgreSQL: ``COPY`` (asyncpg ``copy_records_to_table``) on the unit of work's connection,
  inside its transaction. Where a row may already be there (a unique key), the batch is copied
  into a temporary table and moved with ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``.

Rows are tuples in the order of ``columns``; a batch and the import's mark for it (``mark``)
commit together, so a crash never leaves rows without their mark, or a mark without its rows.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    Boolean,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from evoladder.store.engine import driver_connection
from evoladder.store.schema import metadata, peer_import_marks
from evoladder.store.types import UTCDateTime
from evoladder.store.uow import Database

Row = Sequence[Any]


def sqlite_time(value: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC, as SQLAlchemy's SQLite DATETIME stores it (one
    ``isoformat`` of the aware value and a cut: cheaper than ``replace`` then ``isoformat``)."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    text = value.isoformat(" ")  # ...+00:00, without .ffffff when the microseconds are 0
    return text[:26] if len(text) == 32 else text[:19] + ".000000"


def _sqlite_bool(value: bool) -> int:
    return 1 if value else 0


def _json(value: object) -> str:
    return json.dumps(value)  # the default encoder: json's cached fast path


@dataclass
class _Step:
    """The connection writes go through, whether the table was empty when the step began, and
    the unique keys a step into an empty PostgreSQL table has written."""

    conn: AsyncConnection
    empty: bool
    keys: set[tuple[Any, ...]]


def first_of_each_key(
    table: Table, columns: Sequence[str], rows: Sequence[Row], seen: set[tuple[Any, ...]]
) -> list[Row]:
    """``rows`` without those that repeat a unique key of ``table`` (among them or in ``seen``,
    which takes theirs): what ``ON CONFLICT DO NOTHING`` would have kept of them."""
    at = {name: i for i, name in enumerate(columns)}
    keys = [tuple(at[c.name] for c in key.columns) for key in table.constraints
            if isinstance(key, (UniqueConstraint, PrimaryKeyConstraint))
            and all(c.name in at for c in key.columns)]
    if not keys:
        return list(rows)
    out = []
    for row in rows:
        found = [(k, *(row[i] for i in k)) for k in keys]
        if any(f in seen for f in found):
            continue
        seen.update(found)
        out.append(row)
    return out


class BulkWriter:
    """Writes batches of rows and the import's marks (``peer_import_marks``)."""

    def __init__(self, db: Database, source: str) -> None:
        self.db = db
        self.source = source
        self.sqlite = db.dialect == "sqlite"
        self._step: _Step | None = None

    async def marks(self) -> dict[str, int]:
        """Per peer table, the highest peer id written so far."""
        stmt = select(peer_import_marks.c.step, peer_import_marks.c.last_peer_id).where(
            peer_import_marks.c.source == self.source
        )
        async with self.db.read() as uow:
            return {str(step): int(last) for step, last in (await uow.conn.execute(stmt)).all()}

    async def count(self, table: Table) -> int:
        async with self.db.read() as uow:
            return int((await uow.conn.execute(select(func.count()).select_from(table))).scalar_one())

    async def max_id(self, table: Table) -> int:
        async with self.db.read() as uow:
            return int((await uow.conn.execute(select(func.max(table.c.id)))).scalar_one() or 0)

    async def write(
        self,
        table: Table,
        columns: Sequence[str],
        rows: Sequence[Row],
        *,
        skip_existing: bool,
        mark: tuple[str, int] | None = None,
        now: datetime | None = None,
    ) -> int:
        """Insert ``rows``; how many were inserted (rows refused by a unique key when
        ``skip_existing`` are not counted). ``mark`` (peer table, last peer id) is saved in the
        same transaction: the step's (``step``), else one of its own."""
        if self._step is not None:
            return await self._write(self._step, table, columns, rows, skip_existing, mark, now)
        async with self.db.transaction() as uow:
            return await self._write(_Step(uow.conn, False, set()), table, columns, rows, skip_existing,
                                     mark, now)

    @asynccontextmanager
    async def step(self, table: Table) -> AsyncIterator[None]:
        """Every ``write`` inside it in one transaction (the step's), and when ``table`` is empty
        at the start, its secondary indexes dropped for the load and built again before the
        commit: one sorted build per index instead of an index insert per row, which was most
        of the database's work at a million rows (BENCHMARKS.md, "Import from EvoLadderBot").
        A crash rolls the drop back with the rows; the step then starts over on the next run
        (its mark is in the same transaction).

        On PostgreSQL an empty table also takes rows by plain COPY instead of through a staging
        table and ``ON CONFLICT DO NOTHING``: nothing in it can refuse a row, and rows of the
        step that repeat a unique key are dropped here (the first one stays, as the conflict
        clause would have kept it)."""
        async with self.db.transaction() as uow:
            conn = uow.conn
            await conn.execute(text("SELECT 1"))  # opens the transaction (see ``write``)
            empty = (await conn.execute(select(table.c.id).limit(1))).first() is None
            rebuild = await self._drop_indexes(conn, table) if empty else []
            self._step = _Step(conn, empty, set())
            try:
                yield
                for statement in rebuild:
                    await conn.exec_driver_sql(statement)
            finally:
                self._step = None

    async def _write(
        self,
        step: _Step,
        table: Table,
        columns: Sequence[str],
        rows: Sequence[Row],
        skip_existing: bool,
        mark: tuple[str, int] | None,
        now: datetime | None,
    ) -> int:
        conn = step.conn
        if mark is not None:
            # First statement of the transaction (on PostgreSQL it starts the transaction
            # that the driver-level COPY below then joins).
            await self._save_mark(conn, mark, len(rows), now or datetime.now(UTC))
        else:
            await conn.execute(text("SELECT 1"))
        if not rows:
            return 0
        if self.sqlite:
            return await self._sqlite(conn, table, columns, rows, skip_existing)
        if skip_existing and step.empty:
            fresh = first_of_each_key(table, columns, rows, step.keys)
            return await self._postgres(conn, table, columns, fresh, False)
        return await self._postgres(conn, table, columns, rows, skip_existing)

    async def _drop_indexes(self, conn: AsyncConnection, table: Table) -> list[str]:
        """Drop ``table``'s secondary indexes (not those of its primary or unique keys); the
        statements that create them again, as the database holds them."""
        if self.sqlite:
            found = (await conn.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t "
                "AND sql IS NOT NULL AND upper(sql) NOT LIKE 'CREATE UNIQUE%'"), {"t": table.name}
            )).all()
        else:
            found = (await conn.execute(text(
                "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                "WHERE t.relname = :t AND t.relnamespace = CAST(current_schema() AS regnamespace) "
                "AND NOT x.indisunique AND NOT x.indisprimary"), {"t": table.name}
            )).all()
        for name, _definition in found:
            await conn.exec_driver_sql(f'DROP INDEX "{name}"')
        return [str(definition) for _name, definition in found]

    async def drop_indexes(self, conn: AsyncConnection, table: Table) -> list[str]:
        """``_drop_indexes`` for a caller that holds the transaction (the staged import)."""
        return await self._drop_indexes(conn, table)

    async def save_mark(self, conn: AsyncConnection, step: str, last: int, n: int, now: datetime) -> None:
        """The step's mark in the caller's transaction."""
        await self._save_mark(conn, (step, last), n, now)

    async def insert_postgres(
        self, conn: AsyncConnection, table: Table, rows: Sequence[NamedTuple], *, skip_existing: bool
    ) -> int:
        """Mapped rows (named tuples of the table's columns) in the caller's transaction."""
        if not rows:
            return 0
        return await self._postgres(conn, table, rows[0]._fields, rows, skip_existing)

    async def fix_sequence(self, table: Table) -> None:
        """After rows were written with explicit ids, new rows continue above them (PostgreSQL
        sequences do not move by themselves; SQLite takes max(id) + 1 anyway)."""
        if self.sqlite:
            return
        async with self.db.transaction() as uow:
            await uow.conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"GREATEST((SELECT max(id) FROM {table.name}), 1))"
            ))

    async def _save_mark(self, conn: AsyncConnection, mark: tuple[str, int], n: int, now: datetime) -> None:
        step, last = mark
        m = peer_import_marks.c
        done = await conn.execute(
            update(peer_import_marks)
            .where(m.source == self.source, m.step == step)
            .values(last_peer_id=(func.max if self.sqlite else func.greatest)(m.last_peer_id, last),
                    rows_written=m.rows_written + n, updated_at=now)
        )
        if not done.rowcount:
            await conn.execute(insert(peer_import_marks).values(
                source=self.source, step=step, last_peer_id=last, rows_written=n, updated_at=now
            ))

    def _converters(self, table: Table, columns: Sequence[str]) -> list[tuple[int, Callable[[Any], Any]]]:
        out: list[tuple[int, Callable[[Any], Any]]] = []
        for i, name in enumerate(columns):
            kind = table.c[name].type
            if isinstance(kind, JSON):
                out.append((i, _json))
            elif self.sqlite and isinstance(kind, UTCDateTime):
                out.append((i, sqlite_time))
            elif self.sqlite and isinstance(kind, Boolean):
                out.append((i, _sqlite_bool))
        return out

    def _convert(self, table: Table, columns: Sequence[str], rows: Sequence[Row]) -> list[tuple[Any, ...]]:
        converters = self._converters(table, columns)
        if not converters:
            return [tuple(r) for r in rows]
        out = []
        # Per converter, the last value and its result: a row often carries the same object
        # twice (a match's finalized_at is its played_at when nothing else says when it ended).
        cache: dict[Callable[[Any], Any], list[Any]] = {fn: [None, None] for _, fn in converters}
        for row in rows:
            values = list(row)
            for i, fn in converters:
                v = values[i]
                if v is None:
                    continue
                seen = cache[fn]
                if v is not seen[0]:
                    seen[0], seen[1] = v, fn(v)
                values[i] = seen[1]
            out.append(tuple(values))
        return out

    async def insert_sqlite(
        self, driver: Any, table_name: str, rows: Sequence[NamedTuple], *, skip_existing: bool
    ) -> int:
        """Mapped rows (named tuples of the table's columns) through an aiosqlite connection
        whose transaction the caller holds (the set-based import's)."""
        if not rows:
            return 0
        return await self._executemany(
            driver, metadata.tables[table_name], rows[0]._fields, rows, skip_existing
        )

    async def save_mark_sqlite(self, driver: Any, step: str, last: int, n: int, now: datetime) -> None:
        """``_save_mark`` through an aiosqlite connection in the caller's transaction."""
        await driver.execute(
            "INSERT INTO peer_import_marks (source, step, last_peer_id, rows_written, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (source, step) DO UPDATE SET "
            "last_peer_id = max(last_peer_id, excluded.last_peer_id), "
            "rows_written = rows_written + excluded.rows_written, updated_at = excluded.updated_at",
            (self.source, step, last, n, sqlite_time(now)),
        )

    async def _sqlite(
        self, conn: AsyncConnection, table: Table, columns: Sequence[str], rows: Sequence[Row], skip: bool
    ) -> int:
        return await self._executemany(await driver_connection(conn), table, columns, rows, skip)

    async def _executemany(
        self, driver: Any, table: Table, columns: Sequence[str], rows: Sequence[Row], skip: bool
    ) -> int:
        names = ", ".join(columns)
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
        if skip:
            sql += " ON CONFLICT DO NOTHING"
        cursor = await driver.executemany(sql, self._convert(table, columns, rows))
        count = int(cursor.rowcount)
        await cursor.close()
        return count

    async def _postgres(
        self, conn: AsyncConnection, table: Table, columns: Sequence[str], rows: Sequence[Row], skip: bool
    ) -> int:
        driver: Any = await driver_connection(conn)
        records = self._convert(table, columns, rows)
        if not skip:
            await driver.copy_records_to_table(table.name, records=records, columns=list(columns))
            return len(records)
        names = ", ".join(columns)
        staging = f"import_{table.name}"
        await driver.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} AS SELECT {names} FROM {table.name} WITH NO DATA"
        )
        await driver.execute(f"TRUNCATE {staging}")
        await driver.copy_records_to_table(staging, records=records, columns=list(columns))
        status = await driver.execute(
            f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staging} ON CONFLICT DO NOTHING"
        )
        await driver.execute(f"DROP TABLE {staging}")
        return int(str(status).rsplit(" ", 1)[-1])
