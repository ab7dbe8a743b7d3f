"""The pure parts of the rating history: thinning a chart, a season's move toward the start,
and which season a match belongs to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evoladder.domain.history import SeasonSpan, downsample, season_at, toward_start
from evoladder.domain.rating import START_MMR

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_short_history_is_kept_whole() -> None:
    assert downsample([1500 + i for i in range(5)], [1] * 5, 10) == [0, 1, 2, 3, 4]


@given(
    st.lists(st.tuples(st.integers(800, 2500), st.integers(1, 3)), min_size=3, max_size=400),
    st.integers(2, 60),
)
def test_thinning_keeps_ends_extremes_and_season_breaks_within_the_budget(
    raw: list[tuple[int, int]], limit: int
) -> None:
    seasons = sorted(s for _, s in raw)  # seasons only move forward along a history
    ratings = [r for r, _ in raw]
    kept = downsample(ratings, seasons, limit)
    assert kept == sorted(set(kept))
    assert len(kept) <= limit
    assert kept[0] == 0 and kept[-1] == len(ratings) - 1
    if limit < 4:
        return
    assert max(ratings[i] for i in kept) == max(ratings)
    assert min(ratings[i] for i in kept) == min(ratings)
    breaks = [i for i in range(1, len(seasons)) if seasons[i] != seasons[i - 1]]
    if 4 + 2 * len(breaks) <= limit:
        for i in breaks:
            assert i in kept and i - 1 in kept


def test_toward_start_moves_by_the_fraction_and_never_past_the_start() -> None:
    assert toward_start(1800, 0) == 1800
    assert toward_start(1800, 50) == 1650
    assert toward_start(1200, 50) == 1350
    assert toward_start(1555, 50) == 1528  # 27.5 -> 27: rounded toward where it came from
    assert toward_start(1445, 50) == 1472
    assert toward_start(1800, 100) == START_MMR
    assert toward_start(START_MMR, 30) == START_MMR
    with pytest.raises(ValueError, match="percent"):
        toward_start(1500, 101)


def test_a_match_belongs_to_the_newest_season_started_by_then() -> None:
    spans = [SeasonSpan(1, T0), SeasonSpan(2, T0 + timedelta(days=30))]
    assert season_at(spans, T0 - timedelta(days=5)) == 1  # older than every season: the first
    assert season_at(spans, T0 + timedelta(days=29)) == 1
    assert season_at(spans, T0 + timedelta(days=30)) == 2
