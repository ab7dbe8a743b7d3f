"""Match use cases: confirm, abort, report, deadlines and admin resolve, each applied exactly once.

Every change of a match follows one path, ``_change``:

1. **In process**, the match's ``KeyedLocks`` lock is held from before the read until the events
   are handed to the notifier (so players see events in commit order). The lock entry lives as
   long as anyone holds or awaits it; it is never pruned while in use.
2. **In the database**, one transaction: the match row is read ``FOR UPDATE`` (PostgreSQL; on SQLite
   the transaction began with ``BEGIN IMMEDIATE`` and holds the write lock), the pure state machine
   (``domain.match_state``) decides the transition or raises a typed error (rolled back: nothing
   changed), and the row is written by a *version compare-and-set*. Another process, another
   engine, a restarted bot: whoever comes second waits for the first commit and then sees the new
   state, or (reading without the lock) updates zero rows and gets ``ConcurrentUpdate``.
3. **MMR** moves in that same transaction, as the difference between what the match contributes
   now (``mmr_change`` of a final match) and what it will contribute (``RatingPlan``), with
   ``mmr = mmr + x`` in SQL. A match's result is therefore applied exactly once, and re-resolving
   a finalized match reverses it without ever resetting a rating to its pre-match snapshot.
   Counters (games/W/L/D) move the same way for the race each player actually played;
   ``last_played`` only moves forward, to the time the match was made (``played_at``, the same
   moment the profile statistics use).
4. Players are released (``in_match`` -> ``idle``) only from the match that holds them, aborts are
   charged with the atomic ``consume_abort``, jobs are cancelled/added/moved, and admin actions
   audited, all in the same transaction.
5. The events of the transition are written to the outbox in the same transaction
   (``services.outbox``); after the commit: read models (``player_changed``, ``mmr_changed``),
   then the relay delivers the rows just written.

Deadlines and reminders are ``scheduled_jobs`` rows (see ``scheduler``); their handlers here claim
the job row in the same transaction as their effect, so a job has its effect exactly once even if
two schedulers, a restart or a racing player action get to it.

Confirmation time runs per player from the delivery of their "match found" message: the outbox
relay calls ``arm_many`` with a batch of deliveries (this service is its ``FoundHooks``), which
arms each player's deadline and writes their reminder and deadline jobs, in three statements
whatever the batch's size; ``unreachable`` (DMs closed) abandons the match as
not confirmed by that player, and the opponent is told why.

Bans: the accounts service calls ``abandon_for_ban(uid)`` (and ``QueueService.remove``) when it
bans a player, so a banned player keeps neither a queue entry nor an open match. Authorization of
admin actions (who is an admin) is the caller's job; this service records who did it and why.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from enum import StrEnum

from evoladder.domain import match_state as ms
from evoladder.domain.errors import (
    ConcurrentUpdate,
    IllegalTransition,
    LadderError,
    MatchClosed,
    MatchNotFound,
    NoAbortsLeft,
    NotDue,
    ReasonRequired,
    ReportLocked,
)
from evoladder.domain.history import HistoryKind, HistoryRow, expected_for
from evoladder.domain.match_state import MatchState, MatchTimings, Resolution, Step, Transition
from evoladder.domain.players import MmrRow, aborts_left_now
from evoladder.domain.rating import Outcome
from evoladder.game import GameData
from evoladder.logging_setup import event
from evoladder.services.events import ConfirmationReminder, DeadlineWarning, DetailsRevealed, LadderEvent
from evoladder.services.match_events import Written, details_for, events_for
from evoladder.services.match_locks import KeyedLocks
from evoladder.services.outbox import Delivery, OutboxRelay
from evoladder.services.outbox import write as write_outbox
from evoladder.services.ports import Clock, Notifier, ReadModelSink
from evoladder.services.timing import LadderMetrics
from evoladder.store.repositories.jobs import MATCH_WIDE, Job, NewJob
from evoladder.store.repositories.matches import CasWrite, MatchBatches
from evoladder.store.repositories.replays import ReplayRepository
from evoladder.store.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

Decide = Callable[[MatchState, datetime], Transition]
JobHandler = Callable[[Job], Awaitable[None]]


class JobKind(StrEnum):
    CONFIRM_REMINDER = "match.confirm_reminder"
    CONFIRM_DEADLINE = "match.confirm_deadline"
    REPORT_WARNING = "match.report_warning"
    REPORT_DEADLINE = "match.report_deadline"


def confirmation_schedule(
    played_at: datetime, confirm_deadline: datetime, timings: MatchTimings
) -> list[tuple[str, datetime]]:
    """``(kind, due_at)`` of the jobs a new match needs: the reminder and the confirmation
    deadline (the same for every match of a wave, which writes them for all its matches at once)."""
    return [
        (JobKind.CONFIRM_REMINDER, played_at + timings.confirm_reminder_after),
        (JobKind.CONFIRM_DEADLINE, confirm_deadline),
    ]


def confirmation_jobs(state: MatchState, timings: MatchTimings) -> list[NewJob]:
    """The jobs a new match needs (``confirmation_schedule``) as rows of that match."""
    assert state.confirm_deadline is not None
    schedule = confirmation_schedule(state.played_at, state.confirm_deadline, timings)
    return [NewJob(kind, due_at, state.id) for kind, due_at in schedule]


def armed_jobs(state: MatchState, discord_uid: int, timings: MatchTimings) -> list[NewJob]:
    """One player's confirmation reminder and deadline, from their own (just armed) deadline."""
    deadline = state.confirm_deadline_of(state.slot_of(discord_uid))
    assert deadline is not None
    remind_at = deadline - timings.confirm_timeout + timings.confirm_reminder_after
    return [
        NewJob(JobKind.CONFIRM_REMINDER, remind_at, state.id, discord_uid),
        NewJob(JobKind.CONFIRM_DEADLINE, deadline, state.id, discord_uid),
    ]


