"""/queue through the local Discord server: guide, pickers, Join, the searching view and its refreshes.

What the player sees is asserted first (the message, its selects and buttons), the database where
the choice matters (the queue entry, the remembered preferences, the stored acknowledgement).
Refreshes are driven with ``SearchingMessages.refresh()`` right after the wave a test ran, as the
cog's loop does a few seconds after each wave.
"""

from __future__ import annotations

import re

import pytest
from journeykit import (
    board,
    button_labels,
    defaults,
    fields,
    journey_clock,  # noqa: F401 (the ``clock`` fixture)
    journey_sandbox_options,  # noqa: F401 (the ``sandbox_options`` fixture)
    matching,
    pick,
    queue_up,
    race,
    record,
    register,
    services,
    titled,
    with_text,
)

from evoladder.domain.players import PlayerState
from evoladder.i18n.text import match as match_text
from evoladder.i18n.text import queue as text
from evoladder.sandbox.ladder import Sandbox
from evoladder.services.queue import MAX_VETOES

pytestmark = pytest.mark.e2e

DISCORD_TIME = re.compile(r"<t:(\d+):R>")
VETOES = text.VETO_PLACEHOLDER.format(max_vetoes=MAX_VETOES)


async def test_guide_once_then_pickers_clear_join_and_remembered_choices(sandbox: Sandbox) -> None:
    alice = sandbox.player("alice")
    await register(sandbox, alice, "Alice")

    guide = (await alice.slash("queue")).message
    assert guide.embeds[0]["title"] == text.GUIDE_TITLE
    assert matching(text.GUIDE_BODY, confirm=60).search(guide.text)  # its lobby settings included
    assert button_labels(guide) == [text.GUIDE_ACK_LABEL, text.CANCEL_LABEL]
    view = (await alice.click(text.GUIDE_ACK_LABEL, guide)).message
    assert view.id == guide.id  # the guide turns into the queue view
    assert (await record(sandbox, alice.id)).quickstart_acknowledged_at is not None

    join = view.button(text.JOIN_LABEL)
    assert join is not None and join.get("disabled") is True  # no race yet
    assert text.NEED_A_RACE in view.text
    view = await pick(alice, view, "bw_zerg", "sc2_protoss", ["Khione SEL", "Mothership LE"])
    shown = fields(view)
    assert (shown[text.FIELD_BW], shown[text.FIELD_SC2]) == (race("bw_zerg"), race("sc2_protoss"))
    assert shown[text.FIELD_VETOES] == "Khione, Mothership"
    assert defaults(view, VETOES) == ["Khione SEL", "Mothership LE"]
    assert not view.button(text.JOIN_LABEL).get("disabled")  # type: ignore[union-attr]

    cleared = (await alice.click(text.CLEAR_LABEL, view)).message
    assert defaults(cleared, text.BW_PLACEHOLDER) == ["-"] and defaults(cleared, VETOES) == []
    assert cleared.button(text.JOIN_LABEL).get("disabled") is True  # type: ignore[union-attr]

    view = await pick(alice, cleared, "bw_terran", None, ["Mothership LE"])
    searching = (await alice.click(text.JOIN_LABEL, view)).message
    assert searching.id == view.id and searching.embeds[0]["title"] == text.SEARCHING_TITLE
    async with services(sandbox).db.read() as uow:
        entry = await uow.queue.get(alice.id)
    assert entry is not None
    assert (entry.bw_race, entry.sc2_race, entry.vetoes) == ("bw_terran", None, ("Mothership LE",))

    left = (await alice.click(text.LEAVE_LABEL, searching)).message
    assert left.id == searching.id and left.embeds[0]["title"] == text.LEFT_TITLE and left.buttons == []
    assert (await record(sandbox, alice.id)).state is PlayerState.IDLE

    again = (await alice.slash("queue")).message  # no guide the second time
    assert again.embeds[0]["title"] == text.VIEW_TITLE
    assert defaults(again, text.BW_PLACEHOLDER) == ["bw_terran"]
    assert defaults(again, text.SC2_PLACEHOLDER) == ["-"] and defaults(again, VETOES) == ["Mothership LE"]
    closed = (await alice.click(text.CANCEL_LABEL, again)).message
    assert closed.embeds[0]["title"] == text.VIEW_CLOSED_TITLE
    assert closed.buttons == [] and closed.selects == []


