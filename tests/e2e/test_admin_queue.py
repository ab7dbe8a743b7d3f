"""/admin on the queue: remove_queue and clear_queue (the players are told), unblock_queue.

Unblock is the repair for a player whose ``queueing`` / ``in_match`` state nothing backs any more
(seeded here by writing the stale state directly, as a failure elsewhere would leave it); it must
refuse whenever the state is still backed by a queue entry or an open match.
"""

from __future__ import annotations

import pytest
from adminkit import (
    admin_sandbox_options,  # noqa: F401 (the ``sandbox_options`` fixture)
    audit,
    match,
    player_record,
    queue,
    services,
    with_text,
)
from journeykit import register

from evoladder.domain.players import PlayerState
from evoladder.i18n.text import admin as text
from evoladder.i18n.text import errors as errors_text
from evoladder.i18n.text import match as match_text
from evoladder.sandbox import VirtualPlayer
from evoladder.sandbox.ladder import Sandbox
from evoladder.services.admin_console import NotInQueue, QueueEmpty

pytestmark = pytest.mark.e2e


async def queued(sandbox: Sandbox, name: str, race: str) -> VirtualPlayer:
    player = sandbox.player(name.lower())
    await register(sandbox, player, name)
    await queue(sandbox, player, race, None)  # BW only: no wave could pair them with each other
    return player


async def test_remove_queue_takes_one_player_out_and_tells_them(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    carol = await queued(sandbox, "Carol", "bw_terran")

    reply = await root.slash("admin remove_queue", player="Carol", reason="AFK for an hour")
    assert reply.content == text.REMOVED_DONE.format(name="Carol")
    told = await carol.wait_for_dm(with_text("removed you from the queue"), include_existing=True)
    assert "(AFK for an hour)" in told.text
    assert (await player_record(sandbox, carol.id)).state is PlayerState.IDLE

    again = await root.slash("admin remove_queue", player="Carol", reason="again")
    assert again.content == NotInQueue.message
    [row] = await audit(sandbox)
    assert (row["action_type"], row["target_player_uid"], row["reason"]) == (
        "remove_queue",
        carol.id,
        "AFK for an hour",
    )


async def test_clear_queue_asks_first_then_removes_and_tells_everyone(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    carol = await queued(sandbox, "Carol", "bw_terran")
    dave = await queued(sandbox, "Dave", "bw_zerg")

    question = await root.slash("admin clear_queue", reason="maintenance in 5 minutes")
    assert text.CLEAR_QUESTION.format(count=2) in question.content
    assert (await services(sandbox).queue.status()).counts.total == 2  # nothing happens before Confirm
    done = await root.click(text.CONFIRM_LABEL, question.message)
    assert done.content == text.CLEAR_DONE.format(count=2)
    removed = match_text.REMOVED_FROM_QUEUE.format(reason="maintenance in 5 minutes")
    for player in (carol, dave):
        await player.wait_for_dm(with_text(removed), include_existing=True)
        assert (await player_record(sandbox, player.id)).state is PlayerState.IDLE
    assert (await services(sandbox).queue.status()).counts.total == 0

    empty = await root.slash("admin clear_queue", reason="again")
    assert empty.content == QueueEmpty.message and empty.message.buttons == []
    [row] = await audit(sandbox)
    assert (row["action_type"], row["reason"], row["details"]) == (
        "clear_queue",
        "maintenance in 5 minutes",
        {"removed": 2},
    )


async def test_unblock_frees_a_stuck_player_and_refuses_a_live_state(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    alice, bob = sandbox.player("alice"), sandbox.player("bob")
    await register(sandbox, alice, "Alice")
    await register(sandbox, bob, "Bob")
    found = await match(sandbox, alice, bob)

    live = await root.slash("admin unblock_queue", player="Alice", reason="stuck?")
    assert live.content == errors_text.NotStuckInMatch.format(match_id=found.id)
    await services(sandbox).matches.abort(found.id, bob.id)  # closes the match and frees both
    idle = await root.slash("admin unblock_queue", player="Alice", reason="stuck?")
    assert idle.content == errors_text.NotStuckIdle

    # A failure elsewhere left Alice "in" the closed match.
    async with services(sandbox).db.transaction() as uow:
        await uow.players.update(
            alice.id, services(sandbox).clock.now(), state=PlayerState.IN_MATCH, current_match_id=found.id
        )
    services(sandbox).read_models.player_changed(alice.id)
    reply = await root.slash("admin unblock_queue", player="Alice", reason="left in a closed match")
    assert reply.content == text.UNBLOCK_DONE.format(
        name="Alice", state="in_match", match=text.UNBLOCK_MATCH.format(match_id=found.id)
    )
    freed = await player_record(sandbox, alice.id)
    assert (freed.state, freed.current_match_id) == (PlayerState.IDLE, None)

    carol = await queued(sandbox, "Carol", "bw_terran")
    entry = await root.slash("admin unblock_queue", player="Carol", reason="stuck?")
    assert entry.content == errors_text.NotStuckQueued
    async with services(sandbox).db.transaction() as uow:  # the entry vanished, the state stayed
        await uow.queue.remove(carol.id)
    unblocked = await root.slash("admin unblock_queue", player="Carol", reason="entry lost")
    assert unblocked.content == text.UNBLOCK_DONE.format(name="Carol", state="queueing", match="")

    rows = [
        (r["action_type"], r["target_player_uid"], r["reason"], r["details"]) for r in await audit(sandbox)
    ]
    assert rows == [
        (
            "unblock_queue",
            alice.id,
            "left in a closed match",
            {"from_state": "in_match", "match_id": found.id},
        ),
        ("unblock_queue", carol.id, "entry lost", {"from_state": "queueing", "match_id": None}),
    ]
    async with services(sandbox).db.read() as uow:
        logged = [(r["field"], r["changed_by"]) for r in await uow.players.action_logs(alice.id)]
    assert ("state", "admin") in logged
