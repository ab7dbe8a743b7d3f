"""Min-cost perfect assignment of a square sparse matrix, with optimal duals (internal to
matchmaking). Pure computation.

The matchmaking solver (``_solver``) solves its linear relaxation as an assignment and
needs the assignment's dual potentials too: they price the pairs left out of the sparse candidate
graph, bound the optimum, and warm-start the next solve. No maintained library returns the duals of
a sparse assignment (scipy's LAPJVsp, ``lap``, OR-Tools and igraph return the assignment only), and
recovering them afterwards by Bellman-Ford costs as much as the solve itself (~5 ms at 1,000
queued). So the solve is done by a small C extension, ``evoladder.domain.matchmaking._kernel``
(``_kernel.c``: shortest augmenting paths after Jonker-Volgenant's reductions, integer
arithmetic, GIL released), which keeps the duals it computes anyway.

The extension is built by ``pip install`` where a C compiler is present (``setup.py`` marks it
optional). Without it this module falls back to scipy's ``min_weight_full_bipartite_matching`` and
Bellman-Ford duals: the same optimum and valid optimal duals, about twice the time. ``KERNEL`` says
which one runs; the tests run both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
_Kernel = Callable[
    [int, IntArray, IntArray, IntArray, npt.NDArray[np.int32], IntArray, IntArray, int], int
]

_compiled: _Kernel | None
try:
    from evoladder.domain.matchmaking._kernel import solve as _compiled
except ImportError:  # pragma: no cover - depends on how the package was installed
    _compiled = None

KERNEL = "compiled" if _compiled is not None else "scipy"
# float64 represents integers exactly below 2**53; the fallback's costs must stay below this.
_FLOAT_EXACT = 2**52


class NoPerfectAssignment(ValueError):
    """Some row or column cannot be assigned (the matrix has no perfect matching)."""


class ScanLimitReached(Exception):
    """The compiled solve scanned ``max_scans`` columns without finishing (see :func:`solve`)."""


@dataclass(frozen=True, slots=True)
class Assignment:
    """``col_of_row[i]`` is row i's column; ``u[i] + v[j] <= cost[i, j]`` on every entry, with
    equality on the assigned ones (so ``u.sum() + v.sum()`` is the optimal total)."""

    col_of_row: IntArray
    u: IntArray
    v: IntArray
    scans: int = 0  # columns the compiled solve scanned (its work); 0 from the scipy fallback


def solve(
    n: int,
    rows: IntArray,
    cols: IntArray,
    cost: IntArray,
    warm_u: IntArray | None = None,
    warm_v: IntArray | None = None,
    *,
    max_scans: int | None = None,
    compiled: bool | None = None,
) -> Assignment:
    """The cheapest perfect assignment of the n x n matrix with entries (rows, cols, cost).

    ``warm_u`` / ``warm_v``: estimated row and column duals (any integers). Every row and every
    column is used exactly once, so subtracting potentials does not change which assignment is
    optimal; good estimates leave the solver little to search (exact ones make a re-solve ~5x
    faster). The duals returned are for ``cost`` itself. ``compiled`` forces one kernel (tests);
    by default the extension runs when it was built. Duplicate entries are not allowed.

    ``max_scans``: the compiled solve gives up (ScanLimitReached) after scanning that many
    columns, so a caller can cut a warm start that turned out worse than a cold solve short;
    the scipy fallback has no such limit.
    """
    wu = warm_u if warm_u is not None else np.zeros(n, dtype=np.int64)
    wv = warm_v if warm_v is not None else np.zeros(n, dtype=np.int64)
    # A cold solve skips subtracting zeros (two gathers over every entry).
    cold = warm_u is None and warm_v is None
    reduced = cost if cold else cost - wu[rows] - wv[cols]
    use_c = _compiled is not None if compiled is None else compiled
    if use_c:
        if _compiled is None:
            raise RuntimeError("the compiled assignment kernel is not built")
        col_of_row, u, v, scans = _solve_compiled(
            _compiled, n, rows, cols, reduced, -1 if max_scans is None else max_scans
        )
    else:
        (col_of_row, u, v), scans = _solve_scipy(n, rows, cols, reduced), 0
    if cold:
        return Assignment(col_of_row, u, v, scans)
    return Assignment(col_of_row, u + wu, v + wv, scans)


def _solve_compiled(
    kernel: _Kernel, n: int, rows: IntArray, cols: IntArray, cost: IntArray, max_scans: int
) -> tuple[IntArray, IntArray, IntArray, int]:
    col_of_row = np.empty(n, dtype=np.int32)
    u = np.empty(n, dtype=np.int64)
    v = np.empty(n, dtype=np.int64)
    scans = kernel(n, np.ascontiguousarray(rows, dtype=np.int64),
                   np.ascontiguousarray(cols, dtype=np.int64),
                   np.ascontiguousarray(cost, dtype=np.int64), col_of_row, u, v, max_scans)
    if scans == -1:
        raise NoPerfectAssignment("the matrix has no perfect assignment")
    if scans == -2:
        raise ScanLimitReached(f"no assignment within {max_scans} scanned columns")
    return col_of_row.astype(np.int64), u, v, scans


def _solve_scipy(
    n: int, rows: IntArray, cols: IntArray, cost: IntArray
) -> tuple[IntArray, IntArray, IntArray]:
    """scipy's LAPJVsp, then duals as shortest paths in the residual graph.

    scipy is imported here, not at the top: where the kernel is built this never runs, and
    scipy's sparse graph routines would add ~40 MB to the process for nothing.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    # Columns reduced to a minimum of 1: LAPJVsp treats an explicit 0 as a missing entry.
    lowest = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(lowest, cols, cost)
    if (lowest == np.iinfo(np.int64).max).any():
        raise NoPerfectAssignment("a column has no entry")
    shifted = cost - lowest[cols] + 1
    if int(shifted.max()) >= _FLOAT_EXACT:
        raise ValueError("costs too far apart for the float solver")
    # One extra, empty column makes the matrix rectangular, which makes LAPJVsp skip its
    # augmenting row reduction: unlimited, that phase is pseudo-polynomial and took seconds on
    # the matchmaker's tier weights. The empty column is never used.
    matrix = csr_matrix((shifted.astype(np.float64), (rows, cols)), shape=(n, n + 1))
    try:
        row_ind, col_ind = min_weight_full_bipartite_matching(matrix)
    except ValueError as exc:
        raise NoPerfectAssignment(str(exc)) from exc
    col_of_row = np.empty(n, dtype=np.int64)
    col_of_row[row_ind] = col_ind
    u, v = _residual_duals(n, rows, cols, cost, col_of_row)
    return col_of_row, u, v


