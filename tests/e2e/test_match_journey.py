"""Two players from /queue to a rated result, and every way a match can end, through the real bot.

Each journey asserts what the players see (their DMs, the match message as it is edited, the
answers to their clicks) and the database where it matters (ratings, aborts, states). Waves run
through ``Matchmaker.run_wave`` and deadlines through ``Scheduler.run_due`` after the ladder's
clock was moved: nothing sleeps and nothing is timed.
"""

from __future__ import annotations

from typing import Any

import pytest
from journeykit import (
    LadderClock,
    board,
    button_labels,
    details_message,
    fields,
    found_message,
    journey_options,
    match_id_of,
    match_state,
    open_queue,
    option_labels,
    queue_up,
    rating,
    record,
    register,
    report,
    services,
    titled,
    with_text,
)

from evoladder.domain.errors import AlreadyReported, Banned, MatchClosed, NotAPlayer
from evoladder.domain.match_state import MatchStatus
from evoladder.domain.players import PlayerState
from evoladder.i18n.text import match as text
from evoladder.i18n.text import queue as queue_text
from evoladder.sandbox import Message, VirtualPlayer
from evoladder.sandbox.interactions import TOKEN_LIFETIME
from evoladder.sandbox.ladder import Sandbox

pytestmark = pytest.mark.e2e

RESULT = "Report the result after the game"


@pytest.fixture
def clock() -> LadderClock:
    return LadderClock()


@pytest.fixture
def sandbox_options(clock: LadderClock) -> dict[str, Any]:
    return journey_options(clock)


async def two_players(sandbox: Sandbox) -> tuple[VirtualPlayer, VirtualPlayer]:
    alice, bob = sandbox.player("alice"), sandbox.player("bob")
    await register(sandbox, alice, "Alice", alt_ids=("AliceAlt",))
    await register(sandbox, bob, "Bob", alt_ids=("Bobby",), region="KRJ")
    return alice, bob


async def matched(sandbox: Sandbox, alice: VirtualPlayer, bob: VirtualPlayer) -> tuple[int, Message, Message]:
    """Alice (BW Zerg) and Bob (SC2 Terran) queue through /queue and a wave pairs them."""
    await queue_up(alice, "bw_zerg", None)
    await queue_up(bob, None, "sc2_terran")
    wave = await services(sandbox).matchmaker.run_wave()
    assert len(wave.match_ids) == 1
    found_a, found_b = await found_message(alice), await found_message(bob)
    assert match_id_of(found_a) == match_id_of(found_b) == wave.match_ids[0]
    # Each player's confirmation time starts at the delivery of their card, and the bot records
    # deliveries in batches after the message is out: wait for that record (their reminder and
    # deadline are armed by it) before a test moves the clock toward them.
    await services(sandbox).matches.outbox.settled()
    return wave.match_ids[0], found_a, found_b


async def confirmed(
    sandbox: Sandbox, alice: VirtualPlayer, bob: VirtualPlayer
) -> tuple[int, Message, Message]:
    match_id, found_a, found_b = await matched(sandbox, alice, bob)
    await alice.click("Confirm", found_a)
    await bob.click("Confirm", found_b)
    return match_id, await details_message(alice, match_id), await details_message(bob, match_id)


# --- the whole way ----------------------------------------------------------------------------------


