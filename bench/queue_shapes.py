"""A family of queue shapes for the matchmaking benches: the queues a real ladder sees over the
hours, regions and seasons, not one queue.

A shape fixes six things; a seed draws one queue of it:

- ``spread``: where the ratings come from. ``sd100`` / ``sd200`` / ``sd350``: Normal(1500, sd)
  per player (a quiet region, a typical ladder, a wide one). ``bimodal``: a strong core (40%,
  Normal(1850, 150)) and newcomers who have never played their race (60%, no rating row, so the
  start rating 1500 applies: ties everywhere). ``history``: ratings from a simulated history. A
  population five times the queue, with hidden skills Normal(1500, 300) (a player's two races
  related), joins over time (so
  players hold 0 to ~60 games); every round each active player plays someone of close rating
  and both ratings move by the ladder's own rule (``rating_delta``, K = 40). The queue is a
  sample of that population, its unplayed races at 1500.
- ``both``: the share of players who queue a BW and an SC2 race (their second rating is the
  first plus Normal(0, 120), or for ``history`` the simulated rating of a second race).
- ``bw_share``: the share of single-game players on the BW side (0.5 is 50/50; 0.75 is 75/25).
- ``vetoes``: each player vetoes a uniform number of maps in this range (and has 0-3 recent maps).
- ``waits``: ``new`` (every entry joined since the last wave), ``typical`` (mostly 0-1, some up
  to 5), ``long`` (a long tail: 80% 0-2, the rest 3-15, ~9% at 10 or more).

``FAMILY`` is the set measured with the database writes (``bench_matches``): the issue's field
ladder as the base, each dimension moved alone from it, and three combinations of the
hardest values. ``GRID`` (every spread x both x balance x waits) is swept without writes, for
the pairing alone, to find the hardest shape of all (``bench_matches`` then runs it with writes).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from evoladder.domain.matchmaking import WavePlan, WaveQueue, window
from evoladder.domain.rating import START_MMR, Outcome, rating_delta


@dataclass(frozen=True, slots=True)
class Shape:
    name: str
    spread: str = "sd200"  # sd100 | sd200 | sd350 | bimodal | history
    both: float = 0.5
    bw_share: float = 0.5
    vetoes: tuple[int, int] = (0, 3)
    waits: str = "typical"  # new | typical | long

    def describe(self) -> str:
        lo, hi = self.vetoes
        bw = round(100 * self.bw_share)
        return (f"{self.spread}, {round(100 * self.both)}% both games, {bw}/{100 - bw} BW/SC2, "
                f"vetoes {lo}-{hi}, waits {self.waits}")


@dataclass(frozen=True, slots=True)
class Drawn:
    """One queue of a shape, in columns: ``bw`` / ``sc2`` are the MMR of the race queued on that
    side (None: that side not queued; a queued race with ``rated`` False has no rating row and
    plays at 1500)."""

    bw: list[int | None]
    sc2: list[int | None]
    bw_rated: list[bool]
    sc2_rated: list[bool]
    waits: list[int]
    vetoes: list[int]  # how many maps each player vetoes
    recent: list[int]  # how many recent maps each player has


BASE = Shape("field")  # the ladder measured in the field: sd 200, half two-game, waits 0-5
FAMILY: tuple[Shape, ...] = (
    BASE,
    replace(BASE, name="sd100", spread="sd100"),
    replace(BASE, name="sd350", spread="sd350"),
    replace(BASE, name="bimodal", spread="bimodal"),
    replace(BASE, name="history", spread="history"),
    replace(BASE, name="both0", both=0.0),
    replace(BASE, name="both25", both=0.25),
    replace(BASE, name="side60", bw_share=0.6),
    replace(BASE, name="side75", bw_share=0.75),
    replace(BASE, name="vetoes0", vetoes=(0, 0)),
    replace(BASE, name="vetoes4", vetoes=(4, 4)),
    replace(BASE, name="waits_new", waits="new"),
    replace(BASE, name="waits_long", waits="long"),
    Shape("dense_long", spread="sd100", both=0.5, bw_share=0.5, vetoes=(0, 4), waits="long"),
    Shape("bimodal_75_long", spread="bimodal", both=0.25, bw_share=0.75, vetoes=(0, 4), waits="long"),
    Shape("history_60_long", spread="history", both=0.5, bw_share=0.6, vetoes=(0, 4), waits="long"),
)

GRID: tuple[Shape, ...] = tuple(
    Shape(f"{spread}_b{round(100 * both)}_s{round(100 * side)}_{waits}", spread, both, side, (0, 4), waits)
    for spread, both, side, waits in itertools.product(
        ("sd100", "sd200", "sd350", "bimodal", "history"), (0.0, 0.25, 0.5), (0.5, 0.6, 0.75),
        ("new", "typical", "long"),
    )
)

TYPICAL_WAITS = (0, 0, 0, 0, 1, 1, 1, 2, 3, 5)


def draw(shape: Shape, n: int, seed: int) -> Drawn:
    rng = np.random.default_rng(seed)
    kind = rng.random(n)
    two = kind < shape.both
    on_bw = ~two & (rng.random(n) < shape.bw_share)
    first, second, first_rated, second_rated = _ratings(shape.spread, n, rng)
    bw: list[int | None] = []
    sc2: list[int | None] = []
    bw_rated: list[bool] = []
    sc2_rated: list[bool] = []
    for i in range(n):
        if two[i]:
            bw.append(int(first[i]))
            sc2.append(int(second[i]))
            bw_rated.append(bool(first_rated[i]))
            sc2_rated.append(bool(second_rated[i]))
        elif on_bw[i]:
            bw.append(int(first[i]))
            sc2.append(None)
            bw_rated.append(bool(first_rated[i]))
            sc2_rated.append(False)
        else:
            bw.append(None)
            sc2.append(int(first[i]))
            bw_rated.append(False)
            sc2_rated.append(bool(first_rated[i]))
    lo, hi = shape.vetoes
    return Drawn(
        bw, sc2, bw_rated, sc2_rated, _waits(shape.waits, n, rng),
        rng.integers(lo, hi + 1, n).tolist(), rng.integers(0, 4, n).tolist(),
    )


def _ratings(spread: str, n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    rated = np.ones(n, dtype=bool)
    if spread.startswith("sd"):
        first = np.rint(rng.normal(1500, int(spread[2:]), n))
        second = first + np.rint(rng.normal(0, 120, n))
        return first, second, rated, rated
    if spread == "bimodal":
        core = rng.random(n) < 0.4
        first = np.where(core, np.rint(rng.normal(1850, 150, n)), START_MMR)
        core2 = core & (rng.random(n) < 0.7)  # a core player's second race is often played too
        second = np.where(core2, first + np.rint(rng.normal(-100, 120, n)), START_MMR)
        return first, second, core, core2
    if spread == "history":
        ratings, games = _history(2 * ((5 * n + 1) // 2), rng)
        pick = rng.choice(len(ratings) // 2, n, replace=False)  # two races per simulated player
        first, second = ratings[2 * pick], ratings[2 * pick + 1]
        return first, second, games[2 * pick] > 0, games[2 * pick + 1] > 0
    raise ValueError(spread)


def _history(m: int, rng: np.random.Generator, rounds: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Ratings of ``m`` (player, race) rows after a simulated history: rows join at a uniform
    round, and each round every joined row plays its neighbour in rating order (with some
    shuffling, as a matchmaker with windows would), winning by the Elo odds of the hidden
    skills; ratings move by ``rating_delta``."""
    skill = rng.normal(1500, 300, m)
    skill[1::2] = skill[0::2] + rng.normal(0, 150, m // 2)  # a player's two races are related
    joined = rng.integers(0, rounds, m)
    rating = np.full(m, START_MMR, dtype=np.int64)
    games = np.zeros(m, dtype=np.int64)
    for r in range(rounds):
        active = np.flatnonzero(joined <= r)
        active = active[rng.random(len(active)) < 0.5]  # about half play in a given round
        order = active[np.argsort(rating[active] + rng.normal(0, 60, len(active)))]
        a, b = order[0:-1:2], order[1::2]
        p_win = 1 / (1 + 10 ** ((skill[b] - skill[a]) / 400))
        wins = rng.random(len(a)) < p_win
        for x, y, w in zip(a.tolist(), b.tolist(), wins.tolist(), strict=True):
            d = rating_delta(int(rating[x]), int(rating[y]), Outcome.PLAYER_1 if w else Outcome.PLAYER_2)
            rating[x] += d
            rating[y] -= d
        games[a] += 1
        games[b] += 1
    return rating, games


def _waits(kind: str, n: int, rng: np.random.Generator) -> list[int]:
    if kind == "new":
        return [0] * n
    if kind == "typical":
        return [int(w) for w in rng.choice(TYPICAL_WAITS, n)]
    if kind == "long":
        tail = rng.random(n) < 0.2
        return [int(w) for w in np.where(tail, rng.integers(3, 16, n), rng.integers(0, 3, n))]
    raise ValueError(kind)


def wave_queue(q: Drawn) -> WaveQueue:
    """The drawn queue as the pairing takes it (player ids 1000, 1001, ...; no last opponents)."""
    n = len(q.waits)
    return WaveQueue(list(range(1000, 1000 + n)), q.bw, q.sc2, q.waits, [None] * n)


# Above this many allowed pairs the exact bound on the pair count is not computed (memory).
_BOUND_EDGES = 30_000_000


def quality(q: Drawn, plan: WavePlan) -> dict[str, float | int | bool | None]:
    """What a pairing achieved on a queue, for the bench's quality columns.

    - ``pairs``; ``proven_gap``: total cost minus the solver's proven lower bound (0 when it
      is proven optimal), and ``gap_share``, that gap over |total cost|;
    - ``left_pairable``: at most how many more players any valid pairing could have matched,
      ``2 * (max_pairs_bound - pairs)``; 0 means the pair count is proven maximal. The bound is
      the smallest of: half the players who have an allowed opponent, the BW-capable and the
      SC2-capable counts, and (when those do not settle it) an exact maximum matching
      (Hopcroft-Karp) of BW slots against SC2 slots in which a two-game player may be used on
      both sides: a relaxation, so an upper bound, exact when nobody queued both games. None:
      that graph was too big to build;
    - ``unmatched_with_partner``: unmatched players who have some allowed opponent in the queue
      (they lost out to the count, the side balance or the cost, not to their window);
    - ``mean_gap``: mean MMR gap of the pairs; ``mean_wait``: mean waits (as stored, before
      this wave's +1) of the matched players.
    """
    n = len(q.waits)
    radius = np.array([window(w + 1) for w in q.waits], dtype=np.int64)
    has_bw = np.array([m is not None for m in q.bw])
    has_sc = np.array([m is not None for m in q.sc2])
    bw_x = np.array([0 if m is None else m for m in q.bw], dtype=np.int64)
    sc_x = np.array([0 if m is None else m for m in q.sc2], dtype=np.int64)
    matched = np.zeros(n, dtype=bool)
    matched[list(plan.bw)] = True
    matched[list(plan.sc2)] = True
    pairs = len(plan.bw)

    def allowed(bws: np.ndarray, scs: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Allowed (BW owner, SC2 owner) pairs among these slots, or None when too many."""
        order = scs[np.argsort(sc_x[scs], kind="stable")]
        xs = sc_x[order]
        reach = int(radius.max()) if n else 0
        lo = np.searchsorted(xs, bw_x[bws] - reach, "left")
        hi = np.searchsorted(xs, bw_x[bws] + reach, "right")
        total = int((hi - lo).sum())
        if total > _BOUND_EDGES:
            return None
        rows = np.repeat(np.arange(len(bws)), hi - lo)
        cols = np.repeat(lo - np.cumsum(np.r_[0, (hi - lo)[:-1]]), hi - lo) + np.arange(total)
        b, s = bws[rows], order[cols]
        ok = (b != s) & (np.abs(bw_x[b] - sc_x[s]) <= np.maximum(radius[b], radius[s]))
        return b[ok], s[ok]

    all_bw, all_sc = np.flatnonzero(has_bw), np.flatnonzero(has_sc)
    free = ~matched
    # Unmatched players with an allowed opponent: only the unmatched players' pairs are built.
    found = [allowed(all_bw[free[all_bw]], all_sc), allowed(all_bw, all_sc[free[all_sc]])]
    has_partner_free = np.zeros(n, dtype=bool)
    for got in found:
        if got is not None:
            has_partner_free[got[0][free[got[0]]]] = True
            has_partner_free[got[1][free[got[1]]]] = True
    unmatched_with_partner = int(has_partner_free.sum())
    bound = min(n // 2, len(all_bw), len(all_sc), (int(matched.sum()) + unmatched_with_partner) // 2)
    if bound > pairs:
        graph_pairs = allowed(all_bw, all_sc)
        if graph_pairs is None:
            bound = -1
        else:
            b, s = graph_pairs
            row = np.searchsorted(all_bw, b)
            col = np.searchsorted(all_sc, s)
            ones = np.ones(len(row), dtype=np.int8)
            graph = csr_matrix((ones, (row, col)), shape=(len(all_bw), len(all_sc)))
            bound = min(bound, int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum()))
    gaps = [abs(int(bw_x[b]) - int(sc_x[s])) for b, s in zip(plan.bw, plan.sc2, strict=True)]
    gap = None if plan.lower_bound is None else plan.total_cost - plan.lower_bound
    return {
        "pairs": pairs,
        "proven_gap": gap,
        "gap_share": None if gap is None else round(gap / max(abs(plan.total_cost), 1), 6),
        "exact": plan.exact,
        "left_pairable": None if bound < 0 else 2 * (bound - pairs),
        "unmatched_with_partner": unmatched_with_partner,
        "mean_gap": round(float(np.mean(gaps)), 1) if gaps else 0.0,
        "mean_wait": round(float(np.asarray(q.waits)[matched].mean()), 2) if pairs else 0.0,
    }
