"""The ports services talk through: time, read-model upkeep, and announcements.

Services take these in their constructors (the composition root wires real ones, tests wire
fakes), so no service reads the wall clock, a global cache or Discord directly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime
from typing import NamedTuple, Protocol

from evoladder.domain.players import MmrRow


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ReadModelSink(Protocol):
    """In-memory read models kept current by the writers, called only AFTER the commit.

    ``player_changed`` drops the cached player record (terms, setup, country, activation, aborts,
    ban, username, state); ``mmr_changed`` moves rows in the leaderboard index.
    """

    def player_changed(self, discord_uid: int) -> None: ...

    def mmr_changed(self, rows: Sequence[MmrRow]) -> None: ...


class NullReadModels:
    """A sink that keeps nothing (for tools and tests that have no read models)."""

    def player_changed(self, discord_uid: int) -> None:
        return None

    def mmr_changed(self, rows: Sequence[MmrRow]) -> None:
        return None


class Receipt(NamedTuple):
    """How the delivery of one announcement ended."""

    delivered: bool
    unreachable: bool = False  # a recipient can never be reached this way (DMs closed): no retry


class Notifier(Protocol):
    """Where services announce what happened (the bot sends DMs; tests record).

    ``event`` is one of the typed events of ``evoladder.services.events``; ``key`` is stable for
    one announcement (its outbox row), so a re-send after a crash can be recognised as one.
    ``notify`` hands the event over and returns at once: None when it was delivered on hand-off,
    or an awaitable of its ``Receipt`` (the bot's outbound queue sends later, paced). Delivery
    must not raise into the service: the business write has already committed.
    """

    async def notify(self, event: object, *, key: str | None = None) -> Awaitable[Receipt] | None: ...
