"""Fresh, migrated databases for benchmarks (SQLite file, or a new PostgreSQL database), and the
services over one, built as production builds them (:func:`bench_services`)."""

from __future__ import annotations

import asyncio
import random
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from evoladder.game import GameData
from evoladder.services.ports import Clock
from evoladder.services.wiring import Services, build_services
from evoladder.settings import load_settings
from evoladder.store.engine import create_engine
from evoladder.store.migrations import upgrade
from evoladder.store.uow import Database


class NullNotifier:
    async def notify(self, event: object, *, key: str | None = None) -> None:
        return None


def bench_services(
    db: Database, clock: Clock, game: GameData, *, rng: random.Random | None = None, **settings: object
) -> Services:
    """Every service over ``db`` (nothing started; announcements dropped), ``settings`` overriding
    the environment's."""
    return build_services(
        settings=load_settings(**settings), db=db, clock=clock, game=game,
        notifier=lambda *_parts: NullNotifier(), rng=rng,
    )


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
