"""The match lifecycle as a pure state machine (DESIGN section 4).

::

    FOUND --both confirm--> CONFIRMED --equal reports--> FINAL
      |  \\--confirm deadline--> ABANDONED    |  \\--different reports--> CONFLICT
      |                                       |  \\--report deadline, one report--> FINAL
      \\--abort (no report yet)--> ABORTED <--/   \\--report deadline, no report--> ABANDONED
    admin resolve: any match -> FINAL (player 1 / player 2 / draw) or INVALIDATED

Every function takes the current ``MatchState`` and returns a ``Transition`` (the new state plus
what it implies: MMR to move, an abort to charge) or raises a typed ``IllegalTransition`` /
``NotAuthorized`` before anything is decided, so a refused action changes nothing. There is no
I/O here: the service loads the row, calls one of these, and writes ``after`` back with a version
compare-and-set in the same transaction as the MMR it implies.

Stored codes (kept in ``matches_1v1``):

* ``player_N_report``: NULL not reported, 0 draw, 1 player 1 won, 2 player 2 won, -1 the match was
  aborted or abandoned and this player was not at fault, -3 this player aborted, -4 this player
  did not confirm.
* ``match_result``: NULL open, 0/1/2 final, -1 aborted / abandoned / invalidated, -2 conflict.
* ``status`` names the state (``MatchStatus``), since -1 alone does not tell aborted from abandoned.

Decisions recorded here:

* **Abort** is allowed while the match is open, *nobody has reported*, and within
  ``MatchTimings.abort_window`` (5 minutes, a setting) of the match being found. A report says the
  game was played, and after the window the game is on: from then on the result is reported or
  the reporting deadline decides, so a loser cannot abort away a game already played. Only the
  aborting player is charged (report -3); the other gets -1.
* **Confirmation** counts only before the player's own deadline (``confirm_deadline_of``): each
  player's is armed when their "match found" message was delivered (``arm_confirmation``), so
  the last DMs of a big wave lose nothing; a match made without per-player deadlines uses the
  match-wide ``confirm_deadline``. A click at or after it is refused and the deadline job abandons
  the match (no abort used, no MMR; reports -4 for whoever let their own deadline pass, -1 for
  the other). A player whose "match found" cannot be delivered at all (DMs closed) counts as not
  confirming at once (``undeliverable``), and the opponent is told why.
* **Reports** are final for the player (no changing one's mind; a misclick is a conflict for an
  admin) and only accepted before ``report_deadline``.
* **The opponent is warned** before a single report is applied: every report is announced to the
  opponent together with the deadline, and when the first report arrives less than
  ``report_warning_before`` before the deadline, the deadline moves to ``now +
  report_warning_before``. A deadline warning also goes out ``report_warning_before`` ahead to
  everyone who has not reported. At the deadline one report applies; none abandons the match.
* **Conflict** releases both players (an admin may take days) and moves no MMR.
* **Admin resolve** works on every match: open, conflict, final (again), aborted, abandoned or
  invalidated. The MMR already applied (``mmr_change``) is reversed and the new delta applied as
  a difference (``RatingPlan``), never a reset to the pre-match snapshot. Resolving to the result
  the match already has is refused. The delta of any result is computed from the match's MMR
  snapshots, so re-resolving is repeatable.
* ``finalized_at`` is the time the match last left the open states (final, conflict, aborted,
  abandoned, admin resolve).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from evoladder.domain.errors import (
    AbortNotAllowed,
    AbortWindowClosed,
    AlreadyConfirmed,
    AlreadyReported,
    AlreadyResolved,
    ConfirmationExpired,
    IllegalTransition,
    MatchClosed,
    NotAPlayer,
    NotConfirmedYet,
    NotDue,
    ReportingClosed,
)
from evoladder.domain.rating import Outcome, rate


class MatchStatus(StrEnum):
    FOUND = "found"  # waiting for both confirmations
    CONFIRMED = "confirmed"  # details revealed; waiting for reports
    FINAL = "final"  # match_result 0/1/2, MMR applied
    CONFLICT = "conflict"  # match_result -2: the reports disagree; an admin decides
    ABORTED = "aborted"  # -1: a player aborted (or was banned)
    ABANDONED = "abandoned"  # -1: not confirmed in time, or nobody reported by the deadline
    INVALIDATED = "invalidated"  # -1: an admin voided it

    @property
    def is_open(self) -> bool:
        return self in (MatchStatus.FOUND, MatchStatus.CONFIRMED)


class Report(IntEnum):
    """``player_N_report`` codes."""

    DRAW = 0
    PLAYER_1 = 1
    PLAYER_2 = 2
    NOT_AT_FAULT = -1
    ABORTED = -3
    NOT_CONFIRMED = -4


class MatchResult(IntEnum):
    """``match_result`` codes (NULL while open)."""

    DRAW = 0
    PLAYER_1 = 1
    PLAYER_2 = 2
    CANCELLED = -1
    CONFLICT = -2


class Resolution(StrEnum):
    """What an admin can decide."""

    PLAYER_1 = "player_1"
    PLAYER_2 = "player_2"
    DRAW = "draw"
    INVALIDATE = "invalidate"

    @property
    def outcome(self) -> Outcome | None:
        return {
            Resolution.PLAYER_1: Outcome.PLAYER_1,
            Resolution.PLAYER_2: Outcome.PLAYER_2,
            Resolution.DRAW: Outcome.DRAW,
        }.get(self)


class Step(StrEnum):
    """What a transition did (logs, events and tests read this)."""

    CONFIRMED_ONE = "confirmed_one"
    CONFIRMED_BOTH = "confirmed_both"
    ABORTED = "aborted"
    CANCELLED_BY_BAN = "cancelled_by_ban"
    NOT_CONFIRMED = "not_confirmed"
    UNDELIVERABLE = "undeliverable"  # the "match found" DM could not be delivered
    ARMED = "armed"  # a player's confirmation time started (their message was delivered)
    REPORTED = "reported"
    FINAL = "final"
    CONFLICT = "conflict"
    FINAL_AT_DEADLINE = "final_at_deadline"
    NOT_REPORTED = "not_reported"
    RESOLVED = "resolved"


ABORT_WINDOW = timedelta(minutes=5)  # the default of the setting


@dataclass(frozen=True, slots=True)
class MatchTimings:
    """The lifecycle's clocks. ``from_settings`` builds them from the two settings that exist."""

    confirm_timeout: timedelta = timedelta(seconds=60)
    confirm_reminder_after: timedelta = timedelta(seconds=20)  # since the match was found
    report_deadline: timedelta = timedelta(hours=3)  # since both confirmed
    report_warning_before: timedelta = timedelta(minutes=30)  # warning lead, and the reply grace
    abort_window: timedelta = ABORT_WINDOW  # since the match was found

    def __post_init__(self) -> None:
        if not timedelta(0) < self.confirm_reminder_after < self.confirm_timeout:
            raise ValueError("the confirmation reminder must come before the confirmation deadline")
        if not timedelta(0) < self.report_warning_before < self.report_deadline:
            raise ValueError("the deadline warning must come before the reporting deadline")

    @classmethod
    def from_seconds(
        cls, confirm_timeout: int, reporting_deadline: int, abort_window: int = 300
    ) -> MatchTimings:
        """Timings for the settings; reminder at 1/3 of the confirm time (20 s of 60), warning
        30 min before the deadline or at 3/4 of it when the deadline is shorter than 2 h."""
        deadline = timedelta(seconds=reporting_deadline)
        return cls(
            confirm_timeout=timedelta(seconds=confirm_timeout),
            confirm_reminder_after=timedelta(seconds=confirm_timeout) / 3,
            report_deadline=deadline,
            report_warning_before=min(timedelta(minutes=30), deadline / 4),
            abort_window=timedelta(seconds=abort_window),
        )