async def test_queue_match_confirm_details_report_and_the_rating_moves(sandbox: Sandbox) -> None:
    alice, bob = await two_players(sandbox)
    search_a = await queue_up(alice, "bw_zerg", None, ["Mothership LE"])
    search_b = await queue_up(bob, None, "sc2_terran")
    # Discord's clock moves past the interaction tokens' life: the searching views (replies to
    # /queue) can now only be edited through their channel and message ids, as they must be.
    sandbox.discord.advance_time(TOKEN_LIFETIME + 60)
    wave = await services(sandbox).matchmaker.run_wave()
    [match_id] = wave.match_ids
    await board(sandbox).refresh()
    for player, searching in ((alice, search_a), (bob, search_b)):
        now_matched = await player.wait_for_dm(titled(queue_text.MATCHED_TITLE), include_existing=True)
        assert now_matched.id == searching.id  # the searching view, edited by its ids

    found_a, found_b = await found_message(alice), await found_message(bob)
    assert button_labels(found_a) == ["Confirm", "Abort (3 left this month)"]
    # Only the player's own race and the deadline: nothing about the opponent (name, race, rating)
    # before both confirmed, so a match-up cannot be dodged at no cost.
    assert "BW Zerg" in found_a.text and "SC2 Terran" not in found_a.text
    assert "SC2 Terran" in found_b.text and "BW Zerg" not in found_b.text
    assert "Bob" not in found_a.text and "Alice" not in found_b.text  # revealed once both confirmed

    waiting = await alice.click("Confirm", found_a)
    assert waiting.content == text.CONFIRMED_WAITING.format(match_id=match_id)
    await bob.wait_for_dm(with_text(text.OPPONENT_CONFIRMED.format(match_id=match_id)), include_existing=True)
    await bob.click("Confirm", found_b)

    details_a = await details_message(alice, match_id)
    details_b = await details_message(bob, match_id)
    assert details_a.id == found_a.id and details_b.id == found_b.id  # edited through their ids
    state = await match_state(sandbox, match_id)
    game = services(sandbox).game
    server = game.servers[state.server]
    played_map = game.map_named(state.map_name)
    assert played_map is not None and state.map_name != "Mothership LE"  # alice vetoed Mothership
    shown = fields(details_a)
    assert shown[text.FIELD_OPPONENT] == "**Bob** (France) · 1500 MMR"
    assert shown[text.FIELD_BATTLETAG] == "Bob#1234" and shown[text.FIELD_ALT_IDS] == "Bobby"
    assert shown[text.FIELD_DISCORD] == bob.mention
    assert f"**{played_map.short_name}**" in shown[text.FIELD_MAP]
    assert f"`{played_map.links[server.game_region]}`" in shown[text.FIELD_MAP]  # the server's region
    assert f"`{game.mod.links[server.game_region]}`" in shown[text.FIELD_MOD]
    assert shown[text.FIELD_SERVER] == f"{server.name} ({server.game_region})"
    for line in (
        "Privacy: **Normal**",
        "Game speed: **Faster**",
        "Game duration: **Infinite**",
        "Locked alliances: **Yes**",
    ):
        assert line in shown[text.FIELD_LOBBY]
    assert shown[text.FIELD_YOUR_SLOT] == "Player 1" and fields(details_b)[text.FIELD_YOUR_SLOT] == "Player 2"
    assert fields(details_b)[text.FIELD_ALT_IDS] == "AliceAlt"
    assert option_labels(details_a, RESULT) == [
        "Player 1 won: you (BW Zerg)",
        "Player 2 won: Bob (SC2 Terran)",
        "Draw",
    ]
    assert option_labels(details_b, RESULT) == [
        "Player 1 won: Alice (BW Zerg)",
        "Player 2 won: you (SC2 Terran)",
        "Draw",
    ]
    assert button_labels(details_a) == ["Abort"]

    sandbox.discord.advance_time(TOKEN_LIFETIME + 60)  # an hour-long game: the close is an edit by ids
    first = await report(alice, details_a, "1")
    assert "You reported match" in first.content and "Waiting for your opponent" in first.content
    assert first.buttons == []
    again = await alice.select(RESULT, ["2"], details_a)
    assert again.content == AlreadyReported.message  # one report per player
    await bob.wait_for_dm(with_text(f"Your opponent reported match #{match_id}: **player 1 won**"))
    second = await report(bob, details_b, "1")
    assert "Both reports agree: the result is final." in second.content

    won = await alice.wait_for_dm(with_text(f"Match #{match_id} is final"), include_existing=True)
    assert "**you won**" in won.text and "BW Zerg rating: 1520 (+20)" in won.text
    lost = await bob.wait_for_dm(with_text(f"Match #{match_id} is final"), include_existing=True)
    assert "**you lost**" in lost.text and "SC2 Terran rating: 1480 (-20)" in lost.text
    closed = await alice.wait_for_dm(titled(f"Match #{match_id}: final"), include_existing=True)
    assert closed.id == found_a.id and closed.components == []
    await sandbox.discord.wait_for_channel_message(sandbox.admin_log, with_text(f"Match #{match_id} final"))

    row_a, row_b = await rating(sandbox, alice.id, "bw_zerg"), await rating(sandbox, bob.id, "sc2_terran")
    assert row_a is not None and (row_a.mmr, row_a.games_won) == (1520, 1)
    assert row_b is not None and (row_b.mmr, row_b.games_lost) == (1480, 1)
    assert (await record(sandbox, alice.id)).state is PlayerState.IDLE

    profile = await alice.slash("profile")
    assert "**1520** MMR" in fields(profile.message)["BW Zerg"]
    board_page = await bob.slash("leaderboard")
    assert "Alice" in board_page.text and "1520" in board_page.text and "1480" in board_page.text


