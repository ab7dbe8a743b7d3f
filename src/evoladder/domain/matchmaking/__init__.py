"""Matchmaking waves: who plays whom, and on which map (DESIGN section 4). Pure: no I/O.

Waves
    One wave every 45 s aligned to the epoch: ``next_wave_at(now) = floor(now/45 + 1) * 45``, so
    every process agrees on the schedule and a wave time is never "now".

Who may meet
    A BW entry meets only an SC2 entry. A player who queued both a BW and an SC2 race may be
    used on either side, never on both and never against themselves; each side uses the MMR of
    the race on that side. Every wave first adds 1 to every waiting entry's ``waits``; the
    window is then ``window(waits) = 100 + 50 * waits`` and a pair is allowed when the MMR gap
    is at most the larger of the two windows.

What is optimal (the decision)
    A pair costs ``gap**2 - 20 * (waits_a + waits_b)``. Minimising the sum literally would
    prefer matching nobody (gap**2 dominates), so the objective is lexicographic:

    1. as many pairs as possible: nobody waits while a valid opponent is free;
    2. then as few *rematch* pairs as possible: a pair whose players were each other's last
       opponent (either entry's ``last_opponent``) is only used when every set of pairs of the
       same size needs at least as many rematches;
    3. then the least total cost.

    The tiers are folded into one edge weight ``cost + P * rematch - lam`` with
    ``P > 2 n cmax`` and ``lam > 2 n (cmax + P)`` (n players, cmax bounding |cost|), which makes
    them strict (see ``_solver.Tiers``): a constant "larger than any edge cost" is not
    enough, because one more pair can need a long chain of partner swaps that each cost more.

Long waiters first
    When one side has more players than the other, the pair count is fixed and the objective
    chooses who is left out: each wave of waiting is worth 20 in cost, so of two players who
    would get the same gap the longer waiter is matched, and a long waiter displaces a newer
    player whenever the extra ``gap**2`` it costs is below ``20 * (difference in waits)``. A
    long waiter also has a wider window, so it has more opponents to begin with. Matching a
    long waiter with a much larger gap is not forced: that trade is what the cost weighs.

Algorithm
    Players are split into segments that no allowed pair crosses (by MMR on the line; a
    two-race player joins the segments of its two slots), and each segment is solved alone.
    Two-race players make the pair graph non-bipartite, so a segment is solved through the
    *fractional* matching LP, computed exactly as an assignment on the bipartite double cover
    with its optimal duals (``_assignment``: a C kernel, or scipy where it was not built; details
    in ``_solver``):

    1. The LP is solved on every allowed pair (segments of up to 120 players) or on a sparse
       start graph (each slot's 8 nearest opposite slots each way, the slots at its rank share
       on the other side, and an MMR-ordered greedy sweep, so the start graph holds a
       near-maximum matching even with local surpluses and ties). Its node duals are priced
       against every allowed pair of the full graph; violated pairs are added and the LP solved
       again (at most 8 solves, fewer for big segments); duals still violated are repaired, so
       they stay valid.
    2. The LP solution is rounded: pairs stay, even cycles split into their better half, an
       odd cycle leaves one player out. Augmenting paths (cheapest first by reduced cost, then
       an Edmonds blossom search) re-pair those players; then, with every two-race player's
       side fixed as the paths left it, one bipartite assignment re-pairs everyone optimally
       for those sides.
    3. Certificate: the duals give an upper bound on the number of pairs (a fractional vertex
       cover) and a lower bound on the cost of that many pairs.
    4. Segments of up to 100 players that step 3 did not settle go to LP-based branch and
       bound (an odd cycle runs through a two-race player: branch on its side; each node is
       bounded by its LP duals), which is exact unless its node budget (3,000 / players LP
       solves, at least 30) runs out.

Guarantees
    * Every result obeys the rules above (sides, windows, one pair per player, no self-pair).
    * ``exact`` means proven optimal for the lexicographic objective. Waves of up to 8 players
      are always exact (property-tested against brute force); realistic segments of up to 100
      players almost always are.
    * ``lower_bound`` is always a proven bound: no set of pairs with as many pairs in each
      segment and no more rematch pairs costs less. It equals ``total_cost`` when ``exact``.
      When the pair count is proven maximal (it usually is), it bounds the optimum itself.
      Measured on realistic queues (bench/bench_matchmaking.py) the proven gap is ~0.1% of
      |cost| at 1,000 queued and ~0.01% at 10,000 (occasionally ~1% when odd cycles of the LP
      are expensive to round; the worst of the 20 bench queues of 1,000 is at 13%, down from
      34% before the re-pairing for fixed sides). Queues full of ties (a ladder's launch:
      everyone at 1500) are solved as well but with weaker bounds; an LP-free bound (each
      player's nearest possible gap) then backs the dual one.
    * The weights are integers below 2**51, so both assignment kernels are exact. For very
      large segments with rematch pairs the rematch weight is capped at about 2**49 / n**2
      (``_solver.Tiers``; ~12 times the largest pair cost at 10,000 players in one
      segment): a rematch is then used only if it saves at least that much.

Map choice
    See :func:`choose_map`.

Entry points
    :func:`plan_wave` takes the queue in columns (``WaveQueue``) and answers with positions
    (``WavePlan``): the matchmaker service builds it straight from its rows. :func:`run_wave` is
    the same for ``QueueEntry`` objects, answering with ``Pairing`` objects.

Where the parts are
    This module is the package's only public one. The solver behind it is private:
    ``_graph`` (the allowed pairs, segments, the cost), ``_solver`` (the LP, its rounding, the
    certificate, branch and bound), ``_augment`` (augmenting paths), ``_assignment`` (the
    assignment with its duals) over ``_kernel.c`` (its optional C kernel).
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate

import numpy as np
from sortedcontainers import SortedList

from evoladder.domain.matchmaking._assignment import KERNEL as _KERNEL
from evoladder.domain.matchmaking._graph import (
    BASE_WINDOW,
    WAIT_WEIGHT,
    WINDOW_STEP,
    IntArray,
    Players,
    ints,
    segments,
)
from evoladder.domain.matchmaking._solver import solve

WAVE_INTERVAL = 45  # seconds
ASSIGNMENT_KERNEL = _KERNEL  # "compiled", or "scipy" where the C kernel was not built (slower)


@dataclass(frozen=True, slots=True)
class RaceChoice:
    race: str  # e.g. "bw_zerg" or "sc2_protoss"
    mmr: int


@dataclass(frozen=True, slots=True)
class QueueEntry:
    player: int  # discord uid
    bw: RaceChoice | None
    sc2: RaceChoice | None  # at least one of bw/sc2 is set
    waits: int  # waves already waited (before this wave)
    vetoes: frozenset[str] = frozenset()  # map names
    last_opponent: int | None = None


@dataclass(frozen=True, slots=True)
class Pairing:
    bw_player: int
    bw_race: str
    bw_mmr: int
    sc2_player: int
    sc2_race: str
    sc2_mmr: int
    gap: int
    cost: int


@dataclass(frozen=True, slots=True)
class WaveResult:
    pairs: tuple[Pairing, ...]
    waiting: tuple[QueueEntry, ...]  # unmatched entries with waits already incremented
    total_cost: int
    lower_bound: int | None  # equal to total_cost when the solve is exact
    exact: bool


def window(waits: int) -> int:
    """The largest MMR gap this entry accepts after ``waits`` waves."""
    return BASE_WINDOW + WINDOW_STEP * waits


def next_wave_at(now_ts: float, interval: int = WAVE_INTERVAL) -> float:
    """The next wave strictly after ``now_ts``, on the epoch-aligned grid of ``interval`` s."""
    return float(math.floor(now_ts / interval + 1) * interval)


def pair_cost(gap: int, waits_a: int, waits_b: int) -> int:
    """The cost of one pair; ``waits`` are the incremented counts of this wave."""
    return gap * gap - WAIT_WEIGHT * (waits_a + waits_b)


@dataclass(frozen=True, slots=True)
class WaveQueue:
    """A wave's queue in columns, one position per entry: what the solver reads, and the form a
    caller holding thousands of database rows builds most cheaply (no object per entry).

    ``bw_mmr`` / ``sc2_mmr``: the rating of the entry's race on that side, None when the entry
    did not queue that side (at least one of the two is set). ``waits``: waves waited before
    this one. ``last_opponent``: a player id or None.
    """

    player: Sequence[int]
    bw_mmr: Sequence[int | None]
    sc2_mmr: Sequence[int | None]
    waits: Sequence[int]
    last_opponent: Sequence[int | None]

    @staticmethod
    def of(entries: Sequence[QueueEntry]) -> WaveQueue:
        return WaveQueue(
            player=[e.player for e in entries],
            bw_mmr=[e.bw.mmr if e.bw is not None else None for e in entries],
            sc2_mmr=[e.sc2.mmr if e.sc2 is not None else None for e in entries],
            waits=[e.waits for e in entries],
            last_opponent=[e.last_opponent for e in entries],
        )


@dataclass(frozen=True, slots=True)
class WavePlan:
    """The pairs of a wave as positions in its ``WaveQueue``: pair k is ``bw[k]`` (playing its BW
    race) against ``sc2[k]`` (its SC2 race), with cost ``cost[k]``; longest combined wait first,
    ties by the BW player's id."""

    bw: tuple[int, ...]
    sc2: tuple[int, ...]
    cost: tuple[int, ...]
    total_cost: int
    lower_bound: int | None  # equal to total_cost when the solve is exact
    exact: bool


