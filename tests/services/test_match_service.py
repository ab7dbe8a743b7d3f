"""The match lifecycle through the service, on SQLite and PostgreSQL: every path and its writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from matchkit import GAME, MAP, build_stack, confirmed_match, mmr, player_state, seed_match

from evoladder.domain.errors import (
    AbortNotAllowed,
    AbortWindowClosed,
    AlreadyReported,
    MatchNotFound,
    NoAbortsLeft,
    NotAPlayer,
    NotConfirmedYet,
)
from evoladder.domain.match_state import MatchStatus, MatchTimings
from evoladder.domain.players import month_key
from evoladder.domain.rating import Outcome, rate
from evoladder.services.events import (
    ConfirmationReminder,
    DeadlineWarning,
    DetailsRevealed,
    MatchAbandoned,
    MatchAborted,
    MatchConflict,
    OpponentConfirmed,
    OpponentReported,
    ResultFinal,
)
from evoladder.services.matches import JobKind
from evoladder.store.uow import Database

P1, P2 = 1001, 2002


async def pending_kinds(db: Database, match_id: int) -> list[str]:
    async with db.read() as uow:
        return sorted(j.kind for j in await uow.jobs.pending(match_id))


async def test_confirmations_reveal_details_and_arm_the_report_clock(db: Database) -> None:
    s = build_stack(db)
    match = await seed_match(db, P1, P2, timings=s.timings)
    assert await pending_kinds(db, match.id) == [JobKind.CONFIRM_DEADLINE, JobKind.CONFIRM_REMINDER]

    one = await s.matches.confirm(match.id, P2)
    assert one.status is MatchStatus.FOUND and one.confirmed_2_at == s.clock.now() and one.version == 2
    assert s.notifier.events == [OpponentConfirmed(P1, match.id, P2)]

    s.clock.advance(seconds=5)
    both = await s.matches.confirm(match.id, P1)
    assert both.status is MatchStatus.CONFIRMED
    assert both.report_deadline == s.clock.now() + s.timings.report_deadline
    details = s.notifier.of(DetailsRevealed)
    assert [d.discord_uid for d in details] == [P1, P2]
    mine = details[0]
    assert (mine.slot, mine.race) == (1, "bw_zerg")
    assert (mine.opponent.discord_uid, mine.opponent.race) == (P2, "sc2_terran")
    assert mine.opponent.battletag == f"Main{P2}#{1000 + P2 % 1000}"
    assert mine.map_name == MAP and mine.server_code == "EUC" and mine.game_region == "EU"
    assert mine.map_link == GAME.season.map_named(MAP).links["EU"]  # type: ignore[union-attr]
    assert mine.mod_link == GAME.mod.links["EU"]
    assert ("Game speed", "Faster") in mine.lobby
    assert await pending_kinds(db, match.id) == [JobKind.REPORT_DEADLINE, JobKind.REPORT_WARNING]
    assert await s.matches.current_for(P1) == both


@pytest.mark.parametrize("outcome", list(Outcome))
async def test_equal_reports_finalize_everything_in_one_go(db: Database, outcome: Outcome) -> None:
    s = build_stack(db)
    match = await confirmed_match(s, P1, P2, mmr_1=1600, mmr_2=1500)
    s.notifier.clear()
    first = await s.matches.report(match.id, P2, outcome)
    assert first.status is MatchStatus.CONFIRMED
    assert s.notifier.events == [OpponentReported(P1, match.id, P2, outcome, match.report_deadline)]  # type: ignore[arg-type]
    s.clock.advance(minutes=3)
    final = await s.matches.report(match.id, P1, outcome)

    delta = rate(1600, 1500, outcome).delta
    assert (final.status, final.result, final.mmr_change) == (MatchStatus.FINAL, int(outcome), delta)
    assert final.finalized_at == s.clock.now()
    r1, r2 = await mmr(db, P1, "bw_zerg"), await mmr(db, P2, "sc2_terran")
    assert (r1.mmr, r2.mmr) == (1600 + delta, 1500 - delta)
    won = {Outcome.PLAYER_1: (1, 0, 0), Outcome.PLAYER_2: (0, 1, 0), Outcome.DRAW: (0, 0, 1)}[outcome]
    assert (r1.games_played, r1.games_won, r1.games_lost, r1.games_drawn) == (1, *won)
    assert (r2.games_played, r2.games_won, r2.games_lost, r2.games_drawn) == (1, won[1], won[0], won[2])
    assert r1.last_played == match.played_at == r2.last_played
    assert await player_state(db, P1) == ("idle", None, 3)
    assert await player_state(db, P2) == ("idle", None, 3)
    assert await pending_kinds(db, match.id) == []
    (event,) = s.notifier.of(ResultFinal)
    assert (event.outcome, event.delta, event.shift_1, event.source) == (outcome, delta, delta, "reports")
    assert (event.mmr_1_after, event.mmr_2_after) == (r1.mmr, r2.mmr)
    assert ResultFinal.admin_log
    assert {r.discord_uid for r in s.read_models.mmr_rows} == {P1, P2}
    assert {P1, P2} <= set(s.read_models.players)


async def test_different_reports_conflict_and_free_the_players(db: Database) -> None:
    s = build_stack(db)
    match = await confirmed_match(s, P1, P2)
    await s.matches.report(match.id, P1, Outcome.PLAYER_1)
    conflict = await s.matches.report(match.id, P2, Outcome.PLAYER_2)
    assert (conflict.status, conflict.result, conflict.mmr_change) == (MatchStatus.CONFLICT, -2, None)
    (event,) = s.notifier.of(MatchConflict)
    assert (event.report_1, event.report_2) == (1, 2) and MatchConflict.ping_staff
    assert (await mmr(db, P1, "bw_zerg")).games_played == 0
    assert await player_state(db, P1) == ("idle", None, 3)
    assert s.read_models.mmr_rows == []


async def test_abort_charges_only_the_aborter(db: Database) -> None:
    s = build_stack(db)
    match = await seed_match(db, P1, P2, timings=s.timings)
    aborted = await s.matches.abort(match.id, P2)
    assert (aborted.status, aborted.report_1, aborted.report_2, aborted.result) == (
        MatchStatus.ABORTED, -1, -3, -1
    )
    assert await player_state(db, P2) == ("idle", None, 2)
    assert await player_state(db, P1) == ("idle", None, 3)
    (event,) = s.notifier.of(MatchAborted)
    assert (event.aborted_by, event.aborts_left, event.reason) == (P2, 2, "player")
    assert await pending_kinds(db, match.id) == []


async def test_a_played_game_cannot_be_aborted_after_the_window(db: Database) -> None:
    """Nobody reported yet, but the first 5 minutes since the match was found are over: the game
    is on, and the result is reported or the reporting deadline decides."""
    s = build_stack(db, timings=MatchTimings(abort_window=timedelta(minutes=5)))
    match = await confirmed_match(s, P1, P2)
    s.clock.advance(minutes=5)
    with pytest.raises(AbortWindowClosed):
        await s.matches.abort(match.id, P2)
    after = await s.matches.get(match.id)
    assert (after.status, after.report_1, after.report_2) == (MatchStatus.CONFIRMED, None, None)
    assert await player_state(db, P2) == ("in_match", match.id, 3)


async def test_no_abort_left_refuses_and_changes_nothing(db: Database) -> None:
    s = build_stack(db)
    match = await seed_match(db, P1, P2, timings=s.timings)
    async with db.transaction() as uow:
        await uow.players.update(P1, s.clock.now(), aborts_left=0, aborts_period=month_key(s.clock.now()))
    with pytest.raises(NoAbortsLeft):
        await s.matches.abort(match.id, P1)
    assert await s.matches.get(match.id) == match
    assert s.notifier.events == [] and s.read_models.players == []
    assert await player_state(db, P1) == ("in_match", match.id, 0)


async def test_a_new_month_gives_the_aborts_back(db: Database) -> None:
    s = build_stack(db)
    match = await seed_match(db, P1, P2, timings=s.timings)
    async with db.transaction() as uow:
        await uow.players.update(P1, s.clock.now(), aborts_left=0, aborts_period=202610)
    await s.matches.abort(match.id, P1)
    assert await player_state(db, P1) == ("idle", None, 2)


@pytest.mark.parametrize(
    ("action", "error"),
    [
        ("report_before_confirm", NotConfirmedYet),
        ("stranger_confirms", NotAPlayer),
        ("report_twice", AlreadyReported),
        ("abort_after_report", AbortNotAllowed),
    ],
)
async def test_refused_actions_change_nothing(db: Database, action: str, error: type[Exception]) -> None:
    s = build_stack(db)
    match = await seed_match(db, P1, P2, timings=s.timings)
    if action in ("report_twice", "abort_after_report"):
        await s.matches.confirm(match.id, P1)
        await s.matches.confirm(match.id, P2)
        await s.matches.report(match.id, P1, Outcome.DRAW)
    before = await s.matches.get(match.id)
    async with db.read() as uow:
        jobs_before = await uow.jobs.for_match(match.id)
    s.notifier.clear()
    s.read_models.players.clear()
    with pytest.raises(error):
        if action == "report_before_confirm":
            await s.matches.report(match.id, P1, Outcome.PLAYER_1)
        elif action == "stranger_confirms":
            await s.matches.confirm(match.id, 4242)
        elif action == "report_twice":
            await s.matches.report(match.id, P1, Outcome.PLAYER_2)
        else:
            await s.matches.abort(match.id, P2)
    assert await s.matches.get(match.id) == before
    async with db.read() as uow:
        assert await uow.jobs.for_match(match.id) == jobs_before
    assert s.notifier.events == [] and s.read_models.players == []
    assert await player_state(db, P2) == ("in_match", match.id, 3)


async def test_unknown_match(db: Database) -> None:
    s = build_stack(db)
    with pytest.raises(MatchNotFound):
        await s.matches.confirm(999, P1)


async def test_reminder_then_abandon_when_a_player_does_not_confirm(db: Database) -> None:
    s = build_stack(db)
    match = await seed_match(db, P1, P2, timings=s.timings)
    await s.matches.confirm(match.id, P1)
    s.clock.advance(seconds=19)
    assert await s.scheduler.run_due() == 0
    s.clock.advance(seconds=1)
    assert await s.scheduler.run_due() == 1
    assert s.notifier.of(ConfirmationReminder) == [ConfirmationReminder(P2, match.id, match.confirm_deadline)]  # type: ignore[arg-type]
    s.clock.advance(seconds=40)
    assert await s.scheduler.run_due() == 1
    abandoned = await s.matches.get(match.id)
    assert (abandoned.status, abandoned.report_1, abandoned.report_2) == (MatchStatus.ABANDONED, -1, -4)
    (event,) = s.notifier.of(MatchAbandoned)
    assert (event.reason, event.unconfirmed) == ("not_confirmed", (P2,))
    assert await player_state(db, P1) == ("idle", None, 3)
    assert await player_state(db, P2) == ("idle", None, 3)  # no abort used
    assert await s.scheduler.run_due() == 0


async def test_reminder_is_skipped_when_both_confirmed_early(db: Database) -> None:
    s = build_stack(db)
    match = await confirmed_match(s, P1, P2)
    s.clock.advance(seconds=61)
    await s.scheduler.run_due()
    assert s.notifier.of(ConfirmationReminder) == []
    assert (await s.matches.get(match.id)).status is MatchStatus.CONFIRMED


async def test_deadline_warns_then_applies_the_single_report(db: Database) -> None:
    s = build_stack(db)
    match = await confirmed_match(s, P1, P2)
    await s.matches.report(match.id, P1, Outcome.PLAYER_1)
    assert match.report_deadline is not None
    s.clock.set(match.report_deadline - s.timings.report_warning_before)
    await s.scheduler.run_due()
    assert s.notifier.of(DeadlineWarning) == [
        DeadlineWarning(P2, match.id, match.report_deadline, Outcome.PLAYER_1)
    ]
    s.clock.set(match.report_deadline)
    await s.scheduler.run_due()
    final = await s.matches.get(match.id)
    assert (final.status, final.result, final.report_1, final.report_2) == (MatchStatus.FINAL, 1, 1, None)
    (event,) = s.notifier.of(ResultFinal)
    assert event.source == "deadline"
    assert (await mmr(db, P1, "bw_zerg")).mmr == 1500 + rate(1500, 1500, Outcome.PLAYER_1).delta
    assert await player_state(db, P2) == ("idle", None, 3)


async def test_deadline_without_reports_abandons(db: Database) -> None:
    s = build_stack(db)
    match = await confirmed_match(s, P1, P2)
    assert match.report_deadline is not None
    s.clock.set(match.report_deadline - s.timings.report_warning_before)
    await s.scheduler.run_due()
    assert [w.discord_uid for w in s.notifier.of(DeadlineWarning)] == [P1, P2]
    s.clock.set(match.report_deadline + timedelta(seconds=1))
    await s.scheduler.run_due()
    closed = await s.matches.get(match.id)
    assert (closed.status, closed.result) == (MatchStatus.ABANDONED, -1)
    assert s.notifier.of(MatchAbandoned)[0].reason == "not_reported"
    assert (await mmr(db, P1, "bw_zerg")).games_played == 0
    assert await player_state(db, P1) == ("idle", None, 3)


async def test_a_late_first_report_moves_the_deadline_job(db: Database) -> None:
    s = build_stack(db)
    match = await confirmed_match(s, P1, P2)
    assert match.report_deadline is not None
    s.clock.set(match.report_deadline - timedelta(minutes=2))
    moved = await s.matches.report(match.id, P2, Outcome.PLAYER_2)
    assert moved.report_deadline == s.clock.now() + s.timings.report_warning_before
    async with db.read() as uow:
        deadline_job = [j for j in await uow.jobs.pending(match.id) if j.kind == JobKind.REPORT_DEADLINE]
    assert [j.due_at for j in deadline_job] == [moved.report_deadline]
    s.clock.set(match.report_deadline)
    await s.scheduler.run_due()
    assert (await s.matches.get(match.id)).status is MatchStatus.CONFIRMED  # the opponent still has time
    s.clock.set(moved.report_deadline)
    await s.scheduler.run_due()
    assert (await s.matches.get(match.id)).result == 2


async def test_verified_replay_reports_for_both(db: Database) -> None:
    s = build_stack(db)
    match = await confirmed_match(s, P1, P2)
    final = await s.matches.report_verified(match.id, 2)
    assert (final.status, final.report_1, final.report_2, final.result) == (MatchStatus.FINAL, 2, 2, 2)
    assert s.notifier.of(ResultFinal)[0].source == "replay"


async def test_ban_ends_the_open_match_without_an_abort(db: Database) -> None:
    s = build_stack(db)
    match = await confirmed_match(s, P1, P2)
    (ended,) = await s.matches.abandon_for_ban(P2)
    assert (ended.status, ended.report_1, ended.report_2) == (MatchStatus.ABORTED, -1, -3)
    assert await player_state(db, P2) == ("idle", None, 3)
    (event,) = s.notifier.of(MatchAborted)
    assert (event.aborted_by, event.reason, event.aborts_left) == (P2, "banned", None)
    assert await s.matches.abandon_for_ban(P2) == []
    assert match.id == ended.id
