"""Rating history: every change of a rating writes its row in the same transaction, a rebuild
replays the matches (with a baseline where they do not reach the stored rating), and the chart
reads one rating thinned to a budget of points."""

from __future__ import annotations

from matchkit import add_player, build_stack, confirmed_match, mmr, services_of

from evoladder.domain.history import HistoryKind, HistoryRow
from evoladder.domain.match_state import Resolution
from evoladder.domain.rating import Outcome, expected_score, rate
from evoladder.store.history_rebuild import rebuild_rating_history_async
from evoladder.store.uow import Database

P1, P2, P3, ADMIN = 11, 22, 33, 99
Z, T = "bw_zerg", "sc2_terran"


async def rows_of(db: Database, uid: int, race: str) -> list[HistoryRow]:
    async with db.read() as uow:
        return await uow.history.for_rating(uid, race)


async def match_rows(db: Database, match_id: int) -> list[HistoryRow]:
    async with db.read() as uow:
        return await uow.history.for_match(match_id)


async def test_a_final_match_writes_one_row_per_player_summing_to_zero(db: Database) -> None:
    s = build_stack(db)
    m = await confirmed_match(s, P1, P2)
    await s.matches.report(m.id, P1, Outcome.PLAYER_1)
    await s.matches.report(m.id, P2, Outcome.PLAYER_1)
    delta = rate(1500, 1500, Outcome.PLAYER_1).delta
    rows = await match_rows(db, m.id)
    assert [(r.discord_uid, r.kind, r.rating_before, r.rating_after) for r in rows] == [
        (P1, HistoryKind.MATCH, 1500, 1500 + delta),
        (P2, HistoryKind.MATCH, 1500, 1500 - delta),
    ]
    assert sum(r.rating_after - r.rating_before for r in rows) == 0
    assert rows[0].expected == expected_score(1500, 1500)
    assert rows[0].at == s.clock.now()
    assert (await rows_of(db, P1, Z))[-1].rating_after == (await mmr(db, P1, Z)).mmr


async def test_re_resolving_writes_the_reversal_and_the_new_result_as_their_own_rows(db: Database) -> None:
    s = build_stack(db)
    m = await confirmed_match(s, P1, P2)
    await s.matches.report(m.id, P1, Outcome.PLAYER_1)
    await s.matches.report(m.id, P2, Outcome.PLAYER_1)
    d = rate(1500, 1500, Outcome.PLAYER_1).delta
    await s.matches.admin_resolve(m.id, Resolution.PLAYER_2, ADMIN, "replay shows player 2 won")
    p1 = await rows_of(db, P1, Z)
    assert [(r.kind, r.rating_before, r.rating_after) for r in p1] == [
        (HistoryKind.MATCH, 1500, 1500 + d),
        (HistoryKind.REVERSAL, 1500 + d, 1500),
        (HistoryKind.RESOLVE, 1500, 1500 - d),
    ]
    assert p1[-1].rating_after == (await mmr(db, P1, Z)).mmr
    assert sum(r.rating_after - r.rating_before for r in await match_rows(db, m.id)) == 0
    await s.matches.admin_resolve(m.id, Resolution.INVALIDATE, ADMIN, "smurf")
    p2 = await rows_of(db, P2, T)
    assert [r.kind for r in p2][-1] is HistoryKind.REVERSAL
    assert p2[-1].rating_after == (await mmr(db, P2, T)).mmr == 1500


async def test_an_admin_adjustment_is_a_row_of_its_own(db: Database) -> None:
    from accountkit import ADMIN as STAFF
    from accountkit import started_stack

    kit = await started_stack(db)
    await add_player(db, P3)
    await kit.admin.adjust_mmr(STAFF, P3, Z, 1720, "compensation")
    rows = await rows_of(db, P3, Z)
    assert [(r.kind, r.rating_before, r.rating_after, r.match_id) for r in rows] == [
        (HistoryKind.ADJUST, 1500, 1720, None)
    ]


async def test_rebuild_replays_matches_and_bridges_what_they_do_not_reach(db: Database) -> None:
    s = build_stack(db)
    m1 = await confirmed_match(s, P1, P2)
    await s.matches.report(m1.id, P1, Outcome.PLAYER_1)
    await s.matches.report(m1.id, P2, Outcome.PLAYER_1)
    s.clock.advance(hours=1)
    m2 = await confirmed_match(s, P1, P2, create_players=False)
    await s.matches.report(m2.id, P1, Outcome.DRAW)
    await s.matches.report(m2.id, P2, Outcome.DRAW)
    live = await rows_of(db, P1, Z)
    async with db.transaction() as uow:  # a hand edit that no history row explains
        await uow.mmrs.set_mmr(P2, T, 1234)
    async with db.transaction() as uow:
        report = await rebuild_rating_history_async(uow.conn, now=s.clock.now())
    assert (report.matches, report.baselines) == (2, 1)
    rebuilt = await rows_of(db, P1, Z)
    assert [(r.kind, r.match_id, r.rating_before, r.rating_after) for r in rebuilt] == [
        (r.kind, r.match_id, r.rating_before, r.rating_after) for r in live
    ]
    p2 = await rows_of(db, P2, T)
    assert [r.kind for r in p2] == [HistoryKind.MATCH, HistoryKind.MATCH, HistoryKind.BASELINE]
    assert (p2[-1].rating_before, p2[-1].rating_after) == (p2[-2].rating_after, 1234)
    async with db.transaction() as uow:  # a second run: the same rows
        again = await rebuild_rating_history_async(uow.conn, uids=[P2], now=s.clock.now())
    assert again.rows == 3
    assert [(r.kind, r.rating_after) for r in await rows_of(db, P2, T)] == [
        (r.kind, r.rating_after) for r in p2
    ]
    assert len(await rows_of(db, P1, Z)) == 2  # other players' rows were left alone


async def test_the_chart_reads_one_rating_thinned_and_keeps_its_ends_and_extremes(db: Database) -> None:
    s = build_stack(db)
    await add_player(db, P1)
    await add_player(db, P2)
    outcomes = [Outcome.PLAYER_1] * 6 + [Outcome.PLAYER_2] * 9 + [Outcome.PLAYER_1] * 5
    for outcome in outcomes:
        m = await confirmed_match(s, P1, P2, create_players=False)
        await s.matches.report(m.id, P1, outcome)
        await s.matches.report(m.id, P2, outcome)
        s.clock.advance(minutes=30)
    service = services_of(s).history
    full = await service.chart(P1, Z, max_points=100)
    assert full.total_points == len(full.points) == 20
    assert full.ratings[-1] == (await mmr(db, P1, Z)).mmr
    assert list(full.timestamps) == sorted(full.timestamps)
    thin = await service.chart(P1, Z, max_points=8)
    assert len(thin.points) <= 8 and thin.total_points == 20
    assert thin.points[0] == full.points[0] and thin.points[-1] == full.points[-1]
    assert max(thin.ratings) == max(full.ratings) and min(thin.ratings) == min(full.ratings)
    assert set(thin.points) <= set(full.points)
    assert (await service.chart(P3, Z)).points == ()