def plan_wave(queue: WaveQueue) -> WavePlan:
    """Add one wait to every entry and pair them optimally (see the module doc).

    The result does not depend on the order of the entries. Bad input (an entry with neither
    race, a player twice, negative waits) is a caller bug: ValueError.
    """
    order, players = _players(queue)
    waits = players.waits.tolist()  # incremented
    bw: list[int] = []
    sc: list[int] = []
    bound = 0
    exact = True
    for group in segments(players):
        segment = _by_mmr(players, group)
        solution = solve(players.take(segment))
        bw += segment[solution.bw].tolist()
        sc += segment[solution.sc].tolist()
        bound += solution.lower_bound
        exact = exact and solution.exact
    # Sorted positions are sorted player ids: ties go to the smaller BW player.
    found = sorted(zip(bw, sc, strict=True), key=lambda pair: (-(waits[pair[0]] + waits[pair[1]]), pair[0]))
    position = order.tolist()
    bw_x, sc_x = players.bw_x.tolist(), players.sc_x.tolist()
    cost = tuple(pair_cost(abs(bw_x[b] - sc_x[s]), waits[b], waits[s]) for b, s in found)
    return WavePlan(
        bw=tuple(position[b] for b, _ in found),
        sc2=tuple(position[s] for _, s in found),
        cost=cost,
        total_cost=sum(cost),
        lower_bound=bound,
        exact=exact,
    )


