"""The match message through the notifier, with the real services and the validating server.

Two players are registered and queued through the services (their own cogs are other features'),
a wave pairs them, and from there everything is what the players see: the "match found" DM with
Confirm / Abort, the same message replaced by the details once both confirmed (edited by channel
and message id), the abort confirmation, and the closed messages and admin-log post at the end.
"""

from __future__ import annotations

from typing import Any

import pytest
from journeykit import closed_card, is_found_card, lead, match_id_of, register, titled, with_text

from evoladder.i18n.names import country
from evoladder.i18n.text import match as text
from evoladder.sandbox import VirtualPlayer
from evoladder.sandbox.ladder import Sandbox

pytestmark = pytest.mark.e2e


@pytest.fixture
def sandbox_options() -> dict[str, Any]:
    return {"background": False}


async def queued(
    sandbox: Sandbox, player: VirtualPlayer, main_id: str, bw: str | None, sc2: str | None
) -> None:
    await register(sandbox, player, main_id)
    await sandbox.services.queue.join(player.id, bw, sc2)


async def test_found_confirmed_details_then_aborted(sandbox: Sandbox) -> None:
    alice, bob = sandbox.player("alice"), sandbox.player("bob")
    await queued(sandbox, alice, "Alice", "bw_zerg", None)
    await queued(sandbox, bob, "Bob", None, "sc2_terran")
    report = await sandbox.ladder.services.matchmaker.run_wave()
    assert len(report.match_ids) == 1

    found_a = await alice.wait_for_dm(is_found_card, include_existing=True)
    found_b = await bob.wait_for_dm(is_found_card, include_existing=True)
    match_id = match_id_of(found_a)
    assert [b["custom_id"] for b in found_a.buttons] == [
        f"evo:match:{match_id}:confirm",
        f"evo:match:{match_id}:abort",
    ]
    assert "Bob" not in found_a.text  # the opponent is only revealed once both confirmed

    waiting = await alice.click(text.CONFIRM_LABEL, found_a)
    assert waiting.content == text.CONFIRMED_WAITING.format(match_id=match_id)
    await bob.click(text.CONFIRM_LABEL, found_b)  # the second one: the message turns into the details

    details = titled(lead(text.DETAILS_TITLE, match_id=match_id))
    details_a = await alice.wait_for_dm(details, include_existing=True)
    assert details_a.id == found_a.id  # the same message, edited by channel and message id
    fields_a = {f["name"]: f["value"] for f in details_a.embeds[0]["fields"]}
    france = country(sandbox.services.game.countries["FR"])
    assert fields_a[text.FIELD_OPPONENT].startswith(lead(text.OPPONENT_LINE, name="Bob", country=france))
    assert fields_a[text.FIELD_BATTLETAG] == "Bob#1234"
    assert fields_a[text.FIELD_DISCORD] == f"<@{bob.id}>"
    assert text.table("LOBBY")["Faster"] in fields_a[text.FIELD_LOBBY]
    assert [b["label"] for b in details_a.buttons] == [text.ABORT_SHORT_LABEL]
    details_b = await bob.wait_for_dm(details, include_existing=True)
    assert details_b.id == found_b.id and "Alice" in str(details_b.embeds[0]["fields"])

    question = await alice.click(text.ABORT_SHORT_LABEL, details_a)
    assert question.content == text.ABORT_QUESTION.format(match_id=match_id, count=3)
    done = await alice.click(text.ABORT_CONFIRM_LABEL, question.message)
    assert done.content == text.ABORT_DONE.format(match_id=match_id) and done.message.buttons == []

    await alice.wait_for_dm(
        with_text(text.ABORTED_BY_YOU.format(match_id=match_id, left=2)), include_existing=True
    )
    told_b = await bob.wait_for_dm(
        with_text(text.ABORTED_BY_OPPONENT.format(match_id=match_id)), include_existing=True
    )
    assert told_b.buttons == []
    closed_a = await alice.wait_for_dm(closed_card(match_id, text.STATUS_ABORTED), include_existing=True)
    assert closed_a.id == found_a.id and closed_a.buttons == []
    await sandbox.discord.wait_for_channel_message(
        sandbox.admin_log, with_text(lead(text.ADMIN_ABORTED, match_id=match_id))
    )
