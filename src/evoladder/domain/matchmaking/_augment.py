"""Augmenting paths: re-pair the players that rounding left out (internal to matchmaking).

After the LP is rounded, each odd cycle of the LP has left one player out. Two such players are
usually joined by an alternating path through the current pairs; swapping along it adds a pair.

The cheap search walks over (player, side) states, so a two-race player may change sides along
the path, with arc weights taken from the LP's reduced costs (pairs the LP uses cost nothing),
and runs Dijkstra from several left-out players at once; several player-disjoint paths are
taken per search. Where that finds nothing, Edmonds' blossom search (which ignores cost, but
tries cheaper pairs first) finds an augmenting path whenever the graph it is given has one.

The Dijkstra runs in the C kernel (``_kernel.c``, ``paths``), which generates a state's steps
when the search reaches it: ~1 ms per search at 1,000 queued, where building every step in
numpy and running scipy's Dijkstra took ~8 ms (and was most of the wave on queues whose LP has
many odd cycles). Where the extension was not built, that is the fallback: the same distances,
ties between equally short paths possibly broken the other way.

The paths only decide who is paired and which side a two-race player takes: the solver then
re-pairs everyone optimally for those sides (``_solver._best_sides``). The paths do
not stay near the left-out players in MMR (measured at 1,000 queued: two left-out players are
typically hundreds of ranks apart and the path shifts the pairs between them), so searching a
band of MMR around them was not pursued.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evoladder.domain.matchmaking._graph import (
    BoolArray,
    Edges,
    IntArray,
    Players,
    edges_from_pairs,
    ints,
    merge,
    pair_terms,
)

_Paths = Callable[..., None]
_paths: _Paths | None
try:
    from evoladder.domain.matchmaking._kernel import paths as _paths
except ImportError:  # pragma: no cover - depends on how the package was installed
    _paths = None

SEARCHES = 12  # cheap searches (each may add several pairs) before the blossom fallback
# A step weighing more than this is as bad as can be (a path through it is a last resort).
_HEAVY = 2**40
TRACED = 64  # candidate paths traced per search; the cheapest by true cost are applied
BLOSSOM_PLAYERS = 4000  # the blossom fallback runs up to this many players (it is Python)
# The blossom fallback first looks among pairs whose reduced cost is at most the first limit
# (pairs the LP finds about as good as the ones it uses), then widens: cheap paths first.
BLOSSOM_REDUCED = (0, 20, 100, 500, 2_500, 2**62)


@dataclass(frozen=True, slots=True)
class Matching:
    """Matched player pairs (p < q); independent of any edge list's indexing."""

    p: IntArray
    q: IntArray

    def __len__(self) -> int:
        return int(self.p.shape[0])

    @staticmethod
    def of_pairs(u: IntArray, v: IntArray) -> Matching:
        return Matching(ints(np.minimum(u, v)), ints(np.maximum(u, v)))


def augment(
    players: Players,
    edges: Edges,
    matching: Matching,
    pi2: IntArray,
    target: int | None,
    left_out: BoolArray,
) -> Matching:
    """Add pairs until ``target`` pairs (or until no augmenting path is found).

    ``left_out``: the players the rounding dropped; ``pi2``: twice the LP's node duals (for
    reduced costs). The graph is ``edges`` plus every allowed pair of the left-out players
    (their long pairs keep paths short). Cheapest-path searches run first; blossom searches
    on pairs of small reduced cost first (up to ``BLOSSOM_PLAYERS``) add what they missed.
    The solver then re-pairs the result optimally for its sides (``_best_sides``), which is
    why a second, blossom-only strategy (once run from the rounding too, keeping the better
    result) was dropped: it won on 2 of 20 bench queues and cost ~5 ms at 1,000 queued.
    """
    wide = merge(players, edges, _all_edges(players, left_out))
    searched = _by_searches(players, wide, matching, pi2, target, left_out)
    if players.n > BLOSSOM_PLAYERS:
        return searched
    if _done(players, searched, target):
        return searched
    return _by_blossoms(players, wide, searched, _pair_reduced(players, wide, pi2), target)