async def test_a_player_who_queued_both_games_is_never_paired_with_themselves(sandbox: Sandbox) -> None:
    alice, bob = await two_players(sandbox)
    searching = await queue_up(alice, "bw_zerg", "sc2_terran")
    alone = await services(sandbox).matchmaker.run_wave()
    assert alone.match_ids == ()
    assert (await record(sandbox, alice.id)).state is PlayerState.QUEUEING
    marks = alice.mark()
    await board(sandbox).refresh()
    still = await alice.wait_for_dm(lambda m: m.id == searching.id, since=marks)
    assert still.embeds[0]["title"] == queue_text.SEARCHING_TITLE

    await queue_up(bob, "bw_protoss", "sc2_zerg")
    wave = await services(sandbox).matchmaker.run_wave()
    [match_id] = wave.match_ids
    state = await match_state(sandbox, match_id)
    assert {state.player_1, state.player_2} == {alice.id, bob.id}
    assert state.race_1.startswith("bw_") and state.race_2.startswith("sc2_")
    await found_message(alice)
    await found_message(bob)


# --- ends without a result ------------------------------------------------------------------------


async def test_abort_uses_one_of_the_months_aborts_and_a_new_month_gives_them_back(
    sandbox: Sandbox, clock: LadderClock
) -> None:
    alice, bob = await two_players(sandbox)
    match_id, found_a, _found_b = await matched(sandbox, alice, bob)
    question = await alice.click("Abort (3 left this month)", found_a)
    assert question.content == text.ABORT_QUESTION.format(match_id=match_id, count=3)
    done = await alice.click(text.ABORT_CONFIRM_LABEL, question.message)
    assert done.content == text.ABORT_DONE.format(match_id=match_id) and done.message.buttons == []

    await alice.wait_for_dm(with_text("Aborts left this month: 2"), include_existing=True)
    told = await bob.wait_for_dm(with_text(f"Your opponent aborted match #{match_id}"), include_existing=True)
    assert "none of your aborts was used" in told.text
    closed = await alice.wait_for_dm(titled(f"Match #{match_id}: aborted"), include_existing=True)
    assert closed.id == found_a.id and closed.components == []
    assert (await record(sandbox, alice.id)).aborts_left == 2
    assert (await record(sandbox, bob.id)).aborts_left == 3
    assert fields((await alice.slash("profile")).message)["Aborts left this month"] == "2 of 3"

    clock.advance(days=3)  # 30 March -> 2 April: a new calendar month
    assert fields((await alice.slash("profile")).message)["Aborts left this month"] == "3 of 3"
    again_id, again_a, _again_b = await matched(sandbox, alice, bob)
    assert again_id != match_id
    assert button_labels(again_a) == ["Confirm", "Abort (3 left this month)"]


async def test_a_player_who_does_not_confirm_abandons_the_match_without_an_abort(
    sandbox: Sandbox, clock: LadderClock
) -> None:
    alice, bob = await two_players(sandbox)
    match_id, found_a, found_b = await matched(sandbox, alice, bob)
    await bob.click("Confirm", found_b)

    clock.advance(seconds=21)
    await services(sandbox).scheduler.run_due()
    reminder = await alice.wait_for_dm(with_text("is waiting for your confirmation"), include_existing=True)
    assert f"Match #{match_id}" in reminder.text
    assert not [m for m in bob.dms if "is waiting for your confirmation" in m.text]  # bob confirmed

    clock.advance(seconds=40)
    await services(sandbox).scheduler.run_due()
    await alice.wait_for_dm(
        with_text(text.ABANDONED_YOU_LATE.format(match_id=match_id)), include_existing=True
    )
    await bob.wait_for_dm(
        with_text(text.ABANDONED_OPPONENT_LATE.format(match_id=match_id)), include_existing=True
    )
    closed = await alice.wait_for_dm(titled(f"Match #{match_id}: cancelled"), include_existing=True)
    assert closed.id == found_a.id and closed.components == []
    await sandbox.discord.wait_for_channel_message(
        sandbox.admin_log, with_text(f"Match #{match_id} abandoned")
    )
    assert (await match_state(sandbox, match_id)).status is MatchStatus.ABANDONED
    for player in (alice, bob):
        stored = await record(sandbox, player.id)
        assert (stored.state, stored.aborts_left) == (PlayerState.IDLE, 3)
    # the search can start again at once
    assert (await open_queue(alice)).embeds[0]["title"] == queue_text.VIEW_TITLE


