"""Matchmaking waves (DESIGN section 7: a wave at 1,000 queued <= 50 ms with its writes, at
10,000 queued <= 2 s): the pure pairing step, on realistic queues.

Queues: MMR ~ Normal(1500, 250), waits uniform in 0..10, a fifth of the players queue a BW and
an SC2 race (the second race's MMR within ~100 of the first), the rest one race, half BW and
half SC2. Every repetition pairs a different queue (generated before timing).

A second kind of queue, ``*_launch_ties``, is a ladder's first day: everyone at 1500.

Params per row: ``total_cost`` and ``lower_bound`` of the first queue, ``matched_share`` (players
matched, mean over queues), ``exact`` (share of waves proven optimal), ``gap_share`` (the largest
proven gap, (cost - bound) / |cost|), and the greedy baseline's cost and matched share on the
first queue, for comparison.
"""

from __future__ import annotations

import random
import statistics
import time

import numpy as np

from bench.harness import BenchContext
from evoladder.domain.matchmaking import (
    QueueEntry,
    RaceChoice,
    WaveResult,
    choose_map,
    greedy_baseline,
    run_wave,
)


def realistic_queue(n: int, seed: int) -> list[QueueEntry]:
    rng = np.random.default_rng(seed)
    mmr = np.rint(rng.normal(1500, 250, n)).astype(int).tolist()
    other = np.rint(rng.normal(0, 100, n)).astype(int).tolist()
    waits = rng.integers(0, 11, n).tolist()
    kind = rng.random(n).tolist()
    queue = []
    for i in range(n):
        bw = RaceChoice("bw_zerg", mmr[i])
        sc2 = RaceChoice("sc2_terran", mmr[i] + other[i])
        if kind[i] < 0.2:
            queue.append(QueueEntry(1000 + i, bw, sc2, waits[i]))
        elif kind[i] < 0.6:
            queue.append(QueueEntry(1000 + i, bw, None, waits[i]))
        else:
            queue.append(QueueEntry(1000 + i, None, RaceChoice("sc2_terran", mmr[i]), waits[i]))
    return queue


def launch_queue(n: int, seed: int) -> list[QueueEntry]:
    """A ladder's first day: everyone at the starting 1500 (ties everywhere); two-race players'
    second race a little off."""
    rng = np.random.default_rng(seed)
    kind = rng.random(n).tolist()
    off = rng.integers(-80, 81, n).tolist()
    waits = rng.integers(0, 11, n).tolist()
    queue = []
    for i in range(n):
        bw = RaceChoice("bw_zerg", 1500) if kind[i] < 0.6 else None
        sc2 = RaceChoice("sc2_terran", 1500 + (off[i] if bw else 0)) if kind[i] >= 0.4 else None
        queue.append(QueueEntry(1000 + i, bw, sc2, waits[i]))
    return queue


def matched_share(queue: list[QueueEntry], result: WaveResult) -> float:
    return 2 * len(result.pairs) / max(len(queue), 1)


def gap_share(result: WaveResult) -> float:
    if result.lower_bound is None:
        return float("nan")
    return (result.total_cost - result.lower_bound) / max(abs(result.total_cost), 1)


def bench_size(ctx: BenchContext, n: int, reps: int, launch: bool = False) -> None:
    make = launch_queue if launch else realistic_queue
    queues = [make(n, seed) for seed in range(reps)]
    run_wave(queues[0])  # warm-up: imports, first-call allocations
    samples: list[float] = []
    results: list[WaveResult] = []
    for queue in queues:
        t0 = time.perf_counter()
        results.append(run_wave(queue))
        samples.append(time.perf_counter() - t0)
    greedy = greedy_baseline(queues[0])
    first = results[0]
    ctx.record(
        f"mm_wave_pairing_{n}" + ("_launch_ties" if launch else ""),
        "ms",
        samples,
        queued=n,
        total_cost=first.total_cost,
        lower_bound=first.lower_bound,
        matched_share=round(statistics.mean(
            matched_share(q, r) for q, r in zip(queues, results, strict=True)), 4),
        exact=round(sum(r.exact for r in results) / len(results), 2),
        gap_share=round(max(gap_share(r) for r in results), 5),
        greedy_total_cost=greedy.total_cost,
        greedy_matched_share=round(matched_share(queues[0], greedy), 4),
    )


def bench_greedy(ctx: BenchContext, n: int, reps: int) -> None:
    queues = [realistic_queue(n, seed) for seed in range(reps)]
    samples = []
    for queue in queues:
        t0 = time.perf_counter()
        greedy_baseline(queue)
        samples.append(time.perf_counter() - t0)
    ctx.record(f"mm_wave_greedy_{n}", "ms", samples, queued=n)


def bench_map_choice(ctx: BenchContext) -> None:
    pool = [f"Map {i}" for i in range(12)]
    rng = random.Random(3)
    recent = pool[:5]
    ctx.time_sync(
        "mm_choose_map",
        "us",
        lambda: choose_map(pool, pool[:2], pool[3:5], recent, recent[::-1], rng),
        n=2_000 if ctx.quick else 20_000,
        maps=len(pool),
    )


async def run(ctx: BenchContext) -> None:
    quick = ctx.quick
    bench_size(ctx, 100, 10 if quick else 40)
    bench_size(ctx, 1_000, 5 if quick else 20)
    bench_size(ctx, 10_000, 2 if quick else 5)
    bench_size(ctx, 1_000, 3 if quick else 10, launch=True)
    bench_greedy(ctx, 1_000, 3 if quick else 10)
    bench_map_choice(ctx)