def rating_rows(t: Transition, slot: int, before: int, season_id: int, now: datetime) -> list[HistoryRow]:
    """The history rows a transition writes for one player: the reversal of what the match
    contributed (when it was final), then the result it contributes now (``resolve`` when an
    admin decided it). Player 2's rows mirror player 1's, so each match's rows sum to zero."""
    plan, state = t.rating, t.after
    assert plan is not None
    uid, race = state.player(slot), state.race(slot)
    expected = expected_for(slot, state.mmr_1, state.mmr_2)
    sign = 1 if slot == 1 else -1
    out = []
    if plan.old_outcome is not None:
        after = before - sign * plan.old_delta
        kind = HistoryKind.REVERSAL
        out.append(HistoryRow(uid, race, season_id, kind, state.id, before, after, expected, now))
        before = after
    if plan.new_outcome is not None:
        kind = HistoryKind.RESOLVE if t.step is Step.RESOLVED else HistoryKind.MATCH
        after = before + sign * plan.new_delta
        out.append(HistoryRow(uid, race, season_id, kind, state.id, before, after, expected, now))
    return out


def reporting_jobs(state: MatchState, timings: MatchTimings) -> list[NewJob]:
    """The jobs of a confirmed match: the deadline warning and the reporting deadline."""
    assert state.report_deadline is not None
    return [
        NewJob(JobKind.REPORT_WARNING, state.report_deadline - timings.report_warning_before, state.id),
        NewJob(JobKind.REPORT_DEADLINE, state.report_deadline, state.id),
    ]


