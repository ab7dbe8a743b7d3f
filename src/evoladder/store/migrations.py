"""Alembic, driven from code: ``evoladder db upgrade`` and the test fixtures call these.

The migration scripts are packaged inside ``evoladder.store.migrations`` so an installed wheel can
migrate without a checkout or an alembic.ini. These functions are synchronous (Alembic's env runs
its own event loop); async callers use ``asyncio.to_thread``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(url: str, migrations: Path = MIGRATIONS_DIR) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def revision(message: str, migrations: Path = MIGRATIONS_DIR) -> Path:
    """Write the next migration with Alembic's autogenerate: what ``schema.py`` has and a database
    at the head of the migrations lacks. Returns the new file (``NNNN_<slug>.py``, the next number).

    The comparison runs against a fresh SQLite file migrated to the head, so it needs no configured
    database. Autogenerate sees tables, columns, types, indexes and constraints, not data changes
    or renames: read the file before committing it. The migrations test then checks, on SQLite and
    PostgreSQL, that the migrated schema equals ``schema.py``.
    """
    head = ScriptDirectory.from_config(alembic_config("sqlite://", migrations)).get_current_head()
    number = f"{int(head or 0) + 1:04d}"
    with tempfile.TemporaryDirectory(prefix="evoladder-revision-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'head.db'}"
        cfg = alembic_config(url, migrations)
        command.upgrade(cfg, "head")
        cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
        script = command.revision(cfg, message=message, autogenerate=True, rev_id=number)
    if script is None or isinstance(script, list):
        raise RuntimeError("alembic wrote no single revision")
    return Path(script.path)


def _sync_url(url: str) -> str:
    parsed = make_url(url)
    driver = {"sqlite": "sqlite+pysqlite", "postgresql": "postgresql+psycopg2"}[parsed.get_backend_name()]
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def current_revision(url: str) -> str | None:
    """The revision the database is at (None for an empty database)."""
    from sqlalchemy.ext.asyncio import AsyncConnection  # noqa: F401  (documents the async twin)

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        import asyncio

        return asyncio.run(_current_revision_async(url))
    engine = create_sync_engine(_sync_url(url))
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


async def _current_revision_async(url: str) -> str | None:
    from evoladder.store.engine import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync_conn: MigrationContext.configure(sync_conn).get_current_revision()
            )
    finally:
        await engine.dispose()
