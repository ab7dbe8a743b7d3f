"""What the cogs, items and the notifier may use: built by the composition root, passed in.

No cog constructs a service or reaches for a global; each gets this object (through
:class:`~evoladder.bot.interaction.LadderCog` or :attr:`Call.deps`). It carries only what cogs
call: the services (built once in :func:`evoladder.services.wiring.build_services`), the game
data and settings they render with, and the adapter's own outbound queue. Storage is not here:
a cog that needs data asks a service. A cog of a new feature that calls a new service adds one
field here and one line in :meth:`BotDeps.of`.

Fields are the services themselves, not interfaces: the services are already the application
layer's ports (ids and primitives in, plain results out) and tests build them over a fresh
database, so an extra layer of protocols here would only be indirection.
"""

from __future__ import annotations

from dataclasses import dataclass

from evoladder.bot.languages import PlayerLanguages
from evoladder.bot.outbound import Outbound
from evoladder.game import GameData
from evoladder.i18n import Catalogs
from evoladder.services.accounts import AccountService, AdminRoster
from evoladder.services.admin_console import AdminConsole
from evoladder.services.admin_players import AdminPlayerService
from evoladder.services.dm_channels import DmChannels
from evoladder.services.history import HistoryService
from evoladder.services.leaderboard import LeaderboardService
from evoladder.services.matches import MatchService
from evoladder.services.matchmaker import Matchmaker
from evoladder.services.messages import MessageLog
from evoladder.services.ports import Clock
from evoladder.services.profile import ProfileService
from evoladder.services.queue import QueueService
from evoladder.services.replays import ReplayService
from evoladder.services.seasons import SeasonService
from evoladder.services.wiring import Services
from evoladder.settings import Settings


@dataclass(frozen=True, slots=True)
class BotDeps:
    # core
    settings: Settings
    game: GameData
    clock: Clock
    # the adapter's own
    outbound: Outbound
    messages: MessageLog
    dm_channels: DmChannels
    # services the cogs call
    leaderboard: LeaderboardService
    accounts: AccountService
    roster: AdminRoster
    profiles: ProfileService
    admin_players: AdminPlayerService
    queue: QueueService
    matches: MatchService
    matchmaker: Matchmaker
    admin_console: AdminConsole
    replays: ReplayService
    # languages: every text in the player's language
    catalogs: Catalogs
    languages: PlayerLanguages
    # rating history and seasons
    history: HistoryService
    seasons: SeasonService

    @classmethod
    def of(
        cls, services: Services, *, outbound: Outbound, catalogs: Catalogs, languages: PlayerLanguages
    ) -> BotDeps:
        return cls(
            settings=services.settings,
            game=services.game,
            clock=services.clock,
            outbound=outbound,
            messages=services.messages,
            dm_channels=services.dm_channels,
            leaderboard=services.leaderboard,
            accounts=services.accounts,
            roster=services.roster,
            profiles=services.profiles,
            admin_players=services.admin_players,
            queue=services.queue,
            matches=services.matches,
            matchmaker=services.matchmaker,
            admin_console=services.admin_console,
            replays=services.replays,
            catalogs=catalogs,
            languages=languages,
            history=services.history,
            seasons=services.seasons,
        )
