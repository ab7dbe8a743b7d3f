"""A big wave under Discord's realistic limits: the player whose "match found" went out last still
confirms 55 s after it reached them, and a player with closed DMs does not hold a match hostage.

With 400 DMs under the global limit (50 requests/s), the last ones go out seconds after the
wave; a deadline counted from the wave would have given those players a fraction of the minute.
The ladder's clock here flows with real time (the outbound queue is paced in real time), and the
test jumps it forward instead of waiting; the local Discord server's 3-second interaction deadline
runs on its own clock, untouched. Players are seeded straight into the database, as /setup and a
/queue in their DMs would leave them (DM channel id included), so the wave is the only thing
measured against the limits: ``queuedcrowd``, the set-up ``bench/bench_delivery.py`` measures.

The module's ``sandbox_options`` differ from the journeys' in two ways, both the point of the
test: Discord's realistic rate limits (the default sandbox has none, so every DM would go out at
once and no player would be late), and a ladder clock that flows with real time (the outbound
queue's pacing is real time, and each deadline is stamped when its message was delivered).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from journeykit import START, PlayerFactory, is_found_card, match_id_of, services, titled, with_text

from evoladder.domain.match_state import MatchStatus
from evoladder.i18n.text import match as text
from evoladder.sandbox.ladder import Sandbox
from evoladder.sandbox.ratelimit import RateLimitConfig
from queuedcrowd import queued_crowd

pytestmark = pytest.mark.e2e

MATCHES = 200


class FlowingClock:
    """Real time from a fixed start, plus whatever the test jumped over (``advance``)."""

    def __init__(self) -> None:
        self._start = START
        self._t0 = time.monotonic()
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0) + self._offset

    def advance(self, delta: timedelta) -> None:
        self._offset += max(delta, timedelta(0))


@pytest.fixture
def clock() -> FlowingClock:
    return FlowingClock()


@pytest.fixture
def sandbox_options(clock: FlowingClock) -> dict[str, Any]:
    """Realistic limits and a flowing clock (see the module's docstring); waves run by hand."""
    return {"clock": clock, "rate_limits": RateLimitConfig.realistic(), "background": False}


async def test_the_player_delivered_last_still_confirms_55_s_after_delivery(
    sandbox: Sandbox, clock: FlowingClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await queued_crowd(sandbox, 2 * MATCHES, clock.now())
    ladder = services(sandbox)
    created: list[object] = []

    async def create_dm(user: object) -> object:
        created.append(user)
        raise AssertionError("a remembered DM channel needs no creation request")

    monkeypatch.setattr(sandbox.ladder.bot, "create_dm", create_dm)
    wave_at = clock.now()
    report = await ladder.matchmaker.run_wave()
    assert len(report.match_ids) == MATCHES
    await ladder.matches.outbox.settled()  # every "match found" delivered (and its time armed)

    matches = [await ladder.matches.get(i) for i in report.match_ids]
    deadlines = {m.player(s): m.confirm_deadline_of(s) for m in matches for s in (1, 2)}
    assert all(d is not None for d in deadlines.values())
    last_uid, last_deadline = max(deadlines.items(), key=lambda kv: kv[1])  # type: ignore[arg-type, return-value]
    assert last_deadline is not None
    delivered_last = last_deadline - ladder.matches.timings.confirm_timeout
    # 400 messages cannot pass a 50 requests/s limit in under 8 s: the scenario has late DMs.
    assert delivered_last - wave_at > timedelta(seconds=5)
    assert sandbox.ladder.deps.outbound.stats.failed == 0
    async with ladder.db.read() as uow:
        assert await uow.outbox.pending_count() == 0
    assert created == []  # no POST /users/@me/channels: every DM channel id was remembered

    last = next(p for p in people if p.id == last_uid)
    (card,) = [m for m in last.dms if is_found_card(m)]
    clock.advance(delivered_last + timedelta(seconds=55) - clock.now())
    waiting = await last.click(text.CONFIRM_LABEL, card)
    assert waiting.content == text.CONFIRMED_WAITING.format(match_id=match_id_of(card))


async def test_closed_dms_count_as_not_confirming_and_the_opponent_is_told_why(
    sandbox: Sandbox, player: PlayerFactory
) -> None:
    alice = await player("alice", "Alice")
    closed = await player("closed", "Closed", dms_open=False)
    ladder = services(sandbox)
    await ladder.queue.join(alice.id, "bw_zerg", None)
    await ladder.queue.join(closed.id, None, "sc2_terran")
    [match_id] = (await ladder.matchmaker.run_wave()).match_ids
    await ladder.matches.outbox.settled()
    state = await ladder.matches.get(match_id)
    assert (state.status, state.report_1, state.report_2) == (MatchStatus.ABANDONED, -1, -4)
    told = text.ABANDONED_OPPONENT_UNREACHABLE.format(match_id=match_id)
    await alice.wait_for_dm(with_text(told), include_existing=True)
    cancelled = text.CLOSED_TITLE.format(match_id=match_id, status=text.STATUS_ABANDONED)
    card = await alice.wait_for_dm(titled(cancelled), include_existing=True)
    assert card.components == []  # alice's card is closed: nothing left to confirm
    refused = sandbox.discord.violations.take(code=50007)  # "Cannot send messages to this user"
    assert {v.path for v in refused} == {f"/api/v10/channels/{closed.dm_channel.id}/messages"}
