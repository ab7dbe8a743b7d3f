"""Two players from /queue to a rated result, and every way a match can end, through the real bot.

Each journey asserts what the players see (their DMs, the match message as it is edited, the
answers to their clicks) and the database where it matters (ratings, aborts, states). Waves run
through ``Matchmaker.run_wave`` and deadlines through ``Scheduler.run_due`` after the ladder's
clock was moved: nothing sleeps and nothing is timed.
"""

from __future__ import annotations

import pytest
from journeykit import (
    LadderClock,
    board,
    button_labels,
    closed_card,
    details_message,
    fields,
    found_message,
    is_found_card,
    journey_clock,  # noqa: F401 (the ``clock`` fixture)
    journey_sandbox_options,  # noqa: F401 (the ``sandbox_options`` fixture)
    lead,
    match_id_of,
    match_state,
    open_queue,
    option_labels,
    queue_up,
    race,
    rating,
    record,
    register,
    report,
    result_final,
    services,
    titled,
    with_text,
)

from evoladder.domain.errors import AlreadyReported, Banned, MatchClosed, NotAPlayer
from evoladder.domain.match_state import MatchStatus
from evoladder.domain.players import PlayerState
from evoladder.i18n.names import country
from evoladder.i18n.text import admin as admin_text
from evoladder.i18n.text import match as text
from evoladder.i18n.text import profile as profile_text
from evoladder.i18n.text import queue as queue_text
from evoladder.sandbox import Message, VirtualPlayer
from evoladder.sandbox.interactions import TOKEN_LIFETIME
from evoladder.sandbox.ladder import Sandbox

pytestmark = pytest.mark.e2e

