"""A cache key that stands for one object by its identity (for render caches keyed on values the
services hand out as shared, unchanging objects: a leaderboard page, the game data)."""

from __future__ import annotations


class Same:
    """Equal only to a key of the very same object (hashed by identity). The cache holding the
    key keeps the object alive, so its id cannot be reused while cached."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __hash__(self) -> int:
        return id(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.value is self.value
