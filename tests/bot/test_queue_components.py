"""Unit tests of the queue and match controls that need no Discord: custom ids and their templates,
the picks a queue view carries, the result options, and the searching messages' ordering.

The journeys (``tests/e2e/test_queue_view.py``, ``test_match_journey.py``) cover the same features
through the local Discord server; these pin the rules whose failure would be silent there: two
templates matching one custom id (discord.py would run both handlers), a custom id over 100
characters, a closing edit overtaken by a refresh.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import discord
import pytest

from evoladder.bot.cogs import FEATURE_COGS
from evoladder.bot.cogs.queue import SearchingMessages
from evoladder.bot.components.match import MATCH_ITEMS
from evoladder.bot.components.queue import QUEUE_ITEMS, Picks, queue_reply
from evoladder.bot.deps import BotDeps
from evoladder.bot.outbound import Outbound
from evoladder.bot.render import match as render_match
from evoladder.bot.render import queue as render_queue
from evoladder.domain.match_state import MatchStatus
from evoladder.game import Game, GameData, load_game_data
from evoladder.i18n.text import match as match_text
from evoladder.i18n.text import queue as queue_text
from evoladder.i18n.text import races
from evoladder.services import events as ev
from evoladder.services.queue import MAX_VETOES, QueueOptions, QueueStatus, SearchingView
from evoladder.store.repositories.queue import QueueCounts

NOW = datetime(2026, 3, 30, 18, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def game() -> GameData:
    return load_game_data()


def offer(game: GameData, **last: Any) -> QueueOptions:
    return QueueOptions(
        bw_races=tuple(r.code for r in game.races_of(Game.BW)),
        sc2_races=tuple(r.code for r in game.races_of(Game.SC2)),
        maps=tuple(m.name for m in game.season.maps),
        max_vetoes=MAX_VETOES,
        last_bw_race=last.get("bw"),
        last_sc2_race=last.get("sc2"),
        last_vetoes=tuple(last.get("vetoes", ())),
    )


# --- custom ids -------------------------------------------------------------------------------------


def all_templates() -> list[tuple[str, Any]]:
    items = [item for cog in FEATURE_COGS for item in getattr(cog, "dynamic_items", ())]
    return [(item.__name__, item.__discord_ui_compiled_template__) for item in items]


def custom_ids_of(view: discord.ui.View) -> list[str]:
    return [str(getattr(child, "custom_id", "")) for child in view.children]


def test_every_queue_and_match_custom_id_is_claimed_by_exactly_its_own_template(game: GameData) -> None:
    options = offer(game)
    full = Picks("bw_protoss", "sc2_protoss", options.maps[-MAX_VETOES:])
    queue_view = queue_reply(game, options, full).view
    assert queue_view is not None
    ids = [*custom_ids_of(queue_view), "evo:queue:guide", "evo:queue:leave"]
    ids += [f"evo:match:{2**53}:{action}" for action in ("confirm", "abort", "abort_yes", "result")]
    ids += [f"evo:match:{2**53}:report:{outcome}" for outcome in (0, 1, 2)]
    templates = all_templates()
    for custom_id in ids:
        assert len(custom_id) <= 100
        claimed = [name for name, pattern in templates if pattern.fullmatch(custom_id)]
        assert len(claimed) == 1, (custom_id, claimed)
    registered = {name for name, _ in templates}
    assert {i.__name__ for i in (*QUEUE_ITEMS, *MATCH_ITEMS)} <= registered


def test_picks_round_trip_through_a_custom_id(game: GameData) -> None:
    options = offer(game)
    for picks in (
        Picks(),
        Picks("bw_zerg", None, ()),
        Picks(None, "sc2_terran", (options.maps[0], options.maps[-1])),
        Picks("bw_terran", "sc2_protoss", options.maps[:MAX_VETOES]),
    ):
        assert Picks.decode(picks.encode(options), options) == picks


def test_picks_from_a_stale_view_drop_what_no_longer_exists(game: GameData) -> None:
    options = offer(game)
    smaller = QueueOptions(
        options.bw_races[:1], options.sc2_races, options.maps[:2], MAX_VETOES, None, None, ()
    )
    picks = Picks.decode("3-1-ff", smaller)  # BW race 3 and maps 3..8 are gone
    assert picks == Picks(None, options.sc2_races[0], options.maps[:2])


def test_the_queue_view_preselects_the_remembered_choices(game: GameData) -> None:
    options = offer(game, bw="bw_zerg", vetoes=[game.season.maps[1].name])
    reply = queue_reply(game, options, Picks.remembered(options))
    assert reply.view is not None
    items = [getattr(c, "item", c) for c in reply.view.children]  # the persistent items' inner parts
    selects = [i for i in items if isinstance(i, discord.ui.Select)]
    chosen = [[o.value for o in s.options if o.default] for s in selects]
    assert chosen == [["bw_zerg"], ["-"], [game.season.maps[1].name]]
    join = next(i for i in items if isinstance(i, discord.ui.Button) and i.label == queue_text.JOIN_LABEL)
    assert not join.disabled


# --- the result select ------------------------------------------------------------------------------


def revealed(slot: int) -> ev.DetailsRevealed:
    opponent = ev.OpponentCard(
        77, "bobby", "Bob", "Bob#1", ("Bobby",), "FR", "sc2_zerg" if slot == 1 else "bw_zerg", 1510
    )
    return ev.DetailsRevealed(
        discord_uid=1,
        match_id=9,
        slot=slot,
        race="bw_terran" if slot == 1 else "sc2_terran",
        opponent=opponent,
        map_name="Khione SEL",
        map_short_name="Khione",
        map_link="battlenet:://x",
        server_code="EUC",
        server_name="Central Europe",
        game_region="EU",
        mod_link="battlenet:://m",
        report_deadline=NOW,
    )


@pytest.mark.parametrize(
    ("slot", "players"),
    [
        (1, [("you", "bw_terran"), ("Bob", "sc2_zerg")]),
        (2, [("Bob", "bw_zerg"), ("you", "sc2_terran")]),
    ],
)
def test_result_options_name_the_players_and_carry_the_absolute_outcome(
    game: GameData, slot: int, players: list[tuple[str, str]]
) -> None:
    options = render_match.result_options(revealed(slot), game)
    expected = [
        match_text.RESULT_WON.format(
            slot=n, name=match_text.YOU if name == "you" else name, race=races.get(race, race)
        )
        for n, (name, race) in enumerate(players, start=1)
    ]
    assert [o.label for o in options] == [*expected, match_text.RESULT_DRAW]
    assert [o.value for o in options] == ["1", "2", "0"]


def test_the_details_keep_the_abort_button_and_add_the_result_select(game: GameData) -> None:
    reply = render_match.details(revealed(1), game)
    assert reply.view is not None
    kinds = [type(c).__name__ for c in reply.view.children]
    assert kinds == ["ResultSelect", "AbortMatch"]
    shown = {f.name: f.value for f in reply.embeds[0].fields}
    assert shown[match_text.FIELD_MAP] == match_text.MAP_WITH_LINK.format(
        short_name="Khione", name="Khione SEL", link="battlenet:://x"
    )
    assert shown[match_text.FIELD_REPLAYS]  # the replay flow fills this field in place


# --- the searching messages -----------------------------------------------------------------------


@dataclass
class Edits:
    """A client whose DM messages record their edits (what the searching messages send)."""

    done: list[tuple[int, str]] = field(default_factory=list)
    missing: set[int] = field(default_factory=set)

    def get_partial_messageable(self, channel_id: int, *, type: Any = None) -> Any:
        edits = self

        class Message:
            def __init__(self, message_id: int) -> None:
                self.id = message_id

            async def edit(self, *, embeds: list[discord.Embed], view: Any) -> None:
                if self.id in edits.missing:
                    response = SimpleNamespace(status=404, reason="Not Found")
                    raise discord.NotFound(cast(Any, response), {"code": 10008, "message": "Unknown Message"})
                edits.done.append((self.id, str(embeds[0].title)))

        return SimpleNamespace(get_partial_message=Message)


class Queue:
    def __init__(self, queued: set[int]) -> None:
        self.queued = queued

    async def status(self) -> QueueStatus:
        return QueueStatus(NOW, 3, QueueCounts(total=len(self.queued), bw=1, sc2=1, both=0))

    async def queued_players(self) -> frozenset[int]:
        return frozenset(self.queued)

    async def searching(self, uid: int) -> SearchingView:
        raise AssertionError("nothing to restore in these tests")


class Matches:
    def __init__(self, open_for: dict[int, int]) -> None:
        self.open_for = open_for

    async def current_for(self, uid: int) -> Any:
        match_id = self.open_for.get(uid)
        return SimpleNamespace(id=match_id, status=MatchStatus.FOUND) if match_id else None


class NoMessages:
    async def latest(self, *args: Any) -> None:
        return None


def searching_board(game: GameData, queue: Queue, matches: Matches, outbound: Outbound) -> SearchingMessages:
    deps = SimpleNamespace(queue=queue, matches=matches, outbound=outbound, game=game, messages=NoMessages())
    board = SearchingMessages(cast(BotDeps, deps))
    board._restored = True
    return board


def entry(uid: int) -> SearchingView:
    status = QueueStatus(NOW, 1, QueueCounts(1, 1, 0, 0))
    return SearchingView(uid, "bw_zerg", None, (), 0, NOW, status)


async def test_a_cancel_after_a_queued_refresh_is_the_edit_that_stays(game: GameData) -> None:
    outbound, client = Outbound(rate=1000, burst=100), Edits()
    board = searching_board(game, Queue({1}), Matches({}), outbound)
    board.attach(cast(discord.Client, client))
    board.track(entry(1), 10, 100)
    assert (await board.refresh()).refreshed == 1
    assert (await board.refresh()).refreshed == 0  # one refresh queued per player at most
    board.close(1, render_queue.left_queue(), (10, 100))  # queued behind the refresh
    outbound.start()
    await outbound.close()
    assert client.done == [(100, queue_text.LEFT_TITLE)]  # the refresh saw the close and stood down


async def test_players_who_left_get_their_last_edit_and_gone_messages_are_dropped(game: GameData) -> None:
    outbound, client = Outbound(rate=1000, burst=100), Edits(missing={300})
    queue = Queue({3})
    board = searching_board(game, queue, Matches({1: 41}), outbound)
    board.attach(cast(discord.Client, client))
    for uid in (1, 2, 3):
        board.track(entry(uid), 10 + uid, 100 * uid)
    report = await board.refresh()  # 1 was matched, 2 was removed, 3 waits (its message was deleted)
    assert (report.closed, report.refreshed) == (2, 1)
    outbound.start()
    await asyncio.wait_for(outbound.close(), 5)
    assert sorted(client.done) == [(100, queue_text.MATCHED_TITLE), (200, queue_text.GONE_TITLE)]
    assert board.tracked() == frozenset()  # 3's message is gone: nothing left to refresh