def _by_searches(
    players: Players,
    wide: Edges,
    matching: Matching,
    pi2: IntArray,
    target: int | None,
    left_out: BoolArray,
) -> Matching:
    oriented = _oriented(players, wide, pi2)
    graph = _SearchGraph.of(oriented)
    stalled = 0
    for search in range(SEARCHES):
        roots = ints(np.flatnonzero(left_out & _unmatched(players, matching)))
        if _done(players, matching, target) or stalled == 2 or roots.shape[0] == 0:
            break
        # Half of the left-out players are sources and the other half (with every other
        # unmatched player) targets: each state keeps one origin only, so starting from all of
        # them would let a root's own labels hide the way to it. Halves alternate.
        sources = np.zeros(players.n, dtype=np.bool_)
        sources[roots[search % 2 :: 2] if roots.shape[0] > 1 else roots] = True
        grown = _cheapest_paths(players, graph, matching, pi2, target, sources)
        stalled = stalled + 1 if len(grown) == len(matching) else 0
        matching = grown
    return matching


def _by_blossoms(
    players: Players, wide: Edges, matching: Matching, reduced: IntArray, target: int | None
) -> Matching:
    """Blossom searches over pairs of reduced cost up to each of ``BLOSSOM_REDUCED``."""
    for limit in BLOSSOM_REDUCED:
        while not _done(players, matching, target):
            mate = _mates(players, matching)
            keep = (reduced <= 2 * limit) | (mate[wide.p] == wide.q)
            graph = wide.take(ints(np.flatnonzero(keep)))
            path = _blossom_path(players.n, graph, mate.tolist())
            if path is None:
                break
            matching = _flip(matching, path)
    return matching


def _pair_reduced(players: Players, edges: Edges, pi2: IntArray) -> IntArray:
    """Twice the reduced cost of each edge (its cheaper allowed orientation)."""
    best = np.full(len(edges), np.iinfo(np.int64).max, dtype=np.int64)
    for b, s in ((edges.p, edges.q), (edges.q, edges.p)):
        allowed, cost, _ = pair_terms(players, b, s)
        best = np.where(allowed, np.minimum(best, 2 * cost - pi2[b] - pi2[s]), best)
    return ints(best)


def _done(players: Players, matching: Matching, target: int | None) -> bool:
    if target is not None and len(matching) >= target:
        return True
    return int(_unmatched(players, matching).sum()) < 2


def _mates(players: Players, matching: Matching) -> IntArray:
    mate = np.full(players.n, -1, dtype=np.int64)
    mate[matching.p] = matching.q
    mate[matching.q] = matching.p
    return mate


def _unmatched(players: Players, matching: Matching) -> BoolArray:
    unmatched: BoolArray = _mates(players, matching) < 0
    return unmatched


def _all_edges(players: Players, who: BoolArray) -> Edges:
    idx = np.flatnonzero(who)
    u = np.repeat(idx, players.n)
    v = np.tile(np.arange(players.n), idx.shape[0])
    return edges_from_pairs(players, ints(u), ints(v))


# --- cheap paths ------------------------------------------------------------------------------


def _cheapest_paths(
    players: Players,
    graph: _SearchGraph,
    matching: Matching,
    pi2: IntArray,
    target: int | None,
    sources: BoolArray,
) -> Matching:
    """One Dijkstra search from ``sources``; adds every player-disjoint path it can trace.

    A state is (player, side): the player is free and will play that side. From (p, X),
    pairing p with q (q on the other side) breaks q's pair and frees q's mate m, who may then
    play either of its sides: the step (p, X) -> (m, Y). Pairing p with an unmatched player
    that is not a source ends the path. A step weighs the reduced cost of the new pair minus
    that of the broken one (clamped at 0, plus 1 so no weight is 0 and shorter paths win ties).
    """
    mate = _mates(players, matching)
    pairs = edges_from_pairs(players, matching.p, matching.q)
    bw_of = np.where(pairs.p_on_bw, pairs.p, pairs.q)
    sc_of = np.where(pairs.p_on_bw, pairs.q, pairs.p)
    _, mate_cost, _ = pair_terms(players, bw_of, sc_of)
    mate_reduced = np.zeros(players.n, dtype=np.int64)
    mate_reduced[bw_of] = mate_reduced[sc_of] = 2 * mate_cost - pi2[bw_of] - pi2[sc_of]
    dist, prev = graph.search(players, mate, mate_reduced, sources)
    # Path ends: from (b, BW) to a free SC2 player s, or from (s, SC2) to a free BW player b.
    end_state, end_player, end_w = graph.end_state, graph.end_player, graph.end_w
    free = mate < 0
    ends = free[end_player] & ~sources[end_player] & np.isfinite(dist[end_state])
    # Twice a path's change in cost is its reduced costs plus both ends' duals: rank by that.
    rank = dist[end_state[ends]] + end_w[ends] + pi2[end_player[ends]]
    order = np.argsort(rank, kind="stable")
    states, players_at = end_state[ends][order], end_player[ends][order]
    paths: list[list[int]] = []
    # The walks read the predecessors and mates as lists: a numpy scalar read per step cost
    # more than the whole conversion.
    prev_of, mate_of = prev.tolist(), mate.tolist()
    for state, end in zip(states[:TRACED].tolist(), players_at[:TRACED].tolist(), strict=True):
        path = _trace(state, end, prev_of, mate_of)
        if path is not None:
            paths.append(path)
    return _apply_best(players, matching, paths, target)