def run_wave(entries: Sequence[QueueEntry]) -> WaveResult:
    """:func:`plan_wave` for ``QueueEntry`` objects, with the pairs and the waiting entries as
    objects. ``pairs`` are ordered longest combined wait first; ``waiting`` keeps the input order.
    """
    plan = plan_wave(WaveQueue.of(entries))
    pairs = [
        _pairing(entries[b], entries[s], entries[b].waits + 1, entries[s].waits + 1)
        for b, s in zip(plan.bw, plan.sc2, strict=True)
    ]
    return _result(entries, pairs, plan.lower_bound, plan.exact)


def greedy_baseline(entries: Sequence[QueueEntry]) -> WaveResult:
    """A simple greedy pairing, for comparison in tests and benchmarks (not used in play).

    Longest waiters pick first (ties by player id); each takes the allowed free opponent with
    the smallest MMR gap, skipping a rematch when another allowed opponent exists.
    """
    _players(WaveQueue.of(entries))  # the same checks as a real wave
    waved = [_waited(e) for e in entries]
    free: dict[bool, SortedList[tuple[int, int]]] = {True: SortedList(), False: SortedList()}
    for i, e in enumerate(waved):
        if e.bw is not None:
            free[True].add((e.bw.mmr, i))
        if e.sc2 is not None:
            free[False].add((e.sc2.mmr, i))
    reach = max((window(e.waits) for e in waved), default=0)
    taken = [False] * len(waved)
    pairs: list[Pairing] = []
    for i in sorted(range(len(waved)), key=lambda k: (-waved[k].waits, waved[k].player)):
        if taken[i]:
            continue
        choice = _greedy_pick(waved, free, i, reach)
        if choice is None:
            continue
        j, i_on_bw = choice
        taken[i] = taken[j] = True
        for k in (i, j):
            e = waved[k]
            if e.bw is not None:
                free[True].remove((e.bw.mmr, k))
            if e.sc2 is not None:
                free[False].remove((e.sc2.mmr, k))
        on_bw, on_sc2 = (waved[i], waved[j]) if i_on_bw else (waved[j], waved[i])
        pairs.append(_pairing(on_bw, on_sc2, on_bw.waits, on_sc2.waits))
    return _result(entries, pairs, None, False)


