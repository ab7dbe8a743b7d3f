"""The outbox: a notification a player must act on exists exactly when the change that causes it
committed, is delivered after the commit, again after a crash, and counts time from delivery.

A crash is played by the notifier: one that fails before taking the event over (the process died
between the commit and the hand-over), one that takes it and never answers (it died while the DM
was in flight). The restart is a new stack on the same database, as the composition root builds
it, whose start-up delivers what is pending (``OutboxRelay.flush``, what ``start`` runs first).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta

import pytest
from matchkit import FakeClock, RecordingNotifier, Stack, add_player, build_stack, confirmed_match
from sqlalchemy import select

from evoladder.domain.errors import ConfirmationExpired
from evoladder.domain.match_state import MatchStatus, Resolution
from evoladder.domain.rating import Outcome
from evoladder.services.event_codec import decode, encode
from evoladder.services.events import LadderEvent, MatchAbandoned, MatchFound
from evoladder.services.ports import Receipt
from evoladder.store.schema import outbox
from evoladder.store.uow import Database

P1, P2 = 11, 22


class DiesBeforeHandOver(RecordingNotifier):
    async def notify(self, event: object, *, key: str | None = None) -> None:
        raise ConnectionResetError("the process is gone")


class DiesInFlight(RecordingNotifier):
    """Takes the event and never reports back (the DM may or may not have gone out)."""

    async def notify(self, event: object, *, key: str | None = None) -> Awaitable[Receipt]:  # type: ignore[override]
        self.events.append(event)
        return asyncio.get_running_loop().create_future()


class Unreachable(RecordingNotifier):
    """Player ``uid``'s DMs are closed: their messages are refused for good."""

    def __init__(self, uid: int) -> None:
        super().__init__()
        self.uid = uid

    async def notify(self, event: object, *, key: str | None = None) -> Awaitable[Receipt] | None:  # type: ignore[override]
        await super().notify(event, key=key)
        if isinstance(event, MatchFound) and event.discord_uid == self.uid:
            return _answer(Receipt(False, unreachable=True))
        return None


async def _answer(receipt: Receipt) -> Receipt:
    return receipt


async def wave(s: Stack) -> int:
    await add_player(s.db, P1, mmr={"bw_zerg": 1500})
    await add_player(s.db, P2, mmr={"sc2_terran": 1500})
    await s.queue.join(P1, "bw_zerg", None, ())
    await s.queue.join(P2, None, "sc2_terran", ())
    (match_id,) = (await s.matchmaker.run_wave()).match_ids
    return match_id


async def pending(db: Database) -> int:
    async with db.read() as uow:
        return await uow.outbox.pending_count()


@pytest.mark.parametrize("crash", [DiesBeforeHandOver, DiesInFlight])
async def test_a_crash_between_the_commit_and_the_dm_loses_nothing(
    db: Database, crash: type[RecordingNotifier]
) -> None:
    clock = FakeClock()
    first = build_stack(db, clock, notifier=crash())
    match_id = await wave(first)
    assert await pending(db) == 2  # both rows outlive the process
    clock.advance(minutes=10)  # the bot comes back much later: nobody was charged meanwhile
    assert await first.scheduler.run_due() == 0
    restarted = build_stack(db, clock)
    assert await restarted.matches.outbox.flush() == 2
    found = restarted.notifier.of(MatchFound)
    assert sorted(e.discord_uid for e in found) == [P1, P2] and {e.match_id for e in found} == {match_id}
    assert await pending(db) == 0
    match = await restarted.matches.get(match_id)
    assert match.status is MatchStatus.FOUND
    assert match.confirm_deadline_of(1) == match.confirm_deadline_of(2) == clock.now() + timedelta(seconds=60)
    clock.advance(seconds=55)
    await restarted.matches.confirm(match_id, P1)
    assert (await restarted.matches.confirm(match_id, P2)).status is MatchStatus.CONFIRMED
    assert await restarted.matches.outbox.flush() == 0  # nothing is delivered twice


async def test_the_time_to_confirm_counts_from_each_players_delivery(db: Database) -> None:
    clock = FakeClock()
    s = build_stack(db, clock, notifier=DiesInFlight())
    match_id = await wave(s)
    rows = sorted(s.matches.outbox._handled)
    receipts = list(s.matches.outbox._waiting)
    assert len(rows) == len(receipts) == 2
    clock.advance(seconds=1)
    await s.matches.delivered(match_id, P1, clock.now())  # P1's DM went out at once
    clock.advance(seconds=30)
    await s.matches.delivered(match_id, P2, clock.now())  # P2's only 31 s after the wave
    clock.advance(seconds=29)
    assert await s.scheduler.run_due() == 2  # both reminders (P1's at 21 s, P2's at 51 s)
    assert (await s.matches.get(match_id)).status is MatchStatus.FOUND
    clock.advance(seconds=1)  # P1's deadline: 60 s from their delivery, not from the wave
    with pytest.raises(ConfirmationExpired):
        await s.matches.confirm(match_id, P1)
    await s.scheduler.run_due()
    match = await s.matches.get(match_id)  # only P1 let their own time run out
    assert (match.status, match.report_1, match.report_2) == (MatchStatus.ABANDONED, -4, -1)
    for task in receipts:
        task.cancel()


async def test_the_late_player_still_confirms_55_s_after_their_delivery(db: Database) -> None:
    clock = FakeClock()
    s = build_stack(db, clock, notifier=DiesInFlight())
    match_id = await wave(s)
    await s.matches.delivered(match_id, P1, clock.now())
    await s.matches.confirm(match_id, P1)
    clock.advance(seconds=40)
    await s.matches.delivered(match_id, P2, clock.now())
    clock.advance(seconds=55)
    await s.scheduler.run_due()
    assert (await s.matches.confirm(match_id, P2)).status is MatchStatus.CONFIRMED
    for task in list(s.matches.outbox._waiting):
        task.cancel()


async def test_a_player_with_closed_dms_counts_as_not_confirming_and_the_opponent_is_told(
    db: Database,
) -> None:
    s = build_stack(db, FakeClock(), notifier=Unreachable(P2))
    match_id = await wave(s)
    await s.matches.outbox.settled()
    match = await s.matches.get(match_id)
    assert (match.status, match.report_1, match.report_2) == (MatchStatus.ABANDONED, -1, -4)
    (abandoned,) = s.notifier.of(MatchAbandoned)
    assert (abandoned.reason, abandoned.unconfirmed) == ("undeliverable", (P2,))
    assert await pending(db) == 0


async def test_every_event_is_written_with_its_change_and_reads_back_equal(db: Database) -> None:
    s = build_stack(db)
    match = await confirmed_match(s, P1, P2)
    await s.matches.report(match.id, P1, Outcome.PLAYER_1)
    await s.matches.report(match.id, P2, Outcome.PLAYER_2)
    await s.matches.admin_resolve(match.id, Resolution.PLAYER_2, 9, "checked the replay")
    told: list[LadderEvent] = [e for e in s.notifier.events if isinstance(e, LadderEvent)]
    assert len({type(e) for e in told}) >= 5
    assert [decode(encode(e)) for e in told] == told
    async with db.read() as uow:
        assert await uow.outbox.pending_count() == 0
        rows = await uow.conn.execute(select(outbox.c.payload).order_by(outbox.c.id))
        stored = [decode(payload) for (payload,) in rows]
    assert stored == told
