"""The record of every request the local server refused.

A bot that sends a body Discord would reject, answers an interaction late or twice, or uses an
expired token has a bug even when it catches the resulting exception. The server therefore
records every refusal here, and the test fixture fails the test that caused one unless the test
said it expected it (:meth:`ViolationLog.take`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Violation:
    """One refused request: what was asked and what Discord would have answered."""

    method: str
    path: str
    status: int
    code: int
    message: str
    errors: dict[str, Any] | None = None

    def describe(self) -> str:
        detail = f" {self.errors}" if self.errors else ""
        return f"{self.method} {self.path} -> {self.status} {self.code} {self.message}{detail}"


class ViolationLog:
    """Refused requests in arrival order; tests consume the ones they provoked on purpose."""

    def __init__(self) -> None:
        self._items: list[Violation] = []

    def record(self, violation: Violation) -> None:
        log.warning("discord violation: %s", violation.describe())
        self._items.append(violation)

    def take(self, *, code: int | None = None, status: int | None = None) -> list[Violation]:
        """Remove and return the violations matching ``code``/``status`` (all when both None)."""
        taken = [
            v
            for v in self._items
            if (code is None or v.code == code) and (status is None or v.status == status)
        ]
        self._items = [v for v in self._items if v not in taken]
        return taken

    def clear(self) -> None:
        self._items.clear()

    def describe(self) -> str:
        return "\n".join(v.describe() for v in self._items)

    def __iter__(self) -> Iterator[Violation]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)
