"""The leaderboard's shared, prebuilt parts never leak one board's state into another's.

Select options are prebuilt once per game data, a state's custom ids share one encoding, and a
board's embed and controls are kept per page object in the leaderboard service's renderings: each
must give exactly what building afresh would.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import discord

from evoladder.bot.components.leaderboard import (
    ACTIONS,
    BEST_VALUE,
    BoardControl,
    BoardState,
    apply,
    board_components,
    board_reply,
    controls,
    encode,
    encoder,
)
from evoladder.bot.components.payload import PayloadView
from evoladder.bot.render import leaderboard as render
from evoladder.bot.render.accounts import flag
from evoladder.domain.leaderboard import Entry, LeaderboardFilter, Page, to_us
from evoladder.game import load_game_data
from evoladder.i18n.text import leaderboard as text
from evoladder.services.leaderboard import LeaderboardView
from evoladder.services.renderings import Renderings

GAME = load_game_data()
OWNER = 123_456_789_012_345_678
STATES = (
    BoardState(OWNER),
    BoardState(OWNER, page=7, races=frozenset({"bw_zerg", "sc2_terran"}), countries=frozenset({"KR", "US"}),
               letter="B", best_only=True),
    BoardState(OWNER, countries=frozenset({"DE"}), letter="S"),
)


def selects(view: discord.ui.View) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for child in view.children:
        if isinstance(child, BoardControl) and isinstance(child.item, discord.ui.Select):
            found[child.action] = child.item
    return found


def defaults(select: Any) -> set[str]:
    return {o.value for o in select.options if o.default}


def test_the_shared_encoding_gives_the_ids_encode_gives() -> None:
    for state in STATES:
        ids = encoder(state, GAME)
        for action in sorted(ACTIONS):
            assert ids(action) == encode(state, action, GAME)


def test_prebuilt_options_show_only_this_boards_choices() -> None:
    chosen = controls(STATES[1], 10, GAME)
    plain = controls(STATES[0], 10, GAME)  # built after: must not inherit the picks above
    again = controls(STATES[1], 10, GAME)
    for view, state in ((chosen, STATES[1]), (plain, STATES[0]), (again, STATES[1])):
        found = selects(view)
        assert defaults(found["race"]) == set(state.races) | ({BEST_VALUE} if state.best_only else set())
        assert defaults(found["c1"]) | defaults(found["c2"]) == set(state.countries)
        assert defaults(found["rank"]) == {state.letter or "any"}
    # Each board gets its own option lists (and items): changing one leaves the others alone.
    selects(plain)["c1"].options.clear()
    assert len(selects(controls(STATES[0], 10, GAME))["c1"].options) == 25
    assert selects(chosen)["c1"] is not selects(again)["c1"]


def test_a_cached_row_is_the_row_that_would_be_built() -> None:
    at = datetime(2026, 11, 22, tzinfo=UTC)
    entry = Entry(3, 12, "A", 77, "bw_zerg", "KR", "Maru_*", 2100, to_us(at))
    fresh = text.ROW.format(rank="#12", letter="A", race=render.short_race(GAME, "bw_zerg"), mmr=2100,
                            flag=flag("KR"), name=render.cell_name("Maru_*"))
    assert render.row(entry, GAME, None) == render.row(entry, GAME, None) == fresh
    # Anything the line shows is part of its key: a change is never served from the cache.
    assert "**" in render.row(entry, GAME, 77) and "**" not in render.row(entry, GAME, None)
    assert "2125" in render.row(entry._replace(mmr=2125), GAME, None)
    assert "Rogue" in render.row(entry._replace(name="Rogue"), GAME, None)
    assert "#13" in render.row(entry._replace(global_rank=13), GAME, None)
    assert flag("US") in render.row(entry._replace(country="US"), GAME, None)
    assert len(render.row(entry._replace(name="x" * 40), GAME, None, 4)) < len(
        render.row(entry._replace(name="x" * 40), GAME, None)
    )


def test_the_board_json_is_what_the_items_would_send() -> None:
    """``board_components`` (sent) must equal ``controls(...).to_components()`` (discord.py's own)."""
    for state in STATES:
        for pages in (1, 7, 10):
            assert board_components(state, pages, GAME) == controls(state, pages, GAME).to_components()
    reply_view = board_reply(STATES[1], _view_of(STATES[1], pages=9), GAME, Renderings()).view
    assert isinstance(reply_view, PayloadView) and reply_view.is_finished()
    assert reply_view.to_components() == controls(STATES[1], 9, GAME).to_components()


def test_the_same_board_state_shares_its_controls() -> None:
    kept = Renderings()
    view = _view_of(STATES[1], pages=10)
    first = board_reply(STATES[1], view, GAME, kept).view
    assert board_reply(STATES[1], view, GAME, kept).view is first  # built once, shared (never changed)
    assert first.to_components() == controls(STATES[1], 10, GAME).to_components()
    other = board_reply(STATES[1], _view_of(STATES[1], pages=11), GAME, kept).view  # another page
    assert other is not first and other.to_components() == controls(STATES[1], 11, GAME).to_components()


def _view_of(state: BoardState, pages: int) -> LeaderboardView:
    flt = LeaderboardFilter(races=state.races, countries=state.countries, letter=state.letter,
                            best_only=state.best_only)
    return LeaderboardView(Page((), state.page, pages, 0, 0, 40), flt, None)


def test_a_page_text_is_kept_per_page_object_and_viewer() -> None:
    at = to_us(datetime(2026, 11, 22, tzinfo=UTC))
    entries = tuple(Entry(i, i, "A", 100 + i, "bw_zerg", "KR", f"P{i}", 2000 - i, at) for i in range(1, 41))
    plain = render.rows_text(entries, GAME, None)
    assert render.rows_text(entries, GAME, 999) == plain  # a viewer not on the page sees the same
    mine = render.rows_text(entries, GAME, 105)
    assert mine != plain and render.rows_text(entries, GAME, 105) == mine
    assert render.rows_text(entries, GAME, None) == plain  # another viewer's bold row did not stick
    moved = tuple(e._replace(mmr=e.mmr + 1) for e in entries)  # a new page object: built afresh
    assert render.rows_text(moved, GAME, None) != plain
    assert str(2000 - 1 + 1) in render.rows_text(moved, GAME, None)


def test_a_board_embed_is_kept_per_page_object_and_viewer() -> None:
    at = to_us(datetime(2026, 11, 22, tzinfo=UTC))
    entries = tuple(Entry(i, i, "A", 100 + i, "bw_zerg", "KR", f"P{i}", 2000 - i, at) for i in range(1, 41))
    flt = LeaderboardFilter()
    page = Page(entries, 1, 3, 120, 120, 40)
    kept = Renderings()

    def board(view: LeaderboardView, viewer: int | None) -> discord.Embed:
        return kept.get(view.page, render.board_key(view, viewer), lambda: render.board(view, GAME, viewer))

    first = board(LeaderboardView(page, flt, None), None)
    assert board(LeaderboardView(page, flt, None), None) is first
    # The same values in a new page object (the index changed since): built afresh, same text.
    again = board(LeaderboardView(Page(entries, 1, 3, 120, 120, 40), flt, None), None)
    assert again is not first and again.to_dict() == first.to_dict()
    # Another viewer, whose row is on the page, sees it in bold: not the cached embed.
    mine = board(LeaderboardView(page, flt, None), 105)
    assert mine is not first and mine.description != first.description


def test_every_state_a_control_makes_is_a_value() -> None:
    """States key the controls' cache: each one a control makes must be hashable and equal to
    the same state made another way (a race choice once came back as a plain set)."""
    start = STATES[0]
    for action, values in (("race", ["sc2_zerg", "bw_terran", "nonsense"]), ("c1", ["KR"]),
                           ("rank", ["B"]), ("best", []), ("next", []), ("prev", [])):
        state = apply(start, action, values, GAME)
        assert isinstance(state.races, frozenset) and isinstance(state.countries, frozenset)
        assert hash(state) == hash(apply(start, action, list(values), GAME))
    assert apply(start, "race", ["sc2_zerg", "nonsense"], GAME).races == frozenset({"sc2_zerg"})
