"""Test kit for the account-side services: wired over a real database (both backends), fake clocks.

Test modules build their stack with a three-line fixture (``stack = await started_stack(db)``);
time is a ``FakeClock`` and the cache's TTL clock a ``FakeTicker`` that tests move by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from matchkit import RecordingNotifier

from evoladder.game import GameData, load_game_data
from evoladder.services.accounts import AccountService, AdminRoster
from evoladder.services.admin_players import AdminPlayerService
from evoladder.services.guard import CommandGuard
from evoladder.services.leaderboard import LeaderboardService
from evoladder.services.player_cache import PlayerCache
from evoladder.services.profile import ProfileService
from evoladder.services.read_models import ReadModels
from evoladder.services.wiring import build_services
from evoladder.settings import load_settings
from evoladder.store.uow import Database
from ladderclock import ManualClock

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
OWNER = 900_000_000_000_000_001
ADMIN = 900_000_000_000_000_002


class FakeClock(ManualClock):
    start = T0


class FakeTicker:
    """A monotonic clock the test moves by hand (the cache TTL)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class NullNotifier:
    """The account services announce nothing; the match kit records announcements."""

    async def notify(self, event: object, *, key: str | None = None) -> None:
        return None


class RecordingBanListener:
    def __init__(self) -> None:
        self.banned: list[int] = []

    async def player_banned(self, discord_uid: int) -> None:
        self.banned.append(discord_uid)


@dataclass
class Stack:
    db: Database
    clock: FakeClock
    ticker: FakeTicker
    game: GameData
    cache: PlayerCache
    leaderboard: LeaderboardService
    read_models: ReadModels
    accounts: AccountService
    guard: CommandGuard
    profiles: ProfileService
    roster: AdminRoster
    admin: AdminPlayerService
    bans: RecordingBanListener
    notifier: RecordingNotifier


GAME: GameData = load_game_data()


def make_stack(
    db: Database, game: GameData = GAME, *, activation_required: bool = False, ttl: float = 900
) -> Stack:
    clock = FakeClock()
    ticker = FakeTicker()
    bans = RecordingBanListener()
    notifier = RecordingNotifier()
    services = build_services(
        settings=load_settings(
            activation_required=activation_required, player_cache_ttl_seconds=ttl,
            report_requires_replay=False,
        ),
        db=db,
        clock=clock,
        game=game,
        notifier=lambda *_parts: notifier,
        ticker=ticker,
        ban_listener=bans,
    )
    return Stack(
        db, clock, ticker, game, services.player_cache, services.leaderboard, services.read_models,
        services.accounts, services.guard, services.profiles, services.roster, services.admin_players, bans,
        notifier,
    )


async def started_stack(db: Database, *, activation_required: bool = False, ttl: float = 900) -> Stack:
    """A stack as the app starts it: leaderboard built, owners synced; ``ADMIN`` is an admin."""
    s = make_stack(db, activation_required=activation_required, ttl=ttl)
    await s.leaderboard.build()
    await s.roster.sync_owners({OWNER})
    async with db.transaction() as uow:
        await uow.admins.put(ADMIN, "admin", OWNER, s.clock.now())
    return s


async def register(
    s: Stack, uid: int, name: str = "Player", *, country: str = "KR", region: str = "KRJ",
    alt_ids: tuple[str, ...] = (),
) -> None:
    """A player through terms and setup (the usual path to the queue)."""
    await s.accounts.ensure_player(uid, f"user{uid}")
    await s.accounts.accept_terms(uid)
    await s.accounts.complete_setup(uid, name, f"{name}#1234", alt_ids, country, region)


async def rated(s: Stack, uid: int, race: str, delta: int, *, won: int = 1, lost: int = 0) -> None:
    """A committed result for (uid, race), announced to the read models as the match service does."""
    async with s.db.transaction() as uow:
        await uow.mmrs.get_or_create(uid, race)
        await uow.mmrs.apply_result(uid, race, delta, won=won, lost=lost, played_at=s.clock.now())
        row = await uow.mmrs.get(uid, race)
    assert row is not None
    s.read_models.mmr_changed([row])
