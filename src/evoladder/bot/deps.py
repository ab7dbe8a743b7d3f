"""What the cogs, items and the notifier may use: built by the composition root, passed in.

No cog constructs a service or reaches for a global; each gets this object (through
:class:`~evoladder.bot.interaction.LadderCog` or :attr:`Call.deps`). Adding a feature's service
means one field here and one line in :func:`evoladder.app.build_services`; cogs of other features
are untouched.

Fields are the services themselves, not interfaces: the services are already the application
layer's ports (ids and primitives in, plain results out) and tests build them over a fresh
database, so an extra layer of protocols here would only be indirection.
"""

from __future__ import annotations

from dataclasses import dataclass

from evoladder.bot.dm_channels import DmChannels
from evoladder.bot.messages import MessageLog
from evoladder.bot.outbound import Outbound
from evoladder.game import GameData
from evoladder.services.accounts import AccountService, AdminRoster
from evoladder.services.admin_console import AdminConsole
from evoladder.services.admin_players import AdminPlayerService
from evoladder.services.command_log import CommandLog
from evoladder.services.guard import CommandGuard
from evoladder.services.leaderboard import LeaderboardService
from evoladder.services.matches import MatchService
from evoladder.services.matchmaker import Matchmaker
from evoladder.services.player_cache import PlayerCache
from evoladder.services.ports import Clock
from evoladder.services.profile import ProfileService
from evoladder.services.queue import QueueService
from evoladder.services.read_models import ReadModels
from evoladder.services.replays import ReplayService
from evoladder.services.scheduler import Scheduler
from evoladder.services.timing import FlowTiming
from evoladder.settings import Settings
from evoladder.store.uow import Database


@dataclass(frozen=True, slots=True)
class BotDeps:
    # core
    settings: Settings
    game: GameData
    clock: Clock
    db: Database
    # the adapter's own
    outbound: Outbound
    messages: MessageLog
    dm_channels: DmChannels
    # read models
    read_models: ReadModels
    player_cache: PlayerCache
    leaderboard: LeaderboardService
    # telemetry
    command_log: CommandLog
    timing: FlowTiming
    # accounts (issue 3)
    accounts: AccountService
    roster: AdminRoster
    guard: CommandGuard
    profiles: ProfileService
    admin_players: AdminPlayerService
    # queue and matches (issue 4)
    queue: QueueService
    matches: MatchService
    matchmaker: Matchmaker
    scheduler: Scheduler
    # /admin (issue 5)
    admin_console: AdminConsole
    # replays (issue 6)
    replays: ReplayService
