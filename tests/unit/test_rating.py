"""Integer Elo: worked examples and properties (DESIGN section 5)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from evoladder.domain.rating import START_MMR, Outcome, expected_score, rate, rating_delta

ratings = st.integers(min_value=0, max_value=4000)
outcomes = st.sampled_from(list(Outcome))


def test_start_rating() -> None:
    assert START_MMR == 1500


def test_favourite_by_100_who_wins_gains_15() -> None:
    change = rate(1600, 1500, Outcome.PLAYER_1)
    assert (change.delta, change.after_1, change.after_2) == (15, 1615, 1485)


def test_underdog_by_100_who_wins_gains_25() -> None:
    change = rate(1600, 1500, Outcome.PLAYER_2)
    assert (change.after_1, change.after_2) == (1575, 1525)


def test_draw_moves_5_towards_the_underdog() -> None:
    change = rate(1600, 1500, Outcome.DRAW)
    assert (change.after_1, change.after_2) == (1595, 1505)


def test_equal_ratings() -> None:
    assert rating_delta(1500, 1500, Outcome.PLAYER_1) == 20
    assert rating_delta(1500, 1500, Outcome.PLAYER_2) == -20
    assert rating_delta(1500, 1500, Outcome.DRAW) == 0


def test_expected_score_divisor_500() -> None:
    assert abs(expected_score(2000, 1500) - 10 / 11) < 1e-12


@given(ratings, ratings, outcomes)
def test_zero_sum(a: int, b: int, outcome: Outcome) -> None:
    change = rate(a, b, outcome)
    assert change.after_1 + change.after_2 == a + b


@given(ratings, ratings)
def test_symmetric_when_the_slots_swap(a: int, b: int) -> None:
    assert rating_delta(a, b, Outcome.PLAYER_1) == -rating_delta(b, a, Outcome.PLAYER_2)
    assert rating_delta(a, b, Outcome.DRAW) == -rating_delta(b, a, Outcome.DRAW)


@given(ratings, st.integers(0, 2000), st.integers(1, 500), outcomes)
def test_monotone_in_the_gap(base: int, gap: int, extra: int, outcome: Outcome) -> None:
    # The stronger player 1 is relative to player 2, the less any result gives player 1.
    smaller = rating_delta(base + gap, base, outcome)
    larger = rating_delta(base + gap + extra, base, outcome)
    assert larger <= smaller


@given(ratings, ratings)
def test_win_never_loses_points_and_bounded_by_k(a: int, b: int) -> None:
    win = rating_delta(a, b, Outcome.PLAYER_1)
    assert 0 <= win <= 40
    assert -40 <= rating_delta(a, b, Outcome.PLAYER_2) <= 0
