"""``make run`` in either mode says where the web pages are before anything slow happens: its
first line (``evoladder run`` with a token, ``evoladder sandbox`` without one)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from evoladder import app
from evoladder.sandbox import ladder as sandbox
from evoladder.settings import load_settings


async def test_run_with_a_token_names_the_web_address_first(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(app, "configure_logging", lambda *_args: None)  # the test runner's logging stays
    monkeypatch.setattr(app, "point_discord_at", lambda _url: None)
    monkeypatch.setenv("EVOLADDER_WEB_PORT", "8123")
    settings = load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}",
                             discord_token=SecretStr("x"), public_url=None)
    assert await app.run_production(settings) == 2  # the empty database is not migrated: it stops there
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "evoladder: the ladder's web pages: http://localhost:8123/"


async def test_the_sandbox_names_the_web_address_first(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sandbox, "configure_logging", lambda *_args: None)
    monkeypatch.setenv("EVOLADDER_WEB_PORT", "8124")
    settings = load_settings(public_url=None, log_level="INFO")
    # A PostgreSQL database without --allow-postgres: refused right after the first line.
    code = await sandbox.run_sandbox(settings, players=3, minutes=None, allow_postgres=False,
                                     database="postgresql+asyncpg://nobody@127.0.0.1/none")
    assert code == 2
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("evoladder SANDBOX:") and first.endswith("the ladder's web pages: http://localhost:8124/")
