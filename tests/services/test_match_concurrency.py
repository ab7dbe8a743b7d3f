"""Exactly once under real concurrency, on SQLite and PostgreSQL.

Every "process" here is its own ``Database`` (its own engine and connection pool) with its own
``MatchService`` (its own in-process locks), so nothing but the database keeps the operations
apart: the row lock / write lock and the version compare-and-set. Races run with
``asyncio.gather`` (the drivers run the statements concurrently) and with one thread and event loop
per process, released together by a barrier. Whatever the interleaving, each match ends in one
state and its MMR moves once.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import timedelta

import pytest
from matchkit import FakeClock, Stack, build_stack, confirmed_match, mmr, player_state

from evoladder.domain.errors import LadderError
from evoladder.domain.match_state import MatchState, MatchStatus, Resolution
from evoladder.domain.rating import Outcome, rate
from evoladder.services.events import ResultFinal
from evoladder.store.engine import create_engine
from evoladder.store.uow import Database

ROUNDS = 6
ADMIN = 7


@pytest.fixture
async def procs(db_url: str) -> AsyncIterator[list[Stack]]:
    """Three independent "processes" over the same database, sharing one fake clock."""
    clock = FakeClock()
    stacks = [build_stack(Database(create_engine(db_url, pool_min=2, pool_max=5)), clock) for _ in range(3)]
    yield stacks
    for s in stacks:
        await s.db.close()


async def race(*calls: Awaitable[object]) -> tuple[list[object], list[BaseException]]:
    """Run the calls at once; only typed ladder refusals may fail (never a crash or a 500)."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    for error in errors:
        if not isinstance(error, LadderError):
            raise error
    return [r for r in results if not isinstance(r, BaseException)], errors


async def new_match(s: Stack, n: int) -> MatchState:
    return await confirmed_match(s, 10_000 + 2 * n, 10_001 + 2 * n, mmr_1=1550, mmr_2=1500)


async def assert_applied_once(db: Database, match_id: int) -> MatchState:
    """The match is final or not, and the ratings say exactly the same thing."""
    async with db.read() as uow:
        state = await uow.matches.get(match_id)
    assert state is not None
    r1, r2 = await mmr(db, state.player_1, state.race_1), await mmr(db, state.player_2, state.race_2)
    if state.status is MatchStatus.FINAL:
        delta = rate(state.mmr_1, state.mmr_2, Outcome(state.result or 0)).delta
        assert state.mmr_change == delta
        assert (r1.mmr, r2.mmr) == (state.mmr_1 + delta, state.mmr_2 - delta)
        assert (r1.games_played, r2.games_played) == (1, 1)
    else:
        assert (r1.mmr, r2.mmr) == (state.mmr_1, state.mmr_2)
        assert (r1.games_played, r2.games_played) == (0, 0)
    return state


async def test_two_equal_reports_at_the_same_instant(procs: list[Stack]) -> None:
    a, b, _ = procs
    for n in range(ROUNDS):
        m = await new_match(a, n)
        ok, errors = await race(
            a.matches.report(m.id, m.player_1, Outcome.PLAYER_1),
            b.matches.report(m.id, m.player_2, Outcome.PLAYER_1),
        )
        assert errors == [] and len(ok) == 2
        state = await assert_applied_once(a.db, m.id)
        assert (state.status, state.result, state.version) == (MatchStatus.FINAL, 1, m.version + 2)
        assert len(a.notifier.of(ResultFinal)) + len(b.notifier.of(ResultFinal)) == n + 1


async def test_two_different_reports_at_the_same_instant(procs: list[Stack]) -> None:
    a, b, _ = procs
    for n in range(ROUNDS):
        m = await new_match(a, n)
        _, errors = await race(
            a.matches.report(m.id, m.player_1, Outcome.PLAYER_1),
            b.matches.report(m.id, m.player_2, Outcome.DRAW),
        )
        assert errors == []
        state = await assert_applied_once(a.db, m.id)
        assert (state.status, state.report_1, state.report_2) == (MatchStatus.CONFLICT, 1, 0)


