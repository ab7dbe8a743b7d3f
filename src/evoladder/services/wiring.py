"""Every service of one process, built in one place: :func:`build_services` returns :class:`Services`.

Production (:func:`evoladder.app.build_ladder`), the test kits, the end-to-end sandbox and the
benches all build their services here, so the graph is written once and a test exercises the
wiring production runs.

Adding a service: one field on :class:`Services` and one construction in :func:`build_services`,
after the services it uses. The bot's cogs reach it through :class:`evoladder.bot.deps.BotDeps`
(one more field there if a cog calls it).

Constructors are keyword-only, in one order: the core (``db``, ``clock``, ``game``), then the read
models and the notifier, then the services it calls, then its options. Keywords make a new
dependency a one-line change at the one call site here, without reordering anybody's arguments.

Test seams (all optional except the notifier): ``read_models`` (a recording subclass),
``ticker`` (the caches' TTL clock), ``rng`` (the matchmaker's map draw), ``ban_listener``,
``replay_parser`` and ``replay_storage``. Production passes none of them.

Start and close: :meth:`Services.start` does the start-up work that needs the database and the
event loop (the leaderboard read, the owners synced, the command log's flusher); closers for
what holds resources (the command log, the replay storage and parsing pool) run in reverse order
in :meth:`Services.close`. A test that never starts them has nothing to close: the replay pool
forks its workers on the first parse only.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from evoladder.domain.match_state import MatchTimings
from evoladder.game import GameData
from evoladder.game.replay_parse import RaceLookup
from evoladder.game.replay_pool import ReplayPool
from evoladder.services.accounts import AccountService, AdminRoster
from evoladder.services.admin_console import AdminConsole
from evoladder.services.admin_players import AdminPlayerService, BanListener
from evoladder.services.command_log import CommandLog
from evoladder.services.dm_channels import DmChannels
from evoladder.services.guard import CommandGuard
from evoladder.services.history import HistoryService
from evoladder.services.leaderboard import LeaderboardService
from evoladder.services.matches import MatchService
from evoladder.services.matchmaker import Matchmaker
from evoladder.services.messages import MessageLog
from evoladder.services.outbox import OutboxRelay
from evoladder.services.player_cache import PlayerCache
from evoladder.services.ports import Clock, Notifier
from evoladder.services.profile import ProfileService
from evoladder.services.public import PublicLadder
from evoladder.services.queue import BanCascade, QueueService
from evoladder.services.read_models import ReadModels
from evoladder.services.replays import ReplayParser, ReplayService
from evoladder.services.scheduler import Scheduler
from evoladder.services.seasons import SeasonBook, SeasonService
from evoladder.services.stats_cache import StatsCache
from evoladder.services.timing import FlowTiming, command_log_gauges, player_cache_gauges
from evoladder.settings import Settings
from evoladder.store.replay_storage import ReplayStorage, open_replay_storage
from evoladder.store.uow import Database

NotifierFactory = Callable[[MessageLog, DmChannels], Notifier]
"""Builds the notifier from the message log and the DM channels (the bot's notifier records the
DMs it sends and learns each player's DM channel)."""


@dataclass(frozen=True, slots=True)
class Services:
    """The application layer of one process, with the core it was built on."""

    # core
    settings: Settings
    game: GameData
    clock: Clock
    db: Database
    timings: MatchTimings
    # read models and telemetry
    read_models: ReadModels
    command_log: CommandLog
    timing: FlowTiming
    # announcements, their outbox and the bot's long-lived messages
    messages: MessageLog
    dm_channels: DmChannels
    notifier: Notifier
    outbox: OutboxRelay
    # accounts
    accounts: AccountService
    roster: AdminRoster
    guard: CommandGuard
    profiles: ProfileService
    admin_players: AdminPlayerService
    # queue and matches
    scheduler: Scheduler
    matches: MatchService
    queue: QueueService
    matchmaker: Matchmaker
    # replays
    replays: ReplayService
    # /admin
    admin_console: AdminConsole
    # the public web pages
    public: PublicLadder
    # rating history and seasons
    season_book: SeasonBook
    history: HistoryService
    seasons: SeasonService
    _closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list, repr=False)

    @property
    def leaderboard(self) -> LeaderboardService:
        return self.read_models.leaderboard

    @property
    def player_cache(self) -> PlayerCache:
        return self.read_models.players

    async def start(self) -> None:
        """Read the seasons and the leaderboard from the database, sync the owners, start the
        command log."""
        await self.season_book.load(self.db)
        await self.read_models.leaderboard.build()
        await self.roster.sync_owners(self.settings.owner_ids)
        self.command_log.start()
        self._closers.insert(0, self.command_log.close)  # drained last, after the replay pool

    async def close(self) -> None:
        """Close what the services hold, in reverse order of opening (drains the command log)."""
        while self._closers:
            await self._closers.pop()()


