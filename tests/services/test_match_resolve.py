"""Admin resolve: audited, works on open / conflicted / final matches, and never resets a rating."""

from __future__ import annotations

from datetime import timedelta

import pytest
from matchkit import add_player, build_stack, confirmed_match, mmr, player_state, seed_match

from evoladder.domain.errors import AlreadyResolved, ReasonRequired
from evoladder.domain.match_state import MatchStatus, Resolution
from evoladder.domain.rating import Outcome, rate
from evoladder.services.events import MatchInvalidated, ResultFinal
from evoladder.store.uow import Database

P1, P2, P3, ADMIN = 11, 22, 33, 99


async def audit_rows(db: Database, match_id: int) -> list[tuple[str, str, int]]:
    async with db.read() as uow:
        rows = await uow.admins.actions(target_match_id=match_id)
    return [(r["action_type"], r["reason"], r["admin_discord_uid"]) for r in reversed(rows)]


async def test_resolve_a_conflict_is_audited_and_applies_mmr(db: Database) -> None:
    s = build_stack(db)
    m = await confirmed_match(s, P1, P2)
    await s.matches.report(m.id, P1, Outcome.PLAYER_1)
    await s.matches.report(m.id, P2, Outcome.PLAYER_2)
    resolved = await s.matches.admin_resolve(m.id, Resolution.PLAYER_1, ADMIN, "  replay checked  ")
    delta = rate(1500, 1500, Outcome.PLAYER_1).delta
    assert (resolved.status, resolved.result, resolved.mmr_change, resolved.resolved_by) == (
        MatchStatus.FINAL, 1, delta, ADMIN
    )
    assert (resolved.report_1, resolved.report_2) == (1, 2)  # what the players said stays on record
    assert (await mmr(db, P1, "bw_zerg")).mmr == 1500 + delta
    assert await audit_rows(db, m.id) == [("resolve_match", "replay checked", ADMIN)]
    (event,) = s.notifier.of(ResultFinal)
    assert (event.source, event.resolved_by, event.reason, event.previous) == (
        "admin", ADMIN, "replay checked", None
    )


async def test_resolve_an_open_match_releases_the_players_and_its_jobs(db: Database) -> None:
    s = build_stack(db)
    m = await seed_match(db, P1, P2, timings=s.timings)
    await s.matches.admin_resolve(m.id, Resolution.DRAW, ADMIN, "played in a tournament")
    assert await player_state(db, P1) == ("idle", None, 3)
    async with db.read() as uow:
        assert await uow.jobs.pending(m.id) == []
    assert (await mmr(db, P2, "sc2_terran")).games_drawn == 1


async def test_re_resolve_keeps_the_effect_of_later_games(db: Database) -> None:
    """A 1500 vs B 1500, A wins; A then beats C; the admin flips the first match to B.

    A's rating must be: now - (what match 1 gave) + (what match 1 gives now); the second win stays.
    Resetting to match 1's snapshot (1500) and re-applying would erase the second game.
    """
    s = build_stack(db)
    first = await confirmed_match(s, P1, P2)
    await s.matches.report(first.id, P1, Outcome.PLAYER_1)
    await s.matches.report(first.id, P2, Outcome.PLAYER_1)
    d1 = rate(1500, 1500, Outcome.PLAYER_1).delta
    after_first = (await mmr(db, P1, "bw_zerg")).mmr
    assert after_first == 1500 + d1

    s.clock.advance(hours=1)
    await add_player(db, P3, mmr={"sc2_terran": 1500})
    second_match = await seed_match(
        db, P1, P3, now=s.clock.now(), timings=s.timings, create_players=False, mmr_1=after_first
    )
    await s.matches.confirm(second_match.id, P1)
    await s.matches.confirm(second_match.id, P3)
    await s.matches.report(second_match.id, P1, Outcome.PLAYER_1)
    await s.matches.report(second_match.id, P3, Outcome.PLAYER_1)
    d2 = rate(after_first, 1500, Outcome.PLAYER_1).delta
    now_a = (await mmr(db, P1, "bw_zerg")).mmr
    assert now_a == 1500 + d1 + d2

    flipped = await s.matches.admin_resolve(first.id, Resolution.PLAYER_2, ADMIN, "B had the replay")
    d1_new = rate(1500, 1500, Outcome.PLAYER_2).delta
    assert flipped.mmr_change == d1_new
    a, b = await mmr(db, P1, "bw_zerg"), await mmr(db, P2, "sc2_terran")
    assert a.mmr == now_a - d1 + d1_new  # the second win survives
    assert b.mmr == 1500 - d1_new
    assert (a.games_played, a.games_won, a.games_lost) == (2, 1, 1)
    assert (b.games_played, b.games_won, b.games_lost) == (1, 1, 0)
    assert a.last_played == second_match.played_at  # not moved back to the first match's time
    event = s.notifier.of(ResultFinal)[-1]
    assert (event.previous, event.outcome, event.shift_1) == (Outcome.PLAYER_1, Outcome.PLAYER_2, d1_new - d1)
    assert event.mmr_1_after == a.mmr


