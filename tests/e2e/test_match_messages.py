"""The match message through the notifier, with the real services and the validating server.

Two players are registered and queued through the services (their own cogs are other features'),
a wave pairs them, and from there everything is what the players see: the "match found" DM with
Confirm / Abort, the same message replaced by the details once both confirmed (edited by channel
and message id), the abort confirmation, and the closed messages and admin-log post at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from journeykit import register

from evoladder.sandbox import Message, VirtualPlayer
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


def titled(prefix: str) -> Callable[[Message], bool]:
    return lambda m: bool(m.embeds) and str(m.embeds[0].get("title", "")).startswith(prefix)


def embed_title(message: Message) -> str:
    return str(message.embeds[0]["title"])


async def test_found_confirmed_details_then_aborted(sandbox: Sandbox) -> None:
    alice, bob = sandbox.player("alice"), sandbox.player("bob")
    await queued(sandbox, alice, "Alice", "bw_zerg", None)
    await queued(sandbox, bob, "Bob", None, "sc2_terran")
    report = await sandbox.ladder.services.matchmaker.run_wave()
    assert len(report.match_ids) == 1

    found_a = await alice.wait_for_dm(titled("Match found"), include_existing=True)
    found_b = await bob.wait_for_dm(titled("Match found"), include_existing=True)
    match_id = int(embed_title(found_a).split("#")[1])
    assert [b["custom_id"] for b in found_a.buttons] == [
        f"evo:match:{match_id}:confirm",
        f"evo:match:{match_id}:abort",
    ]
    assert "Bob" not in found_a.text  # the opponent is only revealed once both confirmed

    waiting = await alice.click("Confirm", found_a)
    assert "Waiting for your opponent" in waiting.content
    await bob.click("Confirm", found_b)  # the second confirmation: the message turns into the details

    details_a = await alice.wait_for_dm(titled(f"Match #{match_id}:"), include_existing=True)
    assert details_a.id == found_a.id  # the same message, edited by channel and message id
    fields_a = {f["name"]: f["value"] for f in details_a.embeds[0]["fields"]}
    assert fields_a["Opponent"].startswith("**Bob** (France)") and fields_a["BattleTag"] == "Bob#1234"
    assert fields_a["Discord"] == f"<@{bob.id}>"
    assert "Faster" in fields_a["Lobby settings"]
    assert [b["label"] for b in details_a.buttons] == ["Abort"]
    details_b = await bob.wait_for_dm(titled(f"Match #{match_id}:"), include_existing=True)
    assert details_b.id == found_b.id and "Alice" in str(details_b.embeds[0]["fields"])

    question = await alice.click("Abort", details_a)
    assert "Abort match" in question.content
    done = await alice.click("Yes, abort the match", question.message)
    assert "aborted" in done.content and done.message.buttons == []

    told_a = await alice.wait_for_dm(lambda m: "You aborted" in m.text, include_existing=True)
    told_b = await bob.wait_for_dm(lambda m: "Your opponent aborted" in m.text, include_existing=True)
    assert "Aborts left this month: 2" in told_a.text and told_b.buttons == []
    closed_a = await alice.wait_for_dm(titled(f"Match #{match_id}: aborted"), include_existing=True)
    assert closed_a.id == found_a.id and closed_a.buttons == []
    logged = await sandbox.discord.wait_for_channel_message(
        sandbox.admin_log, lambda m: "aborted by" in m.text
    )
    assert f"Match #{match_id}" in logged.text