async def test_the_deadline_warning_then_nobody_reported_closes_the_match(
    sandbox: Sandbox, clock: LadderClock
) -> None:
    alice, bob = await two_players(sandbox)
    match_id, _details_a, _details_b = await confirmed(sandbox, alice, bob)
    deadline = (await match_state(sandbox, match_id)).report_deadline
    assert deadline is not None

    clock.advance(seconds=(deadline - clock.now()).total_seconds() - 29 * 60)  # warning is 30 min ahead
    await services(sandbox).scheduler.run_due()
    for player in (alice, bob):
        warned = await player.wait_for_dm(with_text("has no result from you yet"), include_existing=True)
        assert f"Match #{match_id}" in warned.text and "<t:" in warned.text

    clock.advance(minutes=30)
    await services(sandbox).scheduler.run_due()
    for player in (alice, bob):
        await player.wait_for_dm(
            with_text(text.ABANDONED_NOT_REPORTED.format(match_id=match_id)), include_existing=True
        )
        assert (await record(sandbox, player.id)).state is PlayerState.IDLE
    assert (await match_state(sandbox, match_id)).status is MatchStatus.ABANDONED


# --- disagreement -----------------------------------------------------------------------------------


async def test_disagreeing_reports_make_a_conflict_that_an_admin_resolves(sandbox: Sandbox) -> None:
    alice, bob = await two_players(sandbox)
    root = sandbox.owners[0]
    match_id, details_a, details_b = await confirmed(sandbox, alice, bob)
    await report(alice, details_a, "1")
    answer = await report(bob, details_b, "2")
    assert "Your opponent reported something else, so an admin will decide" in answer.content

    for player in (alice, bob):
        await player.wait_for_dm(with_text(text.CONFLICT.format(match_id=match_id)), include_existing=True)
        card = await player.wait_for_dm(
            titled(f"Match #{match_id}: waiting for an admin"), include_existing=True
        )
        assert card.components == []
    logged = await sandbox.discord.wait_for_channel_message(
        sandbox.admin_log, with_text(f"Match #{match_id} needs an admin")
    )
    assert logged.mention_roles == [sandbox.staff_role.id]
    assert (await rating(sandbox, alice.id, "bw_zerg")) is None  # no rating moved

    question = await root.slash(
        "admin resolve", match_id=match_id, outcome="player_2", reason="replay shows it"
    )
    await root.click("Confirm", question.message)
    won = await bob.wait_for_dm(with_text(f"Match #{match_id} is final"), include_existing=True)
    assert "**you won**" in won.text and "1520 (+20)" in won.text
    await alice.wait_for_dm(with_text("1480 (-20)"), include_existing=True)
    row = await rating(sandbox, bob.id, "sc2_terran")
    assert row is not None and row.mmr == 1520


# --- restarts, bans, outsiders --------------------------------------------------------------------


