"""The leaderboard read model over a real database (SQLite and PostgreSQL).

The live board comes from ``build_services`` (``accountkit``); two tests build a second
``LeaderboardService`` over the same database on purpose, as a restarted process would, to
compare it with the live one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from accountkit import ADMIN, Stack, rated, register, started_stack

from evoladder.domain.errors import UnknownCountry, UnknownRace, UnknownRankLetter
from evoladder.domain.leaderboard import IndexBuilder
from evoladder.domain.players import MmrRow
from evoladder.services.leaderboard import LeaderboardService
from evoladder.store.uow import Database

BASE = 444_444_444_444_444_000


@pytest.fixture
async def stack(db: Database) -> Stack:
    return await started_stack(db)


async def seed(s: Stack) -> None:
    """Six players, two countries, rows of several ages, one banned, one never played."""
    countries = ["KR", "KR", "KR", "US", "US", "US"]
    for i, country in enumerate(countries):
        await register(s, BASE + i, f"Player{'abcdef'[i]}", country=country, region="NAE")
    for i in range(5):
        await rated(s, BASE + i, "bw_zerg", 10 * i)
    await rated(s, BASE + 1, "sc2_terran", 100)  # BASE+1's best row
    s.clock.advance(days=10)
    await rated(s, BASE + 4, "sc2_protoss", -50)  # newer


async def test_build_streams_the_database_into_the_same_board(stack: Stack) -> None:
    await seed(stack)
    await stack.admin.ban(ADMIN, BASE + 2, "test ban")
    live = stack.leaderboard.page()
    rebuilt = LeaderboardService(db=stack.db, clock=stack.clock, game=stack.game)
    report = await rebuilt.build()
    assert report.players == 6 and report.ranked_rows == 6  # 7 rows, the banned player's left out
    assert rebuilt.page() == live
    uids = [(e.discord_uid - BASE, e.race) for e in live.page.entries]
    assert uids == [(1, "sc2_terran"), (4, "bw_zerg"), (3, "bw_zerg"), (1, "bw_zerg"),
                    (0, "bw_zerg"), (4, "sc2_protoss")]
    assert [e.name for e in live.page.entries][:2] == ["Playerb", "Playere"]


async def test_time_alone_drops_inactive_rows(stack: Stack) -> None:
    await seed(stack)
    assert stack.leaderboard.ranked_total() == 7
    stack.clock.advance(days=4, seconds=1)  # the first games are now 14 days and 1 s old
    view = stack.leaderboard.page()
    assert view.page.ranked_total == 1 == view.page.total
    assert view.page.entries[0].discord_uid == BASE + 4 and view.page.entries[0].letter == "D"
    assert stack.leaderboard.rank_of(BASE + 1, "sc2_terran") is None
    stack.clock.advance(days=10)
    assert stack.leaderboard.page().page.entries == ()


async def test_filters_positions_and_global_ranks(stack: Stack) -> None:
    await seed(stack)
    kr = stack.leaderboard.page(BASE + 3, countries=["kr"])
    assert [e.discord_uid - BASE for e in kr.page.entries] == [1, 2, 1, 0]
    assert [e.global_rank for e in kr.page.entries] == [1, 4, 5, 6]
    assert kr.viewer is None  # BASE+3 is American
    best = stack.leaderboard.page(BASE + 4, best_only=True)
    assert [(e.discord_uid - BASE, e.race) for e in best.page.entries] == [
        (1, "sc2_terran"), (4, "bw_zerg"), (3, "bw_zerg"), (2, "bw_zerg"), (0, "bw_zerg")
    ]
    assert best.viewer is not None and (best.viewer.position, best.viewer.race) == (2, "bw_zerg")
    protoss = stack.leaderboard.page(BASE + 4, races=["sc2_protoss", "sc2_terran"], countries=["US"])
    assert [e.discord_uid - BASE for e in protoss.page.entries] == [4]
    assert protoss.page.entries[0].global_rank == 7
    # 7 ranked rows: S0 A0 B1 C2 D2 E2 F0, so C is global ranks 2 and 3.
    letter = stack.leaderboard.page(rank_letter="c")
    assert [(e.letter, e.global_rank) for e in letter.page.entries] == [("C", 2), ("C", 3)]


async def test_one_players_filters_never_reach_another_players_view(stack: Stack) -> None:
    await seed(stack)
    everyone = stack.leaderboard.page(BASE)
    narrowed = stack.leaderboard.page(BASE + 1, races=["sc2_terran"], countries=["KR"], best_only=True)
    assert narrowed.page.total == 1
    assert stack.leaderboard.page(BASE) == everyone  # the next viewer gets the full board
    assert everyone.filters.races == frozenset() and narrowed.filters.races == {"sc2_terran"}


async def test_country_and_name_changes_move_rows_between_filters(stack: Stack) -> None:
    await seed(stack)
    await stack.accounts.set_country(BASE, "RU")
    ru = stack.leaderboard.page(countries=["RU"])
    assert [e.discord_uid for e in ru.page.entries] == [BASE]
    assert BASE not in {e.discord_uid for e in stack.leaderboard.page(countries=["KR"]).page.entries}
    await stack.accounts.complete_setup(BASE, "Zergling", "Zergling#123", ["저그왕"], "RU", "EUE")
    assert stack.leaderboard.page(countries=["RU"]).page.entries[0].name == "Zergling"


async def test_my_page_jumps_to_the_viewer(stack: Stack) -> None:
    for i in range(100):
        await register(stack, BASE + i, f"Player{chr(97 + i % 26)}", country="DE")
        await rated(stack, BASE + i, "sc2_zerg", i)
    view = stack.leaderboard.my_page(BASE + 10)
    assert view.viewer is not None and (view.viewer.position, view.viewer.page) == (90, 3)
    assert view.page.page == 3 and view.page.pages == 3 and view.page.total == 100
    assert any(e.discord_uid == BASE + 10 for e in view.page.entries)
    nobody = stack.leaderboard.my_page(BASE + 999)
    assert nobody.viewer is None and nobody.page.page == 1


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"races": ["zerg"]}, UnknownRace), ({"countries": ["XY"]}, UnknownCountry),
     ({"rank_letter": "Q"}, UnknownRankLetter), ({"rank_letter": "U"}, UnknownRankLetter)],
)
async def test_unknown_filter_values_are_typed_errors(
    stack: Stack, kwargs: Mapping[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error) as caught:
        stack.leaderboard.page(**kwargs)  # type: ignore[arg-type]
    assert getattr(caught.value, "message", "")


async def test_updates_that_arrive_during_the_build_are_not_lost(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(stack)
    service = LeaderboardService(db=stack.db, clock=stack.clock, game=stack.game)
    late = MmrRow(999_999, BASE + 5, "bw_terran", 2500, 1, 1, 0, 0, stack.clock.now())
    real_finish = IndexBuilder.finish

    def finish_with_a_write_in_between(builder: IndexBuilder) -> Any:
        service.apply([late])  # a result committed after the snapshot was read
        return real_finish(builder)

    monkeypatch.setattr(IndexBuilder, "finish", finish_with_a_write_in_between)
    await service.build()
    top = service.page().page.entries[0]
    assert (top.discord_uid, top.mmr, top.name) == (BASE + 5, 2500, "Playerf")


async def test_rows_of_a_new_result_rank_immediately(stack: Stack) -> None:
    await seed(stack)
    await register(stack, BASE + 50, "Newcomer", country="BR")
    stack.clock.advance(minutes=1)
    await rated(stack, BASE + 50, "bw_protoss", 500)
    assert stack.leaderboard.rank_of(BASE + 50, "bw_protoss").global_rank == 1  # type: ignore[union-attr]
    assert stack.leaderboard.page(countries=["BR"]).page.entries[0].last_played == stack.clock.now()
