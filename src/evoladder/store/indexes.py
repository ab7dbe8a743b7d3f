"""``evoladder db indexes``: the indexes the ladder expects, which exist, and creating the missing.

The expected list comes from the schema's metadata (indexes and unique constraints, which both
databases back with an index), so it can never drift from what the migrations create.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Index, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from evoladder.store.schema import metadata


@dataclass(frozen=True, slots=True)
class IndexStatus:
    table: str
    name: str
    columns: str
    unique: bool
    present: bool
    table_present: bool


def expected_indexes() -> list[tuple[str, str, str, bool, Index | None]]:
    out: list[tuple[str, str, str, bool, Index | None]] = []
    for table in metadata.sorted_tables:
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            cols = ", ".join(str(e).replace(f"{table.name}.", "") for e in index.expressions)
            out.append((table.name, str(index.name), cols, bool(index.unique), index))
        for constraint in table.constraints:
            if constraint.__class__.__name__ == "UniqueConstraint":
                cols = ", ".join(c.name for c in constraint.columns)  # type: ignore[attr-defined]
                out.append((table.name, str(constraint.name), cols, True, None))
    return out


def _present(sync_conn: Connection) -> tuple[set[str], set[tuple[str, str]]]:
    insp = inspect(sync_conn)
    tables = set(insp.get_table_names())
    names: set[tuple[str, str]] = set()
    for table in tables:
        names |= {(table, str(i["name"])) for i in insp.get_indexes(table)}
        names |= {(table, str(u["name"])) for u in insp.get_unique_constraints(table)}
    return tables, names


async def index_report(engine: AsyncEngine) -> list[IndexStatus]:
    async with engine.connect() as conn:
        tables, names = await conn.run_sync(_present)
    return [
        IndexStatus(t, n, c, u, (t, n) in names, t in tables) for t, n, c, u, _ in expected_indexes()
    ]


def _create_index(sync_conn: Connection, index: Index) -> None:
    index.create(sync_conn)


async def create_missing(engine: AsyncEngine) -> list[str]:
    """Create every missing plain index (unique constraints come from migrations only)."""
    report = {(s.table, s.name): s for s in await index_report(engine)}
    created: list[str] = []
    async with engine.begin() as conn:
        for table, name, _cols, _unique, index in expected_indexes():
            status = report[(table, name)]
            if index is not None and status.table_present and not status.present:
                await conn.run_sync(_create_index, index)
                created.append(name)
    return created