@dataclass(frozen=True, slots=True)
class MatchState:
    """One row of ``matches_1v1`` as the rules see it. Slot 1 is the BW side (see matchmaker)."""

    id: int
    player_1: int
    player_2: int
    race_1: str
    race_2: str
    mmr_1: int  # snapshots taken when the match was made; every delta is computed from these
    mmr_2: int
    status: MatchStatus
    report_1: int | None
    report_2: int | None
    result: int | None
    mmr_change: int | None  # the delta currently applied to player 1 (player 2 has its negation)
    map_name: str
    server: str
    played_at: datetime
    confirm_deadline: datetime | None
    confirmed_1_at: datetime | None
    confirmed_2_at: datetime | None
    confirmed_at: datetime | None
    report_deadline: datetime | None
    reported_1_at: datetime | None
    reported_2_at: datetime | None
    finalized_at: datetime | None
    resolved_by: int | None
    wave_at: datetime | None
    version: int
    confirm_deadline_1: datetime | None = None  # each player's own, armed at delivery
    confirm_deadline_2: datetime | None = None

    @property
    def players(self) -> tuple[int, int]:
        return (self.player_1, self.player_2)

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    @property
    def outcome(self) -> Outcome | None:
        """The result that currently counts for MMR (only a FINAL match has one)."""
        if self.status is MatchStatus.FINAL and self.result is not None:
            return Outcome(self.result)
        return None

    def slot_of(self, discord_uid: int) -> int:
        if discord_uid == self.player_1:
            return 1
        if discord_uid == self.player_2:
            return 2
        raise NotAPlayer()

    def opponent_of(self, discord_uid: int) -> int:
        return self.player_2 if self.slot_of(discord_uid) == 1 else self.player_1

    def player(self, slot: int) -> int:
        return self.player_1 if slot == 1 else self.player_2

    def race(self, slot: int) -> str:
        return self.race_1 if slot == 1 else self.race_2

    def report(self, slot: int) -> int | None:
        return self.report_1 if slot == 1 else self.report_2

    def confirm_deadline_of(self, slot: int) -> datetime | None:
        """The player's own deadline once armed, else the match-wide one (None: not armed yet)."""
        own = self.confirm_deadline_1 if slot == 1 else self.confirm_deadline_2
        return own if own is not None else self.confirm_deadline

    def confirmed(self, slot: int) -> bool:
        return (self.confirmed_1_at if slot == 1 else self.confirmed_2_at) is not None

    @property
    def unconfirmed(self) -> tuple[int, ...]:
        """Players who have not confirmed yet (empty once the match left FOUND)."""
        if self.status is not MatchStatus.FOUND:
            return ()
        return tuple(self.player(s) for s in (1, 2) if not self.confirmed(s))

    @property
    def unreported(self) -> tuple[int, ...]:
        """Players who have not reported yet (empty unless CONFIRMED)."""
        if self.status is not MatchStatus.CONFIRMED:
            return ()
        return tuple(self.player(s) for s in (1, 2) if self.report(s) is None)


