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
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Table, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from evoladder.store.engine import driver_connection
from evoladder.store.schema import peer_import_marks
from evoladder.store.types import UTCDateTime
from evoladder.store.uow import Database

Row = Sequence[Any]


def _sqlite_time(value: datetime) -> str:
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


class BulkWriter:
    """Writes batches of rows and the import's marks (``peer_import_marks``)."""

    def __init__(self, db: Database, source: str) -> None:
        self.db = db
        self.source = source
        self.sqlite = db.dialect == "sqlite"

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
        same transaction."""
        async with self.db.transaction() as uow:
            conn = uow.conn
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
            return await self._postgres(conn, table, columns, rows, skip_existing)

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
                out.append((i, _sqlite_time))
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

    async def _sqlite(
        self, conn: AsyncConnection, table: Table, columns: Sequence[str], rows: Sequence[Row], skip: bool
    ) -> int:
        driver: Any = await driver_connection(conn)
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