def _residual_duals(
    n: int, rows: IntArray, cols: IntArray, cost: IntArray, col_of_row: IntArray
) -> tuple[IntArray, IntArray]:
    """Optimal duals of an optimal assignment: d = shortest distances from a virtual source in
    the graph with an arc row i -> row_of_col[j] of weight cost[i, j] - cost[row_of_col[j], j] per
    unused entry (no negative cycle, since the assignment is optimal); u = -d, v[j] = own cost of
    column j + d[row_of_col[j]]."""
    row_of_col = np.empty(n, dtype=np.int64)
    row_of_col[col_of_row] = np.arange(n)
    used = col_of_row[rows] == cols
    into = np.empty(n, dtype=np.int64)
    into[cols[used]] = cost[used]
    free = ~used
    dist = _bellman_ford(n, rows[free], row_of_col[cols[free]], cost[free] - into[cols[free]])
    return -dist, into + dist[row_of_col]


def _bellman_ford(n: int, src: IntArray, dst: IntArray, arc: IntArray) -> IntArray:
    """Shortest distances from a virtual source joined to every node by a 0 arc (vectorised
    rounds over all arcs)."""
    order = np.argsort(dst, kind="stable")
    src, dst, arc = src[order], dst[order], arc[order]
    dist = np.zeros(n, dtype=np.int64)
    if not dst.shape[0]:
        return dist
    starts = np.flatnonzero(np.concatenate([[True], dst[1:] != dst[:-1]]))
    heads = dst[starts]
    for _ in range(n + 1):
        best = np.minimum.reduceat(dist[src] + arc, starts)
        better = best < dist[heads]
        if not better.any():
            return dist
        dist[heads[better]] = best[better]
    raise RuntimeError("assignment: negative cycle in an optimal assignment")  # pragma: no cover
