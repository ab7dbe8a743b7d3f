"""Engine construction: SQLite in WAL mode for the embedded default, pooled asyncpg for PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

# WAL lets readers run beside the one writer; NORMAL is durable in WAL mode except on power loss
# of the last transaction, which is the usual trade for a bot. busy_timeout makes a second writer
# wait for the lock instead of failing at once.
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-65536",
)


def create_engine(url: str, *, pool_min: int = 2, pool_max: int = 15, echo: bool = False) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, echo=echo)
    return create_async_engine(
        url,
        pool_size=pool_min,
        max_overflow=max(pool_max - pool_min, 0),
        pool_pre_ping=True,
        pool_recycle=1800,
        echo=echo,
    )


def _sqlite_engine(url: str, *, echo: bool) -> AsyncEngine:
    parsed = make_url(url)
    database = parsed.database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, echo=echo, connect_args={"timeout": 10})

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        # pysqlite's own transaction handling would defer BEGIN; let SQLAlchemy emit it so that
        # ``BEGIN IMMEDIATE`` can be used for write transactions that must not interleave.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        write = conn.get_execution_options().get("sqlite_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


async def driver_connection(conn: AsyncConnection) -> Any:
    """The driver's own connection (asyncpg or aiosqlite) under ``conn``, inside its transaction.

    Hot paths talk to the driver directly (SQLAlchemy's row layer costs more than their queries).
    On PostgreSQL that is only safe once the transaction exists: SQLAlchemy's asyncpg adapter
    opens it lazily, at the first statement sent through the adapter, so a statement sent straight
    to asyncpg first runs in autocommit: its row locks end with it, and its writes stay even when
    the transaction that meant to hold them rolls back. One trivial statement through the adapter
    opens the transaction first. SQLite needs nothing: ``BEGIN`` is emitted at ``begin()``.
    """
    raw = await conn.get_raw_connection()
    if conn.dialect.name == "postgresql" and conn.in_transaction():
        await conn.exec_driver_sql("SELECT 1")
    return raw.driver_connection