def build_services(
    *,
    settings: Settings,
    db: Database,
    clock: Clock,
    game: GameData,
    notifier: NotifierFactory,
    read_models: ReadModels | None = None,
    ticker: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
    ban_listener: BanListener | None = None,
    replay_parser: ReplayParser | None = None,
    replay_storage: ReplayStorage | None = None,
) -> Services:
    """Build every service over ``db`` (nothing is started: see :meth:`Services.start`)."""
    closers: list[Callable[[], Awaitable[None]]] = []
    timings = MatchTimings.from_seconds(
        settings.confirm_timeout_seconds, settings.reporting_deadline_seconds, settings.abort_window_seconds
    )
    if read_models is None:
        ttl = settings.player_cache_ttl_seconds
        read_models = ReadModels(
            players=PlayerCache(ttl, ticker=ticker),
            leaderboard=LeaderboardService(db=db, clock=clock, game=game),
            stats=StatsCache(ttl, ticker=ticker),
        )
    command_log = CommandLog(
        db=db, clock=clock, flush_ms=settings.command_log_flush_ms, batch_size=settings.command_log_batch
    )
    timing = FlowTiming()
    timing.add_gauges(player_cache_gauges(read_models.players))
    timing.add_gauges(command_log_gauges(command_log))
    messages = MessageLog(db=db, clock=clock)
    dm_channels = DmChannels(db=db)
    announce = notifier(messages, dm_channels)
    outbox = OutboxRelay(db=db, clock=clock, notifier=announce, timings=timings)

    season_book = SeasonBook(game=game)  # loaded by ``Services.start``
    accounts = AccountService(db=db, clock=clock, game=game, read_models=read_models)
    roster = AdminRoster(db=db, clock=clock)
    guard = CommandGuard(
        cache=read_models.players, accounts=accounts, activation_required=settings.activation_required
    )
    profiles = ProfileService(
        db=db,
        clock=clock,
        game=game,
        cache=read_models.players,
        leaderboard=read_models.leaderboard,
        stats=read_models.stats,
        activation_required=settings.activation_required,
        seasons=season_book,
    )

    scheduler = Scheduler(db=db, clock=clock)
    matches = MatchService(
        db=db, clock=clock, game=game, read_models=read_models, notifier=announce, timings=timings,
        wake=scheduler.wake, outbox=outbox, report_requires_replay=settings.report_requires_replay,
        metrics=timing.events,
    )
    scheduler.register(matches.job_handlers())
    queue = QueueService(
        db=db, clock=clock, game=game, read_models=read_models, notifier=announce,
        wave_interval=settings.wave_interval_seconds, seasons=season_book,
    )
    matchmaker = Matchmaker(
        db=db, clock=clock, game=game, read_models=read_models, notifier=announce, timings=timings,
        interval=settings.wave_interval_seconds, rng=rng, wake=scheduler.wake, outbox=outbox,
        seasons=season_book, metrics=timing.events,
    )
    admin_players = AdminPlayerService(
        db=db,
        clock=clock,
        game=game,
        read_models=read_models,
        leaderboard=read_models.leaderboard,
        cache=read_models.players,
        roster=roster,
        ban_listener=ban_listener or BanCascade(queue=queue, matches=matches),
        notifier=announce,
    )

    if replay_storage is None:
        replay_storage = open_replay_storage(settings.replay_storage)
        closers.append(replay_storage.close)
    if replay_parser is None:
        pool = ReplayPool(
            RaceLookup(game.races.values()),
            workers=settings.replay_workers,
            timeout_seconds=settings.replay_parse_timeout_seconds,
            memory_mb=settings.replay_parse_memory_mb,
        )
        closers.append(pool.close)
        replay_parser = pool
    # Uploads for a closed match are taken as evidence for as long as reporting itself lasts.
    replays = ReplayService(
        db=db, clock=clock, game=game, matches=matches, parser=replay_parser, storage=replay_storage,
        max_bytes=settings.replay_max_bytes, evidence_window=timings.report_deadline, notifier=announce,
        metrics=timing.events,
    )
    admin_console = AdminConsole(
        db=db, clock=clock, game=game, read_models=read_models, roster=roster, players=admin_players,
        queue=queue, matches=matches, timing=timing, matchmaker=matchmaker,
        # /admin match opens (and closes) its own storage per call: rare, admin-only, and it must
        # not close the replay service's storage, which lives as long as the process.
        replay_storage=lambda: open_replay_storage(settings.replay_storage),
    )
    history = HistoryService(db=db, game=game, seasons=season_book)
    public = PublicLadder(
        db=db, game=game, read_models=read_models, profiles=profiles, matches=matches, queue=queue,
        replays=replays, history=history, seasons=season_book,
    )
    seasons = SeasonService(
        db=db, clock=clock, game=game, listener=read_models, seasons=season_book,
        require_admin=roster.require_admin, reset_percent=settings.season_reset_percent,
    )
    return Services(
        settings=settings,
        game=game,
        clock=clock,
        db=db,
        timings=timings,
        read_models=read_models,
        command_log=command_log,
        timing=timing,
        messages=messages,
        dm_channels=dm_channels,
        notifier=announce,
        outbox=outbox,
        accounts=accounts,
        roster=roster,
        guard=guard,
        profiles=profiles,
        admin_players=admin_players,
        scheduler=scheduler,
        matches=matches,
        queue=queue,
        matchmaker=matchmaker,
        replays=replays,
        admin_console=admin_console,
        public=public,
        season_book=season_book,
        history=history,
        seasons=seasons,
        _closers=closers,
    )