@dataclass(frozen=True, slots=True)
class RatingPlan:
    """The MMR a transition moves, as a difference from what is applied now.

    ``old_*`` is what the match currently contributes (nothing unless it is FINAL), ``new_*`` what it
    will contribute. Applying ``mmr_shift`` and ``counters`` with ``mmr = mmr + x`` arithmetic
    composes with every other game committed meanwhile: a re-resolve never resets a rating.
    """

    old_outcome: Outcome | None
    old_delta: int
    new_outcome: Outcome | None
    new_delta: int

    def mmr_shift(self, slot: int) -> int:
        shift = self.new_delta - self.old_delta
        return shift if slot == 1 else -shift

    def counters(self, slot: int) -> tuple[int, int, int]:
        """(won, lost, drawn) to add for ``slot``; games played is their sum."""
        new = _wld(self.new_outcome, slot)
        old = _wld(self.old_outcome, slot)
        return (new[0] - old[0], new[1] - old[1], new[2] - old[2])

    @property
    def is_noop(self) -> bool:
        return self.old_outcome == self.new_outcome and self.old_delta == self.new_delta


def _wld(outcome: Outcome | None, slot: int) -> tuple[int, int, int]:
    if outcome is None:
        return (0, 0, 0)
    if outcome is Outcome.DRAW:
        return (0, 0, 1)
    won = (outcome is Outcome.PLAYER_1) == (slot == 1)
    return (1, 0, 0) if won else (0, 1, 0)


@dataclass(frozen=True, slots=True)
class Transition:
    step: Step
    before: MatchState
    after: MatchState
    actor: int | None = None  # the player or admin who caused it; None for a deadline
    rating: RatingPlan | None = None  # MMR to move (None: no MMR change)
    charge_abort: int | None = None  # the player whose monthly abort allowance drops by one

    @property
    def released(self) -> bool:
        """Did the match just stop holding its players (back to idle)?"""
        return self.before.is_open and not self.after.is_open


# --- transitions ----------------------------------------------------------------------------


