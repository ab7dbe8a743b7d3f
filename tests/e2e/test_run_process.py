"""`evoladder run` as operators run it: a separate process, attached to the local Discord server.

Proves the production path end to end: settings from the environment, the REST base and the
gateway discovered through the API URL setting, command sync, an answer, and a SIGTERM that
drains the command log before the process exits 0.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from evoladder.sandbox.ladder import Sandbox
from evoladder.store.engine import create_engine
from evoladder.store.schema import command_calls

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _environment(extra: dict[str, str]) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH", "TMPDIR")}
    return {"EVOLADDER_WEB_PORT": "0", **keep, **extra, "EVOLADDER_LOG_FORMAT": "json"}


async def _count_calls(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(command_calls))).scalar_one())
    finally:
        await engine.dispose()


async def test_run_serves_then_drains_on_sigterm(tmp_path: Path) -> None:
    async with Sandbox(start_bot=False) as sandbox:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "evoladder",
            "run",
            env=_environment(sandbox.env()),
            cwd=tmp_path,  # no stray .env is read
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await sandbox.discord.wait_connected(within=60)
            await sandbox.discord.wait_commands("ping", "help", within=30)
            alice = sandbox.player("alice")
            for _ in range(3):
                assert (await alice.slash("ping")).content == "ok"
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
        assert not sandbox.discord.violations, sandbox.discord.violations.describe()


async def test_run_without_a_token_fails_at_once(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "evoladder",
        "run",
        env=_environment({}),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2
    assert b"DISCORD_TOKEN is not set" in stdout


async def _cli(tmp_path: Path, *args: str) -> tuple[int, list[str]]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "evoladder",
        *args,
        env=_environment({}),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, _ = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, stdout.decode().splitlines()


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
