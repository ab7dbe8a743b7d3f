"""The profile statistics cache: when an entry is served and when it is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from evoladder.domain.records import Record
from evoladder.services.stats_cache import StatsCache
from evoladder.store.repositories.stats import PlayerStats, RaceStats

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


class Ticker:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def stats(expires_at: datetime | None = None) -> PlayerStats:
    race = RaceStats("bw_zerg", Record(1, 0, 0), {14: Record(1, 0, 0)}, NOW, expires_at)
    return PlayerStats({}, {"bw_zerg": race})


def stored(cache: StatsCache, uid: int, value: PlayerStats) -> bool:
    return cache.put(value, cache.ticket(uid))


def test_an_entry_is_served_until_its_window_moves() -> None:
    cache = StatsCache(900)
    value = stats(expires_at=NOW + timedelta(hours=1))
    assert cache.get(1, NOW) is None and stored(cache, 1, value)
    assert cache.get(1, NOW + timedelta(minutes=59)) is value
    assert cache.get(1, NOW + timedelta(hours=1)) is None  # the oldest match left a window
    assert cache.get(1, NOW) is None  # and the entry is gone, not only hidden
    assert (cache.hits, cache.misses) == (1, 3)


def test_statistics_without_recent_matches_do_not_expire_by_time() -> None:
    cache = StatsCache(900)
    assert stored(cache, 1, stats(expires_at=None))
    assert cache.get(1, NOW + timedelta(days=3650)) is not None


def test_the_ttl_bounds_an_entry_and_zero_turns_the_cache_off() -> None:
    ticker = Ticker()
    cache = StatsCache(60, ticker=ticker)
    assert stored(cache, 1, stats())
    ticker.t += 59.9
    assert cache.get(1, NOW) is not None
    ticker.t += 0.1
    assert cache.get(1, NOW) is None
    off = StatsCache(0)
    assert not stored(off, 1, stats()) and off.get(1, NOW) is None


def test_an_invalidation_voids_the_ticket_of_a_read_in_flight() -> None:
    cache = StatsCache(900)
    ticket = cache.ticket(1)
    cache.invalidate(1)  # a commit announced while the read was running
    assert not cache.put(stats(), ticket) and cache.get(1, NOW) is None
    assert stored(cache, 1, stats())  # the next read is kept
    cache.invalidate(1)
    assert cache.get(1, NOW) is None


def test_the_size_bound_evicts_the_least_recently_stored() -> None:
    cache = StatsCache(900, max_entries=2)
    for uid in (1, 2, 3):
        assert stored(cache, uid, stats())
    assert len(cache) == 2
    assert cache.get(1, NOW) is None
    assert cache.get(2, NOW) is not None and cache.get(3, NOW) is not None


async def test_fill_stores_what_it_read_unless_an_invalidation_came_during_the_read() -> None:
    cache = StatsCache(900)
    value = stats()

    async def read() -> PlayerStats:
        return value

    assert await cache.fill(1, read) is value and cache.get(1, NOW) is value

    async def raced() -> PlayerStats:
        cache.invalidate(2)  # a write to player 2 committed while its row was being read
        return value

    assert await cache.fill(2, raced) is value  # the caller still gets what it read
    assert cache.get(2, NOW) is None  # but it is not kept past the write


async def test_fill_whose_read_fails_keeps_nothing_and_leaves_no_ticket() -> None:
    cache = StatsCache(900)

    async def failing() -> PlayerStats:
        raise LookupError("no such player")

    for uid in range(100):  # a crawler asking for players who do not exist
        with pytest.raises(LookupError):
            await cache.fill(uid, failing)
    assert cache.get(5, NOW) is None and not cache._tickets
