"""The scheduler: due order, exactly-once claims, retries, re-arming at start, and its loop.

The ``Scheduler`` is built alone with handlers the tests register, on purpose: the due order and
the claims are checked apart from what the match service's jobs do (those run through
``build_services`` in the match tests).
"""

from __future__ import annotations

from datetime import timedelta

from matchkit import T0, FakeClock, build_stack, seed_match

from evoladder.services.events import ConfirmationReminder, MatchAbandoned
from evoladder.services.scheduler import Scheduler
from evoladder.store.repositories.jobs import Job, NewJob
from evoladder.store.uow import Database


async def add_jobs(db: Database, *jobs: NewJob) -> None:
    async with db.transaction() as uow:
        await uow.jobs.add_many(list(jobs))


class Recorder:
    """A handler that claims its job like the real ones do, and records the order it ran in."""

    def __init__(self, db: Database, clock: FakeClock, fail_times: int = 0) -> None:
        self.db, self.clock, self.fail_times = db, clock, fail_times
        self.ran: list[int] = []

    async def __call__(self, job: Job) -> None:
        if self.fail_times:
            self.fail_times -= 1
            raise RuntimeError("flaky")
        async with self.db.transaction() as uow:
            if await uow.jobs.claim(job.id, self.clock.now()):
                self.ran.append(job.match_id or 0)


async def test_due_jobs_run_in_order_and_once(db: Database) -> None:
    clock = FakeClock()
    scheduler = Scheduler(db=db, clock=clock)
    handler = Recorder(db, clock)
    scheduler.register({"test": handler})
    await add_jobs(
        db,
        NewJob("test", T0 + timedelta(seconds=30), match_id=3),
        NewJob("test", T0 + timedelta(seconds=10), match_id=1),
        NewJob("test", T0 + timedelta(seconds=20), match_id=2),
        NewJob("test", T0 + timedelta(hours=1), match_id=4),
    )
    assert await scheduler.run_due() == 0
    clock.advance(seconds=30)
    assert await scheduler.run_due() == 3
    assert handler.ran == [1, 2, 3]
    assert await scheduler.run_due() == 0 and handler.ran == [1, 2, 3]
    assert await scheduler.seconds_until_next() == 30.0  # at most the idle interval


async def test_a_failing_job_stays_pending_and_is_retried_later(db: Database) -> None:
    clock = FakeClock()
    scheduler = Scheduler(db=db, clock=clock, retry_after=timedelta(seconds=30))
    handler = Recorder(db, clock, fail_times=1)
    scheduler.register({"test": handler})
    await add_jobs(db, NewJob("test", T0, match_id=1))
    assert await scheduler.run_due() == 0
    async with db.read() as uow:
        assert len(await uow.jobs.pending()) == 1
    assert await scheduler.seconds_until_next() == 30.0
    clock.advance(seconds=10)
    assert await scheduler.run_due() == 0  # still backing off
    assert await scheduler.seconds_until_next() == 20.0
    clock.advance(seconds=20)
    assert await scheduler.run_due() == 1 and handler.ran == [1]


async def test_an_unknown_kind_is_not_lost(db: Database) -> None:
    clock = FakeClock()
    scheduler = Scheduler(db=db, clock=clock)
    await add_jobs(db, NewJob("from.a.newer.version", T0, match_id=1))
    assert await scheduler.run_due() == 0
    async with db.read() as uow:
        assert [j.kind for j in await uow.jobs.pending()] == ["from.a.newer.version"]


async def test_start_rearms_what_fell_due_while_stopped_and_prunes_old_rows(db: Database) -> None:
    clock = FakeClock()
    await add_jobs(db, NewJob("test", T0 - timedelta(days=30), match_id=8), NewJob("test", T0, match_id=9))
    async with db.transaction() as uow:
        (old, _) = await uow.jobs.pending()
        await uow.jobs.claim(old.id, T0 - timedelta(days=20))
    scheduler = Scheduler(db=db, clock=clock)
    handler = Recorder(db, clock)
    scheduler.register({"test": handler})
    assert await scheduler.start() == 1
    try:
        assert handler.ran == [9]  # run during start, before the loop even began
        async with db.read() as uow:
            assert await uow.jobs.for_match(8) == []  # finished long ago: pruned
    finally:
        await scheduler.stop()
    assert not scheduler.running


async def test_the_loop_runs_a_job_it_is_woken_for(db: Database) -> None:
    s = build_stack(db)
    await s.scheduler.start()
    try:
        match = await seed_match(db, 1, 2, now=s.clock.now(), timings=s.timings)
        s.clock.advance(seconds=21)
        s.scheduler.wake()
        (reminder, _) = await s.notifier.wait_for(ConfirmationReminder, count=2)
        assert reminder.match_id == match.id
        s.clock.advance(seconds=40)
        s.scheduler.wake()
        await s.notifier.wait_for(MatchAbandoned)
    finally:
        await s.scheduler.stop()
    assert (await s.matches.get(match.id)).status.value == "abandoned"