def confirm(state: MatchState, discord_uid: int, now: datetime, timings: MatchTimings) -> Transition:
    """A player confirms; the second confirmation reveals the details and starts the report clock."""
    slot = state.slot_of(discord_uid)
    _require_open(state)
    if state.status is not MatchStatus.FOUND or state.confirmed(slot):
        raise AlreadyConfirmed()
    deadline = state.confirm_deadline_of(slot)
    if deadline is not None and now >= deadline:
        raise ConfirmationExpired()
    stamped = (
        replace(state, confirmed_1_at=now) if slot == 1 else replace(state, confirmed_2_at=now)
    )
    if not stamped.confirmed(3 - slot):
        return Transition(Step.CONFIRMED_ONE, state, stamped, actor=discord_uid)
    after = replace(
        stamped,
        status=MatchStatus.CONFIRMED,
        confirmed_at=now,
        report_deadline=now + timings.report_deadline,
    )
    return Transition(Step.CONFIRMED_BOTH, state, after, actor=discord_uid)


def abort(
    state: MatchState, discord_uid: int, now: datetime, window: timedelta = ABORT_WINDOW
) -> Transition:
    """A player aborts an open match nobody has reported yet, within ``window`` of the match being
    found; only they are charged an abort."""
    slot = state.slot_of(discord_uid)
    _require_open(state)
    if state.report_1 is not None or state.report_2 is not None:
        raise AbortNotAllowed()
    if now >= state.played_at + window:
        raise AbortWindowClosed()
    after = _cancelled(state, MatchStatus.ABORTED, now, at_fault=slot)
    return Transition(Step.ABORTED, state, after, actor=discord_uid, charge_abort=discord_uid)


def cancel_for_ban(state: MatchState, banned_uid: int, now: datetime) -> Transition:
    """A banned player's open match ends as aborted by them, without using an abort (the ban is
    the penalty); the opponent is not at fault and no MMR moves."""
    slot = state.slot_of(banned_uid)
    _require_open(state)
    after = _cancelled(state, MatchStatus.ABORTED, now, at_fault=slot)
    return Transition(Step.CANCELLED_BY_BAN, state, after, actor=banned_uid)


def expire_confirmation(state: MatchState, now: datetime) -> Transition:
    """A player's confirmation deadline passed without their confirmation: abandoned, no abort, no
    MMR. Only players whose own deadline passed unconfirmed are marked as not confirming."""
    if state.status is not MatchStatus.FOUND:
        raise MatchClosed() if not state.is_open else IllegalTransition("The match was already confirmed.")
    late = [s for s in (1, 2) if not state.confirmed(s) and _passed(state.confirm_deadline_of(s), now)]
    if not late:
        raise NotDue()
    codes = {s: (Report.NOT_CONFIRMED if s in late else Report.NOT_AT_FAULT) for s in (1, 2)}
    return Transition(Step.NOT_CONFIRMED, state, _abandoned(state, codes, now))


def undeliverable(state: MatchState, discord_uid: int, now: datetime) -> Transition:
    """The player's "match found" could not be delivered (DMs closed): they count as not
    confirming, at once, so the opponent is not kept waiting for a message nobody will see."""
    slot = state.slot_of(discord_uid)
    if state.status is not MatchStatus.FOUND:
        raise MatchClosed() if not state.is_open else IllegalTransition("The match was already confirmed.")
    codes = {slot: Report.NOT_CONFIRMED, 3 - slot: Report.NOT_AT_FAULT}
    return Transition(Step.UNDELIVERABLE, state, _abandoned(state, codes, now), actor=discord_uid)


def arm_confirmation(
    state: MatchState, discord_uid: int, delivered_at: datetime, timings: MatchTimings
) -> Transition:
    """The player's "match found" was delivered at ``delivered_at``: their confirmation time runs
    from now. Arming twice (a re-delivery after a restart) keeps the first deadline."""
    slot = state.slot_of(discord_uid)
    if state.status is not MatchStatus.FOUND:
        raise MatchClosed() if not state.is_open else IllegalTransition("The match was already confirmed.")
    if (state.confirm_deadline_1 if slot == 1 else state.confirm_deadline_2) is not None:
        raise IllegalTransition("The confirmation time already runs.")
    deadline = delivered_at + timings.confirm_timeout
    if slot == 1:
        after = replace(state, confirm_deadline_1=deadline)
    else:
        after = replace(state, confirm_deadline_2=deadline)
    return Transition(Step.ARMED, state, after, actor=discord_uid)


def _passed(deadline: datetime | None, now: datetime) -> bool:
    return deadline is not None and now >= deadline


