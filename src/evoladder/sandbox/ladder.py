"""``Sandbox``: the local Discord server with this ladder's bot on a fresh database.

One object for the end-to-end tests, ``evoladder sandbox`` and the load bench::

    async with Sandbox() as sandbox:
        alice = sandbox.player("alice")
        reply = await alice.slash("ping")
        assert reply.content == "ok"

What it builds: a :class:`~evoladder.sandbox.LocalDiscord` (REST, gateway, CDN on loopback), a
migrated SQLite file in a temporary directory (or ``database_url``), settings that point the bot
there (API URL, admin-log channel, staff role, owners), and the bot itself through the same
composition root as production (:func:`evoladder.app.build_ladder`), so what the tests exercise
is what ``evoladder run`` runs. The gateway is discovered through ``GET /gateway/bot`` as in
production unless ``discover_gateway=False``.

Attach mode (``start_bot=False``): only the server runs, and :meth:`Sandbox.env` gives the
environment an external bot process (``evoladder run``) needs to connect to it, so a bench can
measure the bot in its own process.

:meth:`Sandbox.restart_bot` closes the bot the production way (drains included) and builds a new
one on the same database, for the "restart in the middle of a match" journeys.

``background=False`` leaves the scheduler and the matchmaker stopped, so a test runs waves and
deadlines itself (``sandbox.ladder.services.matchmaker.run_wave()``, ``scheduler.run_due()``) instead
of racing the 45-second clock.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from types import TracebackType
from typing import Self

from pydantic import SecretStr

from evoladder.app import Ladder, build_ladder
from evoladder.bot.client import CogFactory
from evoladder.bot.cogs import FEATURE_COGS
from evoladder.bot.lifecycle import ShutdownSignals
from evoladder.logging_setup import configure_logging
from evoladder.services.ports import Clock
from evoladder.services.wiring import Services
from evoladder.settings import Settings, load_settings
from evoladder.store.migrations import upgrade

from .clock import ClockLike
from .discordpy import discord_py_pointed_at
from .feed import WaitTimeout
from .players import VirtualPlayer
from .population import Population, run_population
from .ratelimit import RateLimitConfig
from .server import LocalDiscord
from .state import Channel, Role


class Sandbox:
    def __init__(
        self,
        *,
        settings: Settings | None = None,
        database_url: str | None = None,
        cogs: Sequence[CogFactory] = FEATURE_COGS,
        extra_cogs: Sequence[CogFactory] = (),
        clock: Clock | None = None,
        discord_clock: ClockLike | None = None,
        rate_limits: RateLimitConfig | None = None,
        response_timeout: float = 10.0,
        owners: Sequence[str] = (),
        discover_gateway: bool = True,
        start_bot: bool = True,
        background: bool = True,
    ) -> None:
        self._base_settings = settings
        self._database_url = database_url
        self._cogs = (*cogs, *extra_cogs)
        self._clock = clock
        self._discord_clock = discord_clock
        self._rate_limits = rate_limits
        self._response_timeout = response_timeout
        self._owner_names = tuple(owners)
        self._discover_gateway = discover_gateway
        self._start_bot = start_bot
        self._background = background
        self._stack = AsyncExitStack()
        self._ladder_stack: AsyncExitStack | None = None
        self._discord: LocalDiscord | None = None
        self._ladder: Ladder | None = None
        self._settings: Settings | None = None
        self.owners: list[VirtualPlayer] = []

    # -- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        try:
            await self._open()
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._stack.aclose()

    async def _open(self) -> None:
        stack = self._stack
        discord = LocalDiscord(
            clock=self._discord_clock, rate_limits=self._rate_limits, response_timeout=self._response_timeout
        )
        self._discord = await stack.enter_async_context(discord)
        self.owners = [discord.player(name) for name in self._owner_names]
        url = self._database_url
        if url is None:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="evoladder-sandbox-"))
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'ladder.db'}"
            await asyncio.to_thread(upgrade, url)
        base = self._base_settings or load_settings()
        self._settings = base.model_copy(
            update={
                "discord_token": SecretStr(discord.token),
                "database_url": url,
                "discord_api_url": discord.api_url,
                "discord_gateway_url": None if self._discover_gateway else discord.gateway_url,
                "admin_log_channel_id": discord.admin_log.id,
                "staff_role_id": discord.staff_role.id,
                "sync_guild_id": None,
                "owner_ids": frozenset(p.id for p in self.owners) | base.owner_ids,
                # Virtual players play no real games, so no replay of theirs can pass the checks:
                # reporting without a replay, unless the base settings ask for the lock.
                "report_requires_replay": (
                    base.report_requires_replay
                    if "report_requires_replay" in base.model_fields_set
                    else False
                ),
            }
        )
        # Restored when the sandbox closes, so the next sandbox (or test) starts clean.
        stack.enter_context(discord_py_pointed_at(discord.api_url))
        stack.push_async_callback(self._close_ladder)
        if self._start_bot:
            await self.start_bot()

    async def start_bot(self) -> Ladder:
        """Build the ladder on the sandbox's database and connect it (see :meth:`restart_bot`)."""
        if self._ladder is not None:
            raise RuntimeError("the bot is already running; use restart_bot()")
        discord = self.discord
        self._ladder_stack = AsyncExitStack()
        try:
            ladder = await build_ladder(self.settings, self._ladder_stack, clock=self._clock, cogs=self._cogs)
            self._ladder = ladder
            task = ladder.start_bot(discord.token)
            await _first_of(task, discord.wait_connected(), "the bot stopped before connecting")
            if self._background:
                await ladder.start_background()
        except BaseException:
            await self._close_ladder()
            raise
        return ladder

    async def stop_bot(self) -> None:
        """Shut the bot down the production way: finish interactions, drain, close."""
        await self._close_ladder()

    async def restart_bot(self) -> Ladder:
        await self.stop_bot()
        return await self.start_bot()

    async def _close_ladder(self) -> None:
        stack, self._ladder_stack, self._ladder = self._ladder_stack, None, None
        if stack is not None:
            await stack.aclose()

    # -- what tests use ------------------------------------------------------------------------

    @property
    def discord(self) -> LocalDiscord:
        if self._discord is None:
            raise RuntimeError("the sandbox is not open")
        return self._discord

    @property
    def ladder(self) -> Ladder:
        if self._ladder is None:
            raise RuntimeError("the bot is not running in this sandbox")
        return self._ladder

    @property
    def services(self) -> Services:
        """The running ladder's services (to seed data and check what the bot wrote)."""
        return self.ladder.services

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            raise RuntimeError("the sandbox is not open")
        return self._settings

    @property
    def admin_log(self) -> Channel:
        return self.discord.admin_log

    @property
    def staff_role(self) -> Role:
        return self.discord.staff_role

    def player(self, name: str | None = None, *, locale: str = "en-US") -> VirtualPlayer:
        return self.discord.player(name, locale=locale)

    def env(self) -> dict[str, str]:
        """Environment for an external ``evoladder run`` to attach to this server (attach mode)."""
        s = self.settings
        return {
            "DISCORD_TOKEN": self.discord.token,
            "DATABASE_URL": s.database_url,
            "EVOLADDER_DISCORD_API_URL": self.discord.api_url,
            "EVOLADDER_ADMIN_LOG_CHANNEL_ID": str(self.discord.admin_log.id),
            "EVOLADDER_STAFF_ROLE_ID": str(self.discord.staff_role.id),
            "EVOLADDER_OWNER_IDS": ",".join(str(uid) for uid in sorted(s.owner_ids)),
            # Any free port: two attached bots (or a test suite and a running sandbox) never
            # fight over the default one.
            "EVOLADDER_WEB_PORT": "0",
        }