RESULT = text.RESULT_PLACEHOLDER
ABORT_3 = text.ABORT_LABEL.format(count=3)  # the abort button with the month's three aborts left
PLAYER_1_WON = text.table("REPORT_TEXT")[1]


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
    await alice.click(text.CONFIRM_LABEL, found_a)
    await bob.click(text.CONFIRM_LABEL, found_b)
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
    assert button_labels(found_a) == [text.CONFIRM_LABEL, ABORT_3]
    # Only the player's own race and the deadline: nothing about the opponent (name, race, rating)
    # before both confirmed, so a match-up cannot be dodged at no cost.
    assert race("bw_zerg") in found_a.text and race("sc2_terran") not in found_a.text
    assert race("sc2_terran") in found_b.text and race("bw_zerg") not in found_b.text
    assert "Bob" not in found_a.text and "Alice" not in found_b.text  # revealed once both confirmed

    waiting = await alice.click(text.CONFIRM_LABEL, found_a)
    assert waiting.content == text.CONFIRMED_WAITING.format(match_id=match_id)
    await bob.wait_for_dm(with_text(text.OPPONENT_CONFIRMED.format(match_id=match_id)), include_existing=True)
    await bob.click(text.CONFIRM_LABEL, found_b)

    details_a = await details_message(alice, match_id)
    details_b = await details_message(bob, match_id)
    assert details_a.id == found_a.id and details_b.id == found_b.id  # edited through their ids
    state = await match_state(sandbox, match_id)
    game = services(sandbox).game
    server = game.servers[state.server]
    played_map = game.map_named(state.map_name)
    assert played_map is not None and state.map_name != "Mothership LE"  # alice vetoed Mothership
    shown = fields(details_a)
    assert shown[text.FIELD_OPPONENT] == text.OPPONENT_LINE.format(
        name="Bob", country=country(game.countries["FR"]), mmr=1500
    )
    assert shown[text.FIELD_BATTLETAG] == "Bob#1234" and shown[text.FIELD_ALT_IDS] == "Bobby"
    assert shown[text.FIELD_DISCORD] == bob.mention
    assert f"**{played_map.short_name}**" in shown[text.FIELD_MAP]
    assert f"`{played_map.links[server.game_region]}`" in shown[text.FIELD_MAP]  # the server's region
    assert f"`{game.mod.links[server.game_region]}`" in shown[text.FIELD_MOD]
    assert shown[text.FIELD_SERVER] == text.SERVER_LINE.format(name=server.name, region=server.game_region)
    lobby = text.table("LOBBY")  # the settings a ladder game needs, as the lobby names them
    for name, value in (
        ("Privacy", "Normal"),
        ("Game speed", "Faster"),
        ("Game duration", "Infinite"),
        ("Locked alliances", "Yes"),
    ):
        assert text.LOBBY_LINE.format(name=lobby[name], value=lobby[value]) in shown[text.FIELD_LOBBY]
    assert shown[text.FIELD_YOUR_SLOT] == text.SLOT_LINE.format(slot=1)
    assert fields(details_b)[text.FIELD_YOUR_SLOT] == text.SLOT_LINE.format(slot=2)
    assert fields(details_b)[text.FIELD_ALT_IDS] == "AliceAlt"
    assert option_labels(details_a, RESULT) == [
        text.RESULT_WON.format(slot=1, name=text.YOU, race=race("bw_zerg")),
        text.RESULT_WON.format(slot=2, name="Bob", race=race("sc2_terran")),
        text.RESULT_DRAW,
    ]
    assert option_labels(details_b, RESULT) == [
        text.RESULT_WON.format(slot=1, name="Alice", race=race("bw_zerg")),
        text.RESULT_WON.format(slot=2, name=text.YOU, race=race("sc2_terran")),
        text.RESULT_DRAW,
    ]
    assert button_labels(details_a) == [text.ABORT_SHORT_LABEL]

    sandbox.discord.advance_time(TOKEN_LIFETIME + 60)  # an hour-long game: the close is an edit by ids
    first = await report(alice, details_a, "1")
    assert first.content.startswith(lead(text.REPORTED_WAITING, match_id=match_id, outcome=PLAYER_1_WON))
    assert first.buttons == []
    again = await alice.select(RESULT, ["2"], details_a)
    assert again.content == AlreadyReported.message  # one report per player
    await bob.wait_for_dm(with_text(lead(text.OPPONENT_REPORTED, match_id=match_id, outcome=PLAYER_1_WON)))
    second = await report(bob, details_b, "1")
    assert second.content == text.REPORTED_FINAL.format(match_id=match_id, outcome=PLAYER_1_WON)

    won = result_final(match_id, text.OUTCOME_WON, "bw_zerg", 1520, +20)
    await alice.wait_for_dm(with_text(won), include_existing=True)
    lost = result_final(match_id, text.OUTCOME_LOST, "sc2_terran", 1480, -20)
    await bob.wait_for_dm(with_text(lost), include_existing=True)
    closed = await alice.wait_for_dm(closed_card(match_id, text.STATUS_FINAL), include_existing=True)
    assert closed.id == found_a.id and closed.components == []
    await sandbox.discord.wait_for_channel_message(
        sandbox.admin_log, with_text(lead(text.ADMIN_FINAL, match_id=match_id))
    )

    row_a, row_b = await rating(sandbox, alice.id, "bw_zerg"), await rating(sandbox, bob.id, "sc2_terran")
    assert row_a is not None and (row_a.mmr, row_a.games_won) == (1520, 1)
    assert row_b is not None and (row_b.mmr, row_b.games_lost) == (1480, 1)
    assert (await record(sandbox, alice.id)).state is PlayerState.IDLE

    profile = await alice.slash("profile")
    assert lead(profile_text.RACE_MMR, mmr=1520) in fields(profile.message)[race("bw_zerg")]
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
    question = await alice.click(ABORT_3, found_a)
    assert question.content == text.ABORT_QUESTION.format(match_id=match_id, count=3)
    done = await alice.click(text.ABORT_CONFIRM_LABEL, question.message)
    assert done.content == text.ABORT_DONE.format(match_id=match_id) and done.message.buttons == []

    await alice.wait_for_dm(
        with_text(text.ABORTED_BY_YOU.format(match_id=match_id, left=2)), include_existing=True
    )
    told = text.ABORTED_BY_OPPONENT.format(match_id=match_id)  # "none of your aborts was used"
    await bob.wait_for_dm(with_text(told), include_existing=True)
    closed = await alice.wait_for_dm(closed_card(match_id, text.STATUS_ABORTED), include_existing=True)
    assert closed.id == found_a.id and closed.components == []
    assert (await record(sandbox, alice.id)).aborts_left == 2
    assert (await record(sandbox, bob.id)).aborts_left == 3
    aborts, left = profile_text.ABORTS, profile_text.ABORTS_LINE
    assert fields((await alice.slash("profile")).message)[aborts] == left.format(left=2, total=3)

    clock.advance(days=3)  # 30 March -> 2 April: a new calendar month
    assert fields((await alice.slash("profile")).message)[aborts] == left.format(left=3, total=3)
    again_id, again_a, _again_b = await matched(sandbox, alice, bob)
    assert again_id != match_id
    assert button_labels(again_a) == [text.CONFIRM_LABEL, ABORT_3]