def _abandoned(state: MatchState, codes: dict[int, Report], now: datetime) -> MatchState:
    return replace(
        state,
        status=MatchStatus.ABANDONED,
        result=int(MatchResult.CANCELLED),
        report_1=int(codes[1]),
        report_2=int(codes[2]),
        finalized_at=now,
    )


def report(
    state: MatchState, discord_uid: int, outcome: Outcome, now: datetime, timings: MatchTimings
) -> Transition:
    """A player reports the absolute outcome. Equal reports finalize, different ones conflict."""
    slot = state.slot_of(discord_uid)
    _require_open(state)
    if state.status is MatchStatus.FOUND:
        raise NotConfirmedYet()
    if state.report(slot) is not None:
        raise AlreadyReported()
    _require_reporting_open(state, now)
    return _after_reports(state, _stamp_report(state, slot, outcome, now), now, timings, actor=discord_uid)


def report_verified(state: MatchState, outcome: Outcome, now: datetime, timings: MatchTimings) -> Transition:
    """A verified replay reports for both players: it fills every missing report with its outcome.

    A player who already reported something else turns it into a conflict, as two disagreeing
    reports would.
    """
    _require_open(state)
    if state.status is MatchStatus.FOUND:
        raise NotConfirmedYet()
    _require_reporting_open(state, now)
    stamped = state
    for slot in (1, 2):
        if state.report(slot) is None:
            stamped = _stamp_report(stamped, slot, outcome, now)
    return _after_reports(state, stamped, now, timings, actor=None)


def dispute_by_replay(state: MatchState, discord_uid: int, outcome: Outcome, now: datetime) -> Transition:
    """A verified replay contradicts a final result: the match becomes a conflict for the admins.

    Why a closed match can still change: the first verified replay finalizes the match at once, so
    the other player's replay always arrives after it; two verified replays of one match that name
    different winners mean someone's file or report is wrong, which is an admin's call. Only a
    result that reports or a replay made is disputed (an admin's decision stands). The uploader's
    report becomes the replay's outcome, so the conflict shows both results, and the MMR the result
    moved is reversed (as an invalidation would) until an admin decides.
    """
    slot = state.slot_of(discord_uid)
    if state.status is not MatchStatus.FINAL:
        raise MatchClosed() if not state.is_open else IllegalTransition("The match has no result yet.")
    if state.resolved_by is not None:
        raise AlreadyResolved("An admin decided this match.")
    if state.outcome is outcome:
        raise AlreadyResolved("The replay agrees with the result.")
    plan = rating_plan(state, None)
    stamped = _stamp_report(state, slot, outcome, now)
    after = replace(
        stamped,
        status=MatchStatus.CONFLICT,
        result=int(MatchResult.CONFLICT),
        mmr_change=None,
        finalized_at=now,
    )
    return Transition(Step.CONFLICT, state, after, actor=discord_uid, rating=plan)


def expire_reporting(state: MatchState, now: datetime) -> Transition:
    """The reporting deadline passed: a single report applies, none abandons the match."""
    if state.status is not MatchStatus.CONFIRMED:
        raise MatchClosed() if not state.is_open else NotConfirmedYet()
    if state.report_deadline is None or now < state.report_deadline:
        raise NotDue()
    reports = [r for r in (state.report_1, state.report_2) if r is not None]
    if not reports:
        after = replace(
            state, status=MatchStatus.ABANDONED, result=int(MatchResult.CANCELLED), finalized_at=now
        )
        return Transition(Step.NOT_REPORTED, state, after)
    final = _final(state, state, Outcome(reports[0]), now)
    return replace(final, step=Step.FINAL_AT_DEADLINE)


def resolve(state: MatchState, resolution: Resolution, admin_uid: int, now: datetime) -> Transition:
    """An admin decides the match, whatever state it is in (see the module notes)."""
    new_outcome = resolution.outcome
    if new_outcome is None:
        if state.status in (MatchStatus.INVALIDATED, MatchStatus.ABORTED, MatchStatus.ABANDONED):
            raise AlreadyResolved("The match already counts for nothing.")
        status, result = MatchStatus.INVALIDATED, int(MatchResult.CANCELLED)
    else:
        if state.outcome is new_outcome:
            raise AlreadyResolved()
        status, result = MatchStatus.FINAL, int(new_outcome)
    plan = rating_plan(state, new_outcome)
    after = replace(
        state,
        status=status,
        result=result,
        mmr_change=plan.new_delta if new_outcome is not None else None,
        finalized_at=now,
        resolved_by=admin_uid,
    )
    return Transition(Step.RESOLVED, state, after, actor=admin_uid, rating=plan)


