"""The match state machine: every transition, and every illegal one (a typed error, nothing changed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from evoladder.domain import match_state as ms
from evoladder.domain.errors import (
    AbortNotAllowed,
    AbortWindowClosed,
    AlreadyConfirmed,
    AlreadyReported,
    AlreadyResolved,
    ConfirmationExpired,
    IllegalTransition,
    LadderError,
    MatchClosed,
    NotAPlayer,
    NotConfirmedYet,
    NotDue,
    ReportingClosed,
)
from evoladder.domain.match_state import MatchState, MatchStatus, Resolution, Step
from evoladder.domain.rating import Outcome, rate

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TIMINGS = ms.MatchTimings()
P1, P2, STRANGER, ADMIN = 101, 202, 303, 9


def found(**changes: object) -> MatchState:
    state = MatchState(
        id=1, player_1=P1, player_2=P2, race_1="bw_zerg", race_2="sc2_terran", mmr_1=1600, mmr_2=1500,
        status=MatchStatus.FOUND, report_1=None, report_2=None, result=None, mmr_change=None,
        map_name="Khione SEL", server="USE", played_at=T0, confirm_deadline=T0 + timedelta(seconds=60),
        confirmed_1_at=None, confirmed_2_at=None, confirmed_at=None, report_deadline=None,
        reported_1_at=None, reported_2_at=None, finalized_at=None, resolved_by=None, wave_at=T0, version=1,
    )
    return replace(state, **changes)  # type: ignore[arg-type]


def confirmed(**changes: object) -> MatchState:
    at = T0 + timedelta(seconds=10)
    base = found(status=MatchStatus.CONFIRMED, confirmed_1_at=at, confirmed_2_at=at, confirmed_at=at,
                 report_deadline=at + TIMINGS.report_deadline)
    return replace(base, **changes)  # type: ignore[arg-type]


NOW = T0 + timedelta(seconds=30)
LATER = T0 + timedelta(minutes=20)


def final(outcome: Outcome = Outcome.PLAYER_1) -> MatchState:
    return ms.report(
        ms.report(confirmed(), P1, outcome, LATER, TIMINGS).after, P2, outcome, LATER, TIMINGS
    ).after


def conflict() -> MatchState:
    one = ms.report(confirmed(), P1, Outcome.PLAYER_1, LATER, TIMINGS).after
    return ms.report(one, P2, Outcome.PLAYER_2, LATER, TIMINGS).after


# --- confirmation -----------------------------------------------------------------------------


def test_first_confirmation_stamps_only_that_player() -> None:
    t = ms.confirm(found(), P2, NOW, TIMINGS)
    assert t.step is Step.CONFIRMED_ONE
    assert t.after.status is MatchStatus.FOUND
    assert t.after.confirmed_2_at == NOW and t.after.confirmed_1_at is None
    assert t.after.unconfirmed == (P1,)
    assert not t.released and t.rating is None and t.charge_abort is None


def test_second_confirmation_reveals_and_starts_the_report_clock() -> None:
    one = ms.confirm(found(), P1, NOW, TIMINGS).after
    t = ms.confirm(one, P2, NOW + timedelta(seconds=5), TIMINGS)
    assert t.step is Step.CONFIRMED_BOTH
    assert t.after.status is MatchStatus.CONFIRMED
    assert t.after.confirmed_at == NOW + timedelta(seconds=5)
    assert t.after.report_deadline == NOW + timedelta(seconds=5) + TIMINGS.report_deadline
    assert t.after.unreported == (P1, P2)


@pytest.mark.parametrize(
    ("state", "uid", "now", "error"),
    [
        (found(confirmed_1_at=T0), P1, NOW, AlreadyConfirmed),  # a double click
        (confirmed(), P1, NOW, AlreadyConfirmed),
        (found(), STRANGER, NOW, NotAPlayer),
        (found(), P1, T0 + timedelta(seconds=60), ConfirmationExpired),  # at the deadline: too late
        (final(), P1, NOW, MatchClosed),
        (conflict(), P2, NOW, MatchClosed),
    ],
)
def test_illegal_confirmations(state: MatchState, uid: int, now: datetime, error: type[LadderError]) -> None:
    before = replace(state)
    with pytest.raises(error) as info:
        ms.confirm(state, uid, now, TIMINGS)
    assert info.value.message  # every refusal has a user message
    assert state == before


def test_missed_confirmation_abandons_without_abort_or_mmr() -> None:
    one = ms.confirm(found(), P1, NOW, TIMINGS).after
    t = ms.expire_confirmation(one, T0 + timedelta(seconds=60))
    assert t.step is Step.NOT_CONFIRMED
    assert t.after.status is MatchStatus.ABANDONED
    assert (t.after.result, t.after.report_1, t.after.report_2) == (-1, -1, -4)
    assert t.charge_abort is None and t.rating is None and t.released


def test_nobody_confirmed_marks_both() -> None:
    t = ms.expire_confirmation(found(), T0 + timedelta(minutes=5))
    assert (t.after.report_1, t.after.report_2) == (-4, -4)


@pytest.mark.parametrize(
    ("state", "now", "error"),
    [
        (found(), T0 + timedelta(seconds=59), NotDue),
        (confirmed(), T0 + timedelta(minutes=5), IllegalTransition),
        (final(), T0 + timedelta(minutes=5), MatchClosed),
    ],
)
def test_confirmation_deadline_that_does_not_apply(
    state: MatchState, now: datetime, error: type[Exception]
) -> None:
    with pytest.raises(error):
        ms.expire_confirmation(state, now)


def test_confirmation_reminder_targets_who_has_not_confirmed() -> None:
    assert ms.confirmation_reminder_targets(found(), NOW) == (P1, P2)
    assert ms.confirmation_reminder_targets(found(confirmed_2_at=T0), NOW) == (P1,)
    assert ms.confirmation_reminder_targets(found(), T0 + timedelta(seconds=60)) == ()  # stale
    with pytest.raises(IllegalTransition):
        ms.confirmation_reminder_targets(confirmed(), NOW)
    with pytest.raises(MatchClosed):
        ms.confirmation_reminder_targets(final(), NOW)


# --- abort ------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [found(), found(confirmed_1_at=T0), confirmed()])
def test_abort_before_any_report_charges_only_the_aborter(state: MatchState) -> None:
    t = ms.abort(state, P2, NOW)
    assert t.step is Step.ABORTED
    assert t.after.status is MatchStatus.ABORTED
    assert (t.after.result, t.after.report_1, t.after.report_2) == (-1, -1, -3)
    assert t.charge_abort == P2 and t.rating is None and t.released


@pytest.mark.parametrize(
    ("state", "uid", "error"),
    [
        (ms.report(confirmed(), P1, Outcome.PLAYER_1, LATER, TIMINGS).after, P2, AbortNotAllowed),
        (ms.report(confirmed(), P1, Outcome.PLAYER_1, LATER, TIMINGS).after, P1, AbortNotAllowed),
        (final(), P1, MatchClosed),
        (conflict(), P1, MatchClosed),
        (ms.abort(found(), P1, NOW).after, P2, MatchClosed),
        (found(), STRANGER, NotAPlayer),
    ],
)
def test_illegal_aborts(state: MatchState, uid: int, error: type[Exception]) -> None:
    before = replace(state)
    with pytest.raises(error):
        ms.abort(state, uid, NOW)
    assert state == before


def test_abort_only_during_the_window_after_the_match_was_found() -> None:
    """A played game cannot be aborted away: after the window (5 minutes by default, counted from
    the match being found) the abort is refused, even when nobody reported yet."""
    window = TIMINGS.abort_window
    assert window == timedelta(minutes=5)
    assert ms.abort(confirmed(), P2, T0 + window - timedelta(seconds=1), window).step is Step.ABORTED
    for late in (T0 + window, LATER):
        with pytest.raises(AbortWindowClosed) as info:
            ms.abort(confirmed(), P2, late, window)
        assert info.value.message
    shorter = timedelta(minutes=1)  # the window is a setting
    with pytest.raises(AbortWindowClosed):
        ms.abort(confirmed(), P2, T0 + shorter, shorter)


# --- confirmation time from delivery ----------------------------------------------------------


def delivered(at_1: datetime | None, at_2: datetime | None) -> MatchState:
    """A wave's match (no match-wide deadline), with each player's message delivered at ``at_N``."""
    state = found(confirm_deadline=None)
    for uid, at in ((P1, at_1), (P2, at_2)):
        if at is not None:
            state = ms.arm_confirmation(state, uid, at, TIMINGS).after
    return state


def test_each_player_gets_the_full_time_from_the_delivery_of_their_message() -> None:
    late = T0 + timedelta(seconds=25)  # the last DMs of a big wave go out late
    state = delivered(T0 + timedelta(seconds=1), late)
    assert state.confirm_deadline_of(2) == late + TIMINGS.confirm_timeout
    t = ms.confirm(state, P2, late + timedelta(seconds=55), TIMINGS)  # 80 s after the wave
    assert t.step is Step.CONFIRMED_ONE
    with pytest.raises(ConfirmationExpired):
        ms.confirm(state, P1, T0 + timedelta(seconds=61), TIMINGS)


def test_arming_is_once_and_only_while_found() -> None:
    state = delivered(T0, None)
    with pytest.raises(IllegalTransition):  # a re-delivery after a restart keeps the first deadline
        ms.arm_confirmation(state, P1, T0 + timedelta(seconds=30), TIMINGS)
    with pytest.raises(MatchClosed):
        ms.arm_confirmation(final(), P1, NOW, TIMINGS)


def test_no_deadline_runs_before_delivery() -> None:
    """A crash before the DMs went out charges nobody: a player whose message was not delivered
    has no deadline yet, and the match does not expire on their account."""
    with pytest.raises(NotDue):
        ms.expire_confirmation(delivered(None, None), T0 + timedelta(hours=1))
    one = delivered(T0, None)
    t = ms.expire_confirmation(one, T0 + timedelta(seconds=60))
    assert (t.after.report_1, t.after.report_2) == (-4, -1)  # only the player whose time ran out
    assert ms.confirmation_reminder_targets(one, T0 + timedelta(seconds=20), only=P1) == (P1,)
    assert ms.confirmation_reminder_targets(one, T0 + timedelta(seconds=20), only=P2) == (P2,)


def test_a_player_who_cannot_be_reached_counts_as_not_confirming() -> None:
    t = ms.undeliverable(delivered(T0, None), P2, NOW)
    assert t.step is Step.UNDELIVERABLE and t.actor == P2
    assert (t.after.status, t.after.report_1, t.after.report_2) == (MatchStatus.ABANDONED, -1, -4)
    assert t.charge_abort is None and t.rating is None and t.released
    with pytest.raises(IllegalTransition):
        ms.undeliverable(confirmed(), P2, NOW)


def test_ban_cancels_an_open_match_without_charging_an_abort() -> None:
    t = ms.cancel_for_ban(ms.report(confirmed(), P1, Outcome.PLAYER_2, LATER, TIMINGS).after, P1, LATER)
    assert t.step is Step.CANCELLED_BY_BAN
    assert (t.after.status, t.after.report_1, t.after.report_2) == (MatchStatus.ABORTED, -3, -1)
    assert t.charge_abort is None and t.rating is None
    with pytest.raises(MatchClosed):
        ms.cancel_for_ban(final(), P1, LATER)


# --- reports ----------------------------------------------------------------------------------


def test_first_report_waits_for_the_opponent() -> None:
    t = ms.report(confirmed(), P1, Outcome.PLAYER_1, LATER, TIMINGS)
    assert t.step is Step.REPORTED
    assert (t.after.report_1, t.after.reported_1_at, t.after.report_2) == (1, LATER, None)
    assert t.after.status is MatchStatus.CONFIRMED and t.rating is None
    assert t.after.report_deadline == confirmed().report_deadline  # far enough away: unchanged


def test_a_late_first_report_gives_the_opponent_time_to_answer() -> None:
    state = confirmed()
    assert state.report_deadline is not None
    late = state.report_deadline - timedelta(minutes=1)
    t = ms.report(state, P2, Outcome.DRAW, late, TIMINGS)
    assert t.after.report_deadline == late + TIMINGS.report_warning_before


@pytest.mark.parametrize("outcome", list(Outcome))
def test_equal_reports_finalize_with_a_zero_sum_delta(outcome: Outcome) -> None:
    one = ms.report(confirmed(), P2, outcome, LATER, TIMINGS).after
    t = ms.report(one, P1, outcome, LATER, TIMINGS)
    delta = rate(1600, 1500, outcome).delta
    assert t.step is Step.FINAL and t.released
    assert (t.after.status, t.after.result, t.after.mmr_change) == (MatchStatus.FINAL, int(outcome), delta)
    assert t.rating is not None
    assert t.rating.mmr_shift(1) == delta and t.rating.mmr_shift(2) == -delta
    assert t.after.finalized_at == LATER


def test_different_reports_conflict_without_mmr() -> None:
    state = conflict()
    assert (state.status, state.result, state.mmr_change) == (MatchStatus.CONFLICT, -2, None)
    one = ms.report(confirmed(), P1, Outcome.PLAYER_1, LATER, TIMINGS).after
    t = ms.report(one, P2, Outcome.DRAW, LATER, TIMINGS)
    assert t.step is Step.CONFLICT and t.rating is None and t.released


@pytest.mark.parametrize(
    ("state", "uid", "now", "error"),
    [
        (found(), P1, NOW, NotConfirmedYet),
        (ms.report(confirmed(), P1, Outcome.PLAYER_1, LATER, TIMINGS).after, P1, LATER, AlreadyReported),
        (confirmed(), P1, T0 + timedelta(hours=4), ReportingClosed),
        (confirmed(), STRANGER, LATER, NotAPlayer),
        (final(), P1, LATER, MatchClosed),
        (conflict(), P2, LATER, MatchClosed),
        (ms.abort(confirmed(), P1, NOW).after, P2, LATER, MatchClosed),
    ],
)
def test_illegal_reports(state: MatchState, uid: int, now: datetime, error: type[Exception]) -> None:
    before = replace(state)
    with pytest.raises(error):
        ms.report(state, uid, Outcome.PLAYER_1, now, TIMINGS)
    assert state == before


def test_verified_replay_reports_for_both() -> None:
    t = ms.report_verified(confirmed(), Outcome.PLAYER_2, LATER, TIMINGS)
    assert t.step is Step.FINAL
    assert (t.after.report_1, t.after.report_2, t.after.result) == (2, 2, 2)


def test_verified_replay_agreeing_with_a_report_finalizes_and_disagreeing_conflicts() -> None:
    one = ms.report(confirmed(), P1, Outcome.PLAYER_2, LATER, TIMINGS).after
    assert ms.report_verified(one, Outcome.PLAYER_2, LATER, TIMINGS).step is Step.FINAL
    t = ms.report_verified(one, Outcome.PLAYER_1, LATER, TIMINGS)
    assert t.step is Step.CONFLICT and (t.after.report_1, t.after.report_2) == (2, 1)


@pytest.mark.parametrize(("state", "error"), [(found(), NotConfirmedYet), (final(), MatchClosed)])
def test_verified_replay_on_a_match_that_cannot_take_it(state: MatchState, error: type[Exception]) -> None:
    with pytest.raises(error):
        ms.report_verified(state, Outcome.PLAYER_1, LATER, TIMINGS)


# --- reporting deadline --------------------------------------------------------------------------


def test_deadline_applies_the_single_report() -> None:
    state = ms.report(confirmed(), P2, Outcome.PLAYER_2, LATER, TIMINGS).after
    assert state.report_deadline is not None
    t = ms.expire_reporting(state, state.report_deadline)
    assert t.step is Step.FINAL_AT_DEADLINE
    assert (t.after.status, t.after.result, t.after.report_1, t.after.report_2) == (
        MatchStatus.FINAL, 2, None, 2
    )
    assert t.rating is not None and t.rating.new_outcome is Outcome.PLAYER_2 and t.released


def test_deadline_without_reports_abandons() -> None:
    state = confirmed()
    assert state.report_deadline is not None
    t = ms.expire_reporting(state, state.report_deadline + timedelta(hours=1))
    assert t.step is Step.NOT_REPORTED
    assert (t.after.status, t.after.result) == (MatchStatus.ABANDONED, -1)
    assert t.rating is None and t.charge_abort is None and t.released


@pytest.mark.parametrize(
    ("state", "now", "error"),
    [
        (confirmed(), LATER, NotDue),
        (found(), T0 + timedelta(hours=5), NotConfirmedYet),
        (final(), T0 + timedelta(hours=5), MatchClosed),
    ],
)
def test_reporting_deadline_that_does_not_apply(
    state: MatchState, now: datetime, error: type[Exception]
) -> None:
    with pytest.raises(error):
        ms.expire_reporting(state, now)


def test_deadline_warning_targets() -> None:
    state = ms.report(confirmed(), P1, Outcome.DRAW, LATER, TIMINGS).after
    assert ms.deadline_warning_targets(state, LATER) == (P2,)
    assert state.report_deadline is not None
    assert ms.deadline_warning_targets(state, state.report_deadline) == ()  # stale
    with pytest.raises(NotConfirmedYet):
        ms.deadline_warning_targets(found(), LATER)
    with pytest.raises(MatchClosed):
        ms.deadline_warning_targets(final(), LATER)


# --- admin resolve -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state",
    [
        found(),
        confirmed(),
        conflict(),
        ms.abort(found(), P1, NOW).after,
        ms.expire_confirmation(found(), LATER).after,
    ],
)
def test_resolve_a_match_without_a_result_applies_the_full_delta(state: MatchState) -> None:
    t = ms.resolve(state, Resolution.PLAYER_2, ADMIN, LATER)
    delta = rate(1600, 1500, Outcome.PLAYER_2).delta
    assert (t.after.status, t.after.result, t.after.mmr_change, t.after.resolved_by) == (
        MatchStatus.FINAL, 2, delta, ADMIN
    )
    assert t.rating == ms.RatingPlan(None, 0, Outcome.PLAYER_2, delta)
    assert t.released is state.is_open
    assert t.rating.counters(1) == (0, 1, 0) and t.rating.counters(2) == (1, 0, 0)


def test_re_resolving_a_final_match_moves_only_the_difference() -> None:
    state = final(Outcome.PLAYER_1)
    d1 = rate(1600, 1500, Outcome.PLAYER_1).delta
    d2 = rate(1600, 1500, Outcome.PLAYER_2).delta
    t = ms.resolve(state, Resolution.PLAYER_2, ADMIN, LATER)
    assert t.rating == ms.RatingPlan(Outcome.PLAYER_1, d1, Outcome.PLAYER_2, d2)
    assert t.rating.mmr_shift(1) == d2 - d1 and t.rating.mmr_shift(2) == d1 - d2
    assert t.rating.counters(1) == (-1, 1, 0) and t.rating.counters(2) == (1, -1, 0)
    assert not t.released


def test_invalidating_a_final_match_reverses_it() -> None:
    d1 = rate(1600, 1500, Outcome.DRAW).delta
    t = ms.resolve(final(Outcome.DRAW), Resolution.INVALIDATE, ADMIN, LATER)
    assert (t.after.status, t.after.result, t.after.mmr_change) == (MatchStatus.INVALIDATED, -1, None)
    assert t.rating == ms.RatingPlan(Outcome.DRAW, d1, None, 0)
    assert t.rating.counters(1) == (0, 0, -1)
    again = ms.resolve(t.after, Resolution.DRAW, ADMIN, LATER)
    assert again.rating == ms.RatingPlan(None, 0, Outcome.DRAW, d1)


@pytest.mark.parametrize(
    ("state", "resolution"),
    [
        (final(Outcome.PLAYER_1), Resolution.PLAYER_1),
        (final(Outcome.DRAW), Resolution.DRAW),
        (ms.resolve(final(), Resolution.INVALIDATE, ADMIN, LATER).after, Resolution.INVALIDATE),
        (ms.abort(found(), P1, NOW).after, Resolution.INVALIDATE),
    ],
)
def test_resolving_to_the_current_result_is_refused(state: MatchState, resolution: Resolution) -> None:
    before = replace(state)
    with pytest.raises(AlreadyResolved):
        ms.resolve(state, resolution, ADMIN, LATER)
    assert state == before


# --- the whole matrix: every action on every state either moves or raises a typed error ---------

Action = Callable[[MatchState], ms.Transition]
ACTIONS: dict[str, Action] = {
    "confirm": lambda s: ms.confirm(s, P1, NOW, TIMINGS),
    "abort": lambda s: ms.abort(s, P1, NOW),
    "report": lambda s: ms.report(s, P1, Outcome.PLAYER_1, LATER, TIMINGS),
    "report_verified": lambda s: ms.report_verified(s, Outcome.PLAYER_1, LATER, TIMINGS),
    "expire_confirmation": lambda s: ms.expire_confirmation(s, T0 + timedelta(minutes=2)),
    "expire_reporting": lambda s: ms.expire_reporting(s, T0 + timedelta(hours=4)),
    "ban": lambda s: ms.cancel_for_ban(s, P1, NOW),
    "resolve_draw": lambda s: ms.resolve(s, Resolution.DRAW, ADMIN, LATER),
}
STATES: dict[str, MatchState] = {
    "found": found(),
    "confirmed": confirmed(),
    "final_p1": final(),
    "conflict": conflict(),
    "aborted": ms.abort(found(), P2, NOW).after,
    "abandoned": ms.expire_confirmation(found(), LATER).after,
    "invalidated": ms.resolve(final(), Resolution.INVALIDATE, ADMIN, LATER).after,
}
ALLOWED = {
    ("found", "confirm"), ("found", "abort"), ("found", "expire_confirmation"), ("found", "ban"),
    ("confirmed", "abort"), ("confirmed", "report"), ("confirmed", "report_verified"),
    ("confirmed", "expire_reporting"), ("confirmed", "ban"),
} | {(state, "resolve_draw") for state in STATES}


@pytest.mark.parametrize("state_name", list(STATES))
@pytest.mark.parametrize("action_name", list(ACTIONS))
def test_every_action_on_every_state(state_name: str, action_name: str) -> None:
    state, action = STATES[state_name], ACTIONS[action_name]
    before = replace(state)
    if (state_name, action_name) in ALLOWED:
        t = action(state)
        assert t.before == before and t.after != before
        assert t.after.is_open or t.after.finalized_at is not None
    else:
        with pytest.raises(LadderError):
            action(state)
        assert state == before


def test_closed_states_always_have_a_result_code() -> None:
    for state in STATES.values():
        assert (state.result is None) == state.is_open


# --- timings -----------------------------------------------------------------------------------


def test_timings_from_the_settings() -> None:
    t = ms.MatchTimings.from_seconds(60, 3 * 3600)
    assert t.confirm_reminder_after == timedelta(seconds=20)
    assert t.report_warning_before == timedelta(minutes=30)
    short = ms.MatchTimings.from_seconds(30, 3600)
    assert short.report_warning_before == timedelta(minutes=15)


def test_timings_refuse_a_reminder_after_its_deadline() -> None:
    with pytest.raises(ValueError, match="reminder"):
        ms.MatchTimings(confirm_reminder_after=timedelta(seconds=90))
    with pytest.raises(ValueError, match="warning"):
        ms.MatchTimings(report_deadline=timedelta(minutes=10), report_warning_before=timedelta(minutes=30))
