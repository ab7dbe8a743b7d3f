"""A big wave's DMs under Discord's realistic limits, through the local Discord server.

``delivery_wave_1000_last_dm``: 1,000 queued players (500 matches) are paired by one wave; the row
is the time from the wave's start to the last "match found" message created on the local server,
which enforces Discord's realistic limits (50 requests/s globally, 5 messages per 5 s per channel).
Params: the floor the global limit sets (1,000 messages at 50/s = 20 s) and the ratio to it
(budget 1.2x, DESIGN section 7), channel-creation requests made (0: every DM channel id is
remembered), 429s met, and every player's effective window: from the moment their message was
created on the server to their own confirmation deadline (min / median / max; it must be the
full 60 s for everyone, the last DMs of the wave included).

Players are seeded in the database as /setup and a /queue in their DMs leave them (the DM channel
id is learnt from that interaction), so the wave and its delivery are what is measured: the
set-up of ``tests/e2e/test_wave_delivery.py``, shared through ``tests/queuedcrowd.py``. Each
repetition is a fresh local server and bot (about 30 s each).

The settle of a wave's receipts, on each backend (no Discord side: the receipts are given):
1,000 matches just made by a wave (2,000 players in_match, each with a pending "match found"
outbox row and no deadline yet), and all 2,000 delivery receipts settled at once, as after a
restart that re-delivers the wave or behind a fast sender.

- ``delivery_arm_batch_1000_matches_<backend>``: ``MatchService.arm_many`` of the 2,000
  deliveries in one transaction (one ``SELECT ... FOR UPDATE``, the compare-and-sets, one job
  insert), commit included.
- ``delivery_arm_one_by_one_1000_matches_<backend>``: the same arming one delivery at a time in
  one transaction, as the relay settled before the batch (row lock, compare-and-set, job insert:
  three statements per delivery): the "before" of the same run.
- ``delivery_redeliver_1000_matches_<backend>``: a restarted process's ``OutboxRelay.flush`` over
  the 2,000 pending rows with a notifier that delivers on hand-over: read the rows with their
  matches and players, hand 2,000 events over, settle them (arm and close the rows).

Before every repetition (untimed) the matches, jobs and outbox rows are put back as the wave left
them. Params: ``cpu_ms``, the median CPU time of this process over the step (on a shared machine
the wall time includes waiting for a core; PostgreSQL's server time is not in it).
"""

from __future__ import annotations

import logging
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, update
from tests.queuedcrowd import queued_crowd

from bench.dbsetup import bench_services, fresh_database
from bench.harness import BenchContext
from evoladder.domain import match_state as ms
from evoladder.domain.errors import IllegalTransition
from evoladder.domain.match_state import MatchStatus, MatchTimings
from evoladder.game import load_game_data
from evoladder.sandbox.ladder import Sandbox
from evoladder.sandbox.ratelimit import RateLimitConfig
from evoladder.services.matches import armed_jobs
from evoladder.services.outbox import Delivery
from evoladder.services.ports import SystemClock
from evoladder.services.wiring import Services
from evoladder.store.repositories.matches import MATCH_FOUND
from evoladder.store.repositories.outbox import NewMessage
from evoladder.store.schema import matches_1v1, outbox, players, scheduled_jobs
from evoladder.store.uow import Database, UnitOfWork

QUEUED = 1_000
GLOBAL_PER_SECOND = 50
SETTLED_MATCHES = 1_000
GAME = load_game_data()
NOW = datetime(2026, 11, 22, 12, 0, 10, tzinfo=UTC)


async def run(ctx: BenchContext) -> None:
    logging.getLogger("discord").setLevel(logging.ERROR)
    logging.getLogger("evoladder").setLevel(logging.ERROR)
    for backend in ["sqlite"] + (["postgres"] if ctx.pg_url else []):
        await _settle_rows(ctx, backend)
    reps = 1 if ctx.quick else 3
    samples: list[float] = []
    windows: list[float] = []
    created = limited = 0
    for _ in range(reps):
        last, effective, made, hit = await _one_wave()
        samples.append(last)
        windows += effective
        created += made
        limited += hit
    floor = QUEUED / GLOBAL_PER_SECOND
    ctx.record(
        f"delivery_wave_{QUEUED}_last_dm", "s", samples,
        queued=QUEUED, messages=QUEUED, floor_s=floor,
        ratio_to_floor=round(statistics.median(samples) / floor, 3), budget_ratio=1.2,
        channel_creations=created, rate_limited_429=limited,
        window_min_s=round(min(windows), 3), window_median_s=round(statistics.median(windows), 3),
        window_max_s=round(max(windows), 3),
    )


async def _one_wave() -> tuple[float, list[float], int, int]:
    async with Sandbox(rate_limits=RateLimitConfig.realistic(), background=False) as sandbox:
        people = await queued_crowd(sandbox, QUEUED, SystemClock().now())
        ladder = sandbox.ladder
        deps = ladder.deps
        made: list[object] = []
        create_dm = ladder.bot.create_dm

        async def counting(user: Any) -> Any:
            made.append(user)
            return await create_dm(user)

        ladder.bot.create_dm = counting  # type: ignore[method-assign]
        started = time.time()
        report = await deps.matchmaker.run_wave()
        assert len(report.match_ids) == QUEUED // 2
        await deps.matches.outbox.settled()
        by_uid = {p.id: p for p in people}
        last = 0.0
        effective: list[float] = []
        for match_id in report.match_ids:
            match = await deps.matches.get(match_id)
            for slot in (1, 2):
                deadline = match.confirm_deadline_of(slot)
                assert deadline is not None
                (card,) = [m for m in by_uid[match.player(slot)].dms if m.embeds]
                last = max(last, card.created_at)
                effective.append(deadline.timestamp() - card.created_at)
        return last - started, effective, len(made), deps.outbound.stats.retried



