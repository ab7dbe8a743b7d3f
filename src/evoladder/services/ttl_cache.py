"""The one cache of values loaded from the database per player: a TTL, a size bound, and the
ticket rule. The player cache (:mod:`evoladder.services.player_cache`) and the profile statistics
(:mod:`evoladder.services.stats_cache`) are two configurations of it; their modules say why each
exists and what invalidates it.

The ticket rule (a load racing a write): a reader takes a ``ticket`` before it reads the database
and hands it back with what it read; an invalidation in between voids the ticket, so a value read
before a commit is never stored after that commit's invalidation.

Order and bounds: entries sit in insertion order (a dict) and a re-store moves an entry to the
end, so the oldest are at the front: expired ones are trimmed from there in O(1) each, and the size
bound evicts the least recently stored. A value may also say when it goes stale by itself
(``expires``: the statistics' windows move with time); such an entry is not served from then on.

Sharing: values are frozen, so ``get`` hands out the stored value itself.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class CacheStats:
    cached_players: int
    hits: int
    misses: int
    ttl_seconds: float

    @property
    def hit_rate_percent(self) -> float:
        lookups = self.hits + self.misses
        return 100.0 * self.hits / lookups if lookups else 0.0


class Ticket:
    """Proof that no invalidation of one player happened since the load began."""

    __slots__ = ("discord_uid",)

    def __init__(self, discord_uid: int) -> None:
        self.discord_uid = discord_uid


class TtlCache(Generic[V]):
    """uid -> (value, stored_at); see the module doc for when an entry is no longer served.

    ``ttl_seconds`` 0 (or ``max_entries`` 0) turns the cache off: every ``get`` misses and
    ``put`` stores nothing. ``owner`` names the player a value belongs to, when the value knows
    (a ticket for another player is refused); ``expires`` when a value goes stale by itself.
    """

    def __init__(
        self,
        ttl_seconds: float,
        *,
        max_entries: int,
        ticker: Callable[[], float] = time.monotonic,
        owner: Callable[[V], int] | None = None,
        expires: Callable[[V], datetime | None] | None = None,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._max = max_entries
        self._ticker = ticker
        self._owner = owner
        self._expires = expires
        self._entries: dict[int, tuple[V, float]] = {}
        self._tickets: dict[int, Ticket] = {}
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.ttl_seconds > 0 and self._max > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, discord_uid: int, now: datetime | None = None) -> V | None:
        """The fresh value, or None (a miss: the caller loads and ``put``s). ``now`` is the
        clock's time, needed when values expire by themselves."""
        entry = self._entries.get(discord_uid)
        if entry is not None:
            value, stored = entry
            if self._ticker() - stored < self.ttl_seconds and (
                self._expires is None or not _expired(self._expires(value), now)
            ):
                self.hits += 1
                return value
            del self._entries[discord_uid]
        self.misses += 1
        return None

    def ticket(self, discord_uid: int) -> Ticket:
        """Take before reading the database; pass to ``put`` with what was read. A later
        ``ticket`` or ``invalidate`` for the player voids it."""
        ticket = Ticket(discord_uid)
        self._tickets[discord_uid] = ticket
        return ticket

    async def fill(self, discord_uid: int, read: Callable[[], Awaitable[V]]) -> V:
        """``read`` the player's value from the database under a ticket and store it: the one
        way a miss is loaded, so no caller can forget the ticket or take it after the read. A
        read that raises leaves no ticket behind (a crawler asking for unknown players must not
        grow the table)."""
        ticket = self.ticket(discord_uid)
        try:
            value = await read()
        except BaseException:
            if self._tickets.get(discord_uid) is ticket:
                del self._tickets[discord_uid]
            raise
        self.put(value, ticket)
        return value

    def put(self, value: V, ticket: Ticket) -> bool:
        """Store ``value`` unless an invalidation happened since ``ticket``; True when stored."""
        uid = ticket.discord_uid
        if self._owner is not None and self._owner(value) != uid:
            return False
        if self._tickets.get(uid) is not ticket:
            return False
        del self._tickets[uid]
        if not self.enabled:
            return False
        now = self._ticker()
        self._entries.pop(uid, None)
        self._entries[uid] = (value, now)
        self._trim(now)
        return True

    def invalidate(self, discord_uid: int) -> None:
        self._entries.pop(discord_uid, None)
        self._tickets.pop(discord_uid, None)

    def clear(self) -> None:
        self._entries.clear()
        self._tickets.clear()

    def stats(self) -> CacheStats:
        self._trim(self._ticker())
        return CacheStats(len(self._entries), self.hits, self.misses, self.ttl_seconds)

    def _trim(self, now: float) -> None:
        entries = self._entries
        while entries:
            uid, (_value, stored) = next(iter(entries.items()))
            if now - stored < self.ttl_seconds and len(entries) <= self._max:
                return
            del entries[uid]


def _expired(expires_at: datetime | None, now: datetime | None) -> bool:
    return expires_at is not None and (now is None or now >= expires_at)
