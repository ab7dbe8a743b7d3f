"""Test kit for the queue, matchmaker, match and scheduler services: fakes and seed helpers.

No sleeps anywhere: time is a ``FakeClock`` the test moves, deadlines run when the test calls
``Scheduler.run_due()``, and a test that needs to wait for a background task awaits an event the
``RecordingNotifier`` sets when the expected announcement arrives.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TypeVar

from evoladder.domain.match_state import MatchState, MatchStatus, MatchTimings
from evoladder.domain.players import MmrRow, month_key
from evoladder.game import GameData, load_game_data
from evoladder.services.leaderboard import LeaderboardService
from evoladder.services.matches import MatchService, confirmation_jobs
from evoladder.services.matchmaker import Matchmaker
from evoladder.services.player_cache import PlayerCache
from evoladder.services.queue import QueueService
from evoladder.services.read_models import ReadModels
from evoladder.services.scheduler import Scheduler
from evoladder.services.wiring import Services, build_services
from evoladder.settings import load_settings
from evoladder.store.repositories.matches import match_to_row
from evoladder.store.uow import Database
from ladderclock import ManualClock

T0 = datetime(2026, 11, 22, 12, 0, 10, tzinfo=UTC)
GAME: GameData = load_game_data()
MAP = "Khione SEL"
E = TypeVar("E")


class FakeClock(ManualClock):
    start = T0


class RecordingNotifier:
    """Keeps every event; ``wait_for`` lets a test await one without sleeping."""

    def __init__(self) -> None:
        self.events: list[object] = []
        self._changed = asyncio.Condition()

    async def notify(self, event: object, *, key: str | None = None) -> None:
        self.events.append(event)
        async with self._changed:
            self._changed.notify_all()

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]

    def clear(self) -> None:
        self.events.clear()

    async def wait_for(self, kind: type[E], count: int = 1, within: float = 10.0) -> list[E]:
        """Wait until ``count`` events of ``kind`` arrived (the timeout only guards a hang)."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: len(self.of(kind)) >= count)
        return self.of(kind)


@dataclass
class RecordingReadModels:
    players: list[int] = field(default_factory=list)
    mmr_rows: list[MmrRow] = field(default_factory=list)

    def player_changed(self, discord_uid: int) -> None:
        self.players.append(discord_uid)

    def mmr_changed(self, rows: Sequence[MmrRow]) -> None:
        self.mmr_rows.extend(rows)


class TeeReadModels(ReadModels):
    """The real read models, telling ``recorder`` what they were told."""

    def __init__(self, db: Database, clock: FakeClock, recorder: RecordingReadModels) -> None:
        super().__init__(
            players=PlayerCache(900), leaderboard=LeaderboardService(db=db, clock=clock, game=GAME)
        )
        self._recorder = recorder

    def player_changed(self, discord_uid: int) -> None:
        self._recorder.player_changed(discord_uid)
        super().player_changed(discord_uid)

    def mmr_changed(self, rows: Sequence[MmrRow]) -> None:
        self._recorder.mmr_changed(rows)
        super().mmr_changed(rows)


@dataclass
class Stack:
    """One "process": services over one Database, with their own clock and in-process locks."""

    db: Database
    clock: FakeClock
    notifier: RecordingNotifier
    read_models: RecordingReadModels
    matches: MatchService
    scheduler: Scheduler
    timings: MatchTimings
    queue: QueueService
    matchmaker: Matchmaker
    # Everything build_services made (None for a Stack a test assembles itself): see ``services_of``.
    services: Services | None = None


def build_stack(
    db: Database, clock: FakeClock | None = None, timings: MatchTimings | None = None, seed: int = 1,
    notifier: RecordingNotifier | None = None,
) -> Stack:
    """Everything the composition root builds for matches (:func:`build_services`), with the
    announcements and read-model updates recorded (by ``notifier`` when a test brings one that
    fails or holds its receipts)."""
    clock = clock or FakeClock()
    timings = timings or MatchTimings()
    notifier = notifier or RecordingNotifier()
    recorder = RecordingReadModels()
    services = build_services(
        settings=load_settings(
            confirm_timeout_seconds=int(timings.confirm_timeout.total_seconds()),
            reporting_deadline_seconds=int(timings.report_deadline.total_seconds()),
            # players report by hand here; the tests of the lock turn it on
            report_requires_replay=False,
        ),
        db=db,
        clock=clock,
        game=GAME,
        notifier=lambda *_parts: notifier,
        read_models=TeeReadModels(db, clock, recorder),
        rng=random.Random(seed),
    )
    return Stack(db, clock, notifier, recorder, services.matches, services.scheduler, services.timings,
                 services.queue, services.matchmaker, services)