def choose_map(
    season_maps: Sequence[str],
    vetoes_a: Collection[str],
    vetoes_b: Collection[str],
    recent_a: Sequence[str],
    recent_b: Sequence[str],
    rng: random.Random,
) -> str:
    """A random season map that neither player vetoed, weighted away from recent maps.

    Weight of a map: ``1 / (1 + times it appears in recent_a and recent_b together)``, so a map
    both players just played counts twice. If the vetoes remove every map, the whole pool is
    used (vetoes are preferences; a match must still get a map). Duplicate names in the pool
    count once. Deterministic for a given ``rng`` state. An empty pool raises ValueError.
    (:class:`MapPicker` is the same for many pairs of one season.)
    """
    return MapPicker(season_maps).pick(vetoes_a, vetoes_b, recent_a, recent_b, rng)


class MapPicker:
    """:func:`choose_map` with the season's pool prepared once (a wave picks hundreds of maps)."""

    def __init__(self, season_maps: Sequence[str]) -> None:
        self._pool = list(dict.fromkeys(season_maps))
        if not self._pool:
            raise ValueError("choose_map: the season has no maps")

    def pick(
        self,
        vetoes_a: Collection[str],
        vetoes_b: Collection[str],
        recent_a: Sequence[str],
        recent_b: Sequence[str],
        rng: random.Random,
    ) -> str:
        pool = self._pool
        allowed = pool
        if vetoes_a or vetoes_b:
            allowed = [m for m in pool if m not in vetoes_a and m not in vetoes_b] or pool
        if recent_a or recent_b:
            recent = [*recent_a, *recent_b]  # a few names: counting in the list beats Counters
            # The draw of rng.choices(allowed, weights, k=1), without its per-call checks.
            cumulative = list(accumulate(1.0 / (1 + recent.count(m)) for m in allowed))
            return allowed[bisect(cumulative, rng.random() * cumulative[-1], 0, len(allowed) - 1)]
        # Equal weights: the draw rng.choices would make with them (floor(random() * n)).
        return allowed[math.floor(rng.random() * len(allowed))]


# --- helpers ---------------------------------------------------------------------------------


def _validate(queue: WaveQueue, player: IntArray, order: IntArray) -> None:
    """Bad input is a caller bug: ValueError. ``order`` sorts ``player``."""
    if not len(order):
        return
    for i, (bw_mmr, sc2_mmr) in enumerate(zip(queue.bw_mmr, queue.sc2_mmr, strict=True)):
        if bw_mmr is None and sc2_mmr is None:
            raise ValueError(f"queue entry of player {queue.player[i]} has neither a BW nor an SC2 race")
    ordered = player[order]
    twice = np.flatnonzero(ordered[1:] == ordered[:-1])
    if twice.shape[0]:
        raise ValueError(f"player {int(ordered[twice[0]])} has two queue entries in one wave")
    waits = ints(queue.waits)
    if int(waits.min()) < 0:
        raise ValueError(f"queue entry of player {queue.player[int(waits.argmin())]} has negative waits")


def _waited(e: QueueEntry) -> QueueEntry:
    return QueueEntry(e.player, e.bw, e.sc2, e.waits + 1, e.vetoes, e.last_opponent)