async def test_a_double_click_reports_once(procs: list[Stack]) -> None:
    a, b, c = procs
    for n in range(ROUNDS):
        m = await new_match(a, n)
        await a.matches.report(m.id, m.player_2, Outcome.PLAYER_2)
        ok, errors = await race(*(s.matches.report(m.id, m.player_1, Outcome.PLAYER_2) for s in (a, b, c)))
        assert len(ok) == 1 and len(errors) == 2  # AlreadyReported / MatchClosed
        state = await assert_applied_once(a.db, m.id)
        assert (state.status, state.result) == (MatchStatus.FINAL, 2)


async def test_a_double_click_on_confirm(procs: list[Stack]) -> None:
    a, b, _ = procs
    from matchkit import seed_match

    m = await seed_match(a.db, 501, 502, now=a.clock.now())
    ok, errors = await race(a.matches.confirm(m.id, 501), b.matches.confirm(m.id, 501))
    assert len(ok) == 1 and len(errors) == 1
    state = await a.matches.get(m.id)
    assert state.version == 2 and state.confirmed_1_at is not None and state.confirmed_2_at is None


async def test_a_report_racing_an_abort(procs: list[Stack]) -> None:
    a, b, _ = procs
    outcomes = set()
    for n in range(ROUNDS):
        m = await new_match(a, n)
        ok, errors = await race(
            a.matches.report(m.id, m.player_1, Outcome.PLAYER_1),
            b.matches.abort(m.id, m.player_2),
        )
        assert len(ok) == 1 and len(errors) == 1
        state = await assert_applied_once(a.db, m.id)
        outcomes.add(state.status)
        aborts_left = (await player_state(a.db, m.player_2))[2]
        if state.status is MatchStatus.ABORTED:
            assert (state.report_1, state.report_2, aborts_left) == (-1, -3, 2)
        else:
            assert (state.status, state.report_1, state.report_2, aborts_left) == (
                MatchStatus.CONFIRMED, 1, None, 3
            )
    assert outcomes <= {MatchStatus.ABORTED, MatchStatus.CONFIRMED}


async def test_a_report_racing_the_reporting_deadline(db_url: str) -> None:
    """The report is made just before the deadline, the deadline job runs at it: same end either way."""
    early, late = FakeClock(), FakeClock()
    reporter = build_stack(Database(create_engine(db_url)), early)
    deadline = build_stack(Database(create_engine(db_url)), late)
    try:
        for n in range(ROUNDS):
            m = await new_match(reporter, n)
            await reporter.matches.report(m.id, m.player_2, Outcome.PLAYER_1)
            assert m.report_deadline is not None
            early.set(m.report_deadline - timedelta(seconds=1))
            late.set(m.report_deadline)
            _, errors = await race(
                reporter.matches.report(m.id, m.player_1, Outcome.PLAYER_1),
                deadline.scheduler.run_due(),
            )
            assert len(errors) <= 1
            state = await assert_applied_once(reporter.db, m.id)
            assert (state.status, state.result) == (MatchStatus.FINAL, 1)
            async with reporter.db.read() as uow:
                assert await uow.jobs.pending(m.id) == []
            early.set(m.played_at)
            late.set(m.played_at)
    finally:
        await reporter.db.close()
        await deadline.db.close()


async def test_two_schedulers_run_a_deadline_once(procs: list[Stack]) -> None:
    a, b, c = procs
    matches = [await new_match(a, n) for n in range(ROUNDS)]
    for m in matches:
        await a.matches.report(m.id, m.player_1, Outcome.DRAW)
    assert matches[-1].report_deadline is not None
    a.clock.set(matches[-1].report_deadline + timedelta(hours=1))
    await race(a.scheduler.run_due(), b.scheduler.run_due(), c.scheduler.run_due())
    for m in matches:
        state = await assert_applied_once(a.db, m.id)
        assert (state.status, state.result) == (MatchStatus.FINAL, 0)
    finals = sum(len(s.notifier.of(ResultFinal)) for s in procs)
    assert finals == ROUNDS