@dataclass(frozen=True, slots=True)
class _SearchGraph:
    """The allowed slot pairs a search may use: (BW owner, SC2 owner, 2 x reduced cost). They
    do not change while a matching grows, so they are built once per augmentation, and so are
    the path ends they offer (``end_*``: the state a path ends in, the free player it ends at,
    the last pair's reduced cost clamped at 0), which every search ranks."""

    b: IntArray
    s: IntArray
    reduced: IntArray
    end_state: IntArray
    end_player: IntArray
    end_w: IntArray

    @staticmethod
    def of(oriented: tuple[IntArray, IntArray, IntArray]) -> _SearchGraph:
        b, s, reduced = (np.ascontiguousarray(a, dtype=np.int64) for a in oriented)
        clamped = np.maximum(reduced, 0)
        return _SearchGraph(
            b, s, reduced,
            end_state=ints(np.concatenate([2 * b + 1, 2 * s])),
            end_player=ints(np.concatenate([s, b])),
            end_w=ints(np.concatenate([clamped, clamped])),
        )

    def search(
        self, players: Players, mate: IntArray, mate_reduced: IntArray, sources: BoolArray
    ) -> tuple[npt.NDArray[np.float64], IntArray]:
        """Dijkstra over (player, side) states from ``sources``: (distance, predecessor state)."""
        n = players.n
        if _paths is None:
            start = np.stack([sources & players.has_sc, sources & players.has_bw], 1).ravel()
            steps = [_steps(players, mate, mate_reduced, self.b, self.s, self.reduced, True),
                     _steps(players, mate, mate_reduced, self.b, self.s, self.reduced, False)]
            src = ints(np.concatenate([st[0] for st in steps]))
            dst = ints(np.concatenate([st[1] for st in steps]))
            arc = ints(np.concatenate([st[2] for st in steps]))
            return _shortest(2 * n, ints(np.flatnonzero(start)), src, dst, arc)
        dist = np.empty(2 * n, dtype=np.int64)
        prev = np.empty(2 * n, dtype=np.int32)
        _paths(n, self.b, self.s, self.reduced, _bytes(players.has_bw), _bytes(players.has_sc),
               _bytes(sources), np.ascontiguousarray(mate, dtype=np.int32),
               np.ascontiguousarray(mate_reduced, dtype=np.int64), dist, prev)
        reached = dist < _UNREACHED
        return np.where(reached, dist, np.inf).astype(np.float64), ints(prev)


# The compiled search marks a state it never reached with INT64_MAX / 4.
_UNREACHED = np.iinfo(np.int64).max // 4


def _bytes(mask: BoolArray) -> npt.NDArray[np.uint8]:
    return np.ascontiguousarray(mask, dtype=np.uint8)


def _apply_best(
    players: Players, matching: Matching, paths: list[list[int]], target: int | None
) -> Matching:
    """Flip the traced paths cheapest first (by their true change in cost), player-disjoint."""
    if not paths:
        return matching
    # Along a path u, q1, m1, ..., end the pairs (path[0], path[1]), (path[2], path[3]), ...
    # are made and (path[1], path[2]), ... broken; each costs its cheaper allowed way round.
    flat = ints([v for path in paths for v in path])
    which = ints([k for k, path in enumerate(paths) for _ in path])
    first = np.concatenate([[True], which[1:] != which[:-1]])
    offset = np.arange(flat.shape[0]) - np.flatnonzero(first).repeat(
        np.bincount(which, minlength=len(paths)))
    last = np.concatenate([which[1:] != which[:-1], [True]])
    made = (offset % 2 == 0) & ~last
    broken = (offset % 2 == 1) & ~last
    delta = np.zeros(len(paths), dtype=np.int64)
    np.add.at(delta, which[made], _pair_cost(players, flat[made], flat[1:][made[:-1]]))
    np.subtract.at(delta, which[broken], _pair_cost(players, flat[broken], flat[1:][broken[:-1]]))
    taken: set[int] = set()
    for k in np.argsort(delta, kind="stable").tolist():
        if target is not None and len(matching) >= target:
            break
        if taken.isdisjoint(paths[k]):
            taken.update(paths[k])
            matching = _flip(matching, paths[k])
    return matching


