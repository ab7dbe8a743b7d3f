"""Arming a batch of delivery receipts: the same rows as arming them one by one, in a number of
statements that does not depend on the batch.

The reference is the one-delivery-at-a-time path the relay used before the batch (row lock,
``match_state.arm_confirmation``, version compare-and-set, the two jobs), kept here as
``arm_one_by_one``. Each comparison runs it in a transaction that is rolled back, then the batch on
the same rows, and compares every column of the matches and every job.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from matchkit import FakeClock, RecordingNotifier, Stack, add_player, build_stack
from sqlalchemy import Text, cast, delete, event, select

from evoladder.domain import match_state as ms
from evoladder.domain.errors import IllegalTransition
from evoladder.domain.match_state import MatchStatus
from evoladder.services.events import MatchFound
from evoladder.services.matches import armed_jobs
from evoladder.services.outbox import Delivery
from evoladder.services.ports import Receipt
from evoladder.store.repositories.jobs import NewJob
from evoladder.store.schema import matches_1v1, scheduled_jobs
from evoladder.store.uow import Database, UnitOfWork

SECOND = timedelta(seconds=1)


class InFlight(RecordingNotifier):
    """Takes every message and never reports back (the receipts are the test's to give)."""

    async def notify(self, event: object, *, key: str | None = None) -> Awaitable[Receipt]:  # type: ignore[override]
        self.events.append(event)
        return asyncio.get_running_loop().create_future()


class DiesBeforeHandOver(RecordingNotifier):
    async def notify(self, event: object, *, key: str | None = None) -> None:
        raise ConnectionResetError("the process is gone")


async def wave(s: Stack, pairs: int, first_uid: int = 100) -> list[int]:
    """``pairs`` matches from one wave (each BW player's only candidate is their SC2 twin)."""
    for i in range(pairs):
        bw, sc2 = first_uid + 2 * i, first_uid + 2 * i + 1
        await add_player(s.db, bw, mmr={"bw_zerg": 1000 + 1000 * i})
        await add_player(s.db, sc2, mmr={"sc2_terran": 1000 + 1000 * i})
        await s.queue.join(bw, "bw_zerg", None, ())
        await s.queue.join(sc2, None, "sc2_terran", ())
    ids = list((await s.matchmaker.run_wave()).match_ids)
    assert len(ids) == pairs
    return sorted(ids)


def forget_receipts(s: Stack) -> None:
    for task in list(s.matches.outbox._waiting):
        task.cancel()


async def arm_one_by_one(s: Stack, uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
    """The reference: each delivery on its own, as the relay settled them before the batch."""
    for match_id, uid, at in deliveries:
        before = await uow.matches.get(match_id, for_update=True)
        if before is None:
            continue
        try:
            t = ms.arm_confirmation(before, uid, at, s.timings)
        except IllegalTransition:
            continue
        assert await uow.matches.update_cas(t.before, t.after)
        await uow.jobs.add_many(armed_jobs(t.after, uid, s.timings))


async def rows(uow: UnitOfWork) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    """Every match row (all columns) and every job (without its id, a sequence's choice)."""
    read = await uow.conn.execute(select(matches_1v1).order_by(matches_1v1.c.id))
    matches = [dict(r) for r in read.mappings()]
    j = scheduled_jobs.c
    jobs = (await uow.conn.execute(select(j.kind, j.match_id, j.discord_uid, j.due_at, j.done_at))).all()
    return matches, sorted(tuple(r) for r in jobs)


class Rollback(Exception):
    pass


async def reference_rows(s: Stack, deliveries: Sequence[Delivery]) -> tuple[Any, Any]:
    """The rows one-by-one arming leaves, rolled back afterwards."""
    out: tuple[Any, Any] | None = None
    with pytest.raises(Rollback):
        async with s.db.transaction() as uow:
            await arm_one_by_one(s, uow, deliveries)
            out = await rows(uow)
            raise Rollback()
    assert out is not None
    return out


async def batch_rows(s: Stack, deliveries: Sequence[Delivery]) -> tuple[Any, Any]:
    async with s.db.transaction() as uow:
        await s.matches.arm_many(uow, deliveries)
    async with s.db.read() as uow:
        return await rows(uow)


@pytest.fixture
async def mixed(db: Database) -> AsyncIterator[tuple[Stack, dict[str, int]]]:
    """Five matches of one wave, moved to every state a receipt can find them in."""
    clock = FakeClock()
    s = build_stack(db, clock, notifier=InFlight())
    fresh, half, own_confirmed, confirmed, closed = await wave(s, 5)
    at = clock.now()
    await s.matches.delivered(half, (await s.matches.get(half)).player_1, at)
    p1 = (await s.matches.get(own_confirmed)).player_1
    await s.matches.delivered(own_confirmed, p1, at)
    await s.matches.confirm(own_confirmed, p1)
    both = await s.matches.get(confirmed)
    for uid in both.players:
        await s.matches.delivered(confirmed, uid, at)
        await s.matches.confirm(confirmed, uid)
    await s.matches.unreachable(closed, (await s.matches.get(closed)).player_2)
    names = {"fresh": fresh, "half": half, "own_confirmed": own_confirmed, "confirmed": confirmed,
             "closed": closed}
    yield s, names
    forget_receipts(s)


def receipts(s: Stack, states: dict[str, ms.MatchState], at: datetime) -> list[Delivery]:
    """Every player's receipt of every match (slot order), the later ones a second apart, plus a later
    duplicate of three of them and one for a match that does not exist."""
    out = []
    for name in sorted(states):
        state = states[name]
        for uid in state.players:
            out.append(Delivery(state.id, uid, at + len(out) * SECOND))
    again = [Delivery(m, u, at + 50 * SECOND) for m, u, _ in (out[0], out[4], out[5])]
    return [*out, *again, Delivery(10**6, 1, at)]


async def test_a_batch_arms_every_match_exactly_as_one_by_one(
    mixed: tuple[Stack, dict[str, int]],
) -> None:
    s, names = mixed
    s.clock.advance(seconds=5)
    states = {n: await s.matches.get(i) for n, i in names.items()}
    deliveries = receipts(s, states, s.clock.now())
    expected = await reference_rows(s, deliveries)
    assert await batch_rows(s, deliveries) == expected

    after = {n: await s.matches.get(i) for n, i in names.items()}
    at = {(d.match_id, d.discord_uid): d.at for d in reversed(deliveries)}  # each one's first receipt
    full = s.timings.confirm_timeout
    fresh = after["fresh"]  # both players: the full time from their own delivery, one version each
    assert fresh.confirm_deadline_1 == at[fresh.id, fresh.player_1] + full
    assert fresh.confirm_deadline_2 == at[fresh.id, fresh.player_2] + full
    assert fresh.version == states["fresh"].version + 2
    half = after["half"]  # the player armed before keeps their deadline, the other gets theirs
    assert half.confirm_deadline_1 == states["half"].confirm_deadline_1
    assert half.confirm_deadline_2 == at[half.id, half.player_2] + full
    for moved_on in ("confirmed", "closed"):  # nothing at all
        assert after[moved_on] == states[moved_on]
    assert after["own_confirmed"].confirm_deadline_1 == states["own_confirmed"].confirm_deadline_1


async def test_duplicates_in_one_batch_arm_once_and_never_later(db: Database) -> None:
    clock = FakeClock()
    s = build_stack(db, clock, notifier=InFlight())
    (match_id,) = await wave(s, 1)
    match = await s.matches.get(match_id)
    t0 = clock.now()
    late = Delivery(match_id, match.player_1, t0 + 30 * SECOND)
    first = Delivery(match_id, match.player_1, t0 + 2 * SECOND)
    deliveries = [first, late, first, Delivery(match_id, match.player_2, t0 + 3 * SECOND), late]
    expected = await reference_rows(s, deliveries)
    assert await batch_rows(s, deliveries) == expected
    armed = await s.matches.get(match_id)
    assert armed.confirm_deadline_1 == first.at + s.timings.confirm_timeout
    async with db.read() as uow:
        jobs = await uow.jobs.pending(match_id)
    assert sorted((j.kind, j.discord_uid) for j in jobs) == sorted(
        (k, uid) for uid in match.players for k in ("match.confirm_deadline", "match.confirm_reminder")
    )
    # The same receipts settled again (the process died before it knew the batch committed).
    async with db.transaction() as uow:
        assert not await s.matches.arm_many(uow, deliveries)
    assert await s.matches.get(match_id) == armed
    async with db.read() as uow:
        assert len(await uow.jobs.pending(match_id)) == 4
    forget_receipts(s)


async def test_a_restart_settles_a_whole_wave_at_once_and_everyone_gets_the_full_time(db: Database) -> None:
    clock = FakeClock()
    first = build_stack(db, clock, notifier=DiesBeforeHandOver())
    ids = await wave(first, 6)
    clock.advance(minutes=3)  # the bot comes back later; nobody was charged meanwhile
    restarted = build_stack(db, clock)  # delivers on hand-over: the whole wave's receipts at once
    assert await restarted.matches.outbox.flush() == 12
    await restarted.matches.outbox.settled()
    deadline = clock.now() + restarted.timings.confirm_timeout
    for match_id in ids:
        match = await restarted.matches.get(match_id)
        assert (match.status, match.confirm_deadline_1, match.confirm_deadline_2) == (
            MatchStatus.FOUND, deadline, deadline,
        )
    async with db.read() as uow:
        assert await uow.outbox.pending_count() == 0
        assert await uow.jobs.pending_count() == 4 * len(ids)
    assert len(restarted.notifier.of(MatchFound)) == 12
    clock.advance(seconds=59)
    await restarted.scheduler.run_due()  # the reminders only
    assert {(await restarted.matches.get(i)).status for i in ids} == {MatchStatus.FOUND}
    clock.advance(seconds=1)
    await restarted.scheduler.run_due()
    assert {(await restarted.matches.get(i)).status for i in ids} == {MatchStatus.ABANDONED}


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    """The statements sent to the database meanwhile (an executemany counts once: one call)."""
    seen: list[str] = []

    def count(conn: object, cursor: object, statement: str, *rest: object) -> None:
        seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)


async def test_the_statements_of_a_batch_do_not_grow_with_its_size(db: Database) -> None:
    clock = FakeClock()
    counts = {}
    for pairs, first_uid in ((1, 100), (2, 200), (7, 300)):
        s = build_stack(db, clock, notifier=InFlight())
        ids = await wave(s, pairs, first_uid)
        states = [await s.matches.get(i) for i in ids]
        deliveries = [Delivery(m.id, uid, clock.now()) for m in states for uid in m.players]
        with counting(db) as seen:
            async with db.transaction() as uow:
                assert await s.matches.arm_many(uow, deliveries)
        counts[pairs] = len(seen)
        armed = [await s.matches.get(i) for i in ids]
        assert all(m.confirm_deadline_1 and m.confirm_deadline_2 for m in armed)
        forget_receipts(s)
    assert counts[1] == counts[2] == counts[7]


async def test_the_statements_of_a_restarts_redelivery_do_not_grow_with_the_wave(db: Database) -> None:
    clock = FakeClock()
    counts = {}
    for pairs, first_uid in ((1, 100), (6, 200)):
        ids = await wave(build_stack(db, clock, notifier=DiesBeforeHandOver()), pairs, first_uid)
        restarted = build_stack(db, clock)
        with counting(db) as seen:
            assert await restarted.matches.outbox.flush() == 2 * pairs
            await restarted.matches.outbox.settled()
        counts[pairs] = len(seen)
        assert None not in {(await restarted.matches.get(i)).confirm_deadline_2 for i in ids}
    assert counts[1] == counts[6]


async def test_a_batch_of_jobs_is_written_as_add_many_writes_it(db: Database) -> None:
    s = build_stack(db)
    at = s.clock.now()
    jobs = [
        NewJob("match.confirm_reminder", at + SECOND, 7, 2**62),
        NewJob("match.confirm_deadline", at + 60 * SECOND, 7, 2**62),
        NewJob("match.report_deadline", at, 8),
        NewJob("other", at - SECOND, None, 0, {"why": "ü", "n": [1, 2]}),
    ]
    c = scheduled_jobs.c
    stored = select(*(cast(col, Text) for col in (c.kind, c.match_id, c.discord_uid, c.due_at, c.payload)))
    async with db.transaction() as uow:  # as stored (the text SQLite compares; JSON null, not NULL)
        await uow.jobs.add_many(jobs)
        expected = (await uow.conn.execute(stored.order_by(c.id))).all()
        await uow.conn.execute(delete(scheduled_jobs))
        await uow.jobs.add_batch(jobs)
        assert (await uow.conn.execute(stored.order_by(c.id))).all() == expected


async def test_two_processes_settling_one_wave_at_once_arm_each_player_once(db: Database) -> None:
    """Two restarted processes re-deliver the same wave at the same time, their receipts in
    opposite orders: the batches lock the matches in one order (no deadlock), the second finds
    every deadline armed and changes nothing."""
    clock = FakeClock()
    ids = await wave(build_stack(db, clock, notifier=DiesBeforeHandOver()), 4)
    one, two = build_stack(db, clock), build_stack(db, clock)
    clock.advance(seconds=3)
    states = [await one.matches.get(i) for i in ids]
    deliveries = [Delivery(m.id, uid, clock.now()) for m in states for uid in m.players]

    async def settle(s: Stack, batch: list[Delivery]) -> bool:
        async with db.transaction() as uow:
            return await s.matches.arm_many(uow, batch)

    armed = await asyncio.gather(settle(one, deliveries), settle(two, deliveries[::-1]))
    assert sorted(armed) == [False, True]
    deadline = clock.now() + one.timings.confirm_timeout
    for before in states:
        after = await one.matches.get(before.id)
        assert (after.confirm_deadline_1, after.confirm_deadline_2) == (deadline, deadline)
        assert after.version == before.version + 2
    async with db.read() as uow:
        assert await uow.jobs.pending_count() == 4 * len(ids)
