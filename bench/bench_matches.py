"""Matchmaking and match rows: a wave with its writes, and one result end to end.

``mm_wave_with_writes_<backend>_<n>``: one full ``Matchmaker.run_wave`` over ``n`` queued players
(``_long_waits``: the same at 1,000 with waits spread over 0-10, so windows are wider and the
solve is harder):
the queue read (with ratings and regions), the pairing (domain solver), map and server choice, and
the one transaction that creates the matches, drops pairs the queue no longer allows, deletes their
entries, moves the players to in_match, writes one "match found" outbox row per player (no job
rows: each player's confirmation time is armed when their message is delivered) and adds a wait to
everyone left; then the read-model calls and the outbox hand-over of the ``MatchFound`` events
(no-op sinks; the announce stage, outside the budget: the rows' times leave it out, its median
is in the params). Before every
repetition (untimed) the queue is restored to the same state. Params: the wave's total cost, its
lower bound, whether it is proven optimal, the share of queued players matched, and the median of
each stage (read / pair / write / announce, ms) so the budget can be attributed. Budgets (DESIGN
section 7): 1,000 queued <= 50 ms, 10,000 queued <= 2 s.

``mm_wave_shape_<shape>_<n>_<backend>``: the same full wave on each queue shape of
``bench/queue_shapes.py`` (``FAMILY``: rating spreads, two-game shares, side balances, vetoes,
waits; plus ``grid_worst``, the shape of ``GRID`` whose pairing alone was slowest at 1,000 in
this run), at 1,000 and 10,000 queued. Params: the shape, the stage medians, ``cpu_ms`` (the
median CPU time of this process over the wave: on a shared machine it shows what the wave itself
costs when the wall time includes waiting for a core; SQLite's thread is in it, PostgreSQL's
server is not), ``pair_cpu_ms`` (the CPU time of the pairing alone, ``plan_wave`` on the
same queue outside the wave: median of 3 at 1,000, one run at 10,000; it moves far less with the
machine's load than ``pair_ms``, which is wall time), and the pairing's
quality on that queue (``queue_shapes.quality``: pairs, proven gap, players left unpaired who
could have been paired, mean rating gap and mean wait of the matched players).
``mm_wave_worst_<n>_<backend>``: the slowest of those shapes by median (the budget row: 1,000
queued <= 50 ms, 10,000 <= 2 s), named in its params. ``mm_pair_grid_worst_1000``: the
slowest pairing alone over ``GRID`` (medians of 3 per shape).

``match_finalize_<backend>``: the second, agreeing report of a confirmed match through
``MatchService.report``: row lock, version compare-and-set, both ratings and counters, players back
to idle, jobs closed, commit, read models and events (no-op sinks).
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, update

from bench import queue_shapes
from bench.dbsetup import bench_services, fresh_database
from bench.harness import BenchContext, Row
from bench.queue_shapes import Shape
from evoladder.domain.match_state import MatchStatus, MatchTimings
from evoladder.domain.matchmaking import plan_wave
from evoladder.domain.rating import Outcome
from evoladder.game import Game, load_game_data
from evoladder.services.matches import reporting_jobs
from evoladder.services.matchmaker import Matchmaker, WaveReport
from evoladder.store.schema import matches_1v1, mmrs_1v1, outbox, players, queue_entries, scheduled_jobs
from evoladder.store.uow import Database

GAME = load_game_data()
BW = [r.code for r in GAME.races_of(Game.BW)]
SC2 = [r.code for r in GAME.races_of(Game.SC2)]
MAPS = [m.name for m in GAME.season.maps]
REGIONS = list(GAME.regions)
NOW = datetime(2026, 11, 22, 12, 0, 10, tzinfo=UTC)
REPS = {100: 20, 1_000: 10, 10_000: 3}


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


async def run(ctx: BenchContext) -> None:
    sizes = (100, 1_000) if ctx.quick else (100, 1_000, 10_000)
    backends = ["sqlite"] + (["postgres"] if ctx.pg_url else [])
    for backend in backends:
        for size in sizes:
            await _wave(ctx, backend, size)
        await _wave(ctx, backend, 1_000, long_waits=True)
        await _finalize(ctx, backend)
    family = (*queue_shapes.FAMILY, _grid_worst(ctx))
    for backend in backends:
        for size in sizes[1:]:
            worst: tuple[float, str, dict[str, Any]] | None = None
            for k, shape in enumerate(family):
                row = await _shape_wave(ctx, backend, size, shape, seed=size + k)
                if worst is None or row.median > worst[0]:
                    worst = (row.median, shape.name, row.params)
            assert worst is not None
            median, name, params = worst
            ctx.rows.append(Row(
                f"mm_wave_worst_{size}_{backend}", "ms", median,
                next(r.p99 for r in ctx.rows if r.name == _shape_row(name, size, backend)),
                next(r.n for r in ctx.rows if r.name == _shape_row(name, size, backend)),
                {"worst_shape": name} | params,
            ))
            print(f"  mm_wave_worst_{size}_{backend}: {name} {median:.1f} ms", flush=True)


# --- the wave ------------------------------------------------------------------------------------


WAITS = (0, 0, 0, 1, 1, 2, 3, 5)  # most entries are new: a wave matches nearly everyone
LONG_WAITS = tuple(range(11))  # as bench_matchmaking's queues: wider windows, a harder solve


def _queue(
    n: int, seed: int, waits: tuple[int, ...] = WAITS
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Players, rating rows and queue entries: 40% BW only, 40% SC2 only, 20% both races."""
    rng = random.Random(seed)
    people, ratings, entries = [], [], []
    for i in range(n):
        uid = 10_000_000 + i
        kind = rng.random()
        bw = rng.choice(BW) if kind < 0.6 else None
        sc2 = rng.choice(SC2) if kind >= 0.4 else None
        people.append(_player(uid, rng.choice(REGIONS)))
        ratings += [_rating(uid, race, int(rng.gauss(1500, 220))) for race in (bw, sc2) if race is not None]
        entries.append(
            {
                "discord_uid": uid,
                "bw_race": bw,
                "sc2_race": sc2,
                "vetoes": rng.sample(MAPS, rng.randint(0, 4)),
                "waits": rng.choice(waits),
                "joined_at": NOW - timedelta(seconds=rng.randint(0, 300)),
                "last_opponent": None,
                "recent_maps": rng.sample(MAPS, rng.randint(0, 3)),
            }
        )
    return people, ratings, entries


def _player(uid: int, region: str, state: str = "queueing") -> dict[str, Any]:
    return {
        "discord_uid": uid, "discord_username": f"p{uid}", "alt_ids": [], "region": region,
        "is_banned": False, "aborts_left": 3, "aborts_period": 202611, "state": state,
        "created_at": NOW, "updated_at": NOW, "version": 1, "main_id": f"P{uid}", "battletag": f"P{uid}#1",
    }


def _rating(uid: int, race: str, mmr: int) -> dict[str, Any]:
    return {
        "discord_uid": uid, "race": race, "mmr": mmr, "games_played": 0, "games_won": 0,
        "games_lost": 0, "games_drawn": 0, "last_played": None,
    }


def _shaped_queue(
    shape: Shape, n: int, seed: int
) -> tuple[queue_shapes.Drawn, list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """A queue of ``shape`` as database rows: players, their rating rows (a race never played has
    none) and queue entries, with random races, regions, vetoes and recent maps."""
    drawn = queue_shapes.draw(shape, n, seed)
    rng = random.Random(seed)
    people, ratings, entries = [], [], []
    for i in range(n):
        uid = 10_000_000 + i
        bw = rng.choice(BW) if drawn.bw[i] is not None else None
        sc2 = rng.choice(SC2) if drawn.sc2[i] is not None else None
        people.append(_player(uid, rng.choice(REGIONS)))
        slots = ((bw, drawn.bw[i], drawn.bw_rated[i]), (sc2, drawn.sc2[i], drawn.sc2_rated[i]))
        for race, mmr, rated in slots:
            if race is not None and rated and mmr is not None:
                ratings.append(_rating(uid, race, mmr))
        entries.append({
            "discord_uid": uid, "bw_race": bw, "sc2_race": sc2,
            "vetoes": rng.sample(MAPS, min(drawn.vetoes[i], len(MAPS) - 1)),
            "waits": drawn.waits[i], "joined_at": NOW - timedelta(seconds=rng.randint(0, 300)),
            "last_opponent": None, "recent_maps": rng.sample(MAPS, min(drawn.recent[i], len(MAPS))),
        })
    return drawn, people, ratings, entries


def _shape_row(shape: str, size: int, backend: str) -> str:
    return f"mm_wave_shape_{shape}_{size}_{backend}"


def _grid_worst(ctx: BenchContext) -> Shape:
    """The shape of ``GRID`` whose pairing alone is slowest at 1,000 queued (median of 3)."""
    worst: tuple[float, Shape] | None = None
    for k, shape in enumerate(queue_shapes.GRID):
        queue = queue_shapes.wave_queue(queue_shapes.draw(shape, 1_000, seed=k))
        samples = []
        for _ in range(3):
            t0 = time.perf_counter()
            plan_wave(queue)
            samples.append(time.perf_counter() - t0)
        if worst is None or statistics.median(samples) > worst[0]:
            worst = (statistics.median(samples), shape)
    assert worst is not None
    ctx.rows.append(Row("mm_pair_grid_worst_1000", "ms", worst[0] * 1000, worst[0] * 1000, 3,
                        {"shape": worst[1].name, "shapes": len(queue_shapes.GRID)}))
    print(f"  mm_pair_grid_worst_1000: {worst[1].name} {worst[0] * 1000:.1f} ms", flush=True)
    return replace(worst[1], name="grid_worst")


async def _shape_wave(ctx: BenchContext, backend: str, size: int, shape: Shape, seed: int) -> Row:
    drawn, people, ratings, entries = _shaped_queue(shape, size, seed)
    queue = queue_shapes.wave_queue(drawn)
    pair_cpu: list[float] = []
    for _ in range(3 if size <= 1_000 else 1):
        c0 = time.process_time()
        plan = plan_wave(queue)
        pair_cpu.append(time.process_time() - c0)
    quality = queue_shapes.quality(drawn, plan)
    reps = max(REPS[size] // (2 if ctx.quick else 1), 2)
    async with fresh_database(backend, ctx.pg_url) as db:
        async with db.transaction() as uow:
            await uow.conn.execute(insert(players), people)
            await uow.conn.execute(insert(mmrs_1v1), ratings)
        samples: list[float] = []
        cpu: list[float] = []
        reports: list[WaveReport] = []
        for _ in range(reps + 1):
            await _restore(db, entries)
            mm = _matchmaker(db)
            t0, c0 = time.perf_counter(), time.process_time()
            reports.append(await mm.run_wave(NOW))
            samples.append(_budgeted(time.perf_counter() - t0, reports[-1]))
            cpu.append(time.process_time() - c0)
    last = reports[-1]
    assert len(last.match_ids) == quality["pairs"], "the wave made the pairs the pairing chose"
    stages = {
        f"{stage}_ms": round(statistics.median(r.durations_ms[stage] for r in reports[1:]), 2)
        for stage in last.durations_ms
    }
    return ctx.record(
        _shape_row(shape.name, size, backend), "ms", samples[1:],
        backend=backend, queued=size, shape=shape.describe(), total_cost=last.total_cost,
        lower_bound=last.lower_bound, budget_ms={1_000: 50, 10_000: 2000}.get(size),
        **quality, **stages, cpu_ms=round(statistics.median(cpu[1:]) * 1000, 2),
        pair_cpu_ms=round(statistics.median(pair_cpu) * 1000, 2),
    )


def _matchmaker(db: Database) -> Matchmaker:
    """A matchmaker with services of its own for one repetition (untimed). The restore deletes
    the outbox rows and SQLite then gives the next wave's rows the same ids: a relay kept from
    the previous repetition has those ids in its handed-over set and would skip them, so the
    announce would deliver and arm nothing after the first wave (PostgreSQL's sequences never
    reuse ids). Every repetition gets the same map draws (the same seed)."""
    return bench_services(db, FixedClock(NOW), GAME, rng=random.Random(1)).matchmaker


def _budgeted(elapsed: float, report: WaveReport) -> float:
    """The wave's time as the budget counts it (DESIGN section 7: the pairing plus the writes that
    create its matches): the run without its announce stage. The announce hands the "match
    found" rows to the outbox and, with the bench's no-op senders, settles all their delivery
    receipts at once (each arms a confirmation deadline: a row lock, an update and two job rows
    per player); in a live wave those receipts arrive at Discord's pace over 20 s. Its median
    stays in each row's params (``announce_ms``)."""
    return elapsed - report.durations_ms.get("announce", 0.0) / 1000


async def _restore(db: Database, entries: list[dict[str, Any]]) -> None:
    """The queue as it was before the first wave (untimed), and on PostgreSQL the server at rest.

    Live waves are 45 s apart: by the next one autovacuum has dealt with the previous wave's
    dead rows and the server has written out its commits. Back to back, the next wave would pair
    while the server still writes the last announce's ~3,000 statements and the restore's
    deletes (its pairing stage measured 27-62 ms on PostgreSQL against 19-42 on SQLite, the same
    code), and would read tables full of dead rows. So the restore ends, on PostgreSQL, with
    ``VACUUM ANALYZE`` of the tables a wave touches and a ``CHECKPOINT``: what 45 s give a live
    server, without a sleep. On SQLite a checkpoint of the write-ahead log (the previous
    announce armed every player: thousands of rows written)."""
    async with db.transaction() as uow:
        for table in (queue_entries, scheduled_jobs, outbox, matches_1v1):
            await uow.conn.execute(delete(table))
        await uow.conn.execute(insert(queue_entries), entries)
        await uow.conn.execute(update(players).values(state="queueing", current_match_id=None))
    if db.dialect == "sqlite":  # the same for SQLite's write-ahead log: copied back, emptied
        async with db.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    if db.dialect == "postgresql":
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            tables = (queue_entries, scheduled_jobs, outbox, matches_1v1, players, mmrs_1v1)
            await conn.exec_driver_sql(f"VACUUM ANALYZE {', '.join(t.name for t in tables)}")
            await conn.exec_driver_sql("CHECKPOINT")


async def _wave(ctx: BenchContext, backend: str, size: int, long_waits: bool = False) -> None:
    people, ratings, entries = _queue(size, seed=size, waits=LONG_WAITS if long_waits else WAITS)
    reps = max(REPS[size] // (2 if ctx.quick else 1), 2)
    async with fresh_database(backend, ctx.pg_url) as db:
        async with db.transaction() as uow:
            await uow.conn.execute(insert(players), people)
            await uow.conn.execute(insert(mmrs_1v1), ratings)
        samples: list[float] = []
        reports: list[WaveReport] = []
        for _ in range(reps + 1):
            await _restore(db, entries)
            mm = _matchmaker(db)
            t0 = time.perf_counter()
            reports.append(await mm.run_wave(NOW))
            samples.append(_budgeted(time.perf_counter() - t0, reports[-1]))
        last = reports[-1]
        stages = {
            f"{stage}_ms": round(statistics.median(r.durations_ms[stage] for r in reports[1:]), 2)
            for stage in last.durations_ms
        }
        ctx.record(
            f"mm_wave_with_writes_{backend}_{size}" + ("_long_waits" if long_waits else ""), "ms",
            samples[1:],  # the first warms the caches
            backend=backend, queued=size, matches=len(last.match_ids),
            matched_share=round(last.matched_share, 4), total_cost=last.total_cost,
            lower_bound=last.lower_bound, exact=last.exact,
            budget_ms={1_000: 50, 10_000: 2000}.get(size), **stages,
        )


# --- one result --------------------------------------------------------------------------------


async def _finalize(ctx: BenchContext, backend: str) -> None:
    n = 60 if ctx.quick else 300
    timings = MatchTimings()
    clock = FixedClock(NOW + timedelta(minutes=20))
    async with fresh_database(backend, ctx.pg_url) as db:
        ids = await _confirmed_matches(db, n, timings)
        # Reported by hand, with no replay: the replay check (report_requires_replay, on by
        # default) is not what this row measures.
        service = bench_services(db, clock, GAME, report_requires_replay=False).matches
        assert service.timings == timings
        samples = []
        for match_id, p1 in ids:
            t0 = time.perf_counter()
            state = await service.report(match_id, p1, Outcome.PLAYER_1)
            samples.append(time.perf_counter() - t0)
            assert state.status is MatchStatus.FINAL
        ctx.record(f"match_finalize_{backend}", "ms", samples[5:], backend=backend, matches=n)


async def _confirmed_matches(db: Database, n: int, timings: MatchTimings) -> list[tuple[int, int]]:
    """``n`` confirmed matches whose player 2 already reported player 1's win."""
    at = NOW + timedelta(seconds=10)
    rows, people, ratings = [], [], []
    for i in range(n):
        p1, p2 = 20_000_000 + 2 * i, 20_000_001 + 2 * i
        people += [_player(p1, "EUW", "in_match"), _player(p2, "NAE", "in_match")]
        ratings += [_rating(p1, "bw_zerg", 1500 + i % 200), _rating(p2, "sc2_protoss", 1600 - i % 200)]
        rows.append({
            "player_1_discord_uid": p1, "player_2_discord_uid": p2, "player_1_race": "bw_zerg",
            "player_2_race": "sc2_protoss", "player_1_mmr": 1500 + i % 200, "player_2_mmr": 1600 - i % 200,
            "player_2_report": 1, "player_2_reported_at": at, "map_played": MAPS[i % len(MAPS)],
            "server_choice": "EUC", "status": MatchStatus.CONFIRMED.value, "played_at": NOW,
            "confirm_deadline": NOW + timings.confirm_timeout, "player_1_confirmed_at": at,
            "player_2_confirmed_at": at, "confirmed_at": at, "report_deadline": at + timings.report_deadline,
            "wave_at": NOW, "version": 3,
        })
    async with db.transaction() as uow:
        await uow.conn.execute(insert(players), people)
        await uow.conn.execute(insert(mmrs_1v1), ratings)
        ids = await uow.matches.insert_many(rows)
        for match_id, row in zip(ids, rows, strict=True):
            pair = [row["player_1_discord_uid"], row["player_2_discord_uid"]]
            await uow.conn.execute(
                update(players).where(players.c.discord_uid.in_(pair)).values(current_match_id=match_id)
            )
        states = [await uow.matches.get(i) for i in ids]
        await uow.jobs.add_many([j for s in states if s is not None for j in reporting_jobs(s, timings)])
    return [(i, r["player_1_discord_uid"]) for i, r in zip(ids, rows, strict=True)]