async def test_admin_resolve_racing_a_report(procs: list[Stack]) -> None:
    a, b, _ = procs
    for n in range(ROUNDS):
        m = await new_match(a, n)
        await a.matches.report(m.id, m.player_1, Outcome.PLAYER_1)
        ok, errors = await race(
            a.matches.report(m.id, m.player_2, Outcome.PLAYER_1),
            b.matches.admin_resolve(m.id, Resolution.PLAYER_2, ADMIN, "replay shows player 2 won"),
        )
        # Report first: final, then re-resolved by the admin. Admin first: the report is refused
        # (MatchClosed). The same end either way, and the MMR of exactly one result.
        assert len(ok) + len(errors) == 2 and len(errors) <= 1
        state = await assert_applied_once(a.db, m.id)
        assert (state.status, state.result, state.resolved_by) == (MatchStatus.FINAL, 2, ADMIN)


def _in_thread(url: str, clock: FakeClock, barrier: threading.Barrier,
               act: Callable[[Stack], Awaitable[object]], out: list[object]) -> None:
    async def main() -> None:
        stack = build_stack(Database(create_engine(url)), clock)
        try:
            await asyncio.to_thread(barrier.wait)
            out.append(await act(stack))
        except LadderError as exc:
            out.append(exc)
        finally:
            await stack.db.close()

    asyncio.run(main())


async def test_threads_with_their_own_event_loops(db_url: str) -> None:
    """Each thread is a process of its own: its event loop, engine, locks. Four act on one match."""
    setup = build_stack(Database(create_engine(db_url)))
    try:
        for n in range(3):
            m = await new_match(setup, n)
            barrier = threading.Barrier(4)
            out: list[object] = []
            acts: list[Callable[[Stack], Awaitable[object]]] = [
                lambda s, m=m: s.matches.report(m.id, m.player_1, Outcome.PLAYER_2),
                lambda s, m=m: s.matches.report(m.id, m.player_2, Outcome.PLAYER_2),
                lambda s, m=m: s.matches.report(m.id, m.player_2, Outcome.PLAYER_2),
                lambda s, m=m: s.matches.abort(m.id, m.player_1),
            ]
            threads = [
                threading.Thread(target=_in_thread, args=(str(db_url), setup.clock, barrier, act, out))
                for act in acts
            ]
            for t in threads:
                t.start()
            await asyncio.to_thread(lambda ts=threads: [t.join() for t in ts])
            assert len(out) == 4
            state = await assert_applied_once(setup.db, m.id)
            assert state.status in (MatchStatus.FINAL, MatchStatus.ABORTED)
    finally:
        await setup.db.close()


async def test_a_stale_writer_updates_nothing(db: Database) -> None:
    """The version compare-and-set on its own: a write based on an old read changes no row."""
    s = build_stack(db)
    m = await confirmed_match(s, 1, 2)
    async with db.read() as uow:
        stale = await uow.matches.get(m.id)
    assert stale is not None
    await s.matches.report(m.id, 1, Outcome.PLAYER_1)
    async with db.transaction() as uow:
        assert not await uow.matches.update_cas(stale, replace(stale, status=MatchStatus.ABORTED))
    assert (await s.matches.get(m.id)).status is MatchStatus.CONFIRMED


async def test_a_double_click_on_abort_charges_one_abort(procs: list[Stack]) -> None:
    a, b, c = procs
    for n in range(ROUNDS):
        m = await new_match(a, n)
        ok, errors = await race(*(s.matches.abort(m.id, m.player_1) for s in (a, b, c)))
        assert len(ok) == 1 and len(errors) == 2
        assert (await player_state(a.db, m.player_1))[2] == 2
        assert (await a.matches.get(m.id)).status is MatchStatus.ABORTED


async def test_both_players_abort_at_once_only_one_is_charged(procs: list[Stack]) -> None:
    a, b, _ = procs
    for n in range(ROUNDS):
        m = await new_match(a, n)
        ok, errors = await race(a.matches.abort(m.id, m.player_1), b.matches.abort(m.id, m.player_2))
        assert len(ok) == 1 and len(errors) == 1
        state = await a.matches.get(m.id)
        charged = m.player_1 if state.report_1 == -3 else m.player_2
        other = m.player_2 if charged == m.player_1 else m.player_1
        assert (await player_state(a.db, charged))[2] == 2
        assert (await player_state(a.db, other))[2] == 3
