"""Shared fixtures: a fresh, migrated database per test on SQLite and on PostgreSQL.

Storage tests take the ``db`` (or ``db_url``) fixture and run once per backend: ``[sqlite]`` and
``[postgres]`` in the test ids. PostgreSQL comes from ``EVOLADDER_TEST_PG_URL`` (``make test``
starts a throwaway server and sets it); without it the PostgreSQL runs are skipped with that reason,
except under CI, where a missing server is an error rather than a silent skip.

Speed: both backends migrate once per session into a template (a file for SQLite, a template
database for PostgreSQL) and each test gets a copy, so a test pays milliseconds, not a migration.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from evoladder.store.engine import create_engine
from evoladder.store.migrations import upgrade
from evoladder.store.uow import Database
from replayfiles import shared_dir

PG_ENV = "EVOLADDER_TEST_PG_URL"


@pytest.fixture(scope="session")
def shared() -> Path:
    found = shared_dir()
    if found is None:
        pytest.skip("../shared (replays, game data) is not beside the checkout; set EVOLADDER_SHARED_DIR")
    return found


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


def _pg_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url and os.environ.get("CI"):
        raise RuntimeError(f"{PG_ENV} is not set under CI: run the suite with `make test`")
    return url


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _pg_admin(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    url = _pg_url()
    if not url:
        pytest.skip(f"PostgreSQL not available: set {PG_ENV} (make test does)")
    name = f"evoladder_tpl_{os.getpid()}"
    asyncio.run(_pg_admin(url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'))
    upgrade(make_url(url).set(database=name).render_as_string(hide_password=False))
    yield name
    asyncio.run(_pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database of the test's backend."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "evoladder.db"
        shutil.copyfile(template, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    template_name: str = request.getfixturevalue("pg_template")
    url = _pg_url()
    assert url
    name = f"evoladder_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(url, f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    yield make_url(url).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(create_engine(db_url, pool_min=2, pool_max=10))
    try:
        yield database
    finally:
        await database.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many storage tests ran on each backend, so a run shows both were exercised."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            counted = report.when == "call" or (report.when == "setup" and outcome != "passed")
            backend = next((b for b in ("sqlite", "postgres") if _has_param(nodeid, b)), None)
            if counted and backend:
                per = counts.setdefault(backend, {})
                per[outcome] = per.get(outcome, 0) + 1
    if counts:
        terminalreporter.section("storage backends")
        for backend in ("sqlite", "postgres"):
            per = counts.get(backend, {})
            text = ", ".join(f"{n} {o}" for o, n in sorted(per.items()) if n) or "none"
            terminalreporter.write_line(f"{backend}: {text}")


def _has_param(nodeid: str, value: str) -> bool:
    params = nodeid.partition("[")[2].rstrip("]")
    return value in params.split("-")
