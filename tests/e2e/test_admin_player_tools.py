"""/admin on players: snapshot, player file, adjust_mmr, ban / unban, reset_aborts, activation codes.

What the admin sees (embeds, confirmations, files) and what the players see (a banned player's old
buttons refused, the queue removal DM), plus the database and the audit rows with their reasons.
"""

from __future__ import annotations

import re
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
from journeykit import register

from evoladder.bot.render.admin import CODES_INLINE_MAX
from evoladder.domain.errors import Banned, MmrOutOfRange, TargetPlayerNotFound, UnknownRace
from evoladder.domain.players import PlayerState
from evoladder.domain.rating import Outcome
from evoladder.i18n.text import admin as text
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
    assert players.startswith("4 players · 3 accepted the terms · 3 set up")  # the owner has a record too
    assert "1 queueing · 2 in a match" in players and "1 staff" in players
    assert field(card, text.FIELD_QUEUE).startswith("1 queued (BW 1 · SC2 1 · both 1)")
    assert "Last wave" in field(card, text.FIELD_QUEUE)
    assert field(card, text.FIELD_MATCHES).startswith("1 open (1 waiting for confirmation, 0 being played)")
    assert re.search(r"hits · \d+ misses · hit rate [\d.]+% · TTL 900 s", field(card, text.FIELD_CACHE))
    latency = field(card, "Command latency")
    assert re.search(r"`/ping` [123]× · [\d.]+ / [\d.]+ / [\d.]+ ms", latency), latency


