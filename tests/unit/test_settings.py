"""Settings: defaults, parsing, and a bad value naming its variable."""

from __future__ import annotations

import pytest

from evoladder.settings import DEFAULT_SQLITE_URL, SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("EVOLADDER_") or key in ("DISCORD_TOKEN", "DATABASE_URL"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(str(tmp_path))  # no stray .env


def test_defaults() -> None:
    s = load_settings()
    assert s.database_url == DEFAULT_SQLITE_URL
    assert (s.db_pool_min, s.db_pool_max) == (2, 15)
    assert s.player_cache_ttl_seconds == 900
    assert s.dm_only and not s.activation_required
    assert s.discord_token is None


def test_token_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "very-secret-token")
    s = load_settings()
    assert s.discord_token is not None and s.discord_token.get_secret_value() == "very-secret-token"
    assert "very-secret-token" not in repr(s) and "very-secret-token" not in str(s)


def test_database_password_is_not_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u:hunter2@db:5432/ladder")
    s = load_settings()
    assert s.database_url == "postgresql+asyncpg://u:hunter2@db:5432/ladder"
    assert "hunter2" not in repr(s) and "hunter2" not in s.database_url_safe


def test_owner_ids_from_a_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVOLADDER_OWNER_IDS", "123, 456 789")
    assert load_settings().owner_ids == frozenset({123, 456, 789})


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("EVOLADDER_DB_POOL_MIN", "lots"),
        ("EVOLADDER_PLAYER_CACHE_TTL_SECONDS", "-1"),
        ("EVOLADDER_OWNER_IDS", "12, bob"),
        ("DATABASE_URL", "mysql://x/y"),
        ("EVOLADDER_DM_ONLY", "perhaps"),
        ("EVOLADDER_LOG_LEVEL", "LOUD"),
    ],
)
def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, var: str, value: str) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError, match=var):
        load_settings()


def test_pool_min_above_max(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVOLADDER_DB_POOL_MIN", "20")
    with pytest.raises(SettingsError, match="EVOLADDER_DB_POOL_MIN"):
        load_settings()