def _players(queue: WaveQueue) -> tuple[IntArray, Players]:
    """The entries as arrays sorted by player id (so the result does not depend on the input
    order), waits already incremented for this wave, and each array index's queue position."""
    player = ints(queue.player)
    order = ints(np.argsort(player, kind="stable"))
    _validate(queue, player, order)
    n = order.shape[0]
    has_bw = np.array([m is not None for m in queue.bw_mmr], dtype=np.bool_)
    has_sc = np.array([m is not None for m in queue.sc2_mmr], dtype=np.bool_)
    index = dict(zip(player[order].tolist(), range(n), strict=True))
    last = [index.get(queue.last_opponent[i], -1) for i in order.tolist()]
    waits = ints(queue.waits)[order] + 1
    return order, Players(
        waits=waits,
        radius=ints(BASE_WINDOW + WINDOW_STEP * waits),
        last=ints(last),
        bw_x=ints([0 if m is None else m for m in queue.bw_mmr])[order],
        sc_x=ints([0 if m is None else m for m in queue.sc2_mmr])[order],
        has_bw=has_bw[order],
        has_sc=has_sc[order],
    )


def _by_mmr(players: Players, group: IntArray) -> IntArray:
    """The segment's players in MMR order, which keeps the solver's searches local."""
    key = np.where(players.has_bw, players.bw_x, players.sc_x)[group]
    return group[np.lexsort((group, key))]


def _pairing(on_bw: QueueEntry, on_sc2: QueueEntry, waits_bw: int, waits_sc2: int) -> Pairing:
    """The pair; ``waits_*`` are this wave's (incremented) counts."""
    assert on_bw.bw is not None and on_sc2.sc2 is not None
    gap = abs(on_bw.bw.mmr - on_sc2.sc2.mmr)
    return Pairing(
        bw_player=on_bw.player,
        bw_race=on_bw.bw.race,
        bw_mmr=on_bw.bw.mmr,
        sc2_player=on_sc2.player,
        sc2_race=on_sc2.sc2.race,
        sc2_mmr=on_sc2.sc2.mmr,
        gap=gap,
        cost=pair_cost(gap, waits_bw, waits_sc2),
    )


def _result(
    entries: Sequence[QueueEntry], pairs: list[Pairing], bound: int | None, exact: bool
) -> WaveResult:
    used = {p.bw_player for p in pairs} | {p.sc2_player for p in pairs}
    return WaveResult(
        pairs=tuple(pairs),
        waiting=tuple(_waited(e) for e in entries if e.player not in used),
        total_cost=sum(p.cost for p in pairs),
        lower_bound=bound,
        exact=exact,
    )


def _greedy_pick(
    waved: list[QueueEntry], free: dict[bool, SortedList[tuple[int, int]]], i: int, reach: int
) -> tuple[int, bool] | None:
    """(opponent, whether i plays BW) for the nearest allowed free opponent of entry i."""
    e = waved[i]
    best: tuple[bool, int, int, int, bool] | None = None  # rematch, gap, -waits, index, on_bw
    for on_bw, choice in ((True, e.bw), (False, e.sc2)):
        if choice is None:
            continue
        for gap, j in _outward(free[not on_bw], choice.mmr, reach):
            other = waved[j]
            if j == i or gap > max(window(e.waits), window(other.waits)):
                continue
            rematch = e.last_opponent == other.player or other.last_opponent == e.player
            key = (rematch, gap, -other.waits, j, on_bw)
            if best is None or key < best:
                best = key
            if not rematch:
                break
    return None if best is None else (best[3], best[4])


def _outward(slots: SortedList[tuple[int, int]], x: int, reach: int) -> Iterator[tuple[int, int]]:
    """Free slots within ``reach`` of x, nearest first, as (gap, entry index); lazy."""
    right = slots.bisect_left((x, -1))
    left = right - 1
    while True:
        gl = x - slots[left][0] if left >= 0 else reach + 1
        gr = slots[right][0] - x if right < len(slots) else reach + 1
        if min(gl, gr) > reach:
            return
        if gl <= gr:
            yield gl, slots[left][1]
            left -= 1
        else:
            yield gr, slots[right][1]
            right += 1
