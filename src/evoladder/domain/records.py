"""A player's wins, losses and draws: what /profile, the web pages and the statistics add up."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_WINDOWS_DAYS: tuple[int, ...] = (14, 30, 90)
"""The trailing windows a profile shows a record for (the last 14, 30 and 90 days)."""


@dataclass(frozen=True, slots=True)
class Record:
    """Wins, losses and draws."""

    wins: int = 0
    losses: int = 0
    draws: int = 0

    @property
    def games(self) -> int:
        return self.wins + self.losses + self.draws

    def __add__(self, other: Record) -> Record:
        return Record(self.wins + other.wins, self.losses + other.losses, self.draws + other.draws)