async def test_a_player_who_does_not_confirm_abandons_the_match_without_an_abort(
    sandbox: Sandbox, clock: LadderClock
) -> None:
    alice, bob = await two_players(sandbox)
    match_id, found_a, found_b = await matched(sandbox, alice, bob)
    await bob.click(text.CONFIRM_LABEL, found_b)

    clock.advance(seconds=21)
    await services(sandbox).scheduler.run_due()
    reminder = lead(text.REMINDER, match_id=match_id)
    await alice.wait_for_dm(with_text(reminder), include_existing=True)
    assert not [m for m in bob.dms if reminder in m.text]  # bob confirmed

    clock.advance(seconds=40)
    await services(sandbox).scheduler.run_due()
    await alice.wait_for_dm(
        with_text(text.ABANDONED_YOU_LATE.format(match_id=match_id)), include_existing=True
    )
    await bob.wait_for_dm(
        with_text(text.ABANDONED_OPPONENT_LATE.format(match_id=match_id)), include_existing=True
    )
    closed = await alice.wait_for_dm(closed_card(match_id, text.STATUS_ABANDONED), include_existing=True)
    assert closed.id == found_a.id and closed.components == []
    await sandbox.discord.wait_for_channel_message(
        sandbox.admin_log, with_text(lead(text.ADMIN_ABANDONED, match_id=match_id))
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
        warning = lead(text.DEADLINE_WARNING, match_id=match_id)
        warned = await player.wait_for_dm(with_text(warning), include_existing=True)
        assert "<t:" in warned.text

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
    assert answer.content == text.REPORTED_CONFLICT.format(
        match_id=match_id, outcome=text.table("REPORT_TEXT")[2]
    )

    for player in (alice, bob):
        await player.wait_for_dm(with_text(text.CONFLICT.format(match_id=match_id)), include_existing=True)
        card = await player.wait_for_dm(closed_card(match_id, text.STATUS_CONFLICT), include_existing=True)
        assert card.components == []
    logged = await sandbox.discord.wait_for_channel_message(
        sandbox.admin_log,
        with_text(lead(text.ADMIN_CONFLICT, staff=sandbox.staff_role.mention + " ", match_id=match_id)),
    )
    assert logged.mention_roles == [sandbox.staff_role.id]
    assert (await rating(sandbox, alice.id, "bw_zerg")) is None  # no rating moved

    question = await root.slash(
        "admin resolve", match_id=match_id, outcome="player_2", reason="replay shows it"
    )
    await root.click(admin_text.CONFIRM_LABEL, question.message)
    won = result_final(match_id, text.OUTCOME_WON, "sc2_terran", 1520, +20)
    await bob.wait_for_dm(with_text(won), include_existing=True)
    lost = result_final(match_id, text.OUTCOME_LOST, "bw_zerg", 1480, -20)
    await alice.wait_for_dm(with_text(lost), include_existing=True)
    row = await rating(sandbox, bob.id, "sc2_terran")
    assert row is not None and row.mmr == 1520


# --- restarts, bans, outsiders --------------------------------------------------------------------


async def test_a_restart_mid_match_keeps_every_button_working_and_deadlines_fire(
    sandbox: Sandbox, clock: LadderClock
) -> None:
    alice, bob = await two_players(sandbox)
    match_id, found_a, found_b = await matched(sandbox, alice, bob)
    await alice.click(text.CONFIRM_LABEL, found_a)

    await sandbox.restart_bot()
    await bob.click(text.CONFIRM_LABEL, found_b)  # a button sent by the previous process
    details_a = await details_message(alice, match_id)
    details_b = await details_message(bob, match_id)
    assert (details_a.id, details_b.id) == (found_a.id, found_b.id)

    await sandbox.restart_bot()
    question = (await alice.select(RESULT, ["1"], details_a)).message
    you_won = text.RESULT_WON.format(slot=1, name=text.YOU, race=race("bw_zerg"))
    assert question.content == text.REPORT_QUESTION.format(match_id=match_id, choice=you_won)
    await sandbox.restart_bot()
    answer = (await alice.click(text.REPORT_CONFIRM_LABEL, question)).message
    assert answer.content.startswith(lead(text.REPORTED_WAITING, match_id=match_id, outcome=PLAYER_1_WON))

    await sandbox.restart_bot()  # the deadlines are rows: a new process runs them
    deadline = (await match_state(sandbox, match_id)).report_deadline
    assert deadline is not None
    clock.advance(seconds=(deadline - clock.now()).total_seconds() - 29 * 60)
    await services(sandbox).scheduler.run_due()
    warning = lead(text.DEADLINE_WARNING_OPPONENT, match_id=match_id, outcome=PLAYER_1_WON)
    await bob.wait_for_dm(with_text(warning), include_existing=True)
    clock.advance(minutes=30)
    await services(sandbox).scheduler.run_due()
    won = result_final(match_id, text.OUTCOME_WON, "bw_zerg", 1520, +20)
    await alice.wait_for_dm(with_text(won), include_existing=True)
    closed = await bob.wait_for_dm(closed_card(match_id, text.STATUS_FINAL), include_existing=True)
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
    question = (await alice.click(ABORT_3, found_a)).message
    dave = sandbox.player("dave")
    await register(sandbox, dave, "Dave")
    searching = await queue_up(dave, None, "sc2_protoss")

    await services(sandbox).admin_players.ban(root.id, alice.id, "cheating")
    await bob.wait_for_dm(with_text(text.CANCELLED.format(match_id=match_id)), include_existing=True)

    refused = await alice.click(text.ABORT_CONFIRM_LABEL, question)
    assert refused.content == Banned.message
    assert (await alice.select(queue_text.BW_PLACEHOLDER, ["bw_zerg"], queue_view)).content == Banned.message
    assert (await alice.click(queue_text.CANCEL_LABEL, queue_view)).content == Banned.message
    assert (await alice.slash("queue")).content == Banned.message
    state = await match_state(sandbox, match_id)
    assert state.status is MatchStatus.ABORTED
    stored = await record(sandbox, alice.id)
    assert (stored.aborts_left, stored.state) == (3, PlayerState.IDLE)  # the ban used no abort

    await services(sandbox).admin_players.ban(root.id, dave.id, "smurfing")
    assert (await record(sandbox, dave.id)).state is PlayerState.IDLE  # the ban removed his entry
    assert (await dave.click(queue_text.LEAVE_LABEL, searching)).content == Banned.message


async def test_a_player_who_is_not_in_the_match_is_refused(sandbox: Sandbox) -> None:
    alice, bob = await two_players(sandbox)
    carol = sandbox.player("carol")
    await register(sandbox, carol, "Carol")
    match_id, found_a, found_b = await matched(sandbox, alice, bob)

    assert (await carol.click(text.CONFIRM_LABEL, found_a)).content == NotAPlayer.message
    assert (await carol.click(ABORT_3, found_a)).content == NotAPlayer.message
    assert is_found_card(found_a)  # untouched
    assert (await match_state(sandbox, match_id)).confirmed_1_at is None

    await alice.click(text.CONFIRM_LABEL, found_a)
    await bob.click(text.CONFIRM_LABEL, found_b)
    details_a = await details_message(alice, match_id)
    assert (await carol.select(RESULT, ["0"], details_a)).content == NotAPlayer.message
    question = (await alice.select(RESULT, ["0"], details_a)).message
    assert (await carol.click(text.REPORT_CONFIRM_LABEL, question)).content == NotAPlayer.message
    state = await match_state(sandbox, match_id)
    assert (state.report_1, state.report_2) == (None, None)

    await report(alice, details_a, "0")
    await report(bob, await details_message(bob, match_id), "0")
    assert (await match_state(sandbox, match_id)).status is MatchStatus.FINAL
    late = await alice.click(text.REPORT_CONFIRM_LABEL, question)  # the match is over
    assert late.content == MatchClosed.message
