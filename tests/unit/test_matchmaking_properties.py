"""Matchmaking on random queues: validity, optimality against brute force, honesty of the bound.

The brute force enumerates every matching of a small queue and keeps the best by the documented
lexicographic objective: most pairs, then fewest rematches, then least cost.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evoladder.domain.matchmaking import (
    QueueEntry,
    RaceChoice,
    WaveResult,
    greedy_baseline,
    pair_cost,
    run_wave,
    window,
)
from evoladder.domain.matchmaking import _assignment as assignment
from evoladder.domain.matchmaking import _augment as augment
from evoladder.domain.matchmaking import _solver as matchmaking_solver

# (pairs, rematches, cost) ordered so that smaller is better.
Key = tuple[int, int, int]


@st.composite
def queues(draw: st.DrawFn, max_size: int, lo: int = 1300, hi: int = 1800) -> list[QueueEntry]:
    n = draw(st.integers(0, max_size))
    entries = []
    for player in range(1, n + 1):
        kind = draw(st.sampled_from(["bw", "sc2", "both"]))
        bw = RaceChoice("bw_protoss", draw(st.integers(lo, hi))) if kind != "sc2" else None
        sc2 = RaceChoice("sc2_zerg", draw(st.integers(lo, hi))) if kind != "bw" else None
        last = draw(st.one_of(st.none(), st.integers(1, n)))
        entries.append(QueueEntry(player, bw, sc2, draw(st.integers(0, 10)), last_opponent=last))
    return entries


def is_rematch(a: QueueEntry, b: QueueEntry) -> bool:
    return a.last_opponent == b.player or b.last_opponent == a.player


def best_orientation(a: QueueEntry, b: QueueEntry) -> int | None:
    """The cheapest allowed cost of a pair (waits already incremented), or None."""
    costs = []
    for x, y in ((a, b), (b, a)):
        if x.bw is not None and y.sc2 is not None:
            gap = abs(x.bw.mmr - y.sc2.mmr)
            if gap <= max(window(x.waits), window(y.waits)):
                costs.append(pair_cost(gap, x.waits, y.waits))
    return min(costs) if costs else None


def brute_force(entries: Sequence[QueueEntry]) -> Key:
    waved = [QueueEntry(e.player, e.bw, e.sc2, e.waits + 1, e.vetoes, e.last_opponent)
             for e in entries]
    edge: dict[tuple[int, int], tuple[int, bool]] = {}
    for i, a in enumerate(waved):
        for j in range(i + 1, len(waved)):
            cost = best_orientation(a, waved[j])
            if cost is not None:
                edge[i, j] = (cost, is_rematch(a, waved[j]))

    def best(free: tuple[int, ...]) -> Key:
        if len(free) < 2:
            return (0, 0, 0)
        first, rest = free[0], free[1:]
        result = best(rest)
        for k, other in enumerate(rest):
            if (first, other) in edge:
                cost, rematch = edge[first, other]
                sub = best(rest[:k] + rest[k + 1 :])
                result = min(result, (sub[0] - 1, sub[1] + int(rematch), sub[2] + cost))
        return result

    return best(tuple(range(len(waved))))


def key_of(entries: Sequence[QueueEntry], result: WaveResult) -> Key:
    by_player = {e.player: e for e in entries}
    rematches = sum(is_rematch(by_player[p.bw_player], by_player[p.sc2_player])
                    for p in result.pairs)
    return (-len(result.pairs), rematches, result.total_cost)


def check_valid(entries: Sequence[QueueEntry], result: WaveResult, bounded: bool = True) -> None:
    by_player = {e.player: e for e in entries}
    seen: list[int] = []
    for p in result.pairs:
        a, b = by_player[p.bw_player], by_player[p.sc2_player]
        assert p.bw_player != p.sc2_player
        assert a.bw is not None and b.sc2 is not None
        assert (p.bw_race, p.bw_mmr) == (a.bw.race, a.bw.mmr)
        assert (p.sc2_race, p.sc2_mmr) == (b.sc2.race, b.sc2.mmr)
        assert p.gap == abs(a.bw.mmr - b.sc2.mmr)
        assert p.gap <= max(window(a.waits + 1), window(b.waits + 1))
        assert p.cost == pair_cost(p.gap, a.waits + 1, b.waits + 1)
        seen += [p.bw_player, p.sc2_player]
    assert len(seen) == len(set(seen)), "a player is in two pairs"
    waiting = [e.player for e in result.waiting]
    assert sorted(waiting + seen) == sorted(by_player)
    assert waiting == [e.player for e in entries if e.player not in set(seen)]
    assert all(w.waits == by_player[w.player].waits + 1 for w in result.waiting)
    assert result.total_cost == sum(p.cost for p in result.pairs)
    if not bounded:
        return
    assert result.lower_bound is not None and result.lower_bound <= result.total_cost
    if result.exact:
        assert result.lower_bound == result.total_cost


@contextmanager
def lp_path_only() -> Iterator[None]:
    """Force the large-segment path (sparse start graph, pricing, rounding, augmentation)."""
    with (
        mock.patch.object(matchmaking_solver, "FULL_GRAPH_PLAYERS", 0),
        mock.patch.object(matchmaking_solver, "BRANCH_PLAYERS", 0),
        mock.patch.object(matchmaking_solver, "CANDIDATE_NEIGHBOURS", 1),
    ):
        yield


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# The solver's assignments and augmenting-path searches run on the C extension when it is
# built, else on scipy (domain/matchmaking/_assignment.py, _augment.py): the key properties are
# checked on both.
KERNELS = [
    pytest.param("compiled", marks=pytest.mark.skipif(
        assignment.KERNEL != "compiled", reason="the C extension is not built here")),
    "scipy",
]


@contextmanager
def kernel(name: str) -> Iterator[None]:
    if name == "scipy":
        with mock.patch.object(assignment, "_compiled", None), mock.patch.object(augment, "_paths", None):
            yield
    else:
        yield


@pytest.mark.parametrize("kernel_name", KERNELS)
@SETTINGS
@given(queues(max_size=8))
def test_equal_to_the_brute_force_optimum(kernel_name: str, entries: list[QueueEntry]) -> None:
    with kernel(kernel_name):
        result = run_wave(entries)
    check_valid(entries, result)
    assert key_of(entries, result) == brute_force(entries)
    assert result.exact


@SETTINGS
@given(queues(max_size=8, lo=1000, hi=2200))
def test_equal_to_the_brute_force_optimum_on_sparse_queues(entries: list[QueueEntry]) -> None:
    result = run_wave(entries)
    assert key_of(entries, result) == brute_force(entries)


@SETTINGS
@given(queues(max_size=40))
def test_valid_on_larger_queues(entries: list[QueueEntry]) -> None:
    check_valid(entries, run_wave(entries))


@SETTINGS
@given(queues(max_size=40))
def test_never_worse_than_greedy(entries: list[QueueEntry]) -> None:
    ours, greedy = run_wave(entries), greedy_baseline(entries)
    check_valid(entries, greedy, bounded=False)
    assert len(ours.pairs) >= len(greedy.pairs)
    assert key_of(entries, ours) <= key_of(entries, greedy)


@SETTINGS
@given(queues(max_size=40))
def test_cost_never_worse_than_greedy_at_equal_pair_count(entries: list[QueueEntry]) -> None:
    fresh = [QueueEntry(e.player, e.bw, e.sc2, e.waits) for e in entries]  # no rematches
    ours, greedy = run_wave(fresh), greedy_baseline(fresh)
    if len(ours.pairs) == len(greedy.pairs):
        assert ours.total_cost <= greedy.total_cost


@pytest.mark.parametrize("kernel_name", KERNELS)
@SETTINGS
@given(queues(max_size=8))
def test_the_lp_path_is_honest_about_its_bound(kernel_name: str, entries: list[QueueEntry]) -> None:
    with lp_path_only(), kernel(kernel_name):
        result = run_wave(entries)
    check_valid(entries, result)
    ours, best = key_of(entries, result), brute_force(entries)
    assert ours >= best
    if ours[0] == best[0]:
        # Same pair count: the optimum has no more rematches than ours, so the bound covers it.
        assert result.lower_bound is not None and result.lower_bound <= best[2]
    if result.exact:
        assert ours == best


@SETTINGS
@given(queues(max_size=60))
def test_the_lp_path_is_valid_on_larger_queues(entries: list[QueueEntry]) -> None:
    with lp_path_only():
        result = run_wave(entries)
    check_valid(entries, result)
    assert len(result.pairs) >= len(greedy_baseline(entries).pairs)


def realistic(n: int, seed: int) -> list[QueueEntry]:
    """MMR ~ Normal(1500, 250), waits 0..10, a fifth of the players queue both races."""
    rng = np.random.default_rng(seed)
    entries = []
    for player in range(1, n + 1):
        mmr = round(float(rng.normal(1500, 250)))
        waits = int(rng.integers(0, 11))
        kind = rng.random()
        if kind < 0.2:
            other = mmr + round(float(rng.normal(0, 100)))
            entries.append(QueueEntry(player, RaceChoice("bw_zerg", mmr),
                                      RaceChoice("sc2_terran", other), waits))
        elif kind < 0.6:
            entries.append(QueueEntry(player, RaceChoice("bw_zerg", mmr), None, waits))
        else:
            entries.append(QueueEntry(player, None, RaceChoice("sc2_terran", mmr), waits))
    return entries


@pytest.mark.parametrize("kernel_name", KERNELS)
@pytest.mark.parametrize(("n", "seed"), [(150, 1), (400, 2), (700, 3)])
def test_realistic_queues_beat_greedy_within_a_small_proven_gap(
    kernel_name: str, n: int, seed: int
) -> None:
    entries = realistic(n, seed)
    # Last opponents for a few: pairs of players who just met.
    entries = [
        QueueEntry(e.player, e.bw, e.sc2, e.waits,
                   last_opponent=(e.player + 1 if e.player % 20 == 1 else None))
        for e in entries
    ]
    with kernel(kernel_name):
        ours = run_wave(entries)
    greedy = greedy_baseline(entries)
    check_valid(entries, ours)
    assert key_of(entries, ours) <= key_of(entries, greedy)
    assert ours.lower_bound is not None
    # The proven gap is small next to the spread of the objective.
    scale = sum(abs(p.cost) for p in ours.pairs) + 1
    assert ours.total_cost - ours.lower_bound <= 0.05 * scale


def test_random_small_waves_replayed_over_time_stay_valid() -> None:
    """Feed each wave's waiting entries into the next one, adding new arrivals."""
    rng = random.Random(11)
    queue: list[QueueEntry] = []
    next_id = 1
    for _ in range(30):
        for _ in range(rng.randint(0, 6)):
            mmr = rng.randint(1200, 1800)
            kind = rng.choice(["bw", "sc2", "both"])
            queue.append(QueueEntry(
                next_id,
                RaceChoice("bw_terran", mmr) if kind != "sc2" else None,
                RaceChoice("sc2_protoss", mmr + rng.randint(-50, 50)) if kind != "bw" else None,
                0,
            ))
            next_id += 1
        result = run_wave(queue)
        check_valid(queue, result)
        assert key_of(queue, result) == brute_force(queue) if len(queue) <= 8 else True
        queue = list(result.waiting)


def launch_day(n: int, seed: int) -> list[QueueEntry]:
    """Everyone at the starting 1500; two-race players' second race a little off."""
    rng = random.Random(seed)
    entries = []
    for player in range(1, n + 1):
        kind = rng.random()
        bw = RaceChoice("bw_zerg", 1500) if kind < 0.6 else None
        sc2 = RaceChoice("sc2_terran", 1500 + (rng.randint(-80, 80) if bw else 0))
        entries.append(QueueEntry(player, bw, sc2 if kind >= 0.4 else None, rng.randint(0, 10)))
    return entries


@pytest.mark.parametrize(("n", "seed"), [(7, 1), (60, 2), (300, 3), (900, 4)])
def test_a_launch_day_queue_of_ties_is_fully_matched(n: int, seed: int) -> None:
    entries = launch_day(n, seed)
    ours, greedy = run_wave(entries), greedy_baseline(entries)
    check_valid(entries, ours)
    bw_able = sum(e.bw is not None for e in entries)
    sc2_able = sum(e.sc2 is not None for e in entries)
    assert len(ours.pairs) == min(n // 2, bw_able, sc2_able)  # every window fits: max matching
    assert key_of(entries, ours) <= key_of(entries, greedy)