async def test_a_restart_mid_match_keeps_every_button_working_and_deadlines_fire(
    sandbox: Sandbox, clock: LadderClock
) -> None:
    alice, bob = await two_players(sandbox)
    match_id, found_a, found_b = await matched(sandbox, alice, bob)
    await alice.click("Confirm", found_a)

    await sandbox.restart_bot()
    await bob.click("Confirm", found_b)  # a button sent by the previous process
    details_a = await details_message(alice, match_id)
    details_b = await details_message(bob, match_id)
    assert (details_a.id, details_b.id) == (found_a.id, found_b.id)

    await sandbox.restart_bot()
    question = (await alice.select(RESULT, ["1"], details_a)).message
    assert "**Player 1 won: you (BW Zerg)**" in question.content
    await sandbox.restart_bot()
    answer = (await alice.click("Confirm result", question)).message
    assert "Waiting for your opponent" in answer.content

    await sandbox.restart_bot()  # the deadlines are rows: a new process runs them
    deadline = (await match_state(sandbox, match_id)).report_deadline
    assert deadline is not None
    clock.advance(seconds=(deadline - clock.now()).total_seconds() - 29 * 60)
    await services(sandbox).scheduler.run_due()
    warned = await bob.wait_for_dm(
        with_text("your opponent reported **player 1 won**"), include_existing=True
    )
    assert f"Match #{match_id}" in warned.text
    clock.advance(minutes=30)
    await services(sandbox).scheduler.run_due()
    won = await alice.wait_for_dm(with_text(f"Match #{match_id} is final"), include_existing=True)
    assert "1520 (+20)" in won.text
    closed = await bob.wait_for_dm(titled(f"Match #{match_id}: final"), include_existing=True)
    assert closed.id == details_b.id and closed.components == []
    assert (await match_state(sandbox, match_id)).status is MatchStatus.FINAL


async def test_a_banned_players_existing_buttons_stop_working(sandbox: Sandbox) -> None:
    alice, bob = await two_players(sandbox)
    root = sandbox.owners[0]
    queue_view = await open_queue(alice)  # opened before the match, never used
    await services(sandbox).queue.join(alice.id, "bw_zerg", None)
    await services(sandbox).queue.join(bob.id, None, "sc2_terran")
    await services(sandbox).matchmaker.run_wave()
    found_a = await found_message(alice)
    match_id = match_id_of(found_a)
    question = (await alice.click("Abort (3 left this month)", found_a)).message
    dave = sandbox.player("dave")
    await register(sandbox, dave, "Dave")
    searching = await queue_up(dave, None, "sc2_protoss")

    await services(sandbox).admin_players.ban(root.id, alice.id, "cheating")
    await bob.wait_for_dm(with_text(text.CANCELLED.format(match_id=match_id)), include_existing=True)

    refused = await alice.click(text.ABORT_CONFIRM_LABEL, question)
    assert refused.content == Banned.message
    assert (await alice.select("Brood War race", ["bw_zerg"], queue_view)).content == Banned.message
    assert (await alice.click("Cancel", queue_view)).content == Banned.message
    assert (await alice.slash("queue")).content == Banned.message
    state = await match_state(sandbox, match_id)
    assert state.status is MatchStatus.ABORTED
    stored = await record(sandbox, alice.id)
    assert (stored.aborts_left, stored.state) == (3, PlayerState.IDLE)  # the ban used no abort

    await services(sandbox).admin_players.ban(root.id, dave.id, "smurfing")
    assert (await record(sandbox, dave.id)).state is PlayerState.IDLE  # the ban removed his entry
    assert (await dave.click("Cancel", searching)).content == Banned.message


async def test_a_player_who_is_not_in_the_match_is_refused(sandbox: Sandbox) -> None:
    alice, bob = await two_players(sandbox)
    carol = sandbox.player("carol")
    await register(sandbox, carol, "Carol")
    match_id, found_a, found_b = await matched(sandbox, alice, bob)

    assert (await carol.click("Confirm", found_a)).content == NotAPlayer.message
    assert (await carol.click("Abort (3 left this month)", found_a)).content == NotAPlayer.message
    assert found_a.embeds[0]["title"].startswith("Match found")  # untouched
    assert (await match_state(sandbox, match_id)).confirmed_1_at is None

    await alice.click("Confirm", found_a)
    await bob.click("Confirm", found_b)
    details_a = await details_message(alice, match_id)
    assert (await carol.select(RESULT, ["0"], details_a)).content == NotAPlayer.message
    question = (await alice.select(RESULT, ["0"], details_a)).message
    assert (await carol.click("Confirm result", question)).content == NotAPlayer.message
    state = await match_state(sandbox, match_id)
    assert (state.report_1, state.report_2) == (None, None)

    await report(alice, details_a, "0")
    await report(bob, await details_message(bob, match_id), "0")
    assert (await match_state(sandbox, match_id)).status is MatchStatus.FINAL
    late = await alice.click("Confirm result", question)  # the match is over
    assert late.content == MatchClosed.message
