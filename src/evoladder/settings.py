"""The one typed settings object, read from environment variables and an optional ``.env``.

Every variable is prefixed ``EVOLADDER_`` except ``DISCORD_TOKEN`` and ``DATABASE_URL``, which
operators and PaaS platforms (Railway, Heroku) set under those well-known names. Secrets are
``SecretStr``: they never appear in a repr, a log line or an error message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError as SourceError

DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///./data/evoladder.db"


class SettingsError(ValueError):
    """A setting has a bad value; the message names the environment variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="EVOLADDER_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    discord_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_TOKEN", "EVOLADDER_DISCORD_TOKEN")
    )
    database_url: str = Field(
        default=DEFAULT_SQLITE_URL,
        repr=False,  # may carry a password; use ``database_url_safe`` in logs
        validation_alias=AliasChoices("DATABASE_URL", "EVOLADDER_DATABASE_URL"),
    )
    db_pool_min: int = Field(default=2, ge=1)
    db_pool_max: int = Field(default=15, ge=1)
    player_cache_ttl_seconds: float = Field(default=900.0, ge=0)
    owner_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    admin_log_channel_id: int | None = None
    staff_role_id: int | None = None
    dm_only: bool = True
    # Tests only: also load the pseudo-locale (en-XA: accented, lengthened English), which a
    # client with that locale then reads, so a text that bypasses the catalogs stands out.
    pseudo_locale: bool = False
    activation_required: bool = False
    terms_urls: Annotated[tuple[str, ...], NoDecode] = ("https://example.org/evoladder/terms",)
    replay_storage: str = "./data/replays"
    replay_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    replay_workers: int = Field(default=2, ge=1)
    replay_parse_timeout_seconds: float = Field(default=20.0, gt=0)
    replay_parse_memory_mb: int = Field(default=512, ge=64)
    # The result menu unlocks once a replay of the match passed the critical checks (races, map,
    # mod), as the live community runs it; off lets players report without a replay.
    report_requires_replay: bool = True
    reporting_deadline_seconds: int = Field(default=3 * 3600, ge=60)
    confirm_timeout_seconds: int = Field(default=60, ge=5)
    # A match may be aborted during this long after it was found (and before any report).
    abort_window_seconds: int = Field(default=300, ge=0)
    # The outbound queue's pace, under Discord's global 50 requests/s (with its burst of
    # 50 - rate, at least 1, no one-second window goes over the limit).
    outbound_rate_per_second: float = Field(default=45.0, gt=0, le=49)
    wave_interval_seconds: int = Field(default=45, ge=1)
    # How far a season start moves every rating toward 1500, in percent (0: carried over).
    season_reset_percent: int = Field(default=0, ge=0, le=100)
    discord_api_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str | None = None
    game_data_dir: Path | None = None
    command_log_flush_ms: int = Field(default=200, ge=10)
    command_log_batch: int = Field(default=500, ge=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "text"
    sync_guild_id: int | None = None
    sandbox_players: int = Field(default=8, ge=0)
    # The public web pages, served by the bot process (evoladder.web). ``PORT`` is what PaaS
    # hosts set; when it is set the web listens on every interface (the platform's router must
    # reach it), otherwise on loopback unless EVOLADDER_WEB_HOST says otherwise.
    web_enabled: bool = True
    web_host: str | None = None
    web_port: int = Field(default=8080, ge=0, le=65535,
                          validation_alias=AliasChoices("EVOLADDER_WEB_PORT", "PORT"))
    paas_port: int | None = Field(default=None, validation_alias="PORT", repr=False)
    public_url: str | None = None  # absolute base of the pages, for links (Discord, og: tags)
    web_rate_per_second: float = Field(default=10.0, gt=0)  # per client, sustained
    web_rate_burst: int = Field(default=40, ge=1)  # per client, at once
    # The site's share of the bot's event loop (evoladder.web.admission): requests started a
    # second over all clients, worked on at once, and waiting before a new one gets 503.
    web_global_rate: float = Field(default=2000.0, gt=0)
    web_max_concurrency: int = Field(default=2, ge=1)
    web_max_waiting: int = Field(default=256, ge=0)
    web_trust_forwarded: bool = False  # behind a reverse proxy: the client is X-Forwarded-For
    web_replay_downloads: bool = False  # match pages link the replay files

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        # PaaS platforms hand out postgres:// URLs; use the async driver for them.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+asyncpg://" + value[len(prefix) :]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must be a sqlite+aiosqlite:// or postgresql+asyncpg:// URL")
        return value

    @field_validator("owner_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return frozenset(int(v) for v in value.replace(",", " ").split())
            except ValueError:
                raise ValueError("must be Discord user ids separated by commas") from None
        if isinstance(value, int):
            return frozenset((value,))
        return value

    @field_validator("terms_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        return value

    @model_validator(mode="after")
    def _pool_order(self) -> Settings:
        if self.db_pool_min > self.db_pool_max:
            raise ValueError("EVOLADDER_DB_POOL_MIN must not exceed EVOLADDER_DB_POOL_MAX")
        return self

    @property
    def web_bind_host(self) -> str:
        if self.web_host:
            return self.web_host
        return "0.0.0.0" if self.paas_port is not None else "127.0.0.1"

    @property
    def web_base_url(self) -> str:
        """Where the pages are: the public URL when set, else the address the web listens on."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = self.web_bind_host
        shown = "localhost" if host in ("0.0.0.0", "127.0.0.1", "::") else host
        return f"http://{shown}:{self.web_port}"

    @property
    def database_url_safe(self) -> str:
        """The database URL with any password masked, for logs and start-up lines."""
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")


_ALIASES = {"discord_token": "DISCORD_TOKEN", "database_url": "DATABASE_URL", "paas_port": "PORT"}


def env_name(field: str) -> str:
    """The environment variable an operator sets for ``field``."""
    return _ALIASES.get(field, f"EVOLADDER_{field.upper()}")


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning pydantic's report into one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            field = loc[0] if loc else "settings"
            name = env_name(field) if field in Settings.model_fields else field
            lines.append(f"{name}: {err['msg']}")
        raise SettingsError("invalid settings: " + "; ".join(lines)) from None
    except SourceError as exc:
        raise SettingsError(f"invalid settings: {exc}") from None
