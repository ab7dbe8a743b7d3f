"""Restarts: stop the services in the middle of a match, start new ones on the same database.

Each ``process`` is a fresh Database (engine), MatchService and Scheduler (started, so it re-arms
from the ``scheduled_jobs`` rows) that shares nothing in memory with the one before it. Only the
fake clock carries over, as real time would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from matchkit import FakeClock, Stack, build_stack, mmr, player_state, seed_match

from evoladder.domain.errors import MatchClosed
from evoladder.domain.match_state import MatchStatus
from evoladder.domain.rating import Outcome, rate
from evoladder.services.events import ConfirmationReminder, DetailsRevealed, ResultFinal
from evoladder.services.matches import JobKind
from evoladder.store.engine import create_engine
from evoladder.store.uow import Database

P1, P2 = 71, 72


@asynccontextmanager
async def process(url: str, clock: FakeClock) -> AsyncIterator[Stack]:
    stack = build_stack(Database(create_engine(url)), clock)
    await stack.scheduler.start()
    try:
        yield stack
    finally:
        await stack.scheduler.stop()
        await stack.db.close()


async def test_restart_mid_confirmation(db_url: str) -> None:
    clock = FakeClock()
    async with process(db_url, clock) as first:
        match = await seed_match(first.db, P1, P2, now=clock.now(), timings=first.timings)
        await first.matches.confirm(match.id, P1)
    clock.advance(seconds=10)
    async with process(db_url, clock) as second:
        confirmed = await second.matches.confirm(match.id, P2)
        assert confirmed.status is MatchStatus.CONFIRMED
        assert len(second.notifier.of(DetailsRevealed)) == 2
        async with second.db.read() as uow:
            kinds = sorted(j.kind for j in await uow.jobs.pending(match.id))
        assert kinds == [JobKind.REPORT_DEADLINE, JobKind.REPORT_WARNING]
        clock.advance(seconds=60)
        await second.scheduler.run_due()
        assert (await second.matches.get(match.id)).status is MatchStatus.CONFIRMED  # old deadline gone


async def test_down_across_the_confirmation_deadline(db_url: str) -> None:
    clock = FakeClock()
    async with process(db_url, clock) as first:
        match = await seed_match(first.db, P1, P2, now=clock.now(), timings=first.timings)
    clock.advance(minutes=5)
    async with process(db_url, clock) as second:  # start() runs the overdue jobs
        state = await second.matches.get(match.id)
        assert (state.status, state.report_1, state.report_2) == (MatchStatus.ABANDONED, -4, -4)
        assert second.notifier.of(ConfirmationReminder) == []  # stale, not sent
        assert await player_state(second.db, P1) == ("idle", None, 3)


async def test_restart_mid_report(db_url: str) -> None:
    clock = FakeClock()
    async with process(db_url, clock) as first:
        match = await seed_match(first.db, P1, P2, now=clock.now(), timings=first.timings)
        await first.matches.confirm(match.id, P1)
        await first.matches.confirm(match.id, P2)
        await first.matches.report(match.id, P1, Outcome.PLAYER_2)
    clock.advance(minutes=30)
    async with process(db_url, clock) as second:
        final = await second.matches.report(match.id, P2, Outcome.PLAYER_2)
        assert (final.status, final.result) == (MatchStatus.FINAL, 2)
        assert (await mmr(second.db, P2, "sc2_terran")).mmr == 1500 + rate(1500, 1500, Outcome.PLAYER_1).delta


async def test_down_across_the_reporting_deadline_applies_the_single_report_once(db_url: str) -> None:
    clock = FakeClock()
    async with process(db_url, clock) as first:
        match = await seed_match(first.db, P1, P2, now=clock.now(), timings=first.timings)
        await first.matches.confirm(match.id, P1)
        await first.matches.confirm(match.id, P2)
        await first.matches.report(match.id, P1, Outcome.PLAYER_1)
    clock.advance(hours=5)
    async with process(db_url, clock) as second:
        state = await second.matches.get(match.id)
        assert (state.status, state.result) == (MatchStatus.FINAL, 1)
        assert len(second.notifier.of(ResultFinal)) == 1
    async with process(db_url, clock) as third:  # and a third start does nothing more
        assert third.notifier.events == []
        row = await mmr(third.db, P1, "bw_zerg")
        assert (row.mmr, row.games_played) == (1500 + rate(1500, 1500, Outcome.PLAYER_1).delta, 1)


async def test_a_crash_inside_the_transaction_leaves_nothing_half_done(db_url: str) -> None:
    """The process dies after the match row was written but before the commit: all or nothing."""
    clock = FakeClock()
    async with process(db_url, clock) as first:
        match = await seed_match(first.db, P1, P2, now=clock.now(), timings=first.timings)
        await first.matches.confirm(match.id, P1)
        await first.matches.confirm(match.id, P2)
        await first.matches.report(match.id, P1, Outcome.DRAW)
        original = first.matches._apply_rating

        async def crash(*args: object) -> object:
            raise SystemError("power cut")

        first.matches._apply_rating = crash  # type: ignore[method-assign]
        with pytest.raises(SystemError):
            await first.matches.report(match.id, P2, Outcome.DRAW)
        first.matches._apply_rating = original  # type: ignore[method-assign]
        after_crash = await first.matches.get(match.id)
        assert (after_crash.status, after_crash.report_2) == (MatchStatus.CONFIRMED, None)
        assert first.notifier.of(ResultFinal) == []
    async with process(db_url, clock) as second:
        final = await second.matches.report(match.id, P2, Outcome.DRAW)
        assert final.status is MatchStatus.FINAL
        with pytest.raises(MatchClosed):  # a retry after success never applies it twice
            await second.matches.report(match.id, P2, Outcome.DRAW)
        row = await mmr(second.db, P2, "sc2_terran")
        assert (row.games_played, row.games_drawn) == (1, 1)


async def test_nothing_stays_open_forever(db_url: str) -> None:
    """Whatever state a match is left in, restarted schedulers close it by its deadlines."""
    clock = FakeClock()
    async with process(db_url, clock) as first:
        found = await seed_match(first.db, 1, 2, now=clock.now(), timings=first.timings)
        half = await seed_match(first.db, 3, 4, now=clock.now(), timings=first.timings)
        await first.matches.confirm(half.id, 3)
        played = await seed_match(first.db, 5, 6, now=clock.now(), timings=first.timings)
        await first.matches.confirm(played.id, 5)
        await first.matches.confirm(played.id, 6)
    clock.advance(hours=3, minutes=5)
    async with process(db_url, clock) as second:
        for m in (found, half, played):
            assert not (await second.matches.get(m.id)).is_open
        for uid in range(1, 7):
            assert (await player_state(second.db, uid))[0] == "idle"
    assert clock.now() - found.played_at > timedelta(hours=3)
