"""The account features' pure pieces at their limits: the leaderboard state in a custom id, the
board within Discord's embed limits, flags, and what /prune keeps.

The end-to-end tests drive the same code through the local Discord; these pin the worst cases
that a journey would not reach (a 20-digit id with 20 countries, 40 rows of the longest names).
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from evoladder.bot.cogs.prune import MAX_DELETES, Keep, PrunePlan
from evoladder.bot.components.leaderboard import (
    MAX_COUNTRIES,
    BoardControl,
    BoardState,
    apply,
    decode,
    encode,
)
from evoladder.bot.render import leaderboard as render
from evoladder.bot.render.accounts import country_pages, flag
from evoladder.domain.errors import ValidationError
from evoladder.domain.leaderboard import Entry, LeaderboardFilter, Page, Position, to_us
from evoladder.game import GameData, load_game_data
from evoladder.services.leaderboard import LeaderboardView

TEMPLATE = BoardControl.__discord_ui_compiled_template__
OWNER = 2**64 - 1  # the largest snowflake: 20 digits


@pytest.fixture(scope="module")
def game() -> GameData:
    return load_game_data()


def test_the_fullest_board_state_fits_a_custom_id_and_comes_back_equal(game: GameData) -> None:
    countries = frozenset(sorted(game.countries)[:MAX_COUNTRIES])
    state = BoardState(OWNER, 999_999, frozenset(game.races), countries, "S", True)
    for action in ("prev", "next", "goto", "me", "clear", "best", "race", "c1", "c2", "rank"):
        value = encode(state, action, game)
        assert len(value) <= 100
        match = TEMPLATE.fullmatch(value)
        assert match is not None and match["action"] == action
        assert decode(match, game) == state
    empty = BoardState(1)
    match = TEMPLATE.fullmatch(encode(empty, "next", game))
    assert match is not None and decode(match, game) == empty


def test_country_pages_replace_only_their_own_countries(game: GameData) -> None:
    first, second = country_pages(game)
    assert len(first) == len(second) == 25 and second[-1].code == "ZZ"
    state = BoardState(1, page=3, countries=frozenset({"TH", first[0].code}))
    after = apply(state, "c2", [second[0].code], game)
    assert after.countries == {"TH", first[0].code, second[0].code} and after.page == 1
    cleared = apply(after, "c1", [], game)
    assert cleared.countries == {"TH", second[0].code}
    too_many = BoardState(1, countries=frozenset(c.code for c in second[:MAX_COUNTRIES]))
    with pytest.raises(ValidationError):
        apply(too_many, "c1", [first[0].code], game)
    assert apply(state, "race", ["bw_zerg", "not_a_race"], game).races == {"bw_zerg"}
    assert apply(state, "rank", ["any"], game).letter is None


def test_forty_rows_of_the_longest_names_stay_within_discords_limits(game: GameData) -> None:
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    name = "_*~`|>" * 6  # 36 characters of markdown to escape
    entries = tuple(
        Entry(i, 100_000 + i, "S", 10**18 + i, "sc2_protoss", "KR", name, 9999, to_us(moment))
        for i in range(1, 41)
    )
    page = Page(entries, 2500, 2500, 100_000, 100_000, 40)
    flt = LeaderboardFilter(frozenset(game.races), frozenset(sorted(game.countries)[:20]), "S", True)
    view = LeaderboardView(page, flt, Position(99_999, 2500, "sc2_protoss"))
    embed = render.board(view, game, viewer_uid=10**18 + 3)
    assert embed.description is not None
    assert render.discord_length(embed.description) <= 4096
    assert len(embed) <= 6000 and all(len(str(f.value)) <= 1024 for f in embed.fields)
    assert embed.description.count("\n") == 40  # the header and 40 rows, none dropped


def test_flags() -> None:
    assert flag("KR") == "🇰🇷" and flag("FR") == "🇫🇷"
    assert flag("ZZ") == "🌐"
    assert flag("XX") == flag(None) == flag("") == "🏳️"


def _message(mid: int, custom_ids: tuple[str, ...] = (), interacted: int | None = None) -> Any:
    row = SimpleNamespace(children=[SimpleNamespace(custom_id=c) for c in custom_ids])
    metadata = SimpleNamespace(interacted_message_id=interacted) if interacted else None
    return SimpleNamespace(id=mid, components=[row], interaction_metadata=metadata)


def test_prune_keeps_the_open_match_three_ways_and_the_queue_while_queueing() -> None:
    keep = Keep(frozenset({7}), frozenset({100}), queueing=True)
    assert keep.keeps(_message(100))  # tracked for match 7
    assert keep.keeps(_message(101, ("evo:match:7:abort",)))
    assert keep.keeps(_message(102, interacted=100))  # a reply to a click on the match message
    assert keep.keeps(_message(103, ("evo:queue:cancel",)))
    assert not keep.keeps(_message(104, ("evo:match:6:abort",)))  # another (closed) match
    assert not keep.keeps(_message(105, ("evo:tos:accept",)))
    idle = Keep(frozenset(), frozenset(), queueing=False)
    assert not idle.keeps(_message(103, ("evo:queue:cancel",)))


def test_prune_plan_stops_at_its_cap_and_says_there_is_more() -> None:
    plan = PrunePlan()
    for i in range(MAX_DELETES):
        assert plan.add(1, i)
    assert plan.add(1, 0) and not plan.more  # a repeat is not a new target
    assert not plan.add(1, MAX_DELETES) and plan.more
    assert len(plan.targets) == MAX_DELETES