async def _first_of(task: asyncio.Task[None], waiting: object, failure: str) -> None:
    """Wait for ``waiting`` (a coroutine), failing early if ``task`` ends first."""
    waiter = asyncio.ensure_future(waiting)  # type: ignore[call-overload]
    done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if waiter not in done:
        waiter.cancel()
        task.result()
        raise WaitTimeout(failure)
    waiter.result()


# --- `evoladder sandbox`: virtual players and a live summary -------------------------------------

SANDBOX_WAVE_INTERVAL_SECONDS = 10


def sandbox_settings(settings: Settings) -> Settings:
    """The settings ``evoladder sandbox`` runs the bot with.

    Waves come every :data:`SANDBOX_WAVE_INTERVAL_SECONDS` (10 s) instead of production's 45 s
    unless ``EVOLADDER_WAVE_INTERVAL_SECONDS`` was set explicitly, so a newcomer watching the
    sandbox sees matches within the first minute. Nothing else differs from production.
    """
    if "wave_interval_seconds" in settings.model_fields_set:
        return settings
    return settings.model_copy(update={"wave_interval_seconds": SANDBOX_WAVE_INTERVAL_SECONDS})


async def run_players(
    sandbox: Sandbox,
    count: int,
    *,
    minutes: float | None,
    stop: asyncio.Event,
    summary_every: float = 5.0,
) -> Population:
    """Let ``count`` virtual players use the ladder until ``minutes`` pass or ``stop`` is set.

    They register, queue, confirm, play, report, sometimes abort or do not show up (see
    :mod:`evoladder.sandbox.population`); a summary is printed every ``summary_every`` seconds
    and once at the end.
    """
    population = Population(sandbox, count)
    await run_population(population, minutes=minutes, stop=stop, summary_every=summary_every)
    return population


