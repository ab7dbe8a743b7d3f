"""`evoladder run` as operators run it: a separate process, attached to the local Discord server.

Proves the production path end to end: settings from the environment, the REST base and the
gateway discovered through the API URL setting, command sync, an answer, and a SIGTERM that
drains the command log before the process exits 0.

The bot under test is a real process, so conftest's ``sandbox`` runs in attach mode here
(``start_bot=False``: only the local Discord server, whose ``env()`` the process is started
with); its check that the bot broke none of Discord's rules applies to that process as to any.
Every command starts the same way (``_start``): ``python -m evoladder`` with only the
environment given (no stray ``.env`` read: the working directory is a fresh one).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from evoladder.i18n.text import help as help_text
from evoladder.sandbox.ladder import Sandbox
from evoladder.store.engine import create_engine
from evoladder.store.schema import command_calls

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def sandbox_options() -> dict[str, Any]:
    """Only the local Discord server: the bot is the ``evoladder run`` process."""
    return {"start_bot": False}


def _environment(extra: dict[str, str]) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH", "TMPDIR")}
    return {"EVOLADDER_WEB_PORT": "0", **keep, **extra, "EVOLADDER_LOG_FORMAT": "json"}


async def _start(cwd: Path, *args: str, env: dict[str, str] | None = None) -> asyncio.subprocess.Process:
    """``python -m evoladder ARGS`` in ``cwd`` (no stray .env is read), output captured."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "evoladder", *args, env=_environment(env or {}), cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def _count_calls(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(command_calls))).scalar_one())
    finally:
        await engine.dispose()


async def test_run_serves_then_drains_on_sigterm(sandbox: Sandbox, tmp_path: Path) -> None:
    proc = await _start(tmp_path, "run", env=sandbox.env())
    try:
        await sandbox.discord.wait_connected(within=60)
        await sandbox.discord.wait_commands("ping", "help", within=30)
        alice = sandbox.player("alice")
        for _ in range(3):
            assert (await alice.slash("ping")).content == help_text.PING_REPLY
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, stderr.decode()[-2000:]
    assert b"SIGTERM received" in stdout
    assert b"DISCORD_TOKEN" not in stderr and sandbox.discord.token.encode() not in stderr  # no secret
    assert await _count_calls(sandbox.settings.database_url) == 3


async def _cli(tmp_path: Path, *args: str, within: float = 120) -> tuple[int, list[str]]:
    proc = await _start(tmp_path, *args)
    stdout, _ = await asyncio.wait_for(proc.communicate(), within)
    assert proc.returncode is not None
    return proc.returncode, stdout.decode().splitlines()


async def test_run_without_a_token_fails_at_once(tmp_path: Path) -> None:
    code, lines = await _cli(tmp_path, "run", within=60)
    assert code == 2
    assert any("DISCORD_TOKEN is not set" in line for line in lines)


async def test_sandbox_says_so_first_and_runs_players_for_the_time_asked(tmp_path: Path) -> None:
    code, lines = await _cli(tmp_path, "sandbox", "--players", "2", "--minutes", "0.02")
    assert code == 0
    assert lines[0].startswith("evoladder SANDBOX")
    assert any(line.startswith("[sandbox] ") and "interactions" in line for line in lines)
    assert not (tmp_path / "data").exists()  # the configured (default) database was not touched


async def test_sandbox_refuses_a_postgresql_database_unless_allowed(tmp_path: Path) -> None:
    code, lines = await _cli(tmp_path, "sandbox", "--database", "postgresql+asyncpg://u@localhost/x")
    assert code == 2
    assert lines[0].startswith("evoladder SANDBOX")
    assert "--allow-postgres" in lines[1]