async def test_invalidate_reverses_and_a_later_resolve_reapplies(db: Database) -> None:
    s = build_stack(db)
    m = await confirmed_match(s, P1, P2, mmr_1=1700, mmr_2=1500)
    await s.matches.report(m.id, P1, Outcome.PLAYER_2)
    await s.matches.report(m.id, P2, Outcome.PLAYER_2)
    invalid = await s.matches.admin_resolve(m.id, Resolution.INVALIDATE, ADMIN, "smurf account")
    assert (invalid.status, invalid.result, invalid.mmr_change) == (MatchStatus.INVALIDATED, -1, None)
    a = await mmr(db, P1, "bw_zerg")
    assert (a.mmr, a.games_played, a.games_lost) == (1700, 0, 0)
    (event,) = s.notifier.of(MatchInvalidated)
    assert event.shift_1 == -rate(1700, 1500, Outcome.PLAYER_2).delta and event.mmr_1_after == 1700
    again = await s.matches.admin_resolve(m.id, Resolution.DRAW, ADMIN, "second look")
    assert again.mmr_change == rate(1700, 1500, Outcome.DRAW).delta
    assert (await mmr(db, P1, "bw_zerg")).games_drawn == 1
    assert [r[1] for r in await audit_rows(db, m.id)] == ["smurf account", "second look"]


async def test_resolving_to_the_same_result_or_without_reason_changes_nothing(db: Database) -> None:
    s = build_stack(db)
    m = await confirmed_match(s, P1, P2)
    await s.matches.report(m.id, P1, Outcome.DRAW)
    final = await s.matches.report(m.id, P2, Outcome.DRAW)
    with pytest.raises(AlreadyResolved):
        await s.matches.admin_resolve(m.id, Resolution.DRAW, ADMIN, "again")
    with pytest.raises(ReasonRequired):
        await s.matches.admin_resolve(m.id, Resolution.PLAYER_1, ADMIN, "   ")
    assert await s.matches.get(m.id) == final
    assert await audit_rows(db, m.id) == []


async def test_resolving_an_aborted_match(db: Database) -> None:
    """An abort can be overruled (the game was played after all); the abort stays used."""
    s = build_stack(db)
    m = await seed_match(db, P1, P2, timings=s.timings)
    await s.matches.abort(m.id, P1)
    s.clock.advance(days=2)
    resolved = await s.matches.admin_resolve(m.id, Resolution.PLAYER_2, ADMIN, "played, then aborted")
    assert resolved.status is MatchStatus.FINAL and resolved.finalized_at == s.clock.now()
    assert await player_state(db, P1) == ("idle", None, 2)
    assert (await mmr(db, P2, "sc2_terran")).last_played == m.played_at
    assert resolved.played_at == m.played_at and resolved.played_at < s.clock.now() - timedelta(days=1)
