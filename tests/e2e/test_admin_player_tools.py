"""/admin on players: snapshot, player file, adjust_mmr, ban / unban, reset_aborts, activation codes.

What the admin sees (embeds, confirmations, files) and what the players see (a banned player's old
buttons refused, the queue removal DM), plus the database and the audit rows with their reasons.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from adminkit import (
    admin_sandbox_options,  # noqa: F401 (the ``sandbox_options`` fixture)
    audit,
    field,
    make_admin,
    match,
    played,
    player_record,
    queue,
    rating,
    services,
    with_text,
)
from journeykit import closed_card, is_found_card, lead, matching, race, register

from evoladder.bot.render.admin import CODES_INLINE_MAX
from evoladder.domain.errors import AlreadyBanned, Banned, MmrOutOfRange, TargetPlayerNotFound, UnknownRace
from evoladder.domain.players import PlayerState
from evoladder.domain.rating import Outcome
from evoladder.i18n import names
from evoladder.i18n.text import admin as text
from evoladder.i18n.text import errors as errors_text
from evoladder.i18n.text import help as help_text
from evoladder.i18n.text import match as match_text
from evoladder.sandbox import Message
from evoladder.sandbox.ladder import Sandbox

pytestmark = pytest.mark.e2e


def titled(prefix: str) -> Callable[[Message], bool]:
    return lambda m: bool(m.embeds) and str(m.embeds[0].get("title", "")).startswith(prefix)


async def test_snapshot_shows_counts_queue_matches_cache_and_latency(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    alice, bob, carol = sandbox.player("alice"), sandbox.player("bob"), sandbox.player("carol")
    for p, name in ((alice, "Alice"), (bob, "Bob"), (carol, "Carol")):
        await register(sandbox, p, name)
    await match(sandbox, alice, bob)
    await queue(sandbox, carol, "bw_protoss", "sc2_zerg")
    for _ in range(3):
        await carol.slash("ping")

    reply = await root.slash("admin snapshot")
    card = reply.message
    assert card.embeds[0]["title"] == text.SNAPSHOT_TITLE
    players = field(card, text.FIELD_PLAYERS)
    counts, activity = text.PLAYERS_VALUE.splitlines()
    assert players.startswith(lead(counts, total=4, terms=3, setup=3))  # the owner has a record too
    assert matching(activity, queueing=1, in_match=2, admins=1).search(players)
    assert field(card, text.FIELD_QUEUE).startswith(lead(text.QUEUE_VALUE, total=1, bw=1, sc2=1, both=1))
    assert lead(text.LAST_WAVE).strip() in field(card, text.FIELD_QUEUE)
    assert field(card, text.FIELD_MATCHES).startswith(
        lead(text.MATCHES_VALUE, open=1, found=1, confirmed=0)
    )
    assert matching(text.CACHE_VALUE, ttl=900).search(field(card, text.FIELD_CACHE))
    latency = field(card, text.FIELD_LATENCY)
    pinged = matching(text.LATENCY_LINE, command="ping").search(latency)
    assert pinged is not None and pinged["count"] in ("1", "2", "3"), latency


async def test_player_file_by_user_uid_and_name_with_matches_and_admin_actions(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    alice, bob = sandbox.player("alice"), sandbox.player("bob")
    await register(sandbox, alice, "Alice")
    await register(sandbox, bob, "Bob")
    final = await played(sandbox, alice, bob, Outcome.PLAYER_1, Outcome.PLAYER_1)
    await root.slash("admin reset_aborts", player="Alice", reason="server outage")

    france = names.country(services(sandbox).game.countries["FR"])
    by_user = (await root.slash("admin player", user=alice.user)).message
    by_uid = (await root.slash("admin player", uid=str(alice.id))).message
    by_name = (await root.slash("admin player", username="alice")).message  # the Discord username
    for card in (by_user, by_uid, by_name):
        assert card.embeds[0]["title"] == text.PLAYER_TITLE.format(name="Alice")
        assert f"`{alice.id}`" in card.embeds[0]["description"]
        battletag = text.IDENTITY_VALUE.splitlines()[1].format(battletag="Alice#1234")
        assert battletag in field(card, text.FIELD_IDENTITY) and france in field(card, text.FIELD_IDENTITY)
        idle = text.STATUS_STATE.format(state=text.table("STATE_TEXT")["idle"])
        assert idle in field(card, text.FIELD_STATUS)
        mmr = matching(text.MMR_LINE, race=race("bw_zerg"), mmr=1520, games=1, wins=1, losses=0, draws=0)
        found_mmr = mmr.search(field(card, text.FIELD_MMR))
        assert found_mmr is not None and found_mmr["rank"].startswith(lead(text.RANK_TEXT, rank=1))
        recent = matching(text.RECENT_LINE, match_id=final.id, opponent="Bob")
        found_recent = recent.search(field(card, text.FIELD_RECENT))
        won = text.RESULT_WON + text.SHIFT.format(shift=20)
        assert found_recent is not None and found_recent["result"] == won
        actions = field(card, text.FIELD_ACTIONS)
        assert matching(text.ACTION_LINE, action="reset_aborts", reason="server outage").search(actions)
        assert root.mention in actions

    twin_a, twin_b = sandbox.player("twin_a"), sandbox.player("twin_b")
    await register(sandbox, twin_a, "Twin")
    await register(sandbox, twin_b, "Twin")
    several = await root.slash("admin player", username="twin")
    assert several.content.startswith(text.SEVERAL_PLAYERS.format(count=2))
    assert f"`{twin_a.id}`" in several.content and f"`{twin_b.id}`" in several.content
    ambiguous = await root.slash("admin reset_aborts", player="Twin", reason="x")
    assert ambiguous.content.startswith(lead(errors_text.AmbiguousPlayer) + "Twin (")
    assert str(twin_a.id) in ambiguous.content and str(twin_b.id) in ambiguous.content
    assert not any(r["action_type"] == "reset_aborts" and r["reason"] == "x" for r in await audit(sandbox))

    assert (await root.slash("admin player", username="nobody")).content == TargetPlayerNotFound.message
    two = await root.slash("admin player", uid=str(alice.id), username="alice")
    assert two.content == text.ONE_PLAYER_OPTION
    assert (await root.slash("admin player")).content == text.ONE_PLAYER_OPTION


async def test_adjust_mmr_by_value_and_by_delta_after_a_confirmation(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    alice = sandbox.player("alice")
    await register(sandbox, alice, "Alice")

    choices = await root.autocomplete("admin adjust_mmr", "race", "zer", player="Alice", reason="x")
    assert [c["value"] for c in choices] == ["bw_zerg", "sc2_zerg"]

    question = await root.slash(
        "admin adjust_mmr", player="Alice", race="bw_zerg", value=1600, reason="smurf"
    )
    bw_zerg = race("bw_zerg")
    asked = text.MMR_QUESTION.format(name="Alice", race=bw_zerg, before=1500, after=1600, shift=100)
    assert asked in question.content
    assert text.MMR_NO_ROW.format(race=bw_zerg, before=1500) in question.content
    assert text.REASON_LINE.format(reason="smurf") in question.content
    done = await root.click(text.CONFIRM_LABEL, question.message)
    assert done.content == text.MMR_DONE.format(name="Alice", race=bw_zerg, after=1600, before=1500)
    assert done.message.buttons == []
    assert (await rating(sandbox, alice.id, "bw_zerg")).mmr == 1600

    shifted = await root.slash(
        "admin adjust_mmr", player=str(alice.id), race="bw_zerg", delta=-50, reason="fix"
    )
    asked = text.MMR_QUESTION.format(name="Alice", race=bw_zerg, before=1600, after=1550, shift=-50)
    assert asked in shifted.content
    await root.click(text.CONFIRM_LABEL, shifted.message)
    assert (await rating(sandbox, alice.id, "bw_zerg")).mmr == 1550

    # The rating moves between the question and the answer: nothing is overwritten.
    stale = await root.slash("admin adjust_mmr", player="Alice", race="bw_zerg", delta=10, reason="late")
    await services(sandbox).admin_players.adjust_mmr(root.id, alice.id, "bw_zerg", 1700, "someone else")
    refused = await root.click(text.CONFIRM_LABEL, stale.message)
    assert refused.content == text.NOT_DONE.format(message=errors_text.RatingMovedMeanwhile.format(now=1700))
    assert refused.message.buttons == [] and (await rating(sandbox, alice.id, "bw_zerg")).mmr == 1700

    both = await root.slash("admin adjust_mmr", player="Alice", race="bw_zerg", value=1, delta=1, reason="x")
    assert both.content == text.ONE_MMR_OPTION
    unknown = await root.slash("admin adjust_mmr", player="Alice", race="zerg", value=1600, reason="x")
    assert unknown.content == UnknownRace().message
    too_high = await root.slash("admin adjust_mmr", player="Alice", race="bw_zerg", value=20_000, reason="x")
    assert too_high.content == MmrOutOfRange(0, 10_000).message and too_high.message.buttons == []

    rows = [(r["action_type"], r["reason"], r["details"]) for r in await audit(sandbox)]
    assert rows == [
        ("adjust_mmr", "smurf", {"race": "bw_zerg", "before": 1500, "after": 1600}),
        ("adjust_mmr", "fix", {"race": "bw_zerg", "before": 1600, "after": 1550}),
        ("adjust_mmr", "someone else", {"race": "bw_zerg", "before": 1550, "after": 1700}),
    ]


async def test_confirmation_buttons_refuse_another_admin_and_a_player(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    erin, mallory, bob = sandbox.player("erin"), sandbox.player("mallory"), sandbox.player("bob")
    await register(sandbox, mallory, "Mallory")
    await register(sandbox, bob, "Bob")
    await make_admin(sandbox, erin)
    audited = len(await audit(sandbox))

    question = (await root.slash("admin ban", player="Mallory", reason="griefing")).message
    for other, label in ((erin, text.CONFIRM_LABEL), (bob, text.CONFIRM_LABEL), (mallory, text.CANCEL_LABEL)):
        refusal = await other.click(label, question)
        assert refusal.content == text.NOT_YOUR_CONFIRMATION
        assert refusal.message.id != question.id and question.buttons  # the question is untouched
    assert not (await player_record(sandbox, mallory.id)).is_banned
    assert len(await audit(sandbox)) == audited

    cancelled = await root.click(text.CANCEL_LABEL, question)
    assert cancelled.content == text.CANCELLED and cancelled.message.buttons == []
    assert not (await player_record(sandbox, mallory.id)).is_banned
    assert len(await audit(sandbox)) == audited


async def test_ban_removes_the_queue_entry_ends_the_match_and_old_buttons_stop_working(
    sandbox: Sandbox,
) -> None:
    root = sandbox.owners[0]
    alice, bob, carol = sandbox.player("alice"), sandbox.player("bob"), sandbox.player("carol")
    for p, name in ((alice, "Alice"), (bob, "Bob"), (carol, "Carol")):
        await register(sandbox, p, name)
    found = await match(sandbox, alice, bob)
    match_message = await alice.wait_for_dm(is_found_card, include_existing=True)
    abort_question = (await alice.click(f"evo:match:{found.id}:abort", match_message)).message
    assert abort_question.button(match_text.ABORT_CONFIRM_LABEL) is not None
    await queue(sandbox, carol, "bw_terran", None)

    question = await root.slash("admin ban", player="Alice", reason="smurf account")
    assert text.BAN_IN_MATCH.format(match_id=found.id) in question.content
    assert text.BAN_QUEUED not in question.content
    done = await root.click(text.CONFIRM_LABEL, question.message)
    assert done.content == text.BAN_DONE.format(name="Alice")

    # Her existing buttons: the match message is closed, and the one left on the abort question
    # is refused by the guard: the abort does not happen (no abort used, the match was ended by
    # the ban already).
    closed = await alice.wait_for_dm(
        lambda m: m.id == match_message.id and not m.buttons, include_existing=True
    )
    assert closed_card(found.id, match_text.STATUS_ABORTED)(closed)
    refused = await alice.click(match_text.ABORT_CONFIRM_LABEL, abort_question)
    assert refused.content == Banned.message
    banned = await player_record(sandbox, alice.id)
    assert banned.is_banned and banned.ban_reason == "smurf account"
    assert banned.state is PlayerState.IDLE and banned.aborts_left == 3
    ended = await services(sandbox).matches.get(found.id)
    assert ended.status.value == "aborted"
    await bob.wait_for_dm(closed_card(found.id, match_text.STATUS_ABORTED), include_existing=True)
    # /ping has no guard; everything else refuses her
    assert (await alice.slash("ping")).content == help_text.PING_REPLY

    carol_question = await root.slash("admin ban", player="Carol", reason="abusive in chat")
    assert text.BAN_QUEUED in carol_question.content
    await root.click(text.CONFIRM_LABEL, carol_question.message)
    removed = match_text.REMOVED_FROM_QUEUE.format(reason=match_text.table("ABORT_REASON")["banned"])
    await carol.wait_for_dm(with_text(removed), include_existing=True)
    async with services(sandbox).db.read() as uow:
        assert await uow.queue.get(carol.id) is None
    assert (await player_record(sandbox, carol.id)).state is PlayerState.IDLE

    again = await root.slash("admin ban", player="Carol", reason="twice")
    assert again.content == AlreadyBanned.message and again.message.buttons == []
    unbanned = await root.slash("admin unban", player="Alice", reason="appeal accepted")
    assert unbanned.content == text.UNBAN_DONE.format(name="Alice")
    assert not (await player_record(sandbox, alice.id)).is_banned

    rows = [(r["action_type"], r["target_player_uid"], r["reason"]) for r in await audit(sandbox)]
    assert rows == [
        ("ban", alice.id, "smurf account"),
        ("ban", carol.id, "abusive in chat"),
        ("unban", alice.id, "appeal accepted"),
    ]


async def test_reset_aborts_gives_the_month_back(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    alice, bob = sandbox.player("alice"), sandbox.player("bob")
    await register(sandbox, alice, "Alice")
    await register(sandbox, bob, "Bob")
    found = await match(sandbox, alice, bob)
    await services(sandbox).matches.abort(found.id, alice.id)
    assert (await player_record(sandbox, alice.id)).aborts_left == 2

    reply = await root.slash("admin reset_aborts", player=alice.mention, reason="opponent never showed")
    assert reply.content == text.RESET_ABORTS_DONE.format(name="Alice", left=3)
    assert (await player_record(sandbox, alice.id)).aborts_left == 3
    [row] = await audit(sandbox)
    assert (row["action_type"], row["reason"]) == ("reset_aborts", "opponent never showed")


async def test_activation_codes_are_created_listed_and_counted(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    assert (await root.slash("admin codes_list")).content == text.CODES_NO_BATCHES

    created = (await root.slash("admin codes_create", count=25, reason="spring event")).message
    [attachment] = created.attachments
    codes = attachment.data.decode().split()
    assert len(codes) == len(set(codes)) == 25
    batch = matching(text.CODES_CREATED, count=25).search(created.content.splitlines()[0])
    assert batch is not None
    shown = created.content.split("```")[1].split()
    assert shown == codes[: CODES_INLINE_MAX] and text.CODES_ALL_IN_FILE in created.content

    player = sandbox.player("newbie")
    await register(sandbox, player, "Newbie")
    await services(sandbox).accounts.redeem_activation_code(player.id, codes[0])

    batches = await root.slash("admin codes_list")
    listed = lead(text.CODES_BATCH_LINE, batch=batch["batch"], unused=24, total=25)
    assert listed in batches.embeds[0]["description"]
    unused = (await root.slash("admin codes_list", batch=batch["batch"])).message
    assert unused.content.startswith(text.CODES_UNUSED.format(batch=batch["batch"], count=24))
    assert sorted(unused.attachments[0].data.decode().split()) == sorted(codes[1:])
    missing = await root.slash("admin codes_list", batch="nope")
    assert missing.content == text.CODES_NONE_UNUSED.format(batch="nope")

    [row] = await audit(sandbox)
    assert (row["action_type"], row["reason"], row["details"]["count"]) == (
        "create_activation_codes",
        "spring event",
        25,
    )


async def test_reset_aborts_takes_a_count_and_the_player_is_told(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    alice = sandbox.player("alice")
    await register(sandbox, alice, "Alice")
    reply = await root.slash("admin reset_aborts", player="Alice#1234", reason="two lost to a crash", count=5)
    assert reply.content == text.RESET_ABORTS_DONE.format(name="Alice", left=5)  # found by BattleTag
    assert (await player_record(sandbox, alice.id)).aborts_left == 5
    told = match_text.ADMIN_SET_ABORTS.format(left=5, reason="two lost to a crash")
    await alice.wait_for_dm(with_text(told))


async def test_a_banned_and_unbanned_player_is_told_why(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    alice = sandbox.player("alice")
    await register(sandbox, alice, "Alice")
    question = await root.slash("admin ban", player="alice#1234", reason="smurf account")
    await root.click(text.CONFIRM_LABEL, question.message)
    await alice.wait_for_dm(with_text(match_text.ADMIN_BANNED.format(reason="smurf account")))
    assert (await player_record(sandbox, alice.id)).is_banned
    await root.slash("admin unban", player="Alice", reason="appeal accepted")
    await alice.wait_for_dm(with_text(match_text.ADMIN_UNBANNED.format(reason="appeal accepted")))
    assert not (await player_record(sandbox, alice.id)).is_banned