# --- the settle of a wave's receipts ----------------------------------------------------------


class _FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


async def _settle_rows(ctx: BenchContext, backend: str) -> None:
    reps = 2 if ctx.quick else 5
    slow_reps = 1 if ctx.quick else 3
    clock = _FixedClock(NOW + timedelta(seconds=5))
    async with fresh_database(backend, ctx.pg_url) as db:
        deliveries = await _seed_wave(db, SETTLED_MATCHES)
        timings = MatchTimings()

        async def batch(services: Services) -> None:
            async with db.transaction() as uow:
                assert await services.matches.arm_many(uow, deliveries)

        async def one_by_one(services: Services) -> None:
            async with db.transaction() as uow:
                for delivery in deliveries:
                    await _arm_alone(uow, delivery, timings)

        async def redeliver(services: Services) -> None:
            relay = services.matches.outbox
            assert await relay.flush() == len(deliveries)
            await relay.settled()

        steps: list[tuple[str, Callable[[Services], Awaitable[None]], int]] = [
            ("arm_batch", batch, reps),
            ("arm_one_by_one", one_by_one, slow_reps),
            ("redeliver", redeliver, reps),
        ]
        for step, fn, n in steps:
            walls: list[float] = []
            cpus: list[float] = []
            for _ in range(n):
                await _reset(db)
                services = bench_services(db, clock, GAME, rng=random.Random(1))  # a restarted process
                c0, t0 = time.process_time(), time.perf_counter()
                await fn(services)
                walls.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
                await _check_armed(db, len(deliveries))
            ctx.record(
                f"delivery_{step}_{SETTLED_MATCHES}_matches_{backend}", "ms", walls,
                backend=backend, matches=SETTLED_MATCHES, receipts=len(deliveries),
                cpu_ms=round(statistics.median(cpus) * 1e3, 1),
            )


async def _arm_alone(uow: UnitOfWork, delivery: Delivery, timings: MatchTimings) -> None:
    """One delivery's arming as the relay did it before the batch: lock, decide, compare-and-set,
    jobs (three statements)."""
    before = await uow.matches.get(delivery.match_id, for_update=True)
    assert before is not None
    try:
        t = ms.arm_confirmation(before, delivery.discord_uid, delivery.at, timings)
    except IllegalTransition:
        return
    assert await uow.matches.update_cas(t.before, t.after)
    await uow.jobs.add_many(armed_jobs(t.after, delivery.discord_uid, timings))


async def _seed_wave(db: Database, n: int) -> list[Delivery]:
    """``n`` matches as a wave leaves them, and every player's receipt (a few ms apart)."""
    people, rows = [], []
    for i in range(n):
        p1, p2 = 30_000_000 + 2 * i, 30_000_001 + 2 * i
        for uid in (p1, p2):
            people.append({
                "discord_uid": uid, "discord_username": f"p{uid}", "alt_ids": [], "region": "EUW",
                "is_banned": False, "aborts_left": 3, "aborts_period": 202611, "state": "in_match",
                "created_at": NOW, "updated_at": NOW, "version": 1, "main_id": f"P{uid}",
                "battletag": f"P{uid}#1",
            })
        rows.append({
            "player_1_discord_uid": p1, "player_2_discord_uid": p2, "player_1_race": "bw_zerg",
            "player_2_race": "sc2_protoss", "player_1_mmr": 1500, "player_2_mmr": 1500,
            "map_played": GAME.season.maps[i % len(GAME.season.maps)].name, "server_choice": "EUC",
            "status": MatchStatus.FOUND.value, "played_at": NOW, "wave_at": NOW, "version": 1,
        })
    async with db.transaction() as uow:
        await uow.conn.execute(insert(players), people)
        ids = await uow.matches.insert_many(rows)
        seats = [(mid, r[k]) for mid, r in zip(ids, rows, strict=True)
                 for k in ("player_1_discord_uid", "player_2_discord_uid")]
        await uow.outbox.add([NewMessage(MATCH_FOUND, uid, mid, None) for mid, uid in seats], NOW)
    return [Delivery(mid, uid, NOW + timedelta(milliseconds=20 * k)) for k, (mid, uid) in enumerate(seats)]


async def _reset(db: Database) -> None:
    """The matches, jobs and outbox rows back as the wave left them."""
    m = matches_1v1.c
    async with db.transaction() as uow:
        await uow.conn.execute(
            update(matches_1v1).values({m.player_1_confirm_deadline: None, m.player_2_confirm_deadline: None,
                                        m.version: 1})
        )
        await uow.conn.execute(delete(scheduled_jobs))
        await uow.conn.execute(update(outbox).values(done_at=None, attempts=0))


async def _check_armed(db: Database, receipts: int) -> None:
    async with db.read() as uow:
        assert await uow.jobs.pending_count() == 2 * receipts