class MatchService:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        game: GameData,
        read_models: ReadModelSink,
        notifier: Notifier,
        timings: MatchTimings | None = None,
        wake: Callable[[], None] | None = None,
        outbox: OutboxRelay | None = None,
        report_requires_replay: bool = False,
        metrics: LadderMetrics | None = None,
    ) -> None:
        self._metrics = metrics or LadderMetrics()
        self._db = db
        self._clock = clock
        self._game = game
        self._notifier = notifier
        self._read_models = read_models
        self.timings = timings or MatchTimings()
        self._wake = wake or (lambda: None)
        self.locks = KeyedLocks()
        self.outbox = outbox or OutboxRelay(db=db, clock=clock, notifier=notifier, timings=self.timings)
        self.outbox.set_hooks(self)
        # The result menu unlocks once a replay of the match passed the critical checks (the
        # setting ``report_requires_replay``; on in production, see ``reporting_locked``).
        self.report_requires_replay = report_requires_replay

    def set_wake(self, wake: Callable[[], None]) -> None:
        """Tell the scheduler when jobs were added or moved (wired by the composition root)."""
        self._wake = wake

    # --- reads ---------------------------------------------------------------------------

    async def get(self, match_id: int) -> MatchState:
        async with self._db.read() as uow:
            state = await uow.matches.get(match_id)
        if state is None:
            raise MatchNotFound()
        return state

    async def current_for(self, discord_uid: int) -> MatchState | None:
        """The player's open match, if any."""
        async with self._db.read() as uow:
            open_matches = await uow.matches.open_for_player(discord_uid)
        return open_matches[-1] if open_matches else None

    # --- player actions --------------------------------------------------------------------

    async def confirm(self, match_id: int, discord_uid: int) -> MatchState:
        return await self._act(match_id, lambda s, now: ms.confirm(s, discord_uid, now, self.timings))

    async def abort(self, match_id: int, discord_uid: int) -> MatchState:
        """Abort before any report and within the abort window; uses one of the player's monthly
        aborts (``NoAbortsLeft``)."""
        window = self.timings.abort_window
        return await self._act(match_id, lambda s, now: ms.abort(s, discord_uid, now, window))

    async def reporting_locked(self, match_id: int) -> bool:
        """Whether players may not report yet: the setting is on and no replay of the match passed
        the critical checks (races, map, mod; an unverified mod passes, see ``domain.replays``).

        Read before the report's transaction, not inside it: a passing replay is never taken
        back, so a match that was unlocked stays unlocked.
        """
        if not self.report_requires_replay:
            return False
        async with self._db.read() as uow:
            return not await ReplayRepository(uow.conn).any_critical_ok(match_id)

    async def report(self, match_id: int, discord_uid: int, outcome: Outcome) -> MatchState:
        """Report the absolute outcome (player 1 won / player 2 won / draw); ``ReportLocked``
        while no replay of the match passed the critical checks (when the setting is on)."""
        outcome = Outcome(outcome)
        if await self.reporting_locked(match_id):
            state = await self.get(match_id)
            state.slot_of(discord_uid)  # NotAPlayer first: a stranger learns nothing of the match
            if state.is_open:
                raise ReportLocked()
        return await self._act(match_id, lambda s, now: ms.report(s, discord_uid, outcome, now, self.timings))

    async def report_verified(self, match_id: int, outcome: Outcome | int) -> MatchState:
        """A verified replay reports for both players (the replay service calls this)."""
        result = Outcome(outcome)
        return await self._act(
            match_id, lambda s, now: ms.report_verified(s, result, now, self.timings), source="replay"
        )

    async def dispute_by_replay(self, match_id: int, discord_uid: int, outcome: Outcome | int) -> MatchState:
        """A verified replay from ``discord_uid`` names another winner than the final result:
        conflict, MMR reversed, staff pinged (see ``match_state.dispute_by_replay``)."""
        result = Outcome(outcome)
        return await self._act(
            match_id, lambda s, now: ms.dispute_by_replay(s, discord_uid, result, now), source="replay"
        )

    # --- delivery of "match found" (the outbox relay's FoundHooks) --------------------------

    async def delivered(self, match_id: int, discord_uid: int, at: datetime) -> None:
        """The player's "match found" was delivered at ``at``: their confirmation time runs now."""
        async with self._db.transaction() as uow:
            armed = await self.arm(uow, match_id, discord_uid, at)
        if armed:
            self.armed()

    async def arm(self, uow: UnitOfWork, match_id: int, discord_uid: int, at: datetime) -> bool:
        """``delivered`` in the caller's transaction: ``arm_many`` of one delivery."""
        return await self.arm_many(uow, [Delivery(match_id, discord_uid, at)])

    async def arm_many(self, uow: UnitOfWork, deliveries: Sequence[Delivery]) -> bool:
        """Start the confirmation time of every delivered "match found", in the caller's
        transaction; whether any deadline was armed (then ``armed`` after the commit).

        The rule is ``match_state.arm_confirmation``, applied to each delivery in the order given,
        each on the state the previous ones left (a batch holding both players of a match arms
        both; a delivery settled twice arms once, the second finds the time already running and
        is skipped, so no second deadline and no deadline moved later; a match that moved on
        meanwhile is skipped). Only how the result is written differs from one delivery at a time:
        the batch is three statements, not three per delivery (on PostgreSQL each is a network
        round trip, and a restart re-delivering a wave settles thousands at once): the matches
        read ``FOR UPDATE`` in one statement in id order (``MatchBatches.lock_many``), the
        changed rows written by version compare-and-set (``update_cas_many``; each row moves by
        as many versions as deliveries armed it, as one-by-one arming would), the reminders and
        deadlines inserted together.

        Arming changes no state a player acts on and announces nothing, so it needs no in-process
        match lock: the row locks (PostgreSQL) or the write transaction (SQLite) order it with any
        confirmation or abort, and the version compare-and-set still applies.
        """
        if not deliveries:
            return False
        batches = MatchBatches(uow.conn)
        read = await batches.lock_many(d.match_id for d in deliveries)
        now = dict(read)
        steps: dict[int, int] = {}
        jobs: list[NewJob] = []
        for match_id, discord_uid, at in deliveries:
            state = now.get(match_id)
            if state is None:
                continue
            try:
                t = ms.arm_confirmation(state, discord_uid, at, self.timings)
            except IllegalTransition as exc:  # already armed (a re-delivery), or the match moved on
                event(log, "match.arm_skipped", match_id=match_id, uid=discord_uid, why=type(exc).__name__)
                continue
            now[match_id] = t.after
            steps[match_id] = steps.get(match_id, 0) + 1
            jobs.extend(armed_jobs(t.after, discord_uid, self.timings))
        writes = [CasWrite(read[i], now[i], n) for i, n in steps.items()]
        if await batches.update_cas_many(writes) != len(writes):
            raise ConcurrentUpdate()
        await uow.jobs.add_batch(jobs)
        return bool(writes)

    def armed(self) -> None:
        self._wake()

    async def unreachable(self, match_id: int, discord_uid: int) -> None:
        """The player's "match found" cannot be delivered (DMs closed): not confirmed, at once."""
        def give_up(s: MatchState, now: datetime) -> Transition:
            return ms.undeliverable(s, discord_uid, now)

        try:
            await self._change(match_id, give_up, source="delivery")
        except (IllegalTransition, MatchNotFound) as exc:
            why = type(exc).__name__
            event(log, "match.undeliverable_skipped", match_id=match_id, uid=discord_uid, why=why)

    # --- admin -----------------------------------------------------------------------------

    async def admin_resolve(
        self, match_id: int, resolution: Resolution, admin_uid: int, reason: str
    ) -> MatchState:
        """Player 1 / player 2 / draw / invalidate, on any match; audited with the reason."""
        reason = reason.strip()
        if not reason:
            raise ReasonRequired()
        resolution = Resolution(resolution)
        return await self._act(
            match_id,
            lambda s, now: ms.resolve(s, resolution, admin_uid, now),
            source="admin",
            reason=reason,
        )

    async def abandon_for_ban(self, discord_uid: int) -> list[MatchState]:
        """End every open match of a player who was just banned (no abort used, no MMR).

        The accounts service calls this right after committing the ban (and ``QueueService.remove``
        for the queue entry). A match that closed meanwhile is simply skipped.
        """
        async with self._db.read() as uow:
            open_matches = await uow.matches.open_for_player(discord_uid)
        ended = []
        for match in open_matches:
            try:
                ended.append(await self._act(match.id, lambda s, now: ms.cancel_for_ban(s, discord_uid, now)))
            except MatchClosed:
                continue
        return ended

    # --- jobs ------------------------------------------------------------------------------

    def job_handlers(self) -> dict[str, JobHandler]:
        return {
            JobKind.CONFIRM_REMINDER: self._on_confirm_reminder,
            JobKind.CONFIRM_DEADLINE: self._on_confirm_deadline,
            JobKind.REPORT_WARNING: self._on_report_warning,
            JobKind.REPORT_DEADLINE: self._on_report_deadline,
        }

    async def _on_confirm_deadline(self, job: Job) -> None:
        await self._act_on_job(job, ms.expire_confirmation, source="deadline")

    async def _on_report_deadline(self, job: Job) -> None:
        await self._act_on_job(job, ms.expire_reporting, source="deadline")

    async def _on_confirm_reminder(self, job: Job) -> None:
        only = None if job.discord_uid == MATCH_WIDE else job.discord_uid

        def remind(state: MatchState, now: datetime) -> list[LadderEvent]:
            out: list[LadderEvent] = []
            for uid in ms.confirmation_reminder_targets(state, now, only):
                deadline = state.confirm_deadline_of(state.slot_of(uid))
                assert deadline is not None
                out.append(ConfirmationReminder(uid, state.id, deadline))
            return out

        await self._notify_on_job(job, remind)

    async def _on_report_warning(self, job: Job) -> None:
        def warn(state: MatchState, now: datetime) -> list[LadderEvent]:
            assert state.report_deadline is not None
            out: list[LadderEvent] = []
            for uid in ms.deadline_warning_targets(state, now):
                theirs = state.report(3 - state.slot_of(uid))
                opponent = Outcome(theirs) if theirs is not None and theirs >= 0 else None
                out.append(DeadlineWarning(uid, state.id, state.report_deadline, opponent))
            return out

        await self._notify_on_job(job, warn)

    async def _act_on_job(self, job: Job, decide: Decide, source: str) -> None:
        """A deadline: claim the job and apply the transition in one transaction.

        A deadline that no longer applies (the match moved on) just completes the job. ``NotDue``
        (a clock behind the job's) leaves the job pending for a later pass.
        """
        assert job.match_id is not None
        try:
            await self._change(job.match_id, decide, source=source, job=job)
        except NotDue:
            raise
        except (IllegalTransition, MatchNotFound) as exc:
            await self._complete_job(job)
            event(log, "job.noop", kind=job.kind, match_id=job.match_id, why=type(exc).__name__)

    async def _notify_on_job(
        self, job: Job, targets: Callable[[MatchState, datetime], list[LadderEvent]]
    ) -> None:
        """A reminder: claim the job, read who still needs it, commit, then tell them."""
        assert job.match_id is not None
        async with self.locks.hold(job.match_id):
            now = self._clock.now()
            async with self._db.transaction() as uow:
                state = await uow.matches.get(job.match_id, for_update=True)
                if not await uow.jobs.claim(job.id, now):
                    return
                try:
                    events = targets(state, now) if state is not None else []
                except LadderError:
                    events = []
                rows = await write_outbox(uow, events, now)
            await self._emit(rows, events)

    async def _complete_job(self, job: Job) -> None:
        async with self._db.transaction() as uow:
            await uow.jobs.claim(job.id, self._clock.now())

    # --- the one write path -------------------------------------------------------------------

    async def _act(
        self, match_id: int, decide: Decide, *, source: str = "reports", reason: str | None = None
    ) -> MatchState:
        transition = await self._change(match_id, decide, source=source, reason=reason)
        assert transition is not None
        return replace(transition.after, version=transition.before.version + 1)

    async def _change(
        self,
        match_id: int,
        decide: Decide,
        *,
        source: str,
        reason: str | None = None,
        job: Job | None = None,
    ) -> Transition | None:
        async with self.locks.hold(match_id):
            now = self._clock.now()
            async with self._db.transaction() as uow:
                before = await uow.matches.get(match_id, for_update=True)
                if before is None:
                    raise MatchNotFound()
                if job is not None and not await uow.jobs.claim(job.id, now):
                    return None  # done, cancelled or moved by someone else: nothing to do
                transition = decide(before, now)
                written = await self._write(uow, transition, now, reason)
                events = events_for(transition, written, source, reason)
                rows = await write_outbox(uow, events, now)
            event(
                log, "match.transition", match_id=match_id, step=transition.step.value,
                status=transition.after.status.value, actor=transition.actor, version=before.version + 1,
            )
            self._after_commit(transition, written)
            if transition.after.status is not transition.before.status:
                self._metrics.match_ended(transition.after.status.value)  # aborts, abandons, conflicts
            await self._emit(rows, events)
            return transition

    async def _write(self, uow: UnitOfWork, t: Transition, now: datetime, reason: str | None) -> Written:
        if not await uow.matches.update_cas(t.before, t.after):
            raise ConcurrentUpdate()
        aborts_left = await self._charge_abort(uow, t, now)
        mmr_rows = await self._apply_rating(uow, t, now)
        released = await uow.matches.release_players(t.after.id, t.after.players, now) if t.released else []
        jobs_changed = await self._sync_jobs(uow, t, now)
        revealed: tuple[DetailsRevealed, ...] = ()
        if t.step is Step.CONFIRMED_BOTH:
            people = await uow.players.get_many(t.after.players)
            revealed = details_for(t.after, people, self._game, report_locked=self.report_requires_replay)
        if t.step is Step.RESOLVED:
            await self._audit(uow, t, now, reason or "")
        return Written(tuple(released), mmr_rows, aborts_left, revealed, jobs_changed)

    async def _charge_abort(self, uow: UnitOfWork, t: Transition, now: datetime) -> int | None:
        if t.charge_abort is None:
            return None
        if not await uow.players.consume_abort(t.charge_abort, now):
            raise NoAbortsLeft()
        player = await uow.players.get(t.charge_abort)
        return aborts_left_now(player.aborts_left, player.aborts_period, now) if player else None

    async def _apply_rating(self, uow: UnitOfWork, t: Transition, now: datetime) -> dict[int, MmrRow]:
        """Move both ratings by the plan's difference, in uid order (a fixed lock order), and
        write their history rows (``rating_history``) in the same transaction.

        The match counts for the season it was made in. While that season is current its games
        go to the rating rows' counters; once a new season started, the rating still moves (it
        carried over) but the game joins the closed season's final record instead
        (``record_late_result``), so the new season's counters only hold the new season's games.
        """
        plan, state = t.rating, t.after
        if plan is None or plan.is_noop:
            return {}
        season = await uow.seasons.of_match(state.played_at)
        current = season.is_current
        rows: dict[int, MmrRow] = {}
        history: list[HistoryRow] = []
        for slot in sorted((1, 2), key=state.player):
            uid, race = state.player(slot), state.race(slot)
            before = await uow.mmrs.get_or_create(uid, race)
            won, lost, drawn = plan.counters(slot)
            if current:
                await uow.mmrs.apply_result(uid, race, plan.mmr_shift(slot), won=won, lost=lost, drawn=drawn)
                if plan.new_outcome is not None:
                    await uow.mmrs.touch_last_played(uid, race, state.played_at)
            else:
                await uow.mmrs.apply_result(uid, race, plan.mmr_shift(slot))
                await uow.standings.add_result(season.id, uid, race, won, lost, drawn, before.mmr)
            history.extend(rating_rows(t, slot, before.mmr, season.id, now))
            row = await uow.mmrs.get(uid, race)
            assert row is not None
            rows[slot] = row
        await uow.history.add(history)
        return rows

    async def _sync_jobs(self, uow: UnitOfWork, t: Transition, now: datetime) -> bool:
        before, after = t.before, t.after
        if not after.is_open:
            await uow.jobs.cancel_for_match(after.id, now)
            return False
        if t.step is Step.CONFIRMED_BOTH:
            await uow.jobs.cancel_for_match(after.id, now)
            await uow.jobs.add_many(reporting_jobs(after, self.timings))
            return True
        if after.report_deadline != before.report_deadline and after.report_deadline is not None:
            await uow.jobs.reschedule(after.id, JobKind.REPORT_DEADLINE, after.report_deadline)
            return True
        return False

    async def _audit(self, uow: UnitOfWork, t: Transition, now: datetime, reason: str) -> None:
        assert t.actor is not None and t.rating is not None
        await uow.admins.audit(
            t.actor,
            "resolve_match",
            reason,
            now,
            target_match_id=t.after.id,
            details={
                "from_status": t.before.status.value,
                "from_result": t.before.result,
                "to_status": t.after.status.value,
                "to_result": t.after.result,
                "old_delta": t.rating.old_delta,
                "new_delta": t.rating.new_delta,
            },
        )

    # --- after the commit -----------------------------------------------------------------------

    def _after_commit(self, t: Transition, w: Written) -> None:
        changed = set(w.released)
        if t.charge_abort is not None:
            changed.add(t.charge_abort)
        for uid in sorted(changed):
            self._read_models.player_changed(uid)
        if w.mmr_rows:
            self._read_models.mmr_changed([w.mmr_rows[slot] for slot in sorted(w.mmr_rows)])
        if w.jobs_changed:
            self._wake()

    async def _emit(self, rows: Sequence[int], events: Sequence[LadderEvent]) -> None:
        """Hand the rows just committed to the relay (it never raises: the change committed)."""
        try:
            await self.outbox.send(list(zip(rows, events, strict=True)))
        except Exception:
            log.exception("outbox.send_failed")
