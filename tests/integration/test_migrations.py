"""Migrations: in step with the schema, repeatable, and every expected index present."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, MetaData, String
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import Connection

from evoladder.cli import main
from evoladder.store import schema
from evoladder.store.engine import create_engine
from evoladder.store.indexes import index_report
from evoladder.store.migrations import (
    MIGRATIONS_DIR,
    alembic_config,
    current_revision,
    head_revision,
    revision,
    upgrade,
)
from evoladder.store.revisions import MigrationHistoryError, database_revision, packaged_head
from evoladder.store.schema import metadata


def _diff(sync_conn: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(sync_conn), metadata))


async def test_migrated_database_matches_the_schema(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
    finally:
        await engine.dispose()
    assert diff == [], "schema.py and the migrations disagree: write a migration"


async def test_the_start_up_check_reads_the_revisions_as_alembic_does(db_url: str, tmp_path: Path) -> None:
    # The bot checks its schema without Alembic; the answers must be Alembic's own.
    assert packaged_head() == head_revision()
    engine = create_engine(db_url)
    empty = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        async with engine.connect() as conn:
            assert await database_revision(conn) == await asyncio.to_thread(current_revision, db_url)
            assert await database_revision(conn) == head_revision()
        async with empty.connect() as conn:
            assert await database_revision(conn) is None
    finally:
        await engine.dispose()
        await empty.dispose()


def test_two_heads_in_the_migrations_are_refused(tmp_path: Path) -> None:
    for name in ("0001_a.py", "0002_b.py", "0002_c.py"):
        shutil.copyfile(MIGRATIONS_DIR / "versions" / "0001_initial_schema.py", tmp_path / name)
    (tmp_path / "0002_b.py").write_text("revision: str = '0002'\ndown_revision: str | None = '0001'\n")
    (tmp_path / "0002_c.py").write_text("revision = '0003'\ndown_revision = '0001'\n")
    with pytest.raises(MigrationHistoryError):
        packaged_head(tmp_path)
    (tmp_path / "0002_c.py").write_text("revision = '0003'\ndown_revision = '0002'\n")
    assert packaged_head(tmp_path) == "0003"


async def test_upgrade_twice_is_harmless_and_every_index_is_present(db_url: str) -> None:
    await asyncio.to_thread(upgrade, db_url)
    await asyncio.to_thread(upgrade, db_url)
    assert await asyncio.to_thread(current_revision, db_url) == head_revision()
    engine = create_engine(db_url)
    try:
        report = await index_report(engine)
    finally:
        await engine.dispose()
    missing = [s.name for s in report if not s.present]
    assert missing == []
    names = {s.name for s in report}
    assert {"ix_mmrs_1v1_leaderboard", "uq_mmrs_1v1_discord_uid_race", "uq_players_discord_uid",
            "ix_players_discord_username", "uq_replays_hash", "ix_command_calls_called_at"} <= names


def test_cli_indexes_reports_and_creates_a_dropped_index(db_url: str, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    async def drop() -> None:
        engine = create_engine(db_url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP INDEX ix_mmrs_1v1_leaderboard"))
        await engine.dispose()

    asyncio.run(drop())
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["db", "indexes"]) == 1
    out = capsys.readouterr().out
    assert "MISSING       mmrs_1v1" in out and "ix_mmrs_1v1_leaderboard" in out
    assert main(["db", "indexes", "--create"]) == 0
    out = capsys.readouterr().out
    assert "created ix_mmrs_1v1_leaderboard" in out
    assert "MISSING" not in out


def test_db_revision_writes_the_next_migration_from_the_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``evoladder db revision -m ...`` on a copy of the migrations: a column added to schema.py
    comes out as the next numbered migration, which then brings a database to the schema."""
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    changed = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["players"].append_column(Column("revision_probe", String(32), nullable=True))
    monkeypatch.setattr(schema, "metadata", changed)  # what the migrations' env compares against

    written = revision("players: revision probe", migrations)
    assert written.name == f"{int(head_revision() or 0) + 1:04d}_players_revision_probe.py"
    source = written.read_text()
    assert "add_column" in source and "revision_probe" in source
    url = f"sqlite+aiosqlite:///{tmp_path / 'check.db'}"
    command.upgrade(alembic_config(url, migrations), "head")
    engine = create_sync_engine(f"sqlite:///{tmp_path / 'check.db'}")
    with engine.connect() as conn:
        assert list(compare_metadata(MigrationContext.configure(conn), changed)) == []
    engine.dispose()