def services_of(stack: Stack) -> Services:
    """All the services of a stack made by :func:`build_stack` (the accounts, the history...)."""
    assert stack.services is not None, "a Stack from build_stack"
    return stack.services


async def add_player(
    db: Database,
    uid: int,
    *,
    now: datetime = T0,
    region: str | None = "EUW",
    state: str = "idle",
    mmr: dict[str, int] | None = None,
) -> None:
    """A registered, set-up player (optionally with ratings and a state)."""
    async with db.transaction() as uow:
        await uow.players.insert(uid, f"player{uid}", now, month_key(now))
        await uow.players.update(
            uid, now, main_id=f"Main{uid}", battletag=f"Main{uid}#{1000 + uid % 1000}",
            country="DE", region=region, terms_accepted_at=now, completed_setup_date=now, state=state,
        )
        for race, value in (mmr or {}).items():
            await uow.mmrs.get_or_create(uid, race)
            await uow.mmrs.set_mmr(uid, race, value)


async def seed_match(
    db: Database,
    p1: int,
    p2: int,
    *,
    now: datetime = T0,
    timings: MatchTimings | None = None,
    race_1: str = "bw_zerg",
    race_2: str = "sc2_terran",
    create_players: bool = True,
    mmr_1: int = 1500,
    mmr_2: int = 1500,
) -> MatchState:
    """A match exactly as a wave leaves it: row, players in_match, confirmation jobs."""
    timings = timings or MatchTimings()
    if create_players:
        await add_player(db, p1, now=now, state="queueing", mmr={race_1: mmr_1})
        await add_player(db, p2, now=now, state="queueing", mmr={race_2: mmr_2})
    state = MatchState(
        id=0, player_1=p1, player_2=p2, race_1=race_1, race_2=race_2, mmr_1=mmr_1, mmr_2=mmr_2,
        status=MatchStatus.FOUND, report_1=None, report_2=None, result=None, mmr_change=None,
        map_name=MAP, server="EUC", played_at=now, confirm_deadline=now + timings.confirm_timeout,
        confirmed_1_at=None, confirmed_2_at=None, confirmed_at=None, report_deadline=None,
        reported_1_at=None, reported_2_at=None, finalized_at=None, resolved_by=None, wave_at=now, version=1,
    )
    async with db.transaction() as uow:
        (match_id,) = await uow.matches.insert_many([match_to_row(state)])
        state = replace(state, id=match_id)
        await uow.matches.put_players_in_matches([(p1, match_id), (p2, match_id)], now)
        await uow.jobs.add_many(confirmation_jobs(state, timings))
    return state


async def confirmed_match(stack: Stack, p1: int, p2: int, **kw: object) -> MatchState:
    """A match both players confirmed (details revealed, the report clock running)."""
    match = await seed_match(stack.db, p1, p2, now=stack.clock.now(), timings=stack.timings, **kw)  # type: ignore[arg-type]
    await stack.matches.confirm(match.id, p1)
    return await stack.matches.confirm(match.id, p2)


async def mmr(db: Database, uid: int, race: str) -> MmrRow:
    async with db.read() as uow:
        row = await uow.mmrs.get(uid, race)
    assert row is not None
    return row


async def player_state(db: Database, uid: int) -> tuple[str, int | None, int]:
    async with db.read() as uow:
        player = await uow.players.get(uid)
    assert player is not None
    return (player.state.value, player.current_match_id, player.aborts_left)


def shuffled(items: Sequence[E], seed: int) -> list[E]:
    out = list(items)
    random.Random(seed).shuffle(out)
    return out


def first(items: Sequence[E], predicate: Callable[[E], bool]) -> E:
    return next(i for i in items if predicate(i))
