"""The cached player record: TTL, invalidation, copies, load races and statistics (no database)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from accountkit import FakeTicker

from evoladder.domain.players import Player, PlayerState
from evoladder.services.player_cache import PlayerCache

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def player(uid: int = 1, name: str = "p") -> Player:
    return Player(
        id=uid, discord_uid=uid, discord_username=name, main_id=None, battletag=None, alt_ids=("테란왕",),
        country="KR", region=None, terms_accepted_at=NOW, terms_declined_at=None,
        completed_setup_date=None, activated_at=None, quickstart_acknowledged_at=None, is_banned=False,
        ban_reason=None, aborts_left=3, aborts_period=202611, state=PlayerState.IDLE,
        current_match_id=None, created_at=NOW, updated_at=NOW, version=1,
    )


def cache_with(ticker: FakeTicker, ttl: float = 900, **kw: int) -> PlayerCache:
    return PlayerCache(ttl, ticker=ticker, **kw)


def load(cache: PlayerCache, p: Player) -> bool:
    return cache.put(p, cache.ticket(p.discord_uid))


def test_hit_within_ttl_and_miss_after() -> None:
    ticker = FakeTicker()
    cache = cache_with(ticker)
    assert cache.get(1) is None
    assert load(cache, player())
    ticker.t += 899.9
    assert cache.get(1) == player()
    ticker.t += 0.1
    assert cache.get(1) is None  # 900 s old: expired
    stats = cache.stats()
    assert (stats.cached_players, stats.hits, stats.misses, stats.ttl_seconds) == (0, 1, 2, 900)
    assert stats.hit_rate_percent == pytest.approx(100 / 3)


def test_ttl_zero_turns_the_cache_off() -> None:
    cache = cache_with(FakeTicker(), ttl=0)
    assert not cache.enabled
    assert not load(cache, player())
    assert cache.get(1) is None
    assert cache.stats().cached_players == 0


def test_invalidation_drops_the_record() -> None:
    cache = cache_with(FakeTicker())
    load(cache, player(1))
    load(cache, player(2))
    cache.invalidate(1)
    assert cache.get(1) is None and cache.get(2) is not None
    cache.clear()
    assert cache.get(2) is None


def test_a_load_that_raced_a_write_is_not_stored() -> None:
    """Read before a commit, invalidated by that commit, then stored: must not be kept."""
    cache = cache_with(FakeTicker())
    stale = player(1, "before")
    ticket = cache.ticket(1)  # guard starts reading the database
    cache.invalidate(1)  # a writer commits and invalidates
    assert not cache.put(stale, ticket)
    assert cache.get(1) is None
    # A load that began after the write is stored.
    assert load(cache, player(1, "after"))
    cached = cache.get(1)
    assert cached is not None and cached.discord_username == "after"


def test_get_shares_the_frozen_record() -> None:
    cache = cache_with(FakeTicker())
    original = player()
    load(cache, original)
    got = cache.get(1)
    assert got == original
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.is_banned = True  # type: ignore[misc, union-attr]
    again = cache.get(1)
    assert again is not None and again.is_banned is False


def test_size_bound_evicts_the_oldest_and_stats_trim_expired() -> None:
    ticker = FakeTicker()
    cache = cache_with(ticker, max_entries=3)
    for uid in range(1, 6):
        ticker.t += 1
        load(cache, player(uid))
    assert cache.stats().cached_players == 3
    assert cache.get(1) is None and cache.get(2) is None and cache.get(5) is not None
    ticker.t += 899.5  # entries 3 and 4 are past 900 s, 5 is not
    assert cache.stats().cached_players == 1