async def test_searching_view_shows_the_wave_and_the_ladder_and_is_refreshed_until_matched(
    sandbox: Sandbox,
) -> None:
    clock = services(sandbox).clock
    alice, bob, carol = sandbox.player("alice"), sandbox.player("bob"), sandbox.player("carol")
    for player, name in ((alice, "Alice"), (bob, "Bob"), (carol, "Carol")):
        await register(sandbox, player, name)

    searching = await queue_up(alice, "bw_zerg", None, ["Khione SEL"])
    shown = fields(searching)
    next_wave = services(sandbox).matchmaker.next_wave_at()
    assert DISCORD_TIME.search(shown[text.FIELD_NEXT_WAVE])[1] == str(int(next_wave.timestamp()))  # type: ignore[index]
    assert shown[text.FIELD_RACES] == race("bw_zerg") and shown[text.FIELD_VETOES] == "Khione"
    assert shown[text.FIELD_QUEUED].startswith(text.QUEUED_LINE.format(total=1, bw=1, sc2=0))
    assert int(shown[text.FIELD_ACTIVE]) >= 1
    assert shown[text.FIELD_IN_PROGRESS] == "0"
    assert board(sandbox).tracked() == {alice.id}

    await queue_up(carol, None, "sc2_terran")
    report = await services(sandbox).matchmaker.run_wave()
    assert len(report.match_ids) == 1
    clock.advance(seconds=46)  # past the wave: the searching views still show it
    bob_searching = await queue_up(bob, "bw_terran", None)  # bob waits alone now
    dave = sandbox.player("dave")
    await register(sandbox, dave, "Dave")
    await services(sandbox).queue.join(dave.id, None, "sc2_zerg")  # queued without a message of his own

    marks = alice.mark()
    refreshed = await board(sandbox).refresh()
    assert (refreshed.closed, refreshed.refreshed) == (2, 1)  # alice and carol were matched
    matched = await alice.wait_for_dm(titled(text.MATCHED_TITLE), since=marks)
    assert matched.id == searching.id and matched.buttons == []
    assert f"match #{report.match_ids[0]}" in matched.text
    await carol.wait_for_dm(titled(text.MATCHED_TITLE), since=marks)
    waiting = await bob.wait_for_dm(lambda m: "2 searching" in m.text, since=marks)
    assert waiting.id == bob_searching.id and waiting.edited_at is not None  # edited by its ids
    assert button_labels(waiting) == [text.LEAVE_LABEL]
    assert fields(waiting)[text.FIELD_IN_PROGRESS] == "1"  # alice and carol's match, as the live ladder shows
    later = services(sandbox).matchmaker.next_wave_at()
    assert later > next_wave
    assert DISCORD_TIME.search(fields(waiting)[text.FIELD_NEXT_WAVE])[1] == str(int(later.timestamp()))  # type: ignore[index]
    assert board(sandbox).tracked() == {bob.id}


async def test_a_player_removed_by_an_admin_sees_it_on_the_searching_view(sandbox: Sandbox) -> None:
    alice = sandbox.player("alice")
    await register(sandbox, alice, "Alice")
    searching = await queue_up(alice, None, "sc2_zerg")
    root = sandbox.owners[0]
    await register(sandbox, root, "Root")
    await services(sandbox).queue.remove(alice.id, by_admin=root.id, reason="testing the queue")

    marks = alice.mark()
    assert (await board(sandbox).refresh()).closed == 1
    gone = await alice.wait_for_dm(titled(text.GONE_TITLE), since=marks)
    assert gone.id == searching.id and gone.buttons == []
    removed = match_text.REMOVED_FROM_QUEUE.format(reason="testing the queue")
    await alice.wait_for_dm(with_text(removed), include_existing=True)


async def test_the_searching_view_survives_a_restart(sandbox: Sandbox) -> None:
    alice, bob = sandbox.player("alice"), sandbox.player("bob")
    await register(sandbox, alice, "Alice")
    await register(sandbox, bob, "Bob")
    searching = await queue_up(alice, "bw_protoss", None)
    await sandbox.restart_bot()

    assert board(sandbox).tracked() == set()
    await services(sandbox).queue.join(bob.id, None, "sc2_terran")
    marks = alice.mark()
    assert (await board(sandbox).refresh()).restored == 1  # found again through bot_messages
    refreshed = await alice.wait_for_dm(lambda m: "2 searching" in m.text, since=marks)
    assert refreshed.id == searching.id
    left = (await alice.click(text.LEAVE_LABEL, refreshed)).message  # its button works after the restart
    assert left.embeds[0]["title"] == text.LEFT_TITLE
    assert (await record(sandbox, alice.id)).state is PlayerState.IDLE
