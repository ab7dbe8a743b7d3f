"""The cached player record the command guard reads (DESIGN section 3).

Why a cache: the guard runs before every command and every button; reading the player from the
database each time would cost a round trip per click. Why it is safe: every writer of a player
(terms, setup, country, activation, aborts, ban, username, state) calls
``ReadModelSink.player_changed`` after its commit, which lands in ``invalidate`` here, so the next
read goes to the database. The TTL (``EVOLADDER_PLAYER_CACHE_TTL_SECONDS``, default 900 s, 0 turns
the cache off) bounds the damage of a write that forgot to invalidate, or of a second process.

A load racing a write: the ticket rule of :class:`~evoladder.services.ttl_cache.TtlCache`, of
which this is one configuration (the statistics cache is the other).

Sharing: records are frozen dataclasses, so ``get`` hands out the cached record itself; nothing
can change it by accident. (Earlier versions copied it on every ``get`` against even deliberate
``object.__setattr__``: 22 fields on every guard check and every profile, ~10 us a command in the
bot's cold path, for a misuse no code makes.)
"""

from __future__ import annotations

import time
from collections.abc import Callable

from evoladder.domain.players import Player
from evoladder.services.ttl_cache import CacheStats, Ticket, TtlCache

__all__ = ["DEFAULT_MAX_ENTRIES", "CacheStats", "PlayerCache", "Ticket"]

DEFAULT_MAX_ENTRIES = 200_000


class PlayerCache(TtlCache[Player]):
    """uid -> the player's record (a record stored with another player's ticket is refused)."""

    def __init__(
        self,
        ttl_seconds: float,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        ticker: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(ttl_seconds, max_entries=max_entries, ticker=ticker, owner=_uid)


def _uid(player: Player) -> int:
    return player.discord_uid
