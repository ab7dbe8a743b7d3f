"""The set-based history rebuild (SQL in the database) agrees with the domain's row-by-row
``Replay``, the reference it replaced, on matches made to hit its edges: ties in time, admin
resolutions, a missing delta, non-final results, two seasons, ratings the replay does not reach,
a rating without matches, and a rebuild of some players only."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update

from evoladder.domain.history import FinalLeg, HistoryRow, Replay, SeasonSpan, expected_for, season_at
from evoladder.store.history_rebuild import rebuild_rating_history_async
from evoladder.store.repositories.history import history_from
from evoladder.store.schema import matches_1v1, mmrs_1v1, rating_history_1v1, seasons
from evoladder.store.uow import Database

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 12, 1, tzinfo=UTC)
RACES = ("bw_zerg", "sc2_terran")
UIDS = (1, 2, 3, 4, 5)


async def _seed(db: Database) -> None:
    rng = random.Random(7)
    matches = []
    for mid in range(1, 121):
        a, b = rng.sample(UIDS, 2)
        result = rng.choice((0, 1, 2, 1, 2, -1, -2, None))
        at = T0 + timedelta(days=rng.randint(0, 300), hours=rng.choice((0, 0, 1)))  # many ties
        matches.append({
            "id": mid, "player_1_discord_uid": a, "player_2_discord_uid": b,
            "player_1_race": rng.choice(RACES), "player_2_race": rng.choice(RACES),
            "player_1_mmr": rng.randint(1200, 1900), "player_2_mmr": rng.randint(1200, 1900),
            "match_result": result, "mmr_change": None if mid % 17 == 0 else rng.randint(-40, 40),
            "map_played": "Khione SEL", "server_choice": "EUC",
            "status": "final" if result in (0, 1, 2) else "aborted", "played_at": at, "version": 1,
            "resolved_by": 99 if mid % 11 == 0 else None,
        })
    async with db.transaction() as uow:
        s = seasons.c
        first = (await uow.conn.execute(select(s.id).order_by(s.id).limit(1))).scalar_one()
        await uow.conn.execute(update(seasons).where(s.id == first).values(
            started_at=T0 + timedelta(days=30), ended_at=T0 + timedelta(days=150)))
        await uow.conn.execute(insert(seasons).values(
            name="Two", map_pool="season_alpha", started_at=T0 + timedelta(days=150), ended_at=None))
        await uow.conn.execute(insert(matches_1v1), matches)
        await uow.conn.execute(insert(mmrs_1v1), [
            {"discord_uid": uid, "race": race, "mmr": rng.choice((1500, 1500 + uid * 7, 1600)),
             "games_played": 0, "games_won": 0, "games_lost": 0, "games_drawn": 0, "last_played": None}
            for uid in (*UIDS, 6) for race in RACES
        ])


async def _reference(db: Database, only: frozenset[int] | None) -> dict[tuple[int, str], list[HistoryRow]]:
    """What the domain's replay gives, fed in (played_at, id) order as the rebuild documents."""
    m = matches_1v1.c
    async with db.read() as uow:
        rows = (await uow.conn.execute(select(seasons.c.id, seasons.c.started_at, seasons.c.ended_at)
                                       .order_by(seasons.c.id))).all()
        spans = [SeasonSpan(r[0], r[1]) for r in rows]
        current = next(r[0] for r in rows if r[2] is None)
        final = (await uow.conn.execute(
            select(m.id, m.played_at, m.player_1_discord_uid, m.player_2_discord_uid, m.player_1_race,
                   m.player_2_race, m.player_1_mmr, m.player_2_mmr, m.mmr_change, m.resolved_by)
            .where(m.match_result.in_((0, 1, 2))).order_by(m.played_at, m.id)
        )).all()
        stored = {(r[0], r[1]): r[2] for r in (await uow.conn.execute(
            select(mmrs_1v1.c.discord_uid, mmrs_1v1.c.race, mmrs_1v1.c.mmr))).all()}
    replay = Replay.start()
    out: dict[tuple[int, str], list[HistoryRow]] = {}
    for mid, at, p1, p2, r1, r2, m1, m2, change, resolved_by in final:
        season = season_at(spans, at)
        for slot, uid, race, delta in ((1, p1, r1, change or 0), (2, p2, r2, -(change or 0))):
            if only is None or uid in only:
                leg = FinalLeg(mid, uid, race, delta, expected_for(slot, m1, m2), at, season,
                               resolved_by is not None)
                out.setdefault((uid, race), []).append(replay.add(leg))
    wanted = {k: v for k, v in stored.items() if only is None or k[0] in only}
    for row in replay.finish(wanted, current, NOW):
        out.setdefault((row.discord_uid, row.race), []).append(row)
    return out


async def _stored_history(db: Database) -> dict[tuple[int, str], list[HistoryRow]]:
    async with db.read() as uow:
        rows = (await uow.conn.execute(
            select(rating_history_1v1).order_by(rating_history_1v1.c.id))).mappings().all()
    out: dict[tuple[int, str], list[HistoryRow]] = {}
    for row in rows:
        h = history_from(row)
        out.setdefault((h.discord_uid, h.race), []).append(h)
    return out


async def test_the_set_based_rebuild_gives_the_rows_of_the_row_by_row_replay(db: Database) -> None:
    await _seed(db)
    async with db.transaction() as uow:
        report = await rebuild_rating_history_async(uow.conn, now=NOW)
    expected = await _reference(db, None)
    assert await _stored_history(db) == expected
    assert report.rows == sum(len(v) for v in expected.values())
    assert report.baselines == sum(1 for v in expected.values() if v[-1].kind == "baseline")

    async with db.transaction() as uow:  # some players again: theirs rebuilt, the others' kept
        await uow.conn.execute(update(mmrs_1v1).where(mmrs_1v1.c.discord_uid == 2).values(mmr=1111))
        await rebuild_rating_history_async(uow.conn, uids=[2, 6], now=NOW)
    again = await _stored_history(db)
    partial = await _reference(db, frozenset({2, 6}))
    assert {k: v for k, v in again.items() if k[0] in (2, 6)} == partial
    assert {k: v for k, v in again.items() if k[0] not in (2, 6)} == {
        k: v for k, v in expected.items() if k[0] not in (2, 6)
    }