def _pair_cost(players: Players, u: IntArray, v: IntArray) -> IntArray:
    """The cost of each pair (u, v), the cheaper allowed way round (one must be allowed)."""
    ok1, cost1, _ = pair_terms(players, u, v)
    ok2, cost2, _ = pair_terms(players, v, u)
    return ints(np.where(ok1 & (~ok2 | (cost1 <= cost2)), cost1, cost2))


def _oriented(
    players: Players, pool: Edges, pi2: IntArray
) -> tuple[IntArray, IntArray, IntArray]:
    """The pool's allowed slot pairs in both orientations: (BW owner, SC2 owner, 2 x reduced
    cost)."""
    bs: list[IntArray] = []
    ss: list[IntArray] = []
    ws: list[IntArray] = []
    for b, s in ((pool.p, pool.q), (pool.q, pool.p)):
        allowed, cost, _ = pair_terms(players, b, s)
        bs.append(b[allowed])
        ss.append(s[allowed])
        ws.append(ints(2 * cost[allowed] - pi2[b[allowed]] - pi2[s[allowed]]))
    return ints(np.concatenate(bs)), ints(np.concatenate(ss)), ints(np.concatenate(ws))


def _steps(
    players: Players,
    mate: IntArray,
    mate_reduced: IntArray,
    b: IntArray,
    s: IntArray,
    reduced: IntArray,
    from_bw: bool,
) -> tuple[IntArray, IntArray, IntArray]:
    """Search steps over slot pairs (b, s): (from state, to state, weight).

    From (b, BW) through partner s to s's mate, or from (s, SC2) through partner b to b's mate;
    the freed mate may take either of its sides. (The partner of a step into state (m, Y) is
    always m's current mate, so it need not be stored.) Different partners free different
    mates, so no two steps join the same two states.
    """
    me, partner = (b, s) if from_bw else (s, b)
    freed = mate[partner]
    ok = (freed >= 0) & (freed != me)
    gain = np.maximum(reduced[ok], 0) - np.maximum(mate_reduced[partner[ok]], 0)
    weight = ints(np.clip(gain, 0, _HEAVY) + 1)
    me, freed = me[ok], freed[ok]
    src = 2 * me + int(from_bw)
    srcs: list[IntArray] = []
    dsts: list[IntArray] = []
    arcs: list[IntArray] = []
    for side_bw, has in ((True, players.has_bw), (False, players.has_sc)):
        can = has[freed]
        srcs.append(src[can])
        dsts.append(2 * freed[can] + int(side_bw))
        arcs.append(weight[can])
    return ints(np.concatenate(srcs)), ints(np.concatenate(dsts)), ints(np.concatenate(arcs))


