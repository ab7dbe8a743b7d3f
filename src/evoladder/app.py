"""The one composition root: builds settings, game data, storage, services and the bot, and
closes them in reverse order. Nothing else in the package constructs long-lived objects.

Build order (each step only uses what came before it)::

    settings -> game data -> Database (schema checked) -> outbound queue -> services
    (:func:`evoladder.services.wiring.build_services`: read models, command log, message log,
    notifier, accounts, guard, profiles, scheduler, matches, queue, matchmaker, admin tools,
    replays, public pages) -> services started (leaderboard read, owners synced, command log
    flushing) -> cogs' dependencies, interaction wrapper, lifecycle -> bot -> web pages

and, once the bot is connected, the background loops (scheduler re-arms the deadlines stored in
the database, matchmaker waves).

Close order is the reverse, driven by one ``AsyncExitStack`` (see :mod:`evoladder.bot.lifecycle`
for the shutdown story): matchmaker, scheduler, in-flight interactions, outbound queue (drained
while the HTTP session still exists), bot (gateway and HTTP), replay pool (running parses
finish), replay storage, command log (drained), database.

The notifier needs the bot to send and the services need the notifier, so the notifier is
built with the services and attached to the bot once the bot exists; it cannot send earlier
anyway, because the outbound queue only starts in the bot's ``setup_hook``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

import discord
from aiohttp.web import Application
from sqlalchemy import text as sa_text

from evoladder.bot.client import CogFactory, LadderBot
from evoladder.bot.cogs import FEATURE_COGS
from evoladder.bot.deps import BotDeps
from evoladder.bot.interaction import Flows
from evoladder.bot.languages import PlayerLanguages
from evoladder.bot.lifecycle import Lifecycle, ShutdownSignals
from evoladder.bot.notifier import DiscordNotifier
from evoladder.bot.outbound import Outbound
from evoladder.bot.transport import point_discord_at
from evoladder.game import GameData, load_game_data
from evoladder.i18n import Catalogs
from evoladder.logging_setup import configure_logging, event
from evoladder.services.dm_channels import DmChannels
from evoladder.services.matchmaker import Matchmaker
from evoladder.services.messages import MessageLog
from evoladder.services.peer_import import ImportReport, PeerImport, Progress, rebuild_history
from evoladder.services.ports import Clock, SystemClock
from evoladder.services.public import PublicLadder
from evoladder.services.timing import Gauge
from evoladder.services.wiring import Services, build_services
from evoladder.settings import Settings
from evoladder.store.engine import create_engine
from evoladder.store.peer_source import open_peer_source
from evoladder.store.replay_storage import ReplayStorage, open_replay_storage
from evoladder.store.revisions import database_revision, packaged_head
from evoladder.store.uow import Database
from evoladder.web.admission import Admission
from evoladder.web.app import WebDeps, create_app
from evoladder.web.metrics import WebMetrics
from evoladder.web.ratelimit import RateLimiter
from evoladder.web.server import WebServer

log = logging.getLogger(__name__)

READY_DB_TIMEOUT_SECONDS = 2.0
IN_FLIGHT_GRACE_SECONDS = 10.0
OUTBOUND_GRACE_SECONDS = 10.0


class SchemaOutOfDate(RuntimeError):
    """The database is not at the code's migration head; the message says what to run."""


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


async def check_schema(db: Database) -> None:
    """Refuse to start on a database that ``evoladder db upgrade`` has not brought to the head.

    Starting on an old schema would fail later, in the middle of a player's command; failing at
    once with the command to run is kinder to the operator.
    """
    async with db.engine.connect() as conn:
        current = await database_revision(conn)  # read without Alembic: it stays out of the bot process
    head = packaged_head()
    if current != head:
        raise SchemaOutOfDate(
            f"the database schema is at {current or 'nothing (empty database)'} but this version "
            f"needs {head}: run `evoladder db upgrade` first"
        )


