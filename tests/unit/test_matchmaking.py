"""Matchmaking waves: worked examples of the rules, input validation, wave timing, map choice."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evoladder.domain.matchmaking import (
    MapPicker,
    QueueEntry,
    RaceChoice,
    WaveResult,
    choose_map,
    next_wave_at,
    pair_cost,
    run_wave,
    window,
)


def bw(player: int, mmr: int, waits: int = 0, last: int | None = None) -> QueueEntry:
    return QueueEntry(player, RaceChoice("bw_zerg", mmr), None, waits, last_opponent=last)


def sc2(player: int, mmr: int, waits: int = 0, last: int | None = None) -> QueueEntry:
    return QueueEntry(player, None, RaceChoice("sc2_protoss", mmr), waits, last_opponent=last)


def both(player: int, bw_mmr: int, sc2_mmr: int, waits: int = 0) -> QueueEntry:
    return QueueEntry(
        player, RaceChoice("bw_terran", bw_mmr), RaceChoice("sc2_terran", sc2_mmr), waits
    )


def pairs_of(result: WaveResult) -> set[tuple[int, int]]:
    return {(p.bw_player, p.sc2_player) for p in result.pairs}


# --- windows and waves -----------------------------------------------------------------------


def test_window_grows_by_50_per_wave() -> None:
    assert [window(w) for w in range(4)] == [100, 150, 200, 250]


@pytest.mark.parametrize(
    ("now", "expected"),
    [(0.0, 45.0), (44.999, 45.0), (45.0, 90.0), (46.0, 90.0), (1_700_000_010.0, 1_700_000_055.0)],
)
def test_next_wave_is_on_the_epoch_grid_and_strictly_later(now: float, expected: float) -> None:
    assert next_wave_at(now) == expected


def test_next_wave_with_another_interval() -> None:
    assert next_wave_at(61.0, interval=60) == 120.0


def test_an_empty_queue_gives_an_empty_exact_wave() -> None:
    assert run_wave([]) == WaveResult((), (), 0, 0, True)


# --- who may meet whom ----------------------------------------------------------------------


def test_the_wave_counts_first_so_fresh_entries_have_a_window_of_150() -> None:
    # waits 0 -> 1 before pairing: window(1) = 150.
    inside = run_wave([bw(1, 1500), sc2(2, 1650)])
    assert pairs_of(inside) == {(1, 2)}
    assert inside.pairs[0].gap == 150
    assert inside.pairs[0].cost == pair_cost(150, 1, 1) == 150**2 - 40
    outside = run_wave([bw(1, 1500), sc2(2, 1651)])
    assert outside.pairs == ()
    assert [e.waits for e in outside.waiting] == [1, 1]


def test_the_window_grows_with_every_wave_until_the_pair_fits() -> None:
    queue = [bw(1, 1500), sc2(2, 1740)]  # gap 240: needs window(3) = 250
    waves = 0
    while True:
        waves += 1
        result = run_wave(queue)
        if result.pairs:
            break
        queue = list(result.waiting)
    assert waves == 3
    assert result.pairs[0].cost == 240**2 - 20 * (3 + 3)


def test_a_pair_needs_only_one_of_the_two_windows() -> None:
    # Player 1 has waited 5 waves (window(6) = 400); player 2 is new (window 150).
    result = run_wave([bw(1, 1500, waits=5), sc2(2, 1880)])
    assert pairs_of(result) == {(1, 2)}


def test_bw_never_meets_bw() -> None:
    assert run_wave([bw(1, 1500), bw(2, 1500)]).pairs == ()
    assert run_wave([sc2(1, 1500), sc2(2, 1500)]).pairs == ()


def test_each_side_uses_the_mmr_of_the_race_on_that_side() -> None:
    # Player 1 is 1200 as BW and 1800 as SC2: it meets the BW 1800 player on its SC2 side.
    result = run_wave([both(1, 1200, 1800), bw(2, 1800)])
    (pair,) = result.pairs
    assert (pair.bw_player, pair.bw_mmr, pair.sc2_player, pair.sc2_mmr) == (2, 1800, 1, 1800)
    assert (pair.bw_race, pair.sc2_race) == ("bw_zerg", "sc2_terran")


def test_a_two_race_player_never_meets_themselves() -> None:
    assert run_wave([both(1, 1500, 1500)]).pairs == ()


def test_two_two_race_players_meet_once() -> None:
    result = run_wave([both(1, 1500, 1500), both(2, 1500, 1500)])
    assert len(result.pairs) == 1
    assert {result.pairs[0].bw_player, result.pairs[0].sc2_player} == {1, 2}


def test_a_two_race_player_is_used_on_one_side_only() -> None:
    # Two BW, one SC2 and one two-race player: two pairs, the two-race player plays SC2 once.
    result = run_wave([both(1, 1500, 1500), bw(2, 1500), bw(3, 1500), sc2(4, 1500)])
    assert len(result.pairs) == 2
    used = [p.bw_player for p in result.pairs] + [p.sc2_player for p in result.pairs]
    assert sorted(used) == [1, 2, 3, 4]
    assert 1 in {p.sc2_player for p in result.pairs}


# --- what is optimal --------------------------------------------------------------------------


def test_as_many_pairs_as_possible_before_the_smallest_gaps() -> None:
    # 1-3 (gap 50) is the cheapest pair, but then 4 has nobody (2-4 is 300 apart); 1-4 (gap 100)
    # and 2-3 (gap 150) match everyone.
    result = run_wave([bw(1, 1500), bw(2, 1700), sc2(3, 1550), sc2(4, 1400)])
    assert pairs_of(result) == {(1, 4), (2, 3)}
    assert result.exact


def test_smaller_gaps_win_when_the_pair_count_is_the_same() -> None:
    result = run_wave([bw(1, 1500), bw(2, 1600), sc2(3, 1510), sc2(4, 1590)])
    assert pairs_of(result) == {(1, 3), (2, 4)}
    assert result.total_cost == 10**2 + 10**2 - 20 * 4


def test_unbalanced_sides_match_the_long_waiter_at_equal_gap() -> None:
    result = run_wave([bw(1, 1500, waits=0), bw(2, 1500, waits=5), sc2(3, 1500)])
    assert pairs_of(result) == {(2, 3)}
    assert [e.player for e in result.waiting] == [1]


def test_a_long_waiter_is_preferred_while_its_extra_gap_costs_less_than_its_waits() -> None:
    # Waits after the increment: long waiter 6, new player 1, SC2 player 1. The long waiter
    # costs gap^2 - 20 * 7, the new player (gap 0) costs -20 * 2: the long waiter wins while
    # gap^2 < 100.
    near = run_wave([bw(1, 1500), bw(2, 1509, waits=5), sc2(3, 1500)])
    assert pairs_of(near) == {(2, 3)}
    far = run_wave([bw(1, 1500), bw(2, 1511, waits=5), sc2(3, 1500)])
    assert pairs_of(far) == {(1, 3)}


def test_no_rematch_when_another_opponent_is_available() -> None:
    result = run_wave([bw(1, 1500, last=2), sc2(2, 1500, last=1), sc2(3, 1540)])
    assert pairs_of(result) == {(1, 3)}


def test_a_rematch_on_one_side_only_still_counts() -> None:
    result = run_wave([bw(1, 1500, last=2), sc2(2, 1500), sc2(3, 1540)])
    assert pairs_of(result) == {(1, 3)}


def test_a_rematch_is_allowed_when_it_is_the_only_pairing() -> None:
    result = run_wave([bw(1, 1500, last=2), sc2(2, 1500, last=1)])
    assert pairs_of(result) == {(1, 2)}


def test_a_rematch_is_used_when_avoiding_it_would_leave_players_waiting() -> None:
    # 1-2 is a rematch; 1-3 is not. Player 4 can only meet 3. Avoiding the rematch gives one
    # pair (1-3); using it gives two (1-2, 4-3): the pair count comes first.
    queue = [bw(1, 1500, last=2), sc2(2, 1500, last=1), sc2(3, 1600), bw(4, 1700)]
    assert pairs_of(run_wave(queue)) == {(1, 2), (4, 3)}


# --- the result ------------------------------------------------------------------------------


def test_waiting_entries_come_back_with_one_more_wait_in_input_order() -> None:
    queue = [sc2(5, 3000, waits=2), bw(1, 1500), sc2(2, 1500), bw(9, 100, waits=7)]
    result = run_wave(queue)
    assert [(e.player, e.waits) for e in result.waiting] == [(5, 3), (9, 8)]


def test_the_result_does_not_depend_on_the_input_order() -> None:
    queue = [bw(i, 1400 + 13 * i, waits=i % 4) for i in range(1, 12)]
    queue += [sc2(100 + i, 1420 + 11 * i, waits=i % 3) for i in range(1, 10)]
    queue += [both(200 + i, 1400 + 17 * i, 1450 + 7 * i) for i in range(1, 5)]
    first = run_wave(queue)
    shuffled = list(queue)
    random.Random(7).shuffle(shuffled)
    second = run_wave(shuffled)
    assert pairs_of(first) == pairs_of(second)
    assert first.total_cost == second.total_cost


def test_pairs_come_longest_combined_wait_first() -> None:
    result = run_wave([bw(1, 1500), sc2(2, 1500), bw(3, 2000, waits=4), sc2(4, 2000, waits=2)])
    assert [p.bw_player for p in result.pairs] == [3, 1]


# --- validation ------------------------------------------------------------------------------


def test_an_entry_without_a_race_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="neither"):
        run_wave([QueueEntry(1, None, None, 0)])


def test_a_player_queued_twice_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="two queue entries"):
        run_wave([bw(1, 1500), sc2(1, 1500)])


def test_negative_waits_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="negative"):
        run_wave([bw(1, 1500, waits=-1)])


# --- map choice ------------------------------------------------------------------------------

POOL = ("Fighting Spirit", "Circuit Breaker", "Polypoid", "Eclipse", "Neo Sylphid")


def draws(n: int, **kwargs: object) -> Counter[str]:
    rng = random.Random(1234)
    args = {"vetoes_a": (), "vetoes_b": (), "recent_a": (), "recent_b": ()} | kwargs
    return Counter(choose_map(POOL, rng=rng, **args) for _ in range(n))  # type: ignore[arg-type]


def test_a_vetoed_map_is_never_chosen() -> None:
    counts = draws(2000, vetoes_a={"Polypoid"}, vetoes_b={"Eclipse", "Fighting Spirit"})
    assert set(counts) == {"Circuit Breaker", "Neo Sylphid"}


def test_when_vetoes_remove_every_map_the_whole_pool_is_used() -> None:
    counts = draws(2000, vetoes_a=set(POOL[:3]), vetoes_b=set(POOL[2:]))
    assert set(counts) == set(POOL)


def test_recent_maps_are_weighted_down() -> None:
    # Weights: 1 / (1 + times seen recently by either player). Polypoid was seen once
    # (weight 1/2), Eclipse twice (1/3), the other three not at all (1).
    counts = draws(29_000, recent_a=["Polypoid", "Eclipse"], recent_b=["Eclipse"])
    total_weight = 3 + 1 / 2 + 1 / 3
    for name, weight in [("Polypoid", 1 / 2), ("Eclipse", 1 / 3), ("Neo Sylphid", 1.0)]:
        expected = 29_000 * weight / total_weight
        assert abs(counts[name] - expected) < 0.06 * expected, (name, counts[name], expected)
    assert counts["Eclipse"] < counts["Polypoid"] < counts["Neo Sylphid"]


def test_map_choice_is_deterministic_for_a_seed() -> None:
    def seq(seed: int) -> list[str]:
        rng = random.Random(seed)
        return [choose_map(POOL, (), (), ["Eclipse"], (), rng) for _ in range(50)]

    assert seq(99) == seq(99)
    assert seq(99) != seq(100)


def test_duplicate_pool_entries_count_once() -> None:
    rng = random.Random(5)
    counts = Counter(choose_map(["A", "A", "A", "B"], (), (), (), (), rng) for _ in range(4000))
    assert abs(counts["A"] - counts["B"]) < 300


def test_an_empty_pool_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no maps"):
        choose_map([], (), (), (), (), random.Random(0))


@settings(max_examples=200, deadline=None)
@given(
    vetoes_a=st.sets(st.sampled_from(POOL), max_size=4),
    vetoes_b=st.sets(st.sampled_from(POOL), max_size=4),
    recent_a=st.lists(st.sampled_from(POOL), max_size=3),
    recent_b=st.lists(st.sampled_from(POOL), max_size=3),
    seed=st.integers(0, 2**32),
)
def test_the_picker_draws_what_random_choices_draws(
    vetoes_a: set[str], vetoes_b: set[str], recent_a: list[str], recent_b: list[str], seed: int
) -> None:
    """MapPicker skips rng.choices' per-call work; the maps drawn from a seed stay the same."""
    allowed = [m for m in POOL if m not in vetoes_a | vetoes_b] or list(POOL)
    recent = recent_a + recent_b
    reference = random.Random(seed).choices(
        allowed, weights=[1 / (1 + recent.count(m)) for m in allowed], k=1
    )[0]
    picker = MapPicker(POOL)
    assert picker.pick(vetoes_a, vetoes_b, recent_a, recent_b, random.Random(seed)) == reference
