"""Optimal pairing of one segment of a wave (internal to :mod:`evoladder.domain.matchmaking`).

The objective is lexicographic: (1) as many pairs as possible, (2) as few rematch pairs as
possible, (3) the least total cost. It is folded into one edge weight
``cost + penalty * rematch - lam`` whose tiers are wide enough to be strict (:func:`tiers`).

Two-race players make the pair graph non-bipartite, so the solver works with the *fractional*
matching LP, solved exactly as an assignment on the bipartite double cover: every player has a
row and a column, an edge {p, q} gives the entries (p, q) and (q, p), and the diagonal (p, p)
means "p unmatched". An optimal assignment is a permutation sigma whose 2-cycles are pairs and
whose longer cycles are half-edges; its weight is twice the LP value. The assignment comes with
its optimal row and column duals (:mod:`evoladder.domain.matchmaking._assignment`: a small C kernel, or scipy
with shortest-path duals where it was not built), which give the LP's node duals.

Steps (:func:`solve`):

1. LP on a candidate graph (every allowed pair when the segment is small, else each slot's
   nearest opposite slots), its node duals from the assignment's, and pricing
   of the duals against every allowed pair of the full graph; violated pairs are added and the
   LP solved again (column generation), a bounded number of times. Duals still violated are
   repaired, so the lower bound is always valid for the full graph.
2. Rounding: 2-cycles are pairs, an even cycle gives its better alternating half (no loss), an
   odd cycle leaves one player out; cheapest augmenting paths then re-pair left-out players.
   The paths only decide who plays and on which side: with every two-race player's side fixed
   the graph is bipartite, so one more assignment (warm-started by the LP's duals, ~2 ms at
   1,000 queued) re-pairs everyone optimally for those sides (:func:`_best_sides`).
3. Certificate: the duals' classes give a fractional vertex cover, i.e. an upper bound on the
   number of pairs; the duals give a lower bound on the cost of that many pairs. ``exact`` when
   both are met and no rematch pair is used (a rematch count is not certified this way).
4. Small segments the certificate did not settle go to branch and bound: an odd cycle of the LP
   runs through a two-race player, whose side is branched on (BW only, SC2 only); each node is
   bounded by its own LP duals and by the true largest pair count (Edmonds). Exact when it
   finishes within its node budget.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from evoladder.domain.matchmaking import _assignment as assignment
from evoladder.domain.matchmaking._augment import Matching, augment, max_pairs
from evoladder.domain.matchmaking._graph import (
    WAIT_WEIGHT,
    BoolArray,
    Edges,
    IntArray,
    Players,
    Pricing,
    candidate_edges,
    classes,
    edges_from_pairs,
    full_edges,
    ints,
    merge,
    nearest_gaps,
    pair_terms,
    price,
)

FULL_GRAPH_PLAYERS = 120  # up to this size a segment's LP gets every allowed pair
BRANCH_PLAYERS = 100  # up to this size an uncertified segment goes to branch and bound
# LP solves per branch and bound: BRANCH_WORK / players (an LP costs about its size), at least
# BRANCH_NODES_MIN. Queues of up to 8 players need at most ~20 (measured on random queues).
BRANCH_WORK = 3_000
BRANCH_NODES_MIN = 30
CANDIDATE_NEIGHBOURS = 8  # nearest opposite slots per direction in the sparse start graph
# ... and in a segment nobody in which queued both games whose two sides differ in size by at
# most one in BALANCED_SIDES (see _neighbours).
BALANCED_NEIGHBOURS = 12
BALANCED_SIDES = 10
# LP solves per segment at most (the first plus column generation): PRICING_WORK / players,
# between 2 and PRICING_ROUNDS. Realistic queues need 1-2; queues full of ties need more.
PRICING_ROUNDS = 8
PRICING_WORK = 24_000
# ... of which at most COST_ROUNDS when the start graph already carries the full LP's pair
# count (the further rounds would only lower the cost and tighten its bound; see _lp_solve).
COST_ROUNDS = 3
# Another LP solve is worth it while the candidate graph misses pairs the full LP needs for
# its pair count (class D violations), or while repairing the duals would cost the bound more
# than this much per player (in cost units); below that the duals are repaired instead.
REPAIR_PER_PLAYER = 1
# Re-pairing for fixed sides (_best_sides) runs up to this many players: its warm start works
# less well on long segments (~2 ms at 1,000 queued, ~140 ms at 10,000, where it gained ~0.0005%).
SIDES_PLAYERS = 4000
# A warm-started LP solve may scan this many times the columns of the segment's cold first
# solve before it is cut short and solved cold (see _relax).
WARM_SCANS = 2
# The first LP solve of a segment where at least one player in LONG_WAIT_SHARE has waited
# LONG_WAIT waves or more starts from potentials that take the wait bonus out of every pair
# (see _wait_potentials).
LONG_WAIT = 8
LONG_WAIT_SHARE = 20
# lam * n stays below this, so both assignment kernels compute exactly (the scipy fallback in
# float64, see _assignment.py).
_EXACT_FLOAT_BUDGET = 2**50


@dataclass(frozen=True, slots=True)
class Tiers:
    """Weights that fold the lexicographic objective into one edge weight.

    With ``cmax`` bounding |cost| of any allowed pair and n players: a rematch ``penalty`` above
    2 * n * cmax outweighs any cost difference between two (fractional) matchings, and ``lam``
    above 2 * n * (cmax + penalty) outweighs any difference in cost and penalties, so one more
    (half) pair always wins. ``lam * n`` must stay below 2**50 for exact float arithmetic; at
    sizes where that is impossible the tiers are shrunk (the rematch tier first) and the flags
    say which became soft. The pair-count certificate does not rely on them.
    """

    penalty: int
    lam: int
    card_strict: bool
    rematch_strict: bool


def tiers(players: Players, has_rematch: bool) -> Tiers:
    n = max(players.n, 1)
    rmax = int(players.radius.max()) if players.n else 0
    wmax = int(players.waits.max()) if players.n else 0
    xs = np.concatenate([players.bw_x[players.has_bw], players.sc_x[players.has_sc]])
    span = int(xs.max() - xs.min()) if xs.shape[0] else 0
    gap = min(rmax, span)  # no allowed pair is farther apart than this
    cmax = max(gap * gap, 2 * WAIT_WEIGHT * wmax) + 1
    budget = _EXACT_FLOAT_BUDGET // n
    strict_penalty = 2 * n * cmax + 1 if has_rematch else 0
    lam = 2 * n * (cmax + strict_penalty) + 1
    if lam <= budget:
        return Tiers(strict_penalty, lam, True, True)
    penalty = max(cmax, (budget - 1) // (2 * n) - cmax) if has_rematch else 0
    lam = 2 * n * (cmax + penalty) + 1
    if lam <= budget:
        return Tiers(penalty, lam, True, not has_rematch)
    return Tiers(penalty, budget, False, not has_rematch)


@dataclass(frozen=True, slots=True)
class Solution:
    """Pairs as player indices (BW side, SC2 side), per-pair cost, bound and exactness."""

    bw: IntArray
    sc: IntArray
    cost: IntArray
    lower_bound: int
    exact: bool

    @property
    def total(self) -> int:
        return int(self.cost.sum())


def solve(players: Players) -> Solution:
    """Pair one segment (see the module doc for the steps and the guarantee)."""
    full = players.n <= FULL_GRAPH_PLAYERS
    edges = full_edges(players) if full else candidate_edges(players, _neighbours(players))
    if not len(edges):
        return Solution(ints([]), ints([]), ints([]), 0, True)
    outcome = _lp_solve(players, edges)
    if outcome.exact or players.n > BRANCH_PLAYERS:
        return outcome
    return _branch_and_bound(players, edges if full else full_edges(players), outcome)


def _neighbours(players: Players) -> int:
    """How many nearest opposite slots each slot gets in the start graph.

    Where nobody queued both games and the sides are about equal, the pairing is a plain
    bipartite one whose optimum is full of "shifted" pairs: a local surplus of one side pairs
    its players 10-40 ranks away, beyond the 8 nearest. Column generation then needed 5 LP
    rounds with pricing on the bench's `both0` and stopped with repaired duals (cost 21,193,
    not proven); from 12 neighbours one round proves the optimum (21,147) in about half the
    CPU (30 -> 16 ms at 1,000 queued; at 10,000 the same pairs, a better bound). On the 15
    grid shapes of that kind (`*_b0_s50_*`) the time did not move in total; 6 got cheaper
    pairings or better bounds and 3 dearer ones by 0.02-0.3% (the column generation stops
    with repaired duals at another point). Unbalanced sides leave the surplus unmatched rather
    than shifted: there the 8 nearest already prove the optimum (every `*_b0_s60_*` and
    `*_b0_s75_*` grid shape) and 12 only cost time (10-50% more). Iterating pricing until no
    pair is violated (always proven) was dropped: up to 3x slower on those grid shapes.
    """
    if (players.has_bw & players.has_sc).any():
        return CANDIDATE_NEIGHBOURS
    surplus = abs(int(players.has_bw.sum()) - int(players.has_sc.sum()))
    if surplus * BALANCED_SIDES > players.n:
        return CANDIDATE_NEIGHBOURS
    return BALANCED_NEIGHBOURS


# --- matchings as player pairs ---------------------------------------------------------------


def _matching_of(edges: Edges, chosen: list[int]) -> Matching:
    idx = ints(chosen)
    return Matching(edges.p[idx], edges.q[idx])


def _solution(players: Players, matching: Matching, bound: int, exact: bool) -> Solution:
    pairs = edges_from_pairs(players, matching.p, matching.q)
    bw = ints(np.where(pairs.p_on_bw, pairs.p, pairs.q))
    sc = ints(np.where(pairs.p_on_bw, pairs.q, pairs.p))
    _, cost, _ = pair_terms(players, bw, sc)
    return Solution(bw, sc, cost, bound, exact)


def _rematches(players: Players, matching: Matching) -> int:
    return int(edges_from_pairs(players, matching.p, matching.q).rematch.sum())


# --- the relaxation --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Relaxation:
    sigma: IntArray  # the optimal permutation of the double cover
    rows: IntArray
    cols: IntArray
    weight: IntArray  # shifted entry weights (all >= 1)
    shift: int
    value2: int  # twice the LP value: sum of combined weights of the used real entries
    node_duals: IntArray  # row + column dual of each player, for ``weight``
    scans: int  # the work of the solve (columns scanned; 0 from the scipy fallback)


def _relax(
    n: int,
    edges: Edges,
    combined: IntArray,
    warm: IntArray | None = None,
    cold_scans: int | None = None,
) -> _Relaxation:
    """Solve the fractional matching LP exactly as an assignment on the double cover.

    ``warm``: estimated node duals (``pi2``, as :func:`_duals` gives them), or None; they only
    speed the solve up (:func:`assignment.solve`). ``cold_scans``: the work of a cold solve of
    a similar LP (the segment's first), or None. A warm start usually needs a fraction of it, but
    where many tied players are left out it needed six times as much (1.3 s against 0.22 s cold
    at 10,000 queued); so a warm solve that passes ``WARM_SCANS`` times that work (at least n
    columns) is cut short and solved cold.
    """
    shift = int(-combined.min()) + 1 if len(edges) else 1
    rows = ints(np.concatenate([edges.p, edges.q, np.arange(n)]))
    cols = ints(np.concatenate([edges.q, edges.p, np.arange(n)]))
    weight = ints(np.concatenate([combined + shift, combined + shift, np.full(n, shift)]))
    warm_u = warm_v = None
    if warm is not None and warm.shape[0] == n:
        # pi2 = row dual + column dual - shift + lam: split the node's share over its row
        # and its column (the constant lam - shift is the same for all and does not matter).
        warm_u = warm // 2
        warm_v = warm - warm_u
    limit = None
    if warm_u is not None and cold_scans is not None:
        limit = max(WARM_SCANS * cold_scans, n)
    try:
        solved = assignment.solve(n, rows, cols, weight, warm_u, warm_v, max_scans=limit)
    except assignment.ScanLimitReached:
        solved = assignment.solve(n, rows, cols, weight)
    sigma = solved.col_of_row
    used = sigma[rows] == cols
    value2 = int((weight[used] - shift).sum())
    return _Relaxation(sigma, rows, cols, weight, shift, value2, ints(solved.u + solved.v),
                       solved.scans)


def _duals(relax: _Relaxation, lam: int) -> IntArray:
    """Twice the node duals (shifted by lam/2): pi2_p + pi2_q <= 2 * (cost + penalty) per edge.

    The double cover's row and column duals u, v satisfy u_p + v_q <= w and u_q + v_p <= w on
    every edge {p, q} of weight w = combined + shift, and u_p + v_p <= shift (the diagonal), with
    equality where the assignment is used; so pi_p = (u_p + v_p - shift) / 2 is an optimal dual
    of the LP, and pi2 = 2 pi + lam moves the lam tier out of the constraint.
    """
    return ints(relax.node_duals - relax.shift + lam)


def _cycles(sigma: IntArray) -> list[list[int]]:
    """The cycles of length >= 2 of a permutation (each from its smallest member, in order).

    Only the moved points are walked: after the rounding takes the 2-cycles out, nearly every
    point is fixed, and a Python loop over all of them cost ~0.3 ms a call at 1,000 queued.
    """
    succ = sigma.tolist()
    seen = [False] * len(succ)
    out: list[list[int]] = []
    for start in np.flatnonzero(sigma != np.arange(sigma.shape[0])).tolist():
        if seen[start]:
            continue
        cycle = []
        v = start
        while not seen[v]:
            seen[v] = True
            cycle.append(v)
            v = succ[v]
        out.append(cycle)
    return out


def _round(n: int, edges: Edges, combined: IntArray, sigma: IntArray) -> tuple[list[int], int]:
    """An integral matching from the LP permutation: (edge indices, players left out).

    A 2-cycle is a pair. An even cycle splits into two alternating matchings; LP optimality
    makes them equally good, and the better one is taken. An odd cycle must leave one player
    out: every choice is tried and the cheapest remaining path matching wins. (Joining two odd
    cycles by an edge instead was tried: dropping and then augmenting is cheaper.)
    """
    node = np.arange(n)
    two = (sigma != node) & (sigma[sigma] == node) & (node < sigma)
    chosen = edges.lookup(n, ints(node[two]), sigma[two]).tolist()
    longer = sigma.copy()
    longer[two] = node[two]
    longer[sigma[two]] = sigma[two]
    cycles = _cycles(longer)
    even = [c for c in cycles if len(c) % 2 == 0]
    if even:
        chosen += _round_even(n, edges, combined, even)
    odd = [c for c in cycles if len(c) % 2 == 1]
    # Every odd cycle's edges in one lookup (one pass over the edge keys, not one per cycle).
    ring_edges = edges.lookup(
        n, ints([v for c in odd for v in c]), ints([v for c in odd for v in (*c[1:], c[0])])
    ) if odd else ints([])
    start = 0
    for cycle in odd:
        length = len(cycle)
        idx = ring_edges[start : start + length]
        start += length
        drop = _cheapest_drop(combined[idx])
        picks = (drop + 1 + 2 * np.arange(length // 2)) % length
        chosen += idx[picks].tolist()
    return chosen, len(odd)


def _cheapest_drop(w: IntArray) -> int:
    """For an odd cycle whose edge i joins members i and i + 1 (weights ``w``): the member d
    whose leaving out is cheapest, i.e. whose matching, edges d + 1, d + 3, ... (mod length),
    weighs least (the first such d on ties, as ``argmin``).

    Each matching is a stride-2 run of the cycle's edges written twice, so running sums taken
    two apart give every matching's weight at once: O(length). Summing every matching
    separately was quadratic, and at 10,000 queued an odd cycle of ~4,500 players took
    ~300 ms there.
    """
    length = w.shape[0]
    half = length // 2
    twice = np.concatenate([w, w])
    runs = twice.copy()  # runs[p] = twice[p] + twice[p - 2] + ... (same parity as p)
    runs[0::2] = np.cumsum(twice[0::2])
    runs[1::2] = np.cumsum(twice[1::2])
    d = np.arange(length)
    last = runs[d + 2 * half - 1]
    before = np.where(d >= 1, runs[np.maximum(d - 1, 0)], 0)
    return int(np.argmin(last - before))


def _round_even(n: int, edges: Edges, combined: IntArray, cycles: list[list[int]]) -> list[int]:
    """The better alternating half of every even cycle, all cycles at once."""
    lengths = ints([len(c) for c in cycles])
    ring = ints([v for c in cycles for v in c])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    position = np.arange(ring.shape[0]) - np.repeat(starts, lengths)
    successor = np.where(position == np.repeat(lengths, lengths) - 1,
                         ring[np.repeat(starts, lengths)], np.roll(ring, -1))
    idx = edges.lookup(n, ring, ints(successor))
    w = combined[idx]
    parity = position % 2
    first = np.add.reduceat(np.where(parity == 0, w, 0), starts)
    second = np.add.reduceat(np.where(parity == 1, w, 0), starts)
    take = np.repeat(ints(second < first), lengths)
    chosen: list[int] = idx[parity == take].tolist()
    return chosen


# --- the LP path ------------------------------------------------------------------------------


def _lp_solve(players: Players, edges: Edges) -> Solution:
    """LP with pricing, rounding, augmentation and the certificate (module doc, steps 1-3).

    The column generation is bounded by work, never by time (a plan is the same on every
    machine): at most ``PRICING_ROUNDS`` LP solves while pricing finds pairs the start graph
    lacks for the pair count, and at most ``COST_ROUNDS`` once it finds none, when further
    rounds would only lower the cost. Every shape of the bench's family settles in 1-2 solves
    at 1,000 and 10,000 queued, so their plans did not change; but grid shapes with bimodal
    ratings, a quarter to half two-game players and uneven sides (``bimodal_b50_s75_typical``)
    ran all 8 rounds without settling, 45 ms of pairing CPU at 1,000 queued, about the whole
    wave budget. With the cap they keep every pair and take about 29 ms (loaded machine); the
    price is paid in cost and proof on those grid shapes only (the best pairing found is
    returned with its proven bound; none was proven optimal before): ``bimodal_b50_s75_typical``
    at the family's seed costs 135,245 instead of 94,965 and ``bimodal_b50_s75_long`` 110,953
    instead of 70,061; 13 other grid queues of 270 cost 0.1-15% more (BENCHMARKS.md, session 8).
    Why 3 and not 2: at 2 those two queues cost twice as much (196,403 and 171,503: 7 of 500
    pairs 100-159 MMR apart where none was over 60) to save 6 ms; at 4 the first took 36 ms,
    most of the budget again. Players see a bad pairing; they do not see 6 ms of a wave.
    """
    n = players.n
    t = tiers(players, bool((players.last >= 0).any()))
    rounds = max(2, min(PRICING_ROUNDS, PRICING_WORK // max(n, 1)))
    pi2 = _wait_potentials(players)
    cold_scans: int | None = None
    for round_ in range(rounds):
        combined = ints(edges.cost + t.penalty * edges.rematch - t.lam)
        relax = _relax(n, edges, combined, warm=pi2 if len(pi2) else None, cold_scans=cold_scans)
        cold_scans = relax.scans if cold_scans is None else cold_scans
        pi2 = _duals(relax, t.lam)
        pricing = price(players, pi2, t.lam, t.penalty, repair=False)
        if round_ == rounds - 1 or (
            pricing.d_clean and (round_ >= COST_ROUNDS - 1 or _small_repair(pricing, n))
        ):
            break
        edges = merge(players, edges, pricing.add)
    if not pricing.d_clean:
        pricing = price(players, pi2, t.lam, t.penalty, repair=True)
    chosen, dropped = _round(n, edges, combined, relax.sigma)
    matching = _matching_of(edges, chosen)
    cover = _cover_bound(pi2, t.lam, pricing.d_clean)
    if (dropped or cover is None) and (cover is None or len(matching) < cover):
        # Left out: players the rounding dropped, and (when the start graph missed pairs the
        # full LP needs for its pair count) unmatched players pricing found such pairs for.
        taken = np.zeros(n, dtype=np.bool_)
        taken[matching.p] = taken[matching.q] = True
        left_out = ~taken & ((relax.sigma != np.arange(n)) | (pricing.cut > 0))
        if left_out.any():
            grown = augment(players, edges, matching, pi2, cover, left_out)
            if cover is None and len(grown) > len(matching):
                # The start graph could not carry as many pairs as the augmented matching:
                # solve the LP once more with that matching's pairs, so that its duals (and
                # the bound and cover drawn from them) describe a graph that can.
                edges = merge(players, edges, edges_from_pairs(players, grown.p, grown.q))
                relax, pi2, pricing = _relax_and_price(players, edges, t, pi2, cold_scans)
                cover = _cover_bound(pi2, t.lam, pricing.d_clean)
            matching = grown
            if n <= SIDES_PLAYERS:
                matching = _best_sides(players, edges, grown, pi2, t, cold_scans)
    rematches = _rematches(players, matching)
    bound = max(
        _dual_bound(players, ints(pi2 - pricing.cut), len(matching), rematches > 0),
        _nearest_bound(players, len(matching)),
    )
    solution = _solution(players, matching, bound, False)
    if cover == len(matching) and rematches == 0 and bound == solution.total:
        return Solution(solution.bw, solution.sc, solution.cost, bound, True)
    return solution


def _wait_potentials(players: Players) -> IntArray:
    """Start potentials for a segment's first LP solve (as ``pi2``), or none (a cold solve).

    A pair's cost is gap^2 - 20 * (waits_p + waits_q): the wait part is a sum of one term per
    player, so node potentials of -20 * waits (-40 * waits in ``pi2``) remove it exactly and
    leave the kernel the plain gap^2 to start from. Where some players have waited long, their
    bonus makes them every neighbour's cheapest partner; the kernel's reductions then leave
    about half the rows to its path searches, and on queues with a long tail of waits the LP
    they end at more often has odd cycles that the augmenting paths must repair. With the
    potentials (1,000 queued, long-wait shapes of the bench) the first solve scans 16-43% fewer
    columns, and `dense_long` ends at an integral LP (no augmentation at all): its pairing
    went from ~22 to ~11 ms of CPU. Where fewer than one player in LONG_WAIT_SHARE has waited
    LONG_WAIT waves the bonus is a small perturbation and the plain start scanned fewer columns
    (the bench's `field` 23k against 32k; `bimodal` at 10,000 queued 294k against 497k), so it
    is kept there. Only the start changes: the LP's value is the same, though among equally
    good optima the kernel may end at another one, whose rounding (and the bound its duals
    give) can differ in ties.
    """
    long_waits = int(np.count_nonzero(players.waits >= LONG_WAIT))
    if not long_waits or long_waits * LONG_WAIT_SHARE < players.n:
        return ints([])
    return ints(-2 * WAIT_WEIGHT * players.waits)


def _best_sides(
    players: Players, edges: Edges, matching: Matching, pi2: IntArray, t: Tiers,
    cold_scans: int | None = None,
) -> Matching:
    """The best matching that keeps every player's side in ``matching`` (never worse).

    Augmenting paths are a heuristic; once every two-race player's side is fixed the graph is
    bipartite, its LP is integral, and one assignment re-pairs everyone optimally for those
    sides (players ``matching`` leaves out stay out unless they have one race). The LP's
    duals warm-start it, so it costs a fraction of the first LP. Measured on the 20 bench
    queues of 1,000, it gained up to ~15% of the cost where the paths had gone astray.
    """
    n = players.n
    pairs = edges_from_pairs(players, matching.p, matching.q)
    on_bw = np.zeros(n, dtype=np.bool_)
    on_sc = np.zeros(n, dtype=np.bool_)
    on_bw[np.where(pairs.p_on_bw, pairs.p, pairs.q)] = True
    on_sc[np.where(pairs.p_on_bw, pairs.q, pairs.p)] = True
    free = ~on_bw & ~on_sc
    on_bw |= free & players.has_bw & ~players.has_sc
    on_sc |= free & players.has_sc & ~players.has_bw
    fixed = _one_way(players, merge(players, edges, pairs), on_bw, on_sc)
    combined = ints(fixed.cost + t.penalty * fixed.rematch - t.lam)
    relax = _relax(n, fixed, combined, warm=pi2, cold_scans=cold_scans)
    chosen, _ = _round(n, fixed, combined, relax.sigma)
    if int(combined[chosen].sum()) < _combined(players, matching, t):
        return _matching_of(fixed, chosen)
    return matching


def _one_way(players: Players, pool: Edges, on_bw: BoolArray, on_sc: BoolArray) -> Edges:
    """The pool's pairs allowed with BW owners in ``on_bw`` and SC2 owners in ``on_sc``.

    The sides are disjoint, so each pair can pass in one orientation at most: it is chosen by
    the sides first and the pair's terms are computed once, for that orientation only. The
    pool is sorted by (p, q) (every ``Edges`` is), so the pairs that pass stay in that order.
    """
    p_bw = on_bw[pool.p] & on_sc[pool.q]
    q_bw = on_bw[pool.q] & on_sc[pool.p]
    b = ints(np.where(p_bw, pool.p, pool.q))
    s = ints(np.where(p_bw, pool.q, pool.p))
    allowed, cost, rematch = pair_terms(players, b, s)
    ok = allowed & (p_bw | q_bw)
    return Edges(pool.p[ok], pool.q[ok], cost[ok], rematch[ok], p_bw[ok])


def _relax_and_price(
    players: Players, edges: Edges, t: Tiers, warm: IntArray, cold_scans: int | None
) -> tuple[_Relaxation, IntArray, Pricing]:
    combined = ints(edges.cost + t.penalty * edges.rematch - t.lam)
    relax = _relax(players.n, edges, combined, warm, cold_scans)
    pi2 = _duals(relax, t.lam)
    pricing = price(players, pi2, t.lam, t.penalty, repair=False)
    if not pricing.d_clean:
        pricing = price(players, pi2, t.lam, t.penalty, repair=True)
    return relax, pi2, pricing


def _small_repair(pricing: Pricing, n: int) -> bool:
    """Whether repairing the duals loses at most ``REPAIR_PER_PLAYER`` per player of bound."""
    return int(pricing.cut.sum()) <= 2 * REPAIR_PER_PLAYER * n


def _cover_bound(pi2: IntArray, lam: int, d_clean: bool) -> int | None:
    """An upper bound on the number of pairs of any matching of the full graph, or None.

    When no allowed pair joins class D to class D or C, the weights 0 on D, 1 on A and 1/2 on C
    cover every allowed pair (D-A: 1, A-any: >= 1, C-C: 1), so by LP duality no (fractional)
    matching has more than |A| + |C|/2 pairs.
    """
    if not d_clean:
        return None
    _, a_cls, c_cls = classes(pi2, lam)
    return int(a_cls.sum()) + int(c_cls.sum()) // 2


def _dual_bound(players: Players, pi2: IntArray, k: int, uses_rematch: bool) -> int:
    """No set of k pairs with no more rematches than ours costs less than this.

    For duals with pi_p + pi_q <= cost(p, q) on every allowed pair, a matching of k pairs costs
    at least the sum of the 2k smallest pi. If our pairs use no rematch, the rematch pairs'
    constraints may stay penalised (the bound then covers rematch-free matchings, which is all
    that can compete); otherwise they are repaired to the plain cost first.
    """
    if k == 0:
        return 0
    if uses_rematch:
        pi2 = _repair_rematch_constraints(players, pi2)
    smallest = np.partition(pi2, 2 * k - 1)[: 2 * k]
    total = int(smallest.sum())
    return -((-total) // 2)


def _nearest_bound(players: Players, k: int) -> int:
    """A bound that needs no LP: every pair's gap is at least each end's nearest possible gap.

    With h = nearest gap^2 / 2 per player, a pair costs at least h_p + h_q - 20 (w_p + w_q), so
    k pairs cost at least the sum of the 2k smallest h - 20 w. Weak in general, but when the
    sparse graph's duals need heavy repair (dense ties) it is the better of the two.
    """
    if k == 0:
        return 0
    gap = nearest_gaps(players)
    # A player with no opposite slot anywhere is in no pair: it never counts among the 2k.
    square = np.where(gap < 2**31, gap * gap, 2**40)
    twice = square - 2 * WAIT_WEIGHT * players.waits
    total = int(np.partition(twice, 2 * k - 1)[: 2 * k].sum())
    return -((-total) // 2)


def _repair_rematch_constraints(players: Players, pi2: IntArray) -> IntArray:
    pi2 = pi2.copy()
    p = ints(np.flatnonzero(players.last >= 0))
    q = players.last[p]
    for b, s in ((p, q), (q, p)):
        allowed, cost, _ = pair_terms(players, b, s)
        excess = pi2[b] + pi2[s] - 2 * cost
        bad = allowed & (excess > 0)
        cut = (excess[bad] + 1) // 2
        np.subtract.at(pi2, b[bad], cut)
        np.subtract.at(pi2, s[bad], cut)
    return pi2


# --- small segments: exact by branch and bound -----------------------------------------------


def _branch_and_bound(players: Players, edges: Edges, incumbent: Solution) -> Solution:
    """Best integral matching by LP-based branch and bound (module doc, step 4).

    An odd cycle of the LP runs through a two-race player using both of its sides (the graph
    of single-race players is bipartite). Branching fixes that player's side: BW only, or SC2
    only; every matching keeps one of the two (or leaves the player out), and identical
    players elsewhere do not multiply the branches. A node whose bound cannot beat the
    incumbent is pruned; a node whose LP has no odd cycle is solved by its rounding. Exact
    unless the node budget runs out, in which case the LP path's answer and bound are kept.
    """
    n = players.n
    t = tiers(players, bool(edges.rematch.any()))
    best = Matching.of_pairs(incumbent.bw, incumbent.sc)
    best2 = 2 * _combined(players, best, t)
    # The true largest pair count caps every node's: an LP spread over odd cycles claims
    # half-pairs no integral matching has, which would make its bound useless.
    most = max_pairs(n, edges, best)
    none = np.zeros(n, dtype=np.bool_)
    stack: list[tuple[BoolArray, BoolArray]] = [(none, none)]
    for _ in range(max(BRANCH_NODES_MIN, BRANCH_WORK // max(n, 1))):
        if not stack:
            break
        no_bw, no_sc = stack.pop()
        node = dataclasses.replace(
            players, has_bw=players.has_bw & ~no_bw, has_sc=players.has_sc & ~no_sc
        )
        sub = full_edges(node)
        if not len(sub):
            continue
        combined = ints(sub.cost + t.penalty * sub.rematch - t.lam)
        relax = _relax(n, sub, combined)
        # Integral values are even (twice an integer): a node that cannot get below best2 - 1
        # cannot beat the incumbent.
        if _node_bound2(relax, t.lam, sub, n, most) > best2 - 2:
            continue
        picked, _ = _round(n, sub, combined, relax.sigma)
        value2 = 2 * int(combined[picked].sum()) if picked else 0
        if value2 < best2:
            best, best2 = _matching_of(sub, picked), value2
        odd = [c for c in _cycles(relax.sigma) if len(c) % 2 == 1]
        if odd:
            both = [v for v in min(odd, key=len) if node.has_bw[v] and node.has_sc[v]]
            flip = both[0]  # an odd cycle always holds one (single-race players are bipartite)
            stack.append((no_bw, _with(no_sc, flip)))
            stack.append((_with(no_bw, flip), no_sc))
    if stack or not (t.card_strict and t.rematch_strict):
        return incumbent
    solution = _solution(players, best, 0, False)
    return Solution(solution.bw, solution.sc, solution.cost, solution.total, True)


def _with(mask: BoolArray, player: int) -> BoolArray:
    out = mask.copy()
    out[player] = True
    return out


def _combined(players: Players, matching: Matching, t: Tiers) -> int:
    pairs = edges_from_pairs(players, matching.p, matching.q)
    return int((pairs.cost + t.penalty * pairs.rematch - t.lam).sum())


def _node_bound2(relax: _Relaxation, lam: int, sub: Edges, n: int, cap: int) -> int:
    """Twice a lower bound on the combined value of any integral matching of ``sub``.

    The LP value itself, or better: an integral matching has at most K pairs (floor of the LP's
    pairs, and at most ``cap``), and K pairs cost at least the sum of the 2K smallest duals.
    This closes the gap of odd numbers of players, which the LP covers with half-pairs and an
    integral matching cannot. Players outside ``sub`` (fixed by branching) are left out.
    """
    active = np.zeros(n, dtype=np.bool_)
    active[sub.p] = active[sub.q] = True
    covered = int((relax.sigma != np.arange(n)).sum())
    k = max(0, min(covered // 2, cap))
    if k == 0:
        return 0
    pi2 = _duals(relax, lam)[active]
    smallest = int(np.partition(pi2, 2 * k - 1)[: 2 * k].sum())
    return max(relax.value2, smallest - 2 * lam * k)
