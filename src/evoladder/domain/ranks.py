"""Rank letters by fixed shares of the ranked rows (DESIGN section 5).

Shares: S 1%, A 7%, B 21%, C 21%, D 21%, E 21%, F 8%. Each letter gets the floor of its share;
the rows left over are handed out one at a time in the order D, C, E, B, then A, F, S (the
"rest", in the order that keeps the distribution centred), repeating if needed. Rows are ordered
best first, so letters are handed out S first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

LETTERS: tuple[str, ...] = ("S", "A", "B", "C", "D", "E", "F")
SHARES_PERCENT: dict[str, int] = {"S": 1, "A": 7, "B": 21, "C": 21, "D": 21, "E": 21, "F": 8}
REMAINDER_ORDER: tuple[str, ...] = ("D", "C", "E", "B", "A", "F", "S")
UNRANKED = "U"
ACTIVITY_WINDOW = timedelta(days=14)


def letter_counts(ranked: int) -> dict[str, int]:
    """How many of ``ranked`` rows get each letter; the counts add up to ``ranked``."""
    if ranked < 0:
        raise ValueError("ranked must be >= 0")
    counts = {letter: ranked * SHARES_PERCENT[letter] // 100 for letter in LETTERS}
    left = ranked - sum(counts.values())
    i = 0
    while left > 0:
        counts[REMAINDER_ORDER[i % len(REMAINDER_ORDER)]] += 1
        left -= 1
        i += 1
    return counts


def letter_bounds(ranked: int) -> tuple[tuple[str, int], ...]:
    """Cumulative upper bounds: position p (0-based) has the first letter whose bound exceeds p."""
    counts = letter_counts(ranked)
    bounds = []
    total = 0
    for letter in LETTERS:
        total += counts[letter]
        bounds.append((letter, total))
    return tuple(bounds)


def letter_at(position: int, bounds: Sequence[tuple[str, int]]) -> str:
    """The letter of the row at 0-based ``position`` among the ranked rows."""
    for letter, upper in bounds:
        if position < upper:
            return letter
    return UNRANKED


def allocate(ranked: int) -> list[str]:
    """The letter of every ranked row, best first."""
    out: list[str] = []
    for letter, count in letter_counts(ranked).items():
        out.extend([letter] * count)
    return out


def is_ranked(games: int, last_played: datetime | None, now: datetime) -> bool:
    """A row is ranked after at least one game and a game in the last 14 days."""
    return games > 0 and last_played is not None and now - last_played <= ACTIVITY_WINDOW
