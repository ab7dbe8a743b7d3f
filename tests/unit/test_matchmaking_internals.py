"""The certificates behind matchmaking's guarantees, checked against brute force.

Segments must never split an allowed pair; repaired duals must satisfy every allowed pair's
constraint (that is what makes ``lower_bound`` valid); the cover bound must bound every matching.
A warm start of the LP must not change its value; re-pairing for fixed sides must be optimal;
the compiled augmenting-path search must find the distances of its scipy fallback; the
union-find that splits a wave into segments must find scipy's connected components, and the
sort-based unique numpy's.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evoladder.domain.matchmaking import _assignment as assignment
from evoladder.domain.matchmaking import _augment as augment_module
from evoladder.domain.matchmaking import _graph as graph
from evoladder.domain.matchmaking import _solver as solver
from evoladder.domain.matchmaking._augment import Matching
from evoladder.domain.matchmaking._graph import Players, ints

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def players(draw: st.DrawFn, max_size: int, lo: int = 1000, hi: int = 2000) -> Players:
    n = draw(st.integers(1, max_size))
    kinds = draw(st.lists(st.sampled_from([1, 2, 3]), min_size=n, max_size=n))
    waits = ints(draw(st.lists(st.integers(1, 11), min_size=n, max_size=n)))
    bw_x = ints(draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n)))
    sc_x = ints(draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n)))
    last = ints(draw(st.lists(st.integers(-1, n - 1), min_size=n, max_size=n)))
    kind = np.array(kinds)
    return Players(
        waits=waits,
        radius=ints(100 + 50 * waits),
        last=np.where(last == np.arange(n), -1, last),
        bw_x=bw_x,
        sc_x=sc_x,
        has_bw=(kind & 1) > 0,
        has_sc=(kind & 2) > 0,
    )


def allowed_slot_pairs(p: Players) -> list[tuple[int, int]]:
    """Every allowed (BW owner, SC2 owner) pair, by brute force."""
    out = []
    for b, s in itertools.product(range(p.n), repeat=2):
        ok, _, _ = graph.pair_terms(p, ints([b]), ints([s]))
        if ok[0]:
            out.append((b, s))
    return out


def cold_lp(p: Players, edges: graph.Edges) -> tuple[solver.Tiers, graph.IntArray, solver._Relaxation]:
    """The tiers, the combined costs and the cold LP solve of ``edges``: ``_lp_solve``'s first
    round, the common start of the tests on duals and warm starts."""
    t = solver.tiers(p, bool((p.last >= 0).any()))
    combined = ints(edges.cost + t.penalty * edges.rematch - t.lam)
    return t, combined, solver._relax(p.n, edges, combined)


@SETTINGS
@given(players(max_size=40))
def test_no_allowed_pair_crosses_segments(p: Players) -> None:
    segment_of = np.full(p.n, -1)
    for label, members in enumerate(graph.segments(p)):
        segment_of[members] = label
    assert (segment_of >= 0).all()
    for b, s in allowed_slot_pairs(p):
        assert segment_of[b] == segment_of[s]


@SETTINGS
@given(st.integers(1, 60).flatmap(
    lambda size: st.tuples(st.just(size), st.lists(st.tuples(st.integers(0, size - 1),
                                                              st.integers(0, size - 1)), max_size=80))
))
def test_the_union_find_finds_scipys_connected_components(graph_: tuple[int, list[tuple[int, int]]]) -> None:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    size, pairs = graph_
    a, b = ints([u for u, _ in pairs]), ints([v for _, v in pairs])
    labels = graph.components(size, a, b)
    _, expected = connected_components(
        coo_matrix((np.ones(len(pairs)), (a, b)), shape=(size, size)), directed=False
    )
    # The same partition, each component named by its smallest node.
    for label in np.unique(expected):
        members = np.flatnonzero(expected == label)
        assert (labels[members] == members.min()).all()
    assert len(np.unique(labels)) == len(np.unique(expected))


@SETTINGS
@given(st.lists(st.integers(-50, 50), max_size=60))
def test_the_sort_based_unique_agrees_with_numpys(values: list[int]) -> None:
    keys = ints(values)
    expected, first = np.unique(keys, return_index=True)
    assert graph.unique(keys).tolist() == expected.tolist()
    assert graph.first_of_each(keys).tolist() == first.tolist()


def test_a_process_with_the_kernel_never_loads_scipy() -> None:
    # The solver's component split is numpy; scipy's sparse graph routines (~40 MB of RSS) are
    # the no-compiler fallback's only. A fresh interpreter, so this run's imports do not count.
    if assignment.KERNEL != "compiled":
        pytest.skip("the C kernel is not built: the fallback needs scipy")
    code = (
        "import sys\n"
        "from evoladder.domain.matchmaking import WaveQueue, plan_wave\n"
        "n = 300\n"
        "plan_wave(WaveQueue(player=list(range(n)), bw_mmr=[1400 + i if i % 3 else None for i in range(n)],\n"
        "    sc2_mmr=[1700 - i if i % 3 != 1 else None for i in range(n)], waits=[i % 4 for i in range(n)],\n"
        "    last_opponent=[None] * n))\n"
        "print(sorted(m for m in sys.modules if m.startswith('scipy')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@SETTINGS
@given(st.one_of(players(max_size=30, lo=1300, hi=1700), players(max_size=40, lo=1500, hi=1502)))
def test_repaired_duals_hold_on_every_allowed_pair(p: Players) -> None:
    # The second kind of queue is full of ties (as at a ladder's launch): pricing then checks
    # groups of tied players through their top members.
    # Start from a deliberately thin graph so pricing has work to do.
    edges = graph.candidate_edges(p, 1)
    if not len(edges):
        return
    t, combined, relax = cold_lp(p, edges)
    pi2 = solver._duals(relax, t.lam)
    # The duals hold on the graph the LP saw, tightly on the pairs it uses.
    for e in range(len(edges)):
        i, j = int(edges.p[e]), int(edges.q[e])
        assert pi2[i] + pi2[j] <= 2 * int(combined[e] + t.lam)
    pricing = graph.price(p, pi2, t.lam, t.penalty, repair=True)
    fixed = pi2 - pricing.cut
    for b, s in allowed_slot_pairs(p):
        _, cost, rematch = graph.pair_terms(p, ints([b]), ints([s]))
        assert fixed[b] + fixed[s] <= 2 * (int(cost[0]) + t.penalty * int(rematch[0]))
    if pricing.feasible:
        assert pricing.d_clean


def max_matching(p: Players) -> int:
    pairs = {frozenset((b, s)) for b, s in allowed_slot_pairs(p)}

    def best(free: tuple[int, ...]) -> int:
        if len(free) < 2:
            return 0
        first, rest = free[0], free[1:]
        result = best(rest)
        for k, other in enumerate(rest):
            if frozenset((first, other)) in pairs:
                result = max(result, 1 + best(rest[:k] + rest[k + 1 :]))
        return result

    return best(tuple(range(p.n)))


@SETTINGS
@given(players(max_size=9, lo=1200, hi=1800))
def test_the_cover_bound_bounds_every_matching(p: Players) -> None:
    edges = graph.candidate_edges(p, 1)
    if not len(edges):
        return
    t = solver.tiers(p, False)
    relax = solver._relax(p.n, edges, ints(edges.cost - t.lam))
    pi2 = solver._duals(relax, t.lam)
    pricing = graph.price(p, pi2, t.lam, 0, repair=True)
    cover = solver._cover_bound(pi2, t.lam, pricing.d_clean)
    if cover is not None:
        assert max_matching(p) <= cover


def test_the_sweep_is_a_valid_matching() -> None:
    rng = np.random.default_rng(4)
    n = 400
    kind = rng.integers(1, 4, n)
    waits = ints(rng.integers(1, 12, n))
    p = Players(waits, ints(100 + 50 * waits), np.full(n, -1, dtype=np.int64),
                ints(rng.normal(1500, 250, n).round()), ints(rng.normal(1500, 250, n).round()),
                (kind & 1) > 0, (kind & 2) > 0)
    b, s = graph.sweep_pairs(p)
    allowed, _, _ = graph.pair_terms(p, b, s)
    assert allowed.all()
    used = np.concatenate([b, s])
    assert len(set(used.tolist())) == used.shape[0]
    assert b.shape[0] >= 0.9 * (n // 2)


@SETTINGS
@given(players(max_size=30, lo=1300, hi=1700), st.integers(0, 2**31))
def test_a_warm_start_changes_no_lp_value(p: Players, seed: int) -> None:
    # Any row and column potentials leave the assignment's optimum where it was: estimates
    # only save the solver work. Noisy versions of the true duals and pure noise both.
    edges = graph.candidate_edges(p, 2)
    if not len(edges):
        return
    t, combined, cold = cold_lp(p, edges)
    pi2 = solver._duals(cold, t.lam)
    rng = np.random.default_rng(seed)
    for warm in (pi2, pi2 + rng.integers(-500, 501, p.n), ints(rng.integers(-t.lam, t.lam, p.n))):
        assert solver._relax(p.n, edges, combined, warm=ints(warm)).value2 == cold.value2
        # A warm solve cut short by its scan limit is solved cold: the same value.
        with mock.patch.object(solver.assignment, "solve", give_up_when_limited):
            cut = solver._relax(p.n, edges, combined, warm=ints(warm), cold_scans=0)
        assert cut.value2 == cold.value2


@SETTINGS
@given(players(max_size=30, lo=1300, hi=1700))
def test_the_wait_potentials_start_the_same_lp(p: Players) -> None:
    # The long-wait start removes the wait bonus from every pair by node potentials: the LP
    # it ends at is worth exactly what the cold solve's is.
    edges = graph.candidate_edges(p, 2)
    if not len(edges):
        return
    _, combined, cold = cold_lp(p, edges)
    potentials = ints(-2 * graph.WAIT_WEIGHT * p.waits)
    assert solver._relax(p.n, edges, combined, warm=potentials).value2 == cold.value2


def test_the_wait_potentials_apply_to_long_tails_only() -> None:
    def queue(waits: list[int]) -> Players:
        n = len(waits)
        w = ints(waits)
        return Players(waits=w, radius=ints(100 + 50 * w), last=ints([-1] * n),
                       bw_x=ints([1500] * n), sc_x=ints([1500] * n),
                       has_bw=np.ones(n, dtype=np.bool_), has_sc=np.ones(n, dtype=np.bool_))

    short = [1, 2, 3, 6] * 25
    assert len(solver._wait_potentials(queue(short))) == 0
    # One long waiter in a hundred is below the share; five are a long tail.
    assert len(solver._wait_potentials(queue([*short[:99], solver.LONG_WAIT]))) == 0
    tail = short[:95] + [solver.LONG_WAIT + 4] * 5
    assert solver._wait_potentials(queue(tail)).tolist() == [-40 * w for w in tail]


def test_a_balanced_segment_without_two_game_players_starts_wider() -> None:
    def segment(bw: int, sc: int, both: int = 0) -> Players:
        n = bw + sc + both
        has_bw = np.array([True] * bw + [False] * sc + [True] * both)
        has_sc = np.array([False] * bw + [True] * sc + [True] * both)
        return Players(waits=ints([1] * n), radius=ints([150] * n), last=ints([-1] * n),
                       bw_x=ints(range(n)), sc_x=ints(range(n)), has_bw=has_bw, has_sc=has_sc)

    assert solver._neighbours(segment(500, 500)) == solver.BALANCED_NEIGHBOURS
    assert solver._neighbours(segment(540, 460)) == solver.BALANCED_NEIGHBOURS
    assert solver._neighbours(segment(600, 400)) == solver.CANDIDATE_NEIGHBOURS
    assert solver._neighbours(segment(490, 490, both=20)) == solver.CANDIDATE_NEIGHBOURS


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 30).flatmap(
    lambda half: st.lists(st.integers(-10**12, 10**12), min_size=2 * half + 1, max_size=2 * half + 1)
))
def test_the_cheapest_drop_of_an_odd_cycle_sums_every_matching(weights: list[int]) -> None:
    # Against the definition: leaving out member d keeps edges d + 1, d + 3, ... (mod length);
    # the first cheapest d wins.
    w = ints(weights)
    length = w.shape[0]
    picks = (np.arange(length)[:, None] + 1 + 2 * np.arange(length // 2)[None, :]) % length
    assert solver._cheapest_drop(w) == int(np.argmin(w[picks].sum(axis=1)))


SOLVE = assignment.solve


def give_up_when_limited(*args: Any, max_scans: int | None = None, **kwargs: Any) -> Any:
    """``assignment.solve`` as if every limited solve ran out of its scans."""
    if max_scans is not None:
        raise assignment.ScanLimitReached("test")
    return SOLVE(*args, **kwargs)


def best_for_sides(p: Players, pool: list[tuple[int, int]], value: dict[tuple[int, int], int]) -> int:
    """The least combined value of any matching of ``pool`` (BW owner, SC2 owner), brute force."""

    def best(rest: list[tuple[int, int]], used: frozenset[int]) -> int:
        if not rest:
            return 0
        (b, s), tail = rest[0], rest[1:]
        result = best(tail, used)
        if b not in used and s not in used:
            result = min(result, value[(b, s)] + best(tail, used | {b, s}))
        return result

    return best(pool, frozenset())


@SETTINGS
@given(players(max_size=8, lo=1300, hi=1700))
def test_best_sides_keeps_sides_and_is_optimal_for_them(p: Players) -> None:
    edges = graph.full_edges(p)
    if not len(edges):
        return
    t = solver.tiers(p, bool((p.last >= 0).any()))
    b, s = graph.sweep_pairs(p)
    start = Matching.of_pairs(b, s)
    relax = solver._relax(p.n, edges, ints(edges.cost + t.penalty * edges.rematch - t.lam))
    pi2 = solver._duals(relax, t.lam)
    out = solver._best_sides(p, edges, start, pi2, t)
    assert solver._combined(p, out, t) <= solver._combined(p, start, t)
    players_used = np.concatenate([out.p, out.q]).tolist()
    assert len(set(players_used)) == len(players_used)
    # A matching has no orientation: each pair plays its cheaper allowed way round, and an
    # unmatched player keeps its only side (an unmatched two-race player stays out).
    start_pairs = graph.edges_from_pairs(p, start.p, start.q)
    on_bw = set(np.where(start_pairs.p_on_bw, start_pairs.p, start_pairs.q).tolist())
    on_sc = set(np.where(start_pairs.p_on_bw, start_pairs.q, start_pairs.p).tolist())
    for i in set(range(p.n)) - on_bw - on_sc:
        if p.has_bw[i] != p.has_sc[i]:
            (on_bw if p.has_bw[i] else on_sc).add(i)
    pool = [(x, y) for x, y in allowed_slot_pairs(p) if x in on_bw and y in on_sc]
    value = {}
    for x, y in pool:
        _, cost, rematch = graph.pair_terms(p, ints([x]), ints([y]))
        value[(x, y)] = int(cost[0]) + t.penalty * int(rematch[0]) - t.lam
    pairs = graph.edges_from_pairs(p, out.p, out.q)
    bw_of = np.where(pairs.p_on_bw, pairs.p, pairs.q).tolist()
    sc_of = np.where(pairs.p_on_bw, pairs.q, pairs.p).tolist()
    # Every pair keeps the sides (a pair may be allowed either way round; one way must fit).
    for x, y in zip(bw_of, sc_of, strict=True):
        assert (x in on_bw and y in on_sc) or (y in on_bw and x in on_sc)
    # At most the best for those sides: a pair of two two-race players is valued (here and in
    # the result) the cheaper way round, which may beat the sides it was chosen for.
    assert solver._combined(p, out, t) <= best_for_sides(p, pool, value)


@pytest.mark.skipif(augment_module._paths is None, reason="the C extension is not built here")
@SETTINGS
@given(players(max_size=30, lo=1300, hi=1700), st.integers(0, 2**32 - 1))
def test_the_compiled_path_search_finds_the_distances_of_scipys(p: Players, seed: int) -> None:
    rng = np.random.default_rng(seed)
    b, s = graph.sweep_pairs(p)
    keep = rng.random(b.shape[0]) < 0.8  # some players free, so paths have ends
    matching = Matching.of_pairs(b[keep], s[keep])
    edges = graph.full_edges(p)
    pi2 = ints(rng.integers(-5_000, 5_000, p.n))
    search = augment_module._SearchGraph.of(augment_module._oriented(p, edges, pi2))
    mate = augment_module._mates(p, matching)
    mate_reduced = ints(rng.integers(-3_000, 3_000, p.n))
    sources = (mate < 0) & (rng.random(p.n) < 0.5)
    dist, prev = search.search(p, mate, mate_reduced, sources)
    with mock.patch.object(augment_module, "_paths", None):
        fallback, _ = search.search(p, mate, mate_reduced, sources)
    np.testing.assert_array_equal(dist, fallback)
    # Every reached state other than a source was reached from a state one step closer.
    reached = np.flatnonzero(np.isfinite(dist) & (prev >= 0))
    assert (dist[prev[reached]] < dist[reached]).all()


@pytest.mark.skipif(augment_module._paths is None, reason="the C extension is not built here")
def test_the_compiled_path_search_rejects_malformed_input() -> None:
    paths = augment_module._paths
    assert paths is not None
    flags = np.ones(2, dtype=np.uint8)
    dist, prev = np.empty(4, dtype=np.int64), np.empty(4, dtype=np.int32)

    def call(b: list[int], mate: list[int]) -> None:
        paths(2, ints(b), ints([1]), ints([0]), flags, flags, flags,
              np.array(mate, dtype=np.int32), ints([0, 0]), dist, prev)

    call([0], [-1, -1])  # well formed
    with pytest.raises(ValueError, match="player is out of range"):
        call([2], [-1, -1])
    with pytest.raises(ValueError, match="mate"):
        call([0], [5, -1])


def test_column_generation_stops_after_its_cost_rounds_on_a_tie_heavy_queue() -> None:
    # 200 players on 20 ratings: the start graph carries the full pair count, but pricing keeps
    # finding cheaper pairs, so uncapped the column generation solves the LP 3 times.
    rng = np.random.default_rng(1)
    n = 200
    kind = rng.choice([1, 2, 3], size=n, p=[0.5, 0.25, 0.25])
    waits = ints(rng.integers(0, 6, n))
    p = Players(waits=waits, radius=ints(100 + 50 * waits), last=ints([-1] * n),
                bw_x=ints(1500 + rng.integers(0, 20, n)), sc_x=ints(1500 + rng.integers(0, 20, n)),
                has_bw=(kind & 1) > 0, has_sc=(kind & 2) > 0)

    def lp_solves_before_rounding(cost_rounds: int) -> tuple[int, solver.Solution]:
        events: list[str] = []
        relax, round_ = solver._relax, solver._round

        def counted_relax(*args: Any, **kwargs: Any) -> Any:
            events.append("lp")
            return relax(*args, **kwargs)

        def counted_round(*args: Any, **kwargs: Any) -> Any:
            events.append("round")
            return round_(*args, **kwargs)

        with (mock.patch.object(solver, "COST_ROUNDS", cost_rounds),
              mock.patch.object(solver, "_relax", counted_relax),
              mock.patch.object(solver, "_round", counted_round)):
            found = solver.solve(p)
        return events.index("round"), found

    uncapped_solves, uncapped = lp_solves_before_rounding(solver.PRICING_ROUNDS)
    cap = 2  # this queue settles in 3 solves: a cap under that must stop it there
    capped_solves, capped = lp_solves_before_rounding(cap)
    assert uncapped_solves > cap
    assert capped_solves == cap
    # The cap costs proof, never pairs; the bound stays a valid one.
    assert len(capped.bw) == len(uncapped.bw)
    assert capped.lower_bound <= min(capped.total, uncapped.total)
