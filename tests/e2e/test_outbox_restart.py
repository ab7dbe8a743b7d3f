"""A crash anywhere between a wave's commit and its DMs, then a restart: each player ends up with
exactly one working match card (Confirm works, the match goes on), and nobody is charged for a
match they never saw.

The crash is played in the first process by stopping its work at one point (the hand-over to the
notifier never happens; the DM went out but neither its reference nor the delivery was recorded;
the reference was recorded but not the delivery; everything was recorded), then the bot is
restarted on the same database and does what its start-up does first: deliver what is pending.
"""

from __future__ import annotations

from typing import Any

import pytest
from journeykit import (
    LadderClock,
    details_message,
    found_message,
    journey_clock,  # noqa: F401 (the ``clock`` fixture)
    journey_sandbox_options,  # noqa: F401 (the ``sandbox_options`` fixture)
    lead,
    match_id_of,
    match_state,
    queue_up,
    register,
    services,
    titled,
)

from evoladder.domain.match_state import MatchStatus
from evoladder.i18n.text import match as text
from evoladder.sandbox import VirtualPlayer
from evoladder.sandbox.ladder import Sandbox

pytestmark = pytest.mark.e2e

KILL_POINTS = ("before_hand_over", "after_send", "after_reference", "after_done")


async def _nothing(*_args: Any, **_kwargs: Any) -> Any:
    return 0


def crash_at(sandbox: Sandbox, point: str, monkeypatch: pytest.MonkeyPatch) -> None:
    relay = services(sandbox).matches.outbox
    if point == "before_hand_over":
        monkeypatch.setattr(relay, "flush", _nothing)
    if point in ("after_send", "after_reference"):
        monkeypatch.setattr(relay, "_settle", _nothing)
    if point == "after_send":
        monkeypatch.setattr(services(sandbox).messages, "record", _nothing)


def match_cards(player: VirtualPlayer, match_id: int) -> list[Any]:
    """The player's match messages of this match (the card, whatever it shows now)."""
    found = titled(text.FOUND_TITLE.format(match_id=match_id))
    details = titled(lead(text.DETAILS_TITLE, match_id=match_id))
    return [m for m in player.dms if found(m) or details(m)]


@pytest.mark.parametrize("point", KILL_POINTS)
async def test_each_player_ends_up_with_exactly_one_working_card(
    sandbox: Sandbox, clock: LadderClock, point: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = sandbox.player("alice"), sandbox.player("bob")
    await register(sandbox, alice, "Alice")
    await register(sandbox, bob, "Bob")
    await queue_up(alice, "bw_zerg", None)
    await queue_up(bob, None, "sc2_terran")
    crash_at(sandbox, point, monkeypatch)
    [match_id] = (await services(sandbox).matchmaker.run_wave()).match_ids
    if point != "before_hand_over":  # the first process got the DMs out before it died
        for player in (alice, bob):
            assert match_id_of(await found_message(player)) == match_id
    await services(sandbox).matches.outbox.settled()
    monkeypatch.undo()

    if point != "after_done":  # the bot is back much later: no deadline runs for an unseen card
        clock.advance(minutes=5)
    await sandbox.restart_bot()
    ladder = services(sandbox)
    assert await ladder.scheduler.run_due() == 0
    await ladder.matches.outbox.flush()  # what the start-up does first
    await ladder.matches.outbox.settled()
    async with ladder.db.read() as uow:
        assert await uow.outbox.pending_count() == 0

    cards = {}
    for player in (alice, bob):
        card = await found_message(player)
        assert match_id_of(card) == match_id
        assert len(match_cards(player, match_id)) == 1, [m.text for m in player.dms]
        cards[player.id] = card
    state = await match_state(sandbox, match_id)
    assert state.status is MatchStatus.FOUND
    for slot in (1, 2):  # each player's time runs from a delivery this side of the restart
        deadline = state.confirm_deadline_of(slot)
        assert deadline is not None and deadline >= clock.now()
    waiting = await alice.click(text.CONFIRM_LABEL, cards[alice.id])
    assert waiting.content == text.CONFIRMED_WAITING.format(match_id=match_id)
    await bob.click(text.CONFIRM_LABEL, cards[bob.id])
    for player in (alice, bob):
        details = await details_message(player, match_id)
        assert details.id == cards[player.id].id  # the same card, now with the details
        assert len(match_cards(player, match_id)) == 1
    assert (await match_state(sandbox, match_id)).status is MatchStatus.CONFIRMED
