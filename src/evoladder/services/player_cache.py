"""The cached player record the command guard reads (DESIGN section 3).

Why a cache: the guard runs before every command and every button; reading the player from the
database each time would cost a round trip per click. Why it is safe: every writer of a player
(terms, setup, country, activation, aborts, ban, username, state) calls
``ReadModelSink.player_changed`` after its commit, which lands in ``invalidate`` here, so the next
read goes to the database. The TTL (``EVOLADDER_PLAYER_CACHE_TTL_SECONDS``, default 900 s, 0 turns
the cache off) bounds the damage of a write that forgot to invalidate, or of a second process.

A load racing a write: a reader takes a ``ticket`` before it reads the database and hands it back
with the record; an invalidation in between voids the ticket, so a record read before a commit is
never stored after that commit's invalidation.

Sharing: records are frozen dataclasses, so ``get`` hands out the cached record itself; nothing
can change it by accident. (Earlier versions copied it on every ``get`` against even deliberate
``object.__setattr__``: 22 fields on every guard check and every profile, ~10 us a command in the
bot's cold path, for a misuse no code makes.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from evoladder.domain.players import Player

DEFAULT_MAX_ENTRIES = 200_000


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


class Tickets:
    """The outstanding tickets of a cache (one per player): the rule that a value read before an
    invalidation is never stored after it, shared by the caches that are loaded from the database."""

    __slots__ = ("_open",)

    def __init__(self) -> None:
        self._open: dict[int, Ticket] = {}

    def take(self, discord_uid: int) -> Ticket:
        """Take before reading the database; a later ``take`` or ``void`` for the player voids it."""
        ticket = Ticket(discord_uid)
        self._open[discord_uid] = ticket
        return ticket

    def redeem(self, ticket: Ticket) -> bool:
        """True (once) when nothing voided ``ticket`` since it was taken."""
        if self._open.get(ticket.discord_uid) is not ticket:
            return False
        del self._open[ticket.discord_uid]
        return True

    def void(self, discord_uid: int) -> None:
        self._open.pop(discord_uid, None)

    def clear(self) -> None:
        self._open.clear()


class PlayerCache:
    """uid -> (player, stored_at); entries expire after ``ttl_seconds`` of their own age.

    Entries sit in insertion order (a dict), and a re-store moves an entry to the end, so the
    oldest entries are at the front: expired ones are trimmed from there in O(1) each, and the
    size bound evicts the least recently stored.
    """

    def __init__(
        self,
        ttl_seconds: float,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        ticker: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._max = max_entries
        self._ticker = ticker
        self._entries: dict[int, tuple[Player, float]] = {}
        self._tickets = Tickets()
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.ttl_seconds > 0

    def get(self, discord_uid: int) -> Player | None:
        """The fresh cached record, or None (a miss: the caller loads and ``put``s)."""
        entry = self._entries.get(discord_uid)
        if entry is not None:
            if self._ticker() - entry[1] < self.ttl_seconds:
                self.hits += 1
                return entry[0]
            del self._entries[discord_uid]
        self.misses += 1
        return None

    def ticket(self, discord_uid: int) -> Ticket:
        """Take before reading the database; pass to ``put`` with what was read."""
        return self._tickets.take(discord_uid)

    def put(self, player: Player, ticket: Ticket) -> bool:
        """Store ``player`` unless an invalidation happened since ``ticket``; True when stored."""
        uid = player.discord_uid
        if ticket.discord_uid != uid or not self._tickets.redeem(ticket):
            return False
        if not self.enabled:
            return False
        now = self._ticker()
        self._entries.pop(uid, None)
        self._entries[uid] = (player, now)
        self._trim(now)
        return True

    def invalidate(self, discord_uid: int) -> None:
        self._entries.pop(discord_uid, None)
        self._tickets.void(discord_uid)

    def clear(self) -> None:
        self._entries.clear()
        self._tickets.clear()

    def stats(self) -> CacheStats:
        self._trim(self._ticker())
        return CacheStats(len(self._entries), self.hits, self.misses, self.ttl_seconds)

    def _trim(self, now: float) -> None:
        entries = self._entries
        while entries:
            uid, (_player, stored) = next(iter(entries.items()))
            if now - stored < self.ttl_seconds and len(entries) <= self._max:
                return
            del entries[uid]
