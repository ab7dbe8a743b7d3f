"""The ladder's clock (``services.ports.Clock``) moved by hand, for tests that must not sleep.

Each kit sets its own ``start`` (``matchkit.FakeClock``, ``accountkit.FakeClock``,
``journeykit.LadderClock``); ``current`` is the time it shows, which ``advance`` and ``set`` move.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import ClassVar


class ManualClock:
    start: ClassVar[datetime] = datetime(2026, 1, 1, tzinfo=UTC)

    def __init__(self, now: datetime | None = None) -> None:
        self.current = self.start if now is None else now

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment
