"""The allowed-pair graph of one matchmaking wave, in array form (internal to matchmaking).

Players are indexed 0..n-1. A player has a *slot* on each side they queued: a BW slot at the MMR
of their BW race and an SC2 slot at the MMR of their SC2 race. A BW slot of player b and an SC2
slot of player s form an allowed pair when b != s and |mmr_b - mmr_s| <= max(window_b,
window_s). An *edge* joins two players with at least one allowed orientation; it keeps the
cheaper orientation (the pair's cost is gap^2 - 20 * (waits_b + waits_s)).

Everything here is vectorised numpy: at 10,000 queued the full allowed graph has tens of millions
of pairs, so the solver works on a sparse candidate graph and uses :func:`price` to prove that
the pairs it left out cannot improve its linear relaxation (or to repair its duals).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

BASE_WINDOW = 100
WINDOW_STEP = 50
WAIT_WEIGHT = 20
# Above this many pairs per numpy batch, pricing works in chunks to bound memory.
_CHUNK_PAIRS = 2_000_000
_SWEEP_DEPTH = 4  # waiting slots a sweep looks at before giving up on a match
_ALIGNED = 2  # start-graph pairs per slot at the same rank share on the other side, each way
_ADD_PER_SLOT = 4  # violated pairs per slot added to the candidate graph per pricing round
_DENSE_GROUP = 3  # pricing checks larger groups of tied slots through their top three


def ints(values: Any) -> IntArray:
    """``values`` as an int64 array (one place for the dtype, so mypy sees one type)."""
    return np.asarray(values, dtype=np.int64)


def unique(keys: IntArray) -> IntArray:
    """``np.unique(keys)``: the distinct keys, sorted. By a sort and a neighbour compare, because
    numpy 2's ``np.unique`` goes through a hash table first: on the solver's 10-40k edge keys
    that took 1-8 ms per call against ~0.2 ms, several calls a wave."""
    ordered = np.sort(keys)
    return ints(ordered[_starts(ordered)])


def first_of_each(keys: IntArray) -> IntArray:
    """``np.unique(keys, return_index=True)[1]``: the index of each distinct key's first
    occurrence, in key order (see :func:`unique` for why not numpy's)."""
    order = np.argsort(keys, kind="stable")
    return ints(order[_starts(keys[order])])


def _starts(ordered: IntArray) -> BoolArray:
    """Where a sorted array's runs of equal values begin."""
    start = np.ones(ordered.shape[0], dtype=np.bool_)
    np.not_equal(ordered[1:], ordered[:-1], out=start[1:])
    return start


@dataclass(frozen=True, slots=True)
class Players:
    """The players of a wave or of one segment of it. ``waits`` are already incremented.

    ``last`` is the index of the player's last opponent when that opponent is in the same
    array, else -1. ``bw_x``/``sc_x`` are only meaningful where ``has_bw``/``has_sc``.
    ``sides``: each side's slots by MMR (:func:`side`), sorted once per ``Players``: the start
    graph, every pricing round and the bounds ask for them, a dozen sorts a wave otherwise.
    The arrays are never modified, so one copy serves every caller.
    """

    waits: IntArray
    radius: IntArray
    last: IntArray
    bw_x: IntArray
    sc_x: IntArray
    has_bw: BoolArray
    has_sc: BoolArray
    sides: dict[bool, Side] = field(default_factory=dict, compare=False, repr=False)

    @property
    def n(self) -> int:
        return int(self.waits.shape[0])

    def take(self, idx: IntArray) -> Players:
        """The sub-array of players ``idx`` (last opponents outside it become -1)."""
        where = np.full(self.n + 1, -1, dtype=np.int64)
        where[idx] = np.arange(idx.shape[0], dtype=np.int64)
        return Players(
            waits=self.waits[idx],
            radius=self.radius[idx],
            last=where[self.last[idx]],  # last == -1 reads where[-1] == -1
            bw_x=self.bw_x[idx],
            sc_x=self.sc_x[idx],
            has_bw=self.has_bw[idx],
            has_sc=self.has_sc[idx],
        )


@dataclass(frozen=True, slots=True)
class Side:
    """The slots of one side, sorted by MMR (ties by player index)."""

    x: IntArray
    player: IntArray


def side(players: Players, bw: bool) -> Side:
    known = players.sides.get(bw)
    if known is not None:
        return known
    has = players.has_bw if bw else players.has_sc
    xs = players.bw_x if bw else players.sc_x
    owners = ints(np.flatnonzero(has))
    order = np.lexsort((owners, xs[owners]))
    found = players.sides[bw] = Side(x=xs[owners][order], player=owners[order])
    return found


def pair_terms(players: Players, b: IntArray, s: IntArray) -> tuple[BoolArray, IntArray, BoolArray]:
    """For BW-slot owners ``b`` against SC2-slot owners ``s``: (allowed, cost, rematch)."""
    gap = np.abs(players.bw_x[b] - players.sc_x[s])
    allowed = (
        (b != s)
        & players.has_bw[b]
        & players.has_sc[s]
        & (gap <= np.maximum(players.radius[b], players.radius[s]))
    )
    cost = gap * gap - WAIT_WEIGHT * (players.waits[b] + players.waits[s])
    # Most waves have no last opponent inside the segment: then two gathers over every pair
    # (a dozen calls a wave on 20-40k pairs) are skipped.
    if players.last.shape[0] and int(players.last.max()) >= 0:
        rematch = (players.last[b] == s) | (players.last[s] == b)
    else:
        rematch = np.zeros(b.shape[0], dtype=np.bool_)
    return allowed, ints(cost), rematch


@dataclass(frozen=True, slots=True)
class Edges:
    """Allowed player pairs, each once with p < q, sorted by (p, q).

    ``p_on_bw`` tells the orientation of the cheaper allowed slot pair (p plays its BW race).
    """

    p: IntArray
    q: IntArray
    cost: IntArray
    rematch: BoolArray
    p_on_bw: BoolArray

    def __len__(self) -> int:
        return int(self.p.shape[0])

    def take(self, index: IntArray) -> Edges:
        return Edges(self.p[index], self.q[index], self.cost[index], self.rematch[index],
                     self.p_on_bw[index])

    def keys(self, n: int) -> IntArray:
        return self.p * n + self.q

    def lookup(self, n: int, u: IntArray, v: IntArray) -> IntArray:
        """Edge index of each player pair (u, v); every pair must be an edge."""
        keys = np.minimum(u, v) * n + np.maximum(u, v)
        found = ints(np.searchsorted(self.keys(n), keys))
        return found


def edges_from_pairs(players: Players, u: IntArray, v: IntArray) -> Edges:
    """The edges among player pairs (u, v), both orientations considered, duplicates merged."""
    n = players.n
    keys = unique(np.minimum(u, v) * n + np.maximum(u, v))
    p, q = keys // n, keys % n
    keep = p != q
    p, q = ints(p[keep]), ints(q[keep])
    ok1, cost1, rematch = pair_terms(players, p, q)
    ok2, cost2, _ = pair_terms(players, q, p)
    use1 = ok1 & (~ok2 | (cost1 <= cost2))
    ok = ok1 | ok2
    return Edges(
        p=p[ok],
        q=q[ok],
        cost=ints(np.where(use1, cost1, cost2)[ok]),
        rematch=rematch[ok],
        p_on_bw=use1[ok],
    )


def merge(players: Players, a: Edges, b: Edges) -> Edges:
    """The union of two edge lists of the same players (duplicates kept once)."""
    n = players.n
    keys = np.concatenate([a.keys(n), b.keys(n)])
    first = first_of_each(keys)
    return Edges(
        p=np.concatenate([a.p, b.p])[first],
        q=np.concatenate([a.q, b.q])[first],
        cost=np.concatenate([a.cost, b.cost])[first],
        rematch=np.concatenate([a.rematch, b.rematch])[first],
        p_on_bw=np.concatenate([a.p_on_bw, b.p_on_bw])[first],
    )


def full_edges(players: Players) -> Edges:
    """Every allowed edge (quadratic: for small segments only)."""
    bw, sc = side(players, True), side(players, False)
    b = np.repeat(bw.player, sc.player.shape[0])
    s = np.tile(sc.player, bw.player.shape[0])
    allowed, _, _ = pair_terms(players, b, s)
    return edges_from_pairs(players, b[allowed], s[allowed])


def candidate_edges(players: Players, k: int) -> Edges:
    """A sparse start for the solver: each slot against its ``k`` nearest opposite slots below
    and at-or-above its MMR and against the slots at its rank share (:func:`_aligned`), plus the
    pairs of an order-preserving sweep (:func:`sweep_pairs`), so the start graph already holds
    a matching of (nearly) maximum size even where one side locally outnumbers the other or
    many players share one MMR. Pricing adds whatever the optimum needs beyond these."""
    bs: list[IntArray] = []
    ss: list[IntArray] = []
    for query_is_bw in (True, False):
        query, target = side(players, query_is_bw), side(players, not query_is_bw)
        b, s, _ = _near(query, target, range(-k, k), query_is_bw)
        bs.append(b)
        ss.append(s)
        b, s = _aligned(query, target, _ALIGNED, query_is_bw)
        bs.append(b)
        ss.append(s)
    sweep_b, sweep_s = sweep_pairs(players)
    bs.append(sweep_b)
    ss.append(sweep_s)
    b = ints(np.concatenate(bs))
    s = ints(np.concatenate(ss))
    allowed, _, _ = pair_terms(players, b, s)
    return edges_from_pairs(players, b[allowed], s[allowed])


def sweep_pairs(players: Players) -> tuple[IntArray, IntArray]:
    """A greedy matching (BW owners, SC2 owners) from one pass over all slots by MMR.

    Unmatched slots wait in a first-in-first-out line per side; a slot takes the oldest
    waiting opposite slot it may meet (looking a few deep), else joins its own line. First in,
    first out keeps the pairs in MMR order, which is the shape of the optimum (the cost is
    convex in the gap), so the start graph holds the long "shifted" pairs a local surplus needs.
    """
    owners = np.concatenate([np.flatnonzero(players.has_bw), np.flatnonzero(players.has_sc)])
    is_bw = np.concatenate([np.ones(int(players.has_bw.sum()), dtype=np.bool_),
                            np.zeros(int(players.has_sc.sum()), dtype=np.bool_)])
    xs = np.concatenate([players.bw_x[players.has_bw], players.sc_x[players.has_sc]])
    order = np.argsort(xs, kind="stable")
    radius = players.radius.tolist()
    reach = int(players.radius.max()) if players.n else 0
    used = [False] * players.n
    lines: dict[bool, deque[tuple[int, int]]] = {True: deque(), False: deque()}
    pairs_b: list[int] = []
    pairs_s: list[int] = []
    for x, owner, bw in zip(xs[order].tolist(), owners[order].tolist(), is_bw[order].tolist(),
                            strict=True):
        if used[owner]:
            continue
        line = lines[not bw]
        while line and (used[line[0][1]] or x - line[0][0] > reach):
            line.popleft()
        other = _sweep_partner(line, used, owner, x, radius)
        if other is None:
            lines[bw].append((x, owner))
            continue
        used[owner] = used[other] = True
        pairs_b.append(owner if bw else other)
        pairs_s.append(other if bw else owner)
    return ints(pairs_b), ints(pairs_s)


def _aligned(
    query: Side, target: Side, k: int, query_is_bw: bool
) -> tuple[IntArray, IntArray]:
    """(BW owner, SC2 owner): the i-th of n query slots against the target slots around rank
    i * m / n. Where many slots share one MMR, nearest-by-MMR neighbours all land on the same
    few targets at the edge of the tie; ranks spread them (and follow a shifted surplus)."""
    n, m = query.x.shape[0], target.x.shape[0]
    if n == 0 or m == 0:
        return ints([]), ints([])
    centre = (np.arange(n) * m) // n
    qs: list[IntArray] = []
    ts: list[IntArray] = []
    for offset in range(-k, k + 1):
        j = centre + offset
        ok = (j >= 0) & (j < m)
        qs.append(query.player[ok])
        ts.append(target.player[j[ok]])
    owner, other = ints(np.concatenate(qs)), ints(np.concatenate(ts))
    return (owner, other) if query_is_bw else (other, owner)


def _sweep_partner(
    line: deque[tuple[int, int]], used: list[bool], owner: int, x: int, radius: list[int]
) -> int | None:
    """Take the oldest waiting slot that ``owner`` may meet, looking ``_SWEEP_DEPTH`` deep
    (slots of players matched meanwhile are dropped on the way and do not count)."""
    depth = 0
    i = 0
    while i < len(line) and depth < _SWEEP_DEPTH:
        y, other = line[i]
        if used[other]:
            del line[i]
            continue
        if other != owner and x - y <= max(radius[owner], radius[other]):
            del line[i]
            return other
        depth += 1
        i += 1
    return None


def _near(
    query: Side, target: Side, offsets: range, query_is_bw: bool
) -> tuple[IntArray, IntArray, IntArray]:
    """(BW owner, SC2 owner, query slot) for the target slots at rank ``offsets`` around each
    query slot's MMR (offset -1 is the nearest below, 0 the nearest at or above).

    Where both sides have many slots at one MMR (ties), the query slots are spread over the
    target's tied slots in order, rather than all starting at the first of them.
    """
    left = np.searchsorted(target.x, query.x, side="left")
    right = np.searchsorted(target.x, query.x, side="right")
    first = np.searchsorted(query.x, query.x, side="left")
    tied = np.searchsorted(query.x, query.x, side="right") - first
    pos = left + (np.arange(query.x.shape[0]) - first) * (right - left) // tied
    m = target.x.shape[0]
    qs: list[IntArray] = []
    ts: list[IntArray] = []
    for offset in offsets:
        j = pos + offset
        ok = (j >= 0) & (j < m)
        qs.append(ints(np.flatnonzero(ok)))
        ts.append(ints(j[ok]))
    q_idx, t_idx = np.concatenate(qs), np.concatenate(ts)
    owner, other = query.player[q_idx], target.player[t_idx]
    b, s = (owner, other) if query_is_bw else (other, owner)
    return ints(b), ints(s), ints(q_idx)


def nearest_gaps(players: Players) -> IntArray:
    """Per player, the smallest MMR gap to any other player's opposite slot (windows ignored).

    A lower bound on the gap of any pair the player can be in, so gap^2 / 2 is a feasible dual
    share of the gap part of the cost (the partner's share is its own, likewise bounded).
    """
    best = np.full(players.n, np.iinfo(np.int64).max // 4, dtype=np.int64)
    for query_is_bw in (True, False):
        query, target = side(players, query_is_bw), side(players, not query_is_bw)
        if target.x.shape[0] == 0:
            continue
        pos = np.searchsorted(target.x, query.x)
        for offset in (-2, -1, 0, 1):  # two each way step over the player's own slot
            j = pos + offset
            ok = (j >= 0) & (j < target.x.shape[0])
            qi, tj = np.flatnonzero(ok), j[ok]
            other = query.player[qi] != target.player[tj]
            gap = np.abs(query.x[qi] - target.x[tj])[other]
            np.minimum.at(best, query.player[qi][other], gap)
    return best


def segments(players: Players) -> list[IntArray]:
    """Split players into groups that no allowed pair crosses (a coarsening of components).

    Slots are sorted by MMR; a cut between neighbours is safe when no slot on the left reaches
    the right one with its window and no slot on the right reaches back. A two-race player
    whose slots land in different blocks joins them. Returns sorted player index arrays.
    """
    owners = ints(np.concatenate([np.flatnonzero(players.has_bw), np.flatnonzero(players.has_sc)]))
    xs = np.concatenate([players.bw_x[players.has_bw], players.sc_x[players.has_sc]])
    if owners.shape[0] == 0:
        return []
    order = np.argsort(xs, kind="stable")
    owners, xs = owners[order], xs[order]
    r = players.radius[owners]
    reach = np.maximum.accumulate(xs + r)
    back = np.minimum.accumulate((xs - r)[::-1])[::-1]
    cut = (reach[:-1] < xs[1:]) & (xs[:-1] < back[1:])
    block = ints(np.concatenate([[0], np.cumsum(cut)]))
    n_blocks = int(block[-1]) + 1
    # Blocks and players as one graph: a player joins the blocks of its slots.
    labels = components(n_blocks + players.n, block, owners + n_blocks)
    player_label = labels[n_blocks:]
    order_p = np.argsort(player_label, kind="stable")
    bounds = np.flatnonzero(np.diff(player_label[order_p])) + 1
    return [ints(chunk) for chunk in np.split(order_p, bounds)]


def components(size: int, a: IntArray, b: IntArray) -> IntArray:
    """Per node of an undirected graph of ``size`` nodes and edges (a, b): the smallest node of
    its connected component.

    A union-find in whole-array steps: every edge hooks the root of its larger label under the
    smaller one, then pointers are followed to their roots, until no edge joins two labels
    (each round removes at least one root, and in practice a few rounds settle it). Plain numpy
    on purpose: scipy's ``connected_components`` did the same, but importing scipy's sparse
    graph routines cost the process ~40 MB of its start-up RSS for this one call.
    """
    labels = np.arange(size, dtype=np.int64)
    while True:
        la, lb = labels[a], labels[b]
        differ = la != lb
        if not differ.any():
            return labels
        la, lb = la[differ], lb[differ]
        np.minimum.at(labels, np.maximum(la, lb), np.minimum(la, lb))
        while True:
            jumped = labels[labels]
            if (jumped == labels).all():
                break
            labels = jumped


# --- pricing: proof that left-out pairs cannot improve the relaxation -------------------------


@dataclass(frozen=True, slots=True)
class Pricing:
    """The outcome of checking node duals against every allowed pair of the full graph.

    ``add``: the most violated pairs (a few per slot), to add to the candidate graph.
    ``cut``: per player, how much to lower its dual so that every constraint holds (each
    violated pair is split evenly between its two ends). ``d_clean``: no allowed pair joins
    class D to class D or C, which makes the classes a fractional vertex cover (see
    :func:`price`).
    """

    add: Edges
    cut: IntArray
    d_clean: bool

    @property
    def feasible(self) -> bool:
        return not bool(self.cut.any())


def classes(pi2: IntArray, lam: int) -> tuple[BoolArray, BoolArray, BoolArray]:
    """(D, A, C): duals near +lam (the LP may leave them out), near -lam, and the rest."""
    half = lam // 2
    d_cls, a_cls = pi2 > half, pi2 < -half
    return d_cls, a_cls, ~d_cls & ~a_cls


def price(
    players: Players, pi2: IntArray, lam: int, rematch_penalty: int, repair: bool = True
) -> Pricing:
    """Check ``pi2_p + pi2_q <= 2 * cost'`` on every allowed pair of the full graph.

    ``pi2`` is twice the node dual of the fractional matching LP in which every edge costs
    ``cost + rematch_penalty * rematch - lam``, shifted by ``lam/2`` so the constraint reads as
    above (``cost'`` = cost plus the rematch penalty). A feasible result proves the duals valid
    on the *full* allowed graph, so the LP solved on a sparse candidate graph is the LP of the
    full graph; otherwise ``cut`` repairs them.

    Duals come in three classes (:func:`classes`). Pairs between classes are checked in the way
    that is cheap for them: D-D and D-C pairs must not exist (nearest-neighbour tests; with
    ``repair``, an exhaustive scan of the few players involved computes their cut), A-A and A-C
    pairs are settled by a bound, and C-C and D-A pairs by a band search whose width comes from
    the duals themselves. Without ``repair`` the cut of D players only flags them.
    """
    d_cls, a_cls, c_cls = classes(pi2, lam)
    a = ints(pi2 + 2 * WAIT_WEIGHT * players.waits)
    found: list[_Found] = []
    d_targets = d_cls | c_cls
    b, s, query = _some_allowed(players, d_cls, d_targets)
    d_clean = b.shape[0] == 0
    if not d_clean and repair:
        involved = np.zeros(players.n, dtype=np.bool_)
        involved[query // 2] = True
        found += _band(players, a, involved, d_targets, rematch_penalty, exhaustive=True)
    elif not d_clean:
        slack = np.full(b.shape[0], -2, dtype=np.int64)  # a flag: pairs to add, cut unknown
        found.append(_Found(b, s, slack, query, one_sided=True))
    found += _band(players, a, c_cls, c_cls, rematch_penalty)
    shifted = ints(a + np.where(d_cls, -lam, np.where(a_cls, lam, 0)))
    found += _band(players, shifted, d_cls, a_cls, rematch_penalty)
    found += _band(players, shifted, a_cls, d_cls, rematch_penalty)
    ac = a_cls | c_cls
    if a_cls.any() and int(a[a_cls].max()) + int(a[ac].max()) > 0:
        found += _band(players, a, a_cls, ac, rematch_penalty)
        found += _band(players, a, c_cls, a_cls, rematch_penalty)
    return _pricing(players, found, d_clean)


@dataclass(frozen=True, slots=True)
class _Found:
    """Violated allowed pairs: BW owner, SC2 owner, slack (< 0) and the query slot's id.

    ``one_sided``: the whole violation is cut from the query's dual (used for D players, whose
    duals are about lam too high: halving would drag the partner's dual down with them).
    """

    b: IntArray
    s: IntArray
    slack: IntArray
    query: IntArray
    one_sided: bool = False


def _pricing(players: Players, found: list[_Found], d_clean: bool) -> Pricing:
    found = found or [_Found(ints([]), ints([]), ints([]), ints([]))]
    cut = np.zeros(players.n, dtype=np.int64)
    for f in found:
        if f.one_sided:
            np.maximum.at(cut, f.query // 2, -f.slack)
        else:
            half = (-f.slack + 1) // 2
            np.maximum.at(cut, f.b, half)
            np.maximum.at(cut, f.s, half)
    b = ints(np.concatenate([f.b for f in found]))
    s = ints(np.concatenate([f.s for f in found]))
    slack = ints(np.concatenate([f.slack for f in found]))
    query = ints(np.concatenate([f.query for f in found]))
    top_b, top_s = _best_per_query(query, b, s, slack, _ADD_PER_SLOT)
    return Pricing(add=edges_from_pairs(players, top_b, top_s), cut=cut, d_clean=d_clean)


def _slack(
    players: Players, a_b: IntArray, a_s: IntArray, b: IntArray, s: IntArray, rematch_penalty: int
) -> IntArray:
    """2 * cost' - a_b - a_s per slot pair, and a large value where the pair is not allowed.

    ``a_b``, ``a_s``: ``a`` of each pair's ends, which the caller has gathered already. The
    terms of :func:`pair_terms` written out: pricing scans the most pairs of a wave and needs
    neither the wait part of the cost nor, without a rematch penalty, the rematch flags.
    """
    gap = players.bw_x[b] - players.sc_x[s]
    allowed = (
        (b != s)
        & players.has_bw[b]
        & players.has_sc[s]
        & (np.abs(gap) <= np.maximum(players.radius[b], players.radius[s]))
    )
    slack = 2 * gap * gap - a_b - a_s
    if rematch_penalty:
        _, _, rematch = pair_terms(players, b, s)
        slack = slack + 2 * rematch_penalty * rematch
    return ints(np.where(allowed, slack, np.iinfo(np.int64).max))


def _best_per_query(
    query: IntArray, b: IntArray, s: IntArray, score: IntArray, limit: int
) -> tuple[IntArray, IntArray]:
    """The ``limit`` lowest-scoring pairs of each query (column generation adds a few at a time)."""
    order = np.lexsort((score, query))
    query = query[order]
    first = np.searchsorted(query, query, side="left")
    rank = np.arange(query.shape[0]) - first
    keep = order[rank < limit]
    return b[keep], s[keep]


def _some_allowed(
    players: Players, queries: BoolArray, targets: BoolArray
) -> tuple[IntArray, IntArray, IntArray]:
    """Allowed pairs (BW owner, SC2 owner, query id): at least one for every query slot that
    has one (query id = 2 * player + 1 for a BW slot, 2 * player for an SC2 slot).

    A pair is allowed when the gap fits the query's window or the target's window. The nearest
    non-self target covers the first case; the nearest non-self target of each distinct window
    covers the second. Two neighbours per direction suffice to step over the player's own slot.
    """
    bs: list[IntArray] = []
    ss: list[IntArray] = []
    qs: list[IntArray] = []
    for query_is_bw in (True, False):
        query = _subset(side(players, query_is_bw), queries)
        target = _subset(side(players, not query_is_bw), targets)
        if query.x.shape[0] == 0 or target.x.shape[0] == 0:
            continue
        radii = players.radius[target.player]
        groups = [target] + [_subset_mask(target, radii == r) for r in np.unique(radii)]
        for group in groups:
            b, s, q_idx = _near(query, group, range(-2, 2), query_is_bw)
            bs.append(b)
            ss.append(s)
            qs.append(2 * query.player[q_idx] + int(query_is_bw))
    if not bs:
        return ints([]), ints([]), ints([])
    b, s, q = ints(np.concatenate(bs)), ints(np.concatenate(ss)), ints(np.concatenate(qs))
    allowed, _, _ = pair_terms(players, b, s)
    return b[allowed], s[allowed], q[allowed]


def _subset(sd: Side, player_mask: BoolArray) -> Side:
    return _subset_mask(sd, player_mask[sd.player])


def _subset_mask(sd: Side, slot_mask: BoolArray) -> Side:
    return Side(x=sd.x[slot_mask], player=sd.player[slot_mask])


def _band(
    players: Players,
    a: IntArray,
    queries: BoolArray,
    targets: BoolArray,
    rematch_penalty: int,
    exhaustive: bool = False,
) -> list[_Found]:
    """Every violated allowed pair between query players and target players, both directions.

    A violation needs a_p + a_q > 2 * gap^2. Each pair is examined from the endpoint with the
    larger (a, index) key, whose own a then bounds the gap: gap^2 < a_query. So a query scans
    only targets within sqrt(a_query) (and never beyond the largest window). ``exhaustive``
    scans every target inside the largest window instead (for the rare D-class players).

    Targets tied with more than ``_DENSE_GROUP`` others (same MMR; same window too when it
    matters; at a ladder's launch everyone is at 1500) are checked through their group's three
    largest a: the largest violation of a query against the group bounds every member's, and is
    cut from the query alone, which covers them all. Scanning every tied pair is quadratic.
    """
    parts: list[_Found] = []
    rmax = int(players.radius.max()) if players.n else 0
    for query_is_bw in (True, False):
        query = _subset(side(players, query_is_bw), queries)
        target = _subset(side(players, not query_is_bw), targets)
        if not exhaustive:
            query = _subset_mask(query, a[query.player] > 0)
        if query.x.shape[0] == 0 or target.x.shape[0] == 0:
            continue
        if exhaustive:
            width = np.full(query.x.shape[0], rmax, dtype=np.int64)
        else:
            root = np.sqrt(a[query.player].astype(np.float64))
            width = np.minimum(ints(np.floor(root)) + 1, rmax)
        # A query whose band fits its own window may meet every target in it, whatever the
        # target's window: its ties are grouped by MMR alone. Wider bands group by window too.
        narrow = width <= players.radius[query.player]
        for mask, by_window in ((narrow, False), (~narrow, True)):
            if not mask.any():
                continue
            sub = _subset_mask(query, mask)
            scan = _Scan(players, a, sub, width[mask], query_is_bw, rematch_penalty)
            sparse, tops = _split_dense(players, target, a, by_window)
            parts.append(scan.against(sparse, by_larger=not exhaustive, one_sided=exhaustive))
            # Group tops stand for every member, so the rematch allowance is not given to them:
            # a player can be the last opponent of many, and the tops may all be among those.
            blunt = _Scan(players, a, sub, width[mask], query_is_bw, 0)
            parts.append(blunt.against(tops, by_larger=False, one_sided=True))
    return parts


@dataclass(frozen=True, slots=True)
class _Scan:
    players: Players
    a: IntArray
    query: Side
    width: IntArray
    query_is_bw: bool
    rematch_penalty: int

    def against(self, target: Side, by_larger: bool, one_sided: bool) -> _Found:
        """Violated pairs of the query slots with ``target`` slots within their width."""
        a, query = self.a, self.query
        lo = np.searchsorted(target.x, query.x - self.width, side="left")
        hi = np.searchsorted(target.x, query.x + self.width, side="right")
        parts: list[_Found] = []
        for q_idx, t_idx in _expand_ranges(ints(lo), ints(hi)):
            qp, tp = query.player[q_idx], target.player[t_idx]
            aq, at = a[qp], a[tp]
            if by_larger:
                mine = (at < aq) | ((at == aq) & (tp <= qp))
                qp, tp, aq, at = qp[mine], tp[mine], aq[mine], at[mine]
            b, s = (qp, tp) if self.query_is_bw else (tp, qp)
            a_b, a_s = (aq, at) if self.query_is_bw else (at, aq)
            slack = _slack(self.players, a_b, a_s, b, s, self.rematch_penalty)
            bad = slack < 0
            parts.append(_Found(b[bad], s[bad], slack[bad], 2 * qp[bad] + int(self.query_is_bw)))
        return _Found(
            ints(np.concatenate([f.b for f in parts])) if parts else ints([]),
            ints(np.concatenate([f.s for f in parts])) if parts else ints([]),
            ints(np.concatenate([f.slack for f in parts])) if parts else ints([]),
            ints(np.concatenate([f.query for f in parts])) if parts else ints([]),
            one_sided,
        )


def _split_dense(
    players: Players, target: Side, a: IntArray, by_window: bool
) -> tuple[Side, Side]:
    """(slots in small groups, the three largest-a slots of each larger group).

    Groups are slots with one MMR (and one window, if ``by_window``). Three per group, so that
    a query's own other slot among them still leaves two.
    """
    if target.x.shape[0] == 0:
        return target, target
    radius = players.radius[target.player] if by_window else np.zeros_like(target.x)
    key = (target.x - int(target.x.min())) * (int(radius.max()) + 1) + radius
    order = np.lexsort((-a[target.player], key))
    grouped = key[order]
    starts = np.flatnonzero(np.concatenate([[True], grouped[1:] != grouped[:-1]]))
    sizes = np.diff(np.concatenate([starts, [grouped.shape[0]]]))
    rank = np.arange(grouped.shape[0]) - np.repeat(starts, sizes)
    dense = np.repeat(sizes > _DENSE_GROUP, sizes)
    sparse_idx = np.sort(order[~dense])
    top_idx = np.sort(order[dense & (rank < 3)])
    return (Side(target.x[sparse_idx], target.player[sparse_idx]),
            Side(target.x[top_idx], target.player[top_idx]))


def _expand_ranges(lo: IntArray, hi: IntArray) -> list[tuple[IntArray, IntArray]]:
    """All (query index, target index) pairs with lo[q] <= t < hi[q], in bounded chunks."""
    counts = np.maximum(hi - lo, 0)
    out: list[tuple[IntArray, IntArray]] = []
    start = 0
    total_q = counts.shape[0]
    while start < total_q:
        cum = np.cumsum(counts[start:])
        stop = start + max(1, int(np.searchsorted(cum, _CHUNK_PAIRS, side="right")))
        c = counts[start:stop]
        q_idx = ints(np.repeat(np.arange(start, stop), c))
        first = np.repeat(np.cumsum(c) - c, c)
        t_idx = ints(np.repeat(lo[start:stop], c) + np.arange(int(c.sum())) - first)
        out.append((q_idx, t_idx))
        start = stop
    return out