@dataclass
class Ladder:
    """Everything one bot process runs; built by :func:`build_ladder`, closed by its exit stack."""

    core: Core
    services: Services
    deps: BotDeps
    bot: LadderBot
    lifecycle: Lifecycle
    notifier: DiscordNotifier
    stack: AsyncExitStack
    bot_task: asyncio.Task[None] | None = None
    background_started: bool = field(default=False)
    web: WebServer | None = None

    def start_bot(self, token: str) -> asyncio.Task[None]:
        """Log in and connect (in a task: ``Client.start`` runs until the bot is closed)."""
        if self.bot_task is None:
            self.bot_task = asyncio.get_running_loop().create_task(self.bot.start(token), name="bot")
        return self.bot_task

    async def start_background(self) -> None:
        """Re-arm the stored deadlines and start the waves (once the bot can deliver)."""
        if self.background_started:
            return
        self.background_started = True
        services = self.services
        pending = await services.scheduler.start()
        self.stack.push_async_callback(services.scheduler.stop)
        await services.outbox.start()  # what a previous process committed but did not deliver
        self.stack.push_async_callback(services.outbox.stop)
        await services.matchmaker.start()
        self.stack.push_async_callback(services.matchmaker.stop)
        event(log, "ladder.background_started", pending_jobs=pending)

    @property
    def public(self) -> PublicLadder:
        return self.services.public

    def web_app(
        self, *, limiter: RateLimiter | None = None, admission: Admission | None = None
    ) -> Application:
        """The public site over this ladder's services (tests serve it without a socket)."""
        settings = self.core.settings
        bot, db = self.bot, self.core.db

        async def database_ok() -> bool:
            try:
                async with asyncio.timeout(READY_DB_TIMEOUT_SECONDS), db.engine.connect() as conn:
                    await conn.execute(sa_text("SELECT 1"))
                return True
            except Exception:
                return False

        deps = WebDeps(
            public=self.public,
            game=self.core.game,
            metrics=WebMetrics(self.services.timing),
            gateway_ready=lambda: bot.is_ready() and not bot.is_closed(),
            database_ok=database_ok,
            base_url=settings.web_base_url,
            public_url=settings.public_url,
            limiter=limiter or RateLimiter(settings.web_rate_per_second, settings.web_rate_burst),
            trust_forwarded=settings.web_trust_forwarded,
            replay_downloads=settings.web_replay_downloads,
            admission=admission or Admission(
                rate=settings.web_global_rate, concurrency=settings.web_max_concurrency,
                max_waiting=settings.web_max_waiting,
                bot_busy=lambda: bot.flows.busy,  # the bot first, from its gateway frame on
            ),
            catalogs=self.deps.catalogs,  # the bot's: one copy of the five catalogs in memory
        )
        return create_app(deps)

    async def start_web(self, *, port: int | None = None) -> str:
        """Serve the public pages on this loop (closed with the ladder, before the bot).

        Returns the address to open: the public URL when set, else where it listens. ``port``
        overrides the setting (0: any free port, for tests and benches).
        """
        settings = self.core.settings
        if self.web is None:
            server = WebServer(self.web_app(), settings.web_bind_host,
                               settings.web_port if port is None else port)
            await server.start()
            self.web = server
            self.stack.push_async_callback(server.close)
        return self.web_url()

    def web_url(self) -> str:
        settings = self.core.settings
        if settings.public_url:
            return settings.public_url.rstrip("/") + "/"
        host = settings.web_bind_host
        shown = "localhost" if host in ("0.0.0.0", "::", "127.0.0.1") else host
        port = self.web.port if self.web is not None else settings.web_port
        return f"http://{shown}:{port}/"

    async def serve(self, token: str, stop: asyncio.Event) -> int:
        """Run until ``stop`` is set or the bot ends by itself; returns the exit code."""
        bot_task = self.start_bot(token)
        ready = asyncio.ensure_future(self.bot.ready.wait())
        stopping = asyncio.ensure_future(stop.wait())
        try:
            done, _ = await asyncio.wait({bot_task, ready, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if ready in done and not stop.is_set() and not bot_task.done():
                await self.start_background()
                await asyncio.wait({bot_task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
            stopping.cancel()
            self.lifecycle.stop_accepting()
        if not bot_task.done():
            return 0
        exc = bot_task.exception()
        if isinstance(exc, discord.LoginFailure):
            print(
                "evoladder run: Discord rejected DISCORD_TOKEN. Check the bot token in the developer portal."
            )
            return 2
        if exc is not None:
            log.error("bot.crashed", exc_info=exc)
            return 1
        return 0

    async def _close_bot(self) -> None:
        await self.bot.close()
        if self.bot_task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self.bot_task


async def build_ladder(
    settings: Settings,
    stack: AsyncExitStack,
    *,
    clock: Clock | None = None,
    cogs: Sequence[CogFactory] = FEATURE_COGS,
    sync_commands: bool = True,
    in_flight_grace: float = IN_FLIGHT_GRACE_SECONDS,
    outbound_grace: float = OUTBOUND_GRACE_SECONDS,
) -> Ladder:
    """Build the whole bot process on ``stack`` (closed in reverse when the stack unwinds)."""
    clock = clock or SystemClock()
    core = await build_core(settings, stack)
    game, db = core.game, core.db
    await check_schema(db)

    rate = settings.outbound_rate_per_second
    outbound = Outbound(rate=rate, burst=max(1, int(50 - rate)))
    notifiers: list[DiscordNotifier] = []
    catalogs = Catalogs.load(pseudo=settings.pseudo_locale)
    languages = PlayerLanguages(catalogs)  # bound to the player records once the services exist

    def discord_notifier(messages: MessageLog, dm_channels: DmChannels) -> DiscordNotifier:
        notifier = DiscordNotifier(
            dm_channels=dm_channels,
            outbound=outbound,
            messages=messages,
            languages=languages,
            game=game,
            clock=clock,
            admin_log_channel_id=settings.admin_log_channel_id,
            staff_role_id=settings.staff_role_id,
        )
        notifiers.append(notifier)
        return notifier

    services = build_services(settings=settings, db=db, clock=clock, game=game, notifier=discord_notifier)
    stack.push_async_callback(services.close)
    await services.start()
    (notifier,) = notifiers

    languages.bind(services.player_cache, services.accounts)
    deps = BotDeps.of(services, outbound=outbound, catalogs=catalogs, languages=languages)
    lifecycle = Lifecycle()
    flows = Flows(
        deps=deps,
        guard=services.guard,
        recorder=services.command_log,
        timing=services.timing,
        lifecycle=lifecycle,
        messages=services.messages,
        dm_only=settings.dm_only,
        dm_channels=services.dm_channels,
        catalogs=catalogs,
    )
    bot = LadderBot(
        deps=deps,
        flows=flows,
        outbound=outbound,
        cogs=cogs,
        sync_guild_id=settings.sync_guild_id,
        gateway_url=settings.discord_gateway_url,
        sync_commands=sync_commands,
    )
    notifier.attach(bot)
    services.timing.add_gauges(operations_gauges(services.matchmaker, outbound, db))
    stats = outbound.stats
    services.timing.events.add_counter(
        "evoladder_outbound_rate_limited_total", "Discord responses 429 (rate limited), by scope.",
        lambda: (({"scope": "route"}, stats.rate_limited), ({"scope": "global"}, stats.rate_limited_global)),
    )
    ladder = Ladder(core, services, deps, bot, lifecycle, notifier, stack)
    stack.push_async_callback(ladder._close_bot)
    # After the drain: record what it delivered (a receipt left unsettled is delivered again, as
    # an edit or a nonce-deduplicated send, by the next start-up).
    stack.push_async_callback(services.outbox.settled)
    stack.push_async_callback(outbound.close, outbound_grace)
    stack.push_async_callback(lifecycle.finish_in_flight, in_flight_grace)
    event(
        log,
        "ladder.built",
        database=settings.database_url_safe,
        season=game.current_season,
        leaderboard_rows=services.leaderboard.ranked_total(),
        cogs=len(cogs),
    )
    return ladder


def operations_gauges(
    matchmaker: Matchmaker, outbound: Outbound, db: Database
) -> Callable[[], Iterable[Gauge]]:
    """The last wave, the outbound queue and the database pool, as gauges read when the metrics
    are scraped (the same objects the admin snapshot and the logs read)."""

    def read() -> Iterable[Gauge]:
        out = [
            Gauge("evoladder_outbound_pending", "Messages waiting in the outbound queue.", outbound.pending),
            Gauge("evoladder_outbound_sent", "Outbound messages sent since start.", outbound.stats.sent),
            Gauge("evoladder_outbound_failed", "Outbound messages that failed.", outbound.stats.failed),
            Gauge("evoladder_outbound_retried", "Outbound retries (429s and errors).",
                  outbound.stats.retried),
            Gauge("evoladder_outbound_dropped", "Outbound messages dropped.", outbound.stats.dropped),
        ]
        report = matchmaker.last_report
        if report is not None:
            out += [
                Gauge("evoladder_wave_queued", "Players queued at the last wave.", report.queued),
                Gauge("evoladder_wave_matches", "Matches formed by the last wave.", len(report.match_ids)),
                Gauge("evoladder_wave_seconds", "Duration of the last wave.",
                      sum(report.durations_ms.values()) / 1000),
            ]
        pool = db.engine.pool
        checked_out = getattr(pool, "checkedout", None)
        if callable(checked_out):
            out.append(Gauge("evoladder_db_pool_in_use", "Database connections in use.", checked_out()))
        return out

    return read


def freeze_startup_objects() -> None:
    """Move everything built so far (the read models: millions of objects at 100k players) out
    of the cyclic garbage collector's reach (``gc.freeze``).

    A full collection otherwise walks all of them: measured at 100k players, 30-170 ms with the
    event loop frozen (a command arriving then waits that long), and younger collections paid
    for them too. The read models' objects are freed by reference counting when a row goes;
    only cyclic garbage among the frozen objects would stay, and they make none. Called once by
    the production entry after the build (not by the tests, which build many ladders in one
    process).
    """
    gc.collect()
    gc.freeze()
    event(log, "gc.frozen", objects=gc.get_freeze_count())


async def run_production(settings: Settings) -> int:
    """``evoladder run``: the real bot against Discord. Never starts the sandbox."""
    configure_logging(settings.log_level, settings.log_format)
    if settings.discord_token is None:
        print(
            "evoladder run: DISCORD_TOKEN is not set. Set it to your bot's token "
            "(or use `evoladder sandbox` to try the ladder locally)."
        )
        return 2
    token = settings.discord_token.get_secret_value()
    if settings.web_enabled and settings.web_port:
        # Said first (building the ladder at 100k players takes seconds): where to look.
        print(f"evoladder: the ladder's web pages: {settings.web_base_url}/", flush=True)
    # discord.py reads its REST base from a class attribute; see evoladder.bot.transport.
    point_discord_at(settings.discord_api_url)
    async with AsyncExitStack() as stack:
        try:
            ladder = await build_ladder(settings, stack)
        except SchemaOutOfDate as exc:
            print(f"evoladder run: {exc}")
            return 2
        signals = ShutdownSignals()
        signals.install()
        stack.callback(signals.uninstall)
        if settings.web_enabled:
            try:
                url = await ladder.start_web()
            except OSError as exc:
                print(f"evoladder run: the web pages cannot listen on "
                      f"{settings.web_bind_host}:{settings.web_port} ({exc.strerror}); "
                      "set EVOLADDER_WEB_PORT "
                      "or EVOLADDER_WEB_ENABLED=false")
                return 2
            if not settings.web_port:  # any free port: only now is the address known
                print(f"evoladder: the ladder's web pages: {url}", flush=True)
            event(log, "web.listening", url=url)
        freeze_startup_objects()
        event(log, "start", database=settings.database_url_safe, season=ladder.core.game.current_season)
        return await ladder.serve(token, signals.requested)


async def run_import(
    settings: Settings,
    source: str,
    replays_dir: Path | None,
    progress: Progress | None = None,
) -> ImportReport:
    """``evoladder import evoladderbot``: the configured database, the game data, the replay
    storage when files come along, and the peer's database as the source.

    Raises ``SchemaOutOfDate`` (run ``evoladder db upgrade`` first), ``PeerSourceError`` (the
    source cannot be read) and ``FileNotFoundError`` (no such replays folder).
    """
    if replays_dir is not None and not await asyncio.to_thread(replays_dir.is_dir):
        raise FileNotFoundError(f"no such replays folder: {replays_dir}")
    async with AsyncExitStack() as stack:
        core = await build_core(settings, stack)
        await check_schema(core.db)
        peer = open_peer_source(source)
        stack.push_async_callback(peer.close)
        storage: ReplayStorage | None = None
        if replays_dir is not None:
            storage = open_replay_storage(settings.replay_storage)
            stack.push_async_callback(storage.close)
        importer = PeerImport(
            db=core.db, clock=SystemClock(), game=core.game, history=rebuild_history, storage=storage,
            replays_dir=replays_dir,
        )
        return await importer.run(peer, progress)