async def run_sandbox(
    settings: Settings,
    players: int | None,
    minutes: float | None,
    database: str | None,
    allow_postgres: bool,
) -> int:
    """``evoladder sandbox``: the local Discord server, this bot on its own database, virtual players.

    It never touches the configured database: without ``--database`` it uses a fresh SQLite file
    in a temporary directory, and it refuses a PostgreSQL URL unless ``--allow-postgres``.
    """
    count = settings.sandbox_players if players is None else players
    web = ""
    if settings.web_enabled:
        where = f"{settings.web_base_url}/"
        if settings.web_port == 0:
            where = "a free port (the next line says which)"
        web = f"; the ladder's web pages: {where}"
    print(
        f"evoladder SANDBOX: a local Discord server with {count} virtual players; "
        f"nothing connects to Discord and the configured database is not used{web}",
        flush=True,
    )
    configure_logging(settings.log_level, settings.log_format)
    if "log_level" not in settings.model_fields_set:
        # The bot and the local server narrate every command and request at INFO; in the sandbox
        # the summary lines say what matters. An explicit EVOLADDER_LOG_LEVEL shows it all.
        logging.getLogger("evoladder").setLevel(logging.WARNING)
        # discord.py's voice notice, and its "Can't keep up" heartbeat warning, which on loopback
        # is a race (the ACK lands before its keep-alive thread records the send), not a lag.
        logging.getLogger("discord.client").setLevel(logging.ERROR)
        logging.getLogger("discord.gateway").setLevel(logging.ERROR)
    if database is not None and database.startswith("postgres") and not allow_postgres:
        print(
            "evoladder sandbox: refusing a PostgreSQL database without --allow-postgres "
            "(the sandbox never touches the configured database)."
        )
        return 2
    settings = sandbox_settings(settings)  # waves every 10 s unless EVOLADDER_WAVE_INTERVAL_SECONDS is set

    with tempfile.TemporaryDirectory(prefix="evoladder-sandbox-") as tmp:
        url = database or f"sqlite+aiosqlite:///{Path(tmp) / 'sandbox.db'}"
        await asyncio.to_thread(upgrade, url)
        signals = ShutdownSignals()
        signals.install()
        try:
            async with Sandbox(settings=settings, database_url=url) as sandbox:
                if settings.web_enabled:
                    try:
                        address = await sandbox.ladder.start_web()
                    except OSError as exc:
                        print(f"evoladder sandbox: the web pages cannot listen on {settings.web_bind_host}:"
                              f"{settings.web_port} ({exc.strerror}); set EVOLADDER_WEB_PORT")
                        return 2
                    print(f"web: {address}", flush=True)
                print(f"database: {sandbox.settings.database_url_safe}; Ctrl-C to stop")
                await run_players(sandbox, count, minutes=minutes, stop=signals.requested)
        finally:
            signals.uninstall()
    return 0
