"""Fresh, migrated databases for benchmarks (SQLite file, or a new PostgreSQL database)."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from evoladder.store.engine import create_engine
from evoladder.store.migrations import upgrade
from evoladder.store.uow import Database


@asynccontextmanager
async def fresh_database(backend: str, pg_url: str | None) -> AsyncIterator[Database]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            await asyncio.to_thread(upgrade, url)
            db = Database(create_engine(url))
            try:
                yield db
            finally:
                await db.close()
        return
    assert pg_url, "PostgreSQL benchmark without EVOLADDER_TEST_PG_URL"
    name = f"evoladder_bench_{uuid.uuid4().hex[:8]}"
    dsn = make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    await asyncio.to_thread(upgrade, url)
    db = Database(create_engine(url))
    try:
        yield db
    finally:
        await db.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
