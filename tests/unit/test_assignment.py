"""The sparse assignment with duals (domain/matchmaking/_assignment.py), for both kernels: the C extension and
the scipy fallback. Optimality is checked against scipy's dense solver and by the duals' own
certificate (feasible everywhere, tight where used, summing to the total)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from evoladder.domain.matchmaking import _assignment as assignment
from evoladder.domain.matchmaking._assignment import NoPerfectAssignment, solve

KERNELS = [
    pytest.param(True, id="compiled", marks=pytest.mark.skipif(
        assignment.KERNEL != "compiled", reason="the C extension is not built here")),
    pytest.param(False, id="scipy"),
]


def sparse_problem(n: int, density: float, spread: int, seed: int) -> tuple[np.ndarray, ...]:
    """Random entries plus a hidden permutation, so a perfect assignment always exists."""
    rng = np.random.default_rng(seed)
    mask = rng.random((n, n)) < density
    mask[np.arange(n), rng.permutation(n)] = True
    rows, cols = np.nonzero(mask)
    cost = rng.integers(-spread, spread + 1, rows.shape[0])
    return rows.astype(np.int64), cols.astype(np.int64), cost.astype(np.int64)


def dense_optimum(n: int, rows: np.ndarray, cols: np.ndarray, cost: np.ndarray) -> int:
    missing = int(np.abs(cost).sum()) * 2 + 1  # dearer than any assignment of real entries
    dense = np.full((n, n), float(missing))
    dense[rows, cols] = cost
    r, c = linear_sum_assignment(dense)
    total = dense[r, c].sum()
    assert total < missing
    return int(total)


def check_certificate(
    rows: np.ndarray, cols: np.ndarray, cost: np.ndarray, result: assignment.Assignment
) -> int:
    n = result.col_of_row.shape[0]
    assert sorted(result.col_of_row.tolist()) == list(range(n))  # a permutation
    slack = cost - result.u[rows] - result.v[cols]
    assert (slack >= 0).all()
    used = result.col_of_row[rows] == cols
    assert int(used.sum()) == n  # every row's column is one of its entries
    assert (slack[used] == 0).all()
    total = int(cost[used].sum())
    assert int(result.u.sum() + result.v.sum()) == total
    return total


@pytest.mark.parametrize("compiled", KERNELS)
@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 40),
    density=st.floats(0.02, 0.6),
    spread=st.sampled_from([3, 1_000, 2**40]),
    seed=st.integers(0, 2**31),
)
def test_the_assignment_is_optimal_with_its_duals(
    compiled: bool, n: int, density: float, spread: int, seed: int
) -> None:
    rows, cols, cost = sparse_problem(n, density, spread, seed)
    result = solve(n, rows, cols, cost, compiled=compiled)
    assert check_certificate(rows, cols, cost, result) == dense_optimum(n, rows, cols, cost)


@pytest.mark.parametrize("compiled", KERNELS)
@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 30), seed=st.integers(0, 2**31), scale=st.sampled_from([1, 50, 10**9]))
def test_a_warm_start_changes_nothing_but_the_search(compiled: bool, n: int, seed: int, scale: int) -> None:
    rows, cols, cost = sparse_problem(n, 0.3, 1_000, seed)
    rng = np.random.default_rng(seed + 1)
    warm_u = rng.integers(-scale, scale + 1, n).astype(np.int64)
    warm_v = rng.integers(-scale, scale + 1, n).astype(np.int64)
    cold = check_certificate(rows, cols, cost, solve(n, rows, cols, cost, compiled=compiled))
    warm = solve(n, rows, cols, cost, warm_u, warm_v, compiled=compiled)
    assert check_certificate(rows, cols, cost, warm) == cold


@pytest.mark.parametrize("compiled", KERNELS)
def test_exact_duals_as_a_warm_start_give_the_same_optimum(compiled: bool) -> None:
    rows, cols, cost = sparse_problem(300, 0.05, 10**6, 7)
    first = solve(300, rows, cols, cost, compiled=compiled)
    again = solve(300, rows, cols, cost, first.u, first.v, compiled=compiled)
    assert check_certificate(rows, cols, cost, again) == check_certificate(rows, cols, cost, first)


@pytest.mark.parametrize("compiled", KERNELS)
@pytest.mark.parametrize(
    ("rows", "cols"),
    [
        pytest.param([0, 1, 2], [0, 0, 1], id="a column nobody can take"),
        pytest.param([0, 0, 1, 2], [0, 1, 0, 0], id="two rows with one column"),
    ],
)
def test_no_perfect_assignment_is_reported(compiled: bool, rows: list[int], cols: list[int]) -> None:
    r, c = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
    with pytest.raises(NoPerfectAssignment):
        solve(3, r, c, np.ones(r.shape[0], dtype=np.int64), compiled=compiled)


@pytest.mark.parametrize("compiled", KERNELS)
def test_an_empty_matrix_has_the_empty_assignment(compiled: bool) -> None:
    empty = np.zeros(0, dtype=np.int64)
    result = solve(0, empty, empty, empty, compiled=compiled)
    assert result.col_of_row.shape == result.u.shape == result.v.shape == (0,)


@pytest.mark.skipif(assignment.KERNEL != "compiled", reason="the C extension is not built here")
def test_the_extension_rejects_a_malformed_matrix() -> None:
    from evoladder.domain.matchmaking import _kernel as _assignment

    rows = np.array([0, 1], dtype=np.int64)
    ones = np.ones(2, dtype=np.int64)

    def call(r: np.ndarray, c: np.ndarray, cost: np.ndarray) -> None:
        out = np.empty(2, dtype=np.int32)
        _assignment.solve(2, r, c, cost, out, np.empty(2, dtype=np.int64), np.empty(2, dtype=np.int64), -1)

    with pytest.raises(ValueError, match="out of range"):
        call(rows, np.array([0, 5], dtype=np.int64), ones)
    with pytest.raises(ValueError, match="out of range"):
        call(np.array([0, -1], dtype=np.int64), rows, ones)
    with pytest.raises(ValueError, match="cols"):
        call(rows, np.array([0, 1], dtype=np.int32), ones)
    with pytest.raises(ValueError, match="cost"):
        call(rows, rows, np.ones(3, dtype=np.int64))


@pytest.mark.skipif(assignment.KERNEL != "compiled", reason="the C extension is not built here")
def test_a_compiled_solve_gives_up_when_its_scan_limit_runs_out() -> None:
    rows, cols, cost = sparse_problem(60, 0.2, 1_000, 7)
    full = solve(60, rows, cols, cost, compiled=True)
    assert full.scans > 0
    with pytest.raises(assignment.ScanLimitReached):
        solve(60, rows, cols, cost, max_scans=full.scans - 1, compiled=True)
    within = solve(60, rows, cols, cost, max_scans=full.scans, compiled=True)
    assert check_certificate(rows, cols, cost, within) == check_certificate(rows, cols, cost, full)
