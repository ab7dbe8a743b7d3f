"""The one composition root: builds settings, game data, storage, caches, services and the bot,
and closes them in reverse order. Nothing else in the package constructs long-lived objects.
"""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass

from evoladder.game import GameData, load_game_data
from evoladder.logging_setup import configure_logging, event
from evoladder.settings import Settings
from evoladder.store.engine import create_engine
from evoladder.store.migrations import upgrade
from evoladder.store.uow import Database

log = logging.getLogger(__name__)


@dataclass
class Core:
    """What every entry point needs: settings, game data and the database."""

    settings: Settings
    game: GameData
    db: Database


async def build_core(settings: Settings, stack: AsyncExitStack) -> Core:
    game = load_game_data(settings.game_data_dir)
    engine = create_engine(
        settings.database_url, pool_min=settings.db_pool_min, pool_max=settings.db_pool_max
    )
    db = Database(engine)
    stack.push_async_callback(db.close)
    return Core(settings, game, db)


async def run_production(settings: Settings) -> int:
    configure_logging(settings.log_level, settings.log_format)
    if settings.discord_token is None:
        print(
            "evoladder run: DISCORD_TOKEN is not set. Set it to your bot's token "
            "(or use `evoladder sandbox` to try the ladder locally)."
        )
        return 2
    async with AsyncExitStack() as stack:
        core = await build_core(settings, stack)
        event(log, "start", database=settings.database_url_safe, season=core.game.current_season)
        print(
            "evoladder run: the Discord bot is not built yet (issue 5); the database is migrated "
            "and the game data is valid."
        )
        return 0


async def run_sandbox(
    settings: Settings,
    players: int | None,
    minutes: float | None,
    database: str | None,
    allow_postgres: bool,
) -> int:
    configure_logging(settings.log_level, settings.log_format)
    url = database or "sqlite+aiosqlite:///./data/sandbox.db"
    if url.startswith("postgres") and not allow_postgres:
        print(
            "evoladder sandbox: refusing a PostgreSQL database without --allow-postgres "
            "(the sandbox never touches the configured database)."
        )
        return 2
    print(
        f"evoladder SANDBOX: local Discord server with {players or settings.sandbox_players} "
        "virtual players; nothing connects to Discord."
    )
    upgrade(url)
    print(
        "The local Discord server and the bot are not built yet (issue 5); "
        f"the sandbox database {url} is migrated."
    )
    return 0
