"""Integer Elo for the ladder (DESIGN section 5).

The delta is computed once per match from player 1's point of view and applied as +delta to
player 1 and -delta to player 2, so every match is exactly zero-sum even with rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

START_MMR = 1500
K_FACTOR = 40
DIVISOR = 500


class Outcome(IntEnum):
    """The absolute result of a match, as stored in ``report`` and ``match_result`` columns."""

    DRAW = 0
    PLAYER_1 = 1
    PLAYER_2 = 2


def expected_score(rating_a: int, rating_b: int) -> float:
    """Probability-like expectation of A against B with the ladder's divisor of 500."""
    return 1.0 / (1.0 + float(10.0 ** ((rating_b - rating_a) / DIVISOR)))


def _round_half_away(x: float) -> int:
    # Python's round() is banker's rounding; a rating change must be symmetric around zero.
    return int(x + 0.5) if x >= 0 else -int(-x + 0.5)


def rating_delta(mmr_1: int, mmr_2: int, outcome: Outcome) -> int:
    """The change for player 1 (player 2 gets its negation)."""
    score = {Outcome.PLAYER_1: 1.0, Outcome.PLAYER_2: 0.0, Outcome.DRAW: 0.5}[outcome]
    return _round_half_away(K_FACTOR * (score - expected_score(mmr_1, mmr_2)))


@dataclass(frozen=True, slots=True)
class RatingChange:
    before_1: int
    before_2: int
    delta: int

    @property
    def after_1(self) -> int:
        return self.before_1 + self.delta

    @property
    def after_2(self) -> int:
        return self.before_2 - self.delta


def rate(mmr_1: int, mmr_2: int, outcome: Outcome) -> RatingChange:
    return RatingChange(mmr_1, mmr_2, rating_delta(mmr_1, mmr_2, outcome))
