"""``dispute_by_replay``: a verified replay that contradicts a final result turns it into a conflict.

The first verified replay finalizes a match at once, so the other player's replay arrives after the
end; when it names the other winner, the result goes on hold for an admin, with its MMR reversed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from evoladder.domain import match_state as ms
from evoladder.domain.errors import AlreadyResolved, IllegalTransition, MatchClosed, NotAPlayer
from evoladder.domain.match_state import MatchState, MatchStatus, Resolution, Step
from evoladder.domain.rating import Outcome, rate

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TIMINGS = ms.MatchTimings()
P1, P2, ADMIN = 101, 202, 9
LATER = T0 + timedelta(minutes=20)
AFTER = T0 + timedelta(minutes=30)


def confirmed() -> MatchState:
    at = T0 + timedelta(seconds=10)
    return MatchState(
        id=1, player_1=P1, player_2=P2, race_1="bw_zerg", race_2="sc2_terran", mmr_1=1600, mmr_2=1500,
        status=MatchStatus.CONFIRMED, report_1=None, report_2=None, result=None, mmr_change=None,
        map_name="Khione SEL", server="USE", played_at=T0, confirm_deadline=T0 + timedelta(seconds=60),
        confirmed_1_at=at, confirmed_2_at=at, confirmed_at=at, report_deadline=at + TIMINGS.report_deadline,
        reported_1_at=None, reported_2_at=None, finalized_at=None, resolved_by=None, wave_at=T0, version=1,
    )


def final_by_replay(outcome: Outcome = Outcome.PLAYER_2) -> MatchState:
    return ms.report_verified(confirmed(), outcome, LATER, TIMINGS).after


def test_a_disagreeing_replay_turns_the_result_into_a_conflict_and_reverses_the_mmr() -> None:
    final = final_by_replay(Outcome.PLAYER_2)
    t = ms.dispute_by_replay(final, P1, Outcome.PLAYER_1, AFTER)

    assert t.step is Step.CONFLICT and t.actor == P1 and not t.released
    after = t.after
    assert after.status is MatchStatus.CONFLICT and after.result == -2 and after.mmr_change is None
    assert (after.report_1, after.report_2) == (1, 2) and after.reported_1_at == AFTER
    assert after.finalized_at == AFTER
    assert t.rating is not None
    delta = rate(1600, 1500, Outcome.PLAYER_2).delta
    assert t.rating.mmr_shift(1) == -delta and t.rating.mmr_shift(2) == delta
    assert t.rating.counters(1) == (0, -1, 0) and t.rating.counters(2) == (-1, 0, 0)


def test_a_replay_that_agrees_changes_nothing() -> None:
    final = final_by_replay(Outcome.PLAYER_2)
    with pytest.raises(AlreadyResolved):
        ms.dispute_by_replay(final, P1, Outcome.PLAYER_2, AFTER)


def test_an_admins_decision_is_not_disputed() -> None:
    decided = ms.resolve(final_by_replay(), Resolution.PLAYER_1, ADMIN, LATER).after
    with pytest.raises(AlreadyResolved):
        ms.dispute_by_replay(decided, P2, Outcome.PLAYER_2, AFTER)


@pytest.mark.parametrize(
    ("state", "error"),
    [
        (confirmed(), IllegalTransition),  # open: report_verified applies instead
        (ms.abort(confirmed(), P1, T0 + timedelta(minutes=1)).after, MatchClosed),
        (ms.report(ms.report(confirmed(), P1, Outcome.PLAYER_1, LATER, TIMINGS).after,
                   P2, Outcome.PLAYER_2, LATER, TIMINGS).after, MatchClosed),  # already a conflict
    ],
)
def test_only_a_final_match_can_be_disputed(state: MatchState, error: type[Exception]) -> None:
    before = replace(state)
    with pytest.raises(error):
        ms.dispute_by_replay(state, P1, Outcome.PLAYER_1, AFTER)
    assert state == before


def test_only_a_player_of_the_match_disputes() -> None:
    with pytest.raises(NotAPlayer):
        ms.dispute_by_replay(final_by_replay(), 999, Outcome.PLAYER_1, AFTER)