def rating_plan(state: MatchState, new_outcome: Outcome | None) -> RatingPlan:
    """From what the match contributes now to what ``new_outcome`` contributes."""
    old_outcome = state.outcome
    old_delta = (state.mmr_change or 0) if old_outcome is not None else 0
    new_delta = rate(state.mmr_1, state.mmr_2, new_outcome).delta if new_outcome is not None else 0
    return RatingPlan(old_outcome, old_delta, new_outcome, new_delta)


# --- notifications that change nothing ----------------------------------------------------


def confirmation_reminder_targets(
    state: MatchState, now: datetime, only: int | None = None
) -> tuple[int, ...]:
    """Who gets the confirmation reminder: players of a FOUND match who have not confirmed
    (``only``: that player, for a reminder armed with their own deadline).

    Nobody whose deadline has passed (a reminder found overdue after a restart is stale).
    """
    if state.status is not MatchStatus.FOUND:
        raise MatchClosed() if not state.is_open else IllegalTransition("The match was already confirmed.")
    return tuple(
        uid
        for uid in state.unconfirmed
        if (only is None or uid == only) and not _passed(state.confirm_deadline_of(state.slot_of(uid)), now)
    )


def deadline_warning_targets(state: MatchState, now: datetime) -> tuple[int, ...]:
    """Who gets the reporting-deadline warning: players of a CONFIRMED match who have not reported.

    Nobody once the deadline has passed (the deadline job closes the match instead).
    """
    if state.status is not MatchStatus.CONFIRMED:
        raise MatchClosed() if not state.is_open else NotConfirmedYet()
    if state.report_deadline is not None and now >= state.report_deadline:
        return ()
    return state.unreported


# --- helpers ---------------------------------------------------------------------------------


def _require_open(state: MatchState) -> None:
    if not state.is_open:
        raise MatchClosed()


def _require_reporting_open(state: MatchState, now: datetime) -> None:
    if state.report_deadline is not None and now >= state.report_deadline:
        raise ReportingClosed()


def _after_reports(
    before: MatchState, stamped: MatchState, now: datetime, timings: MatchTimings, actor: int | None
) -> Transition:
    r1, r2 = stamped.report_1, stamped.report_2
    if r1 is None or r2 is None:
        return Transition(Step.REPORTED, before, _with_grace(stamped, now, timings), actor=actor)
    if r1 != r2:
        after = replace(
            stamped, status=MatchStatus.CONFLICT, result=int(MatchResult.CONFLICT), finalized_at=now
        )
        return Transition(Step.CONFLICT, before, after, actor=actor)
    return _final(before, stamped, Outcome(r1), now, actor=actor)


def _stamp_report(state: MatchState, slot: int, outcome: Outcome, now: datetime) -> MatchState:
    if slot == 1:
        return replace(state, report_1=int(outcome), reported_1_at=now)
    return replace(state, report_2=int(outcome), reported_2_at=now)


def _with_grace(state: MatchState, now: datetime, timings: MatchTimings) -> MatchState:
    """Give the opponent of a first report at least ``report_warning_before`` to answer it."""
    earliest = now + timings.report_warning_before
    if state.report_deadline is None or state.report_deadline >= earliest:
        return state
    return replace(state, report_deadline=earliest)


def _final(
    before: MatchState, stamped: MatchState, outcome: Outcome, now: datetime, actor: int | None = None
) -> Transition:
    plan = rating_plan(before, outcome)
    after = replace(
        stamped,
        status=MatchStatus.FINAL,
        result=int(outcome),
        mmr_change=plan.new_delta,
        finalized_at=now,
    )
    return Transition(Step.FINAL, before, after, actor=actor, rating=plan)


def _cancelled(state: MatchState, status: MatchStatus, now: datetime, at_fault: int) -> MatchState:
    codes = {at_fault: Report.ABORTED, 3 - at_fault: Report.NOT_AT_FAULT}
    return replace(
        state,
        status=status,
        result=int(MatchResult.CANCELLED),
        report_1=int(codes[1]),
        report_2=int(codes[2]),
        finalized_at=now,
    )