async def test_player_file_by_user_uid_and_name_with_matches_and_admin_actions(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    alice, bob = sandbox.player("alice"), sandbox.player("bob")
    await register(sandbox, alice, "Alice")
    await register(sandbox, bob, "Bob")
    final = await played(sandbox, alice, bob, Outcome.PLAYER_1, Outcome.PLAYER_1)
    await root.slash("admin reset_aborts", player="Alice", reason="server outage")

    by_user = (await root.slash("admin player", user=alice.user)).message
    by_uid = (await root.slash("admin player", uid=str(alice.id))).message
    by_name = (await root.slash("admin player", username="alice")).message  # the Discord username
    for card in (by_user, by_uid, by_name):
        assert card.embeds[0]["title"] == "Player: Alice"
        assert f"`{alice.id}`" in card.embeds[0]["description"]
        assert "BattleTag: Alice#1234" in field(card, text.FIELD_IDENTITY)
        assert "France" in field(card, text.FIELD_IDENTITY)
        assert "State: idle" in field(card, text.FIELD_STATUS)
        assert field(card, text.FIELD_MMR).startswith("**BW Zerg** 1520 · rank 1")
        assert "1 games (1-0-0)" in field(card, text.FIELD_MMR)
        recent = field(card, text.FIELD_RECENT)
        assert f"#{final.id}" in recent and "vs **Bob**" in recent and "won (+20)" in recent
        actions = field(card, text.FIELD_ACTIONS)
        assert "**reset_aborts**" in actions and "server outage" in actions and root.mention in actions

    twin_a, twin_b = sandbox.player("twin_a"), sandbox.player("twin_b")
    await register(sandbox, twin_a, "Twin")
    await register(sandbox, twin_b, "Twin")
    several = await root.slash("admin player", username="twin")
    assert several.content.startswith(text.SEVERAL_PLAYERS.format(count=2))
    assert f"`{twin_a.id}`" in several.content and f"`{twin_b.id}`" in several.content
    ambiguous = await root.slash("admin reset_aborts", player="Twin", reason="x")
    assert ambiguous.content.startswith("Several players match that name: Twin (")
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
    assert "Change Alice's BW Zerg MMR from 1500 to 1600 (+100)?" in question.content
    assert "no BW Zerg rating yet" in question.content and "Reason: smurf" in question.content
    done = await root.click("Confirm", question.message)
    assert done.content == "Done: Alice's BW Zerg MMR is now 1600 (was 1500)." and done.message.buttons == []
    assert (await rating(sandbox, alice.id, "bw_zerg")).mmr == 1600

    shifted = await root.slash(
        "admin adjust_mmr", player=str(alice.id), race="bw_zerg", delta=-50, reason="fix"
    )
    assert "from 1600 to 1550 (-50)" in shifted.content
    await root.click("Confirm", shifted.message)
    assert (await rating(sandbox, alice.id, "bw_zerg")).mmr == 1550

    # The rating moves between the question and the answer: nothing is overwritten.
    stale = await root.slash("admin adjust_mmr", player="Alice", race="bw_zerg", delta=10, reason="late")
    await services(sandbox).admin_players.adjust_mmr(root.id, alice.id, "bw_zerg", 1700, "someone else")
    refused = await root.click("Confirm", stale.message)
    assert refused.content.startswith("Not done: The rating changed since you asked (it is 1700 now")
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
    for other, label in ((erin, "Confirm"), (bob, "Confirm"), (mallory, "Cancel")):
        refusal = await other.click(label, question)
        assert refusal.content == text.NOT_YOUR_CONFIRMATION
        assert refusal.message.id != question.id and question.buttons  # the question is untouched
    assert not (await player_record(sandbox, mallory.id)).is_banned
    assert len(await audit(sandbox)) == audited

    cancelled = await root.click("Cancel", question)
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
    match_message = await alice.wait_for_dm(titled("Match found"), include_existing=True)
    abort_question = (await alice.click(f"evo:match:{found.id}:abort", match_message)).message
    assert abort_question.button("Yes, abort the match") is not None
    await queue(sandbox, carol, "bw_terran", None)

    question = await root.slash("admin ban", player="Alice", reason="smurf account")
    assert text.BAN_IN_MATCH.format(match_id=found.id) in question.content
    assert text.BAN_QUEUED not in question.content
    assert (await root.click("Confirm", question.message)).content == text.BAN_DONE.format(name="Alice")

    # Her existing buttons: the match message is closed, and the one left on the abort question
    # is refused by the guard: the abort does not happen (no abort used, the match was ended by
    # the ban already).
    closed = await alice.wait_for_dm(
        lambda m: m.id == match_message.id and not m.buttons, include_existing=True
    )
    assert "aborted" in closed.text
    refused = await alice.click("Yes, abort the match", abort_question)
    assert refused.content == Banned.message
    banned = await player_record(sandbox, alice.id)
    assert banned.is_banned and banned.ban_reason == "smurf account"
    assert banned.state is PlayerState.IDLE and banned.aborts_left == 3
    ended = await services(sandbox).matches.get(found.id)
    assert ended.status.value == "aborted"
    await bob.wait_for_dm(lambda m: m.id != match_message.id and "aborted" in m.text, include_existing=True)
    assert (await alice.slash("ping")).content == "ok"  # /ping has no guard; everything else refuses her

    carol_question = await root.slash("admin ban", player="Carol", reason="abusive in chat")
    assert text.BAN_QUEUED in carol_question.content
    await root.click("Confirm", carol_question.message)
    told = await carol.wait_for_dm(with_text("removed you from the queue"), include_existing=True)
    assert "(banned)" in told.text
    async with services(sandbox).db.read() as uow:
        assert await uow.queue.get(carol.id) is None
    assert (await player_record(sandbox, carol.id)).state is PlayerState.IDLE

    again = await root.slash("admin ban", player="Carol", reason="twice")
    assert again.content == "That player is already banned." and again.message.buttons == []
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
    batch = re.search(r"batch `([^`]+)`", created.content)
    assert batch is not None
    shown = created.content.split("```")[1].split()
    assert shown == codes[: CODES_INLINE_MAX] and text.CODES_ALL_IN_FILE in created.content

    player = sandbox.player("newbie")
    await register(sandbox, player, "Newbie")
    await services(sandbox).accounts.redeem_activation_code(player.id, codes[0])

    batches = await root.slash("admin codes_list")
    assert f"`{batch.group(1)}` · 24/25 unused" in batches.embeds[0]["description"]
    unused = (await root.slash("admin codes_list", batch=batch.group(1))).message
    assert unused.content.startswith(text.CODES_UNUSED.format(batch=batch.group(1), count=24))
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
    told = await alice.wait_for_dm(with_text("aborts left this month to 5"))
    assert "two lost to a crash" in told.text


async def test_a_banned_and_unbanned_player_is_told_why(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    alice = sandbox.player("alice")
    await register(sandbox, alice, "Alice")
    question = await root.slash("admin ban", player="alice#1234", reason="smurf account")
    await root.click("Confirm", question.message)
    banned = await alice.wait_for_dm(with_text("An admin banned you"))
    assert "smurf account" in banned.text
    await root.slash("admin unban", player="Alice", reason="appeal accepted")
    lifted = await alice.wait_for_dm(with_text("lifted your ban"))
    assert "appeal accepted" in lifted.text
