"""Rank letters by fixed shares of the ranked rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from evoladder.domain.ranks import LETTERS, allocate, is_ranked, letter_at, letter_bounds, letter_counts

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def test_exact_shares_at_100() -> None:
    assert letter_counts(100) == {"S": 1, "A": 7, "B": 21, "C": 21, "D": 21, "E": 21, "F": 8}


def test_remainder_goes_d_c_e_b_then_the_rest() -> None:
    # 10 rows: floors are S0 A0 B2 C2 D2 E2 F0 (8); the 2 left go to D then C.
    assert letter_counts(10) == {"S": 0, "A": 0, "B": 2, "C": 3, "D": 3, "E": 2, "F": 0}
    # 5 rows: floors B1 C1 D1 E1 (4); one left -> D.
    assert letter_counts(5) == {"S": 0, "A": 0, "B": 1, "C": 1, "D": 2, "E": 1, "F": 0}
    # 3 rows: all floors 0; D, C, E.
    assert letter_counts(3) == {"S": 0, "A": 0, "B": 0, "C": 1, "D": 1, "E": 1, "F": 0}
    # 6 rows: floors B1 C1 D1 E1; 2 left -> D, C.
    assert letter_counts(6)["D"] == 2 and letter_counts(6)["C"] == 2


def test_one_row_is_a_d() -> None:
    assert allocate(1) == ["D"]


def test_zero_rows() -> None:
    assert allocate(0) == []


@given(st.integers(0, 200_000))
def test_counts_add_up_and_letters_follow_the_order(n: int) -> None:
    counts = letter_counts(n)
    assert sum(counts.values()) == n
    letters = allocate(n) if n <= 5000 else []
    if letters:
        assert letters == sorted(letters, key=LETTERS.index)
    for letter, share in {"S": 1, "A": 7, "B": 21, "F": 8}.items():
        assert n * share // 100 <= counts[letter] <= n * share // 100 + 1


@given(st.integers(1, 3000))
def test_letter_at_matches_allocate(n: int) -> None:
    bounds = letter_bounds(n)
    assert [letter_at(i, bounds) for i in range(n)] == allocate(n)
    assert letter_at(n, bounds) == "U"


def test_ranked_needs_a_game_in_the_last_14_days() -> None:
    assert is_ranked(3, NOW - timedelta(days=14), NOW)
    assert not is_ranked(3, NOW - timedelta(days=14, seconds=1), NOW)
    assert not is_ranked(0, NOW, NOW)
    assert not is_ranked(5, None, NOW)