def _shortest(
    size: int, starts: IntArray, src: IntArray, dst: IntArray, arc: IntArray
) -> tuple[npt.NDArray[np.float64], IntArray]:
    """Dijkstra from the nearest of ``starts`` by scipy: (distance, predecessor state). The
    fallback of the compiled search, over steps built in numpy (:func:`_steps`). scipy is
    imported here only, so a process with the kernel never loads it (~40 MB of RSS)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    if starts.shape[0] == 0:
        return np.full(size, np.inf), np.full(size, -1, dtype=np.int64)
    # CSR built directly: the steps hold no duplicate (state, state) pair (see _steps), so the
    # COO route's duplicate summing and index sorting (a third of this search) are not needed.
    order = np.argsort(src, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=size))])
    graph = csr_matrix((arc[order].astype(np.float64), dst[order], indptr), shape=(size, size))
    dist, pred, _ = dijkstra(graph, indices=starts, min_only=True, return_predecessors=True)
    return np.asarray(dist, dtype=np.float64), ints(pred)


def _trace(state: int, end: int, prev: list[int], mate: list[int]) -> list[int] | None:
    """Players u, q1, m1, q2, m2, ..., m_k, end of the path whose last state is ``state``,
    or None when the walk repeats a player (it went through an odd cycle)."""
    seq = [end, state // 2]
    seen = {end, state // 2}
    while prev[state] >= 0:
        partner, before = mate[state // 2], prev[state]
        if partner in seen or before // 2 in seen:
            return None
        seq += [partner, before // 2]
        seen.update((partner, before // 2))
        state = before
    return seq[::-1]


# --- the fallback: any augmenting path, by blossom search -----------------------------------


def max_pairs(n: int, edges: Edges, matching: Matching) -> int:
    """The largest number of pairs any matching of ``edges`` has (Edmonds, from ``matching``).

    A player with no augmenting path keeps none after other augmentations, so one pass over
    the unmatched players suffices. Python: for small segments only.
    """
    adj = _adjacency(n, edges)
    mate = [-1] * n
    for p, q in zip(matching.p.tolist(), matching.q.tolist(), strict=True):
        mate[p], mate[q] = q, p
    pairs = len(matching)
    for root in range(n):
        if mate[root] != -1 or not adj[root]:
            continue
        path = _blossom_search(n, adj, mate, root)
        if path is None:
            continue
        for i in range(0, len(path), 2):
            mate[path[i]], mate[path[i + 1]] = path[i + 1], path[i]
        pairs += 1
    return pairs


def _adjacency(n: int, edges: Edges) -> list[list[int]]:
    adj: list[list[int]] = [[] for _ in range(n)]
    order = np.argsort(edges.cost, kind="stable")  # cheaper pairs are explored first
    for p, q in zip(edges.p[order].tolist(), edges.q[order].tolist(), strict=True):
        adj[p].append(q)
        adj[q].append(p)
    return adj


def _blossom_path(n: int, edges: Edges, mate: list[int]) -> list[int] | None:
    """Some augmenting path (player sequence from one unmatched player to another), or None."""
    adj = _adjacency(n, edges)
    for root in range(n):
        if mate[root] == -1 and adj[root]:
            path = _blossom_search(n, adj, mate, root)
            if path is not None:
                return path
    return None


def _blossom_search(n: int, adj: list[list[int]], mate: list[int], root: int) -> list[int] | None:
    """One breadth-first alternating search from ``root`` with blossom contraction (Edmonds).

    ``members`` keeps each blossom base's vertices, so a contraction costs the blossom's size.
    """
    base = list(range(n))
    members: dict[int, list[int]] = {}
    parent = [-1] * n
    used = [False] * n
    used[root] = True
    queue = deque([root])

    def lca(a: int, b: int) -> int:
        seen: set[int] = set()
        while True:
            a = base[a]
            seen.add(a)
            if mate[a] == -1:
                break
            a = parent[mate[a]]
        while True:
            b = base[b]
            if b in seen:
                return b
            b = parent[mate[b]]

    def mark(v: int, top: int, child: int, bases: set[int]) -> None:
        while base[v] != top:
            bases.add(base[v])
            bases.add(base[mate[v]])
            parent[v] = child
            child = mate[v]
            v = parent[mate[v]]

    while queue:
        v = queue.popleft()
        for to in adj[v]:
            if base[v] == base[to] or mate[v] == to:
                continue
            if to == root or (mate[to] != -1 and parent[mate[to]] != -1):
                top = lca(v, to)
                bases: set[int] = set()
                mark(v, top, to, bases)
                mark(to, top, v, bases)
                group = members.setdefault(top, [top])
                for old in bases - {top}:
                    for i in members.pop(old, [old]):
                        base[i] = top
                        group.append(i)
                        if not used[i]:
                            used[i] = True
                            queue.append(i)
            elif parent[to] == -1:
                parent[to] = v
                if mate[to] == -1:
                    return _unwind(to, root, parent, mate)
                used[mate[to]] = True
                queue.append(mate[to])
    return None


def _unwind(end: int, root: int, parent: list[int], mate: list[int]) -> list[int]:
    seq = [end]
    cur = end
    while True:
        even = parent[cur]
        seq.append(even)
        if even == root:
            return seq[::-1]
        cur = mate[even]
        seq.append(cur)


def _flip(matching: Matching, path: list[int]) -> Matching:
    """Swap matched and unmatched edges along an augmenting path (one more pair).

    The pairs removed are those of the path's inner players, matched to each other along it
    (its ends are free): the pairs that touch a path player, found with one mask instead of
    a set of every pair. The others keep their order; the path's pairs come after them.
    """
    size = max(max(path), int(matching.q.max(initial=-1))) + 1  # p < q in every pair
    on_path = np.zeros(size, dtype=np.bool_)
    on_path[path] = True
    keep = ~(on_path[matching.p] | on_path[matching.q])
    return Matching.of_pairs(ints(np.concatenate([matching.p[keep], path[0::2]])),
                             ints(np.concatenate([matching.q[keep], path[1::2]])))
