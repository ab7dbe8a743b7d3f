"""Migration 0004 opens the first season and backfills the history of the matches already stored."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from evoladder.domain.history import HistoryKind
from evoladder.domain.rating import expected_score
from evoladder.game import load_game_data
from evoladder.store.engine import create_engine
from evoladder.store.migrations import downgrade, upgrade
from evoladder.store.schema import matches_1v1, mmrs_1v1, rating_history_1v1, seasons
from evoladder.store.uow import Database

T0 = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def _match(
    mid: int, p1: int, p2: int, result: int, delta: int, at: datetime, m1: int, m2: int
) -> dict[str, object]:
    # uid 1 always plays bw_zerg, uid 2 sc2_terran, whichever slot they are in
    return {
        "id": mid, "player_1_discord_uid": p1, "player_2_discord_uid": p2,
        "player_1_race": "bw_zerg" if p1 == 1 else "sc2_terran",
        "player_2_race": "bw_zerg" if p2 == 1 else "sc2_terran",
        "player_1_mmr": m1, "player_2_mmr": m2, "match_result": result,
        "mmr_change": delta, "map_played": "Khione SEL", "server_choice": "EUC",
        "status": "final" if result >= 0 else "aborted", "played_at": at, "version": 1,
    }


async def _seed_old(url: str) -> None:
    db = Database(create_engine(url))
    try:
        async with db.engine.begin() as conn:
            await conn.execute(insert(matches_1v1), [
                _match(1, 1, 2, 1, 20, T0, 1500, 1500),
                _match(2, 1, 2, -1, 0, T0 + timedelta(hours=1), 1520, 1480),  # aborted: no row
                _match(3, 2, 1, 2, -18, T0 + timedelta(hours=2), 1480, 1520),  # as player 2, p1 won
            ])
            await conn.execute(insert(mmrs_1v1), [
                {"discord_uid": 1, "race": "bw_zerg", "mmr": 1538, "games_played": 2, "games_won": 2,
                 "games_lost": 0, "games_drawn": 0, "last_played": T0},
                # 1480 + 18 from match 3 would be 1462... an old adjustment made it 1400
                {"discord_uid": 2, "race": "sc2_terran", "mmr": 1400, "games_played": 2, "games_won": 0,
                 "games_lost": 2, "games_drawn": 0, "last_played": T0},
                {"discord_uid": 3, "race": "bw_zerg", "mmr": 1500, "games_played": 0, "games_won": 0,
                 "games_lost": 0, "games_drawn": 0, "last_played": None},
            ])
    finally:
        await db.close()


async def _read(url: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    db = Database(create_engine(url))
    try:
        async with db.engine.connect() as conn:
            h = rating_history_1v1.c
            rows = (await conn.execute(
                select(h.discord_uid, h.kind, h.match_id, h.rating_before, h.rating_after, h.expected, h.at,
                       h.season_id).order_by(h.discord_uid, h.id)
            )).all()
            c = seasons.c
            season_rows = (await conn.execute(
                select(c.id, c.name, c.map_pool, c.started_at, c.ended_at)
            )).all()
        return [tuple(r) for r in rows], [tuple(r) for r in season_rows]
    finally:
        await db.close()


def test_upgrade_backfills_history_with_a_baseline_where_the_matches_fall_short(db_url: str) -> None:
    downgrade(db_url, "0003")
    asyncio.run(_seed_old(db_url))
    upgrade(db_url)
    rows, season_rows = asyncio.run(_read(db_url))
    pool = load_game_data().current_season
    ((season_id, _name, map_pool, started_at, ended_at),) = season_rows
    assert (map_pool, started_at, ended_at) == (pool, T0, None)
    assert [r[:5] for r in rows] == [
        (1, HistoryKind.MATCH.value, 1, 1500, 1520),
        (1, HistoryKind.MATCH.value, 3, 1520, 1538),
        (2, HistoryKind.MATCH.value, 1, 1500, 1480),
        (2, HistoryKind.MATCH.value, 3, 1480, 1462),
        (2, HistoryKind.BASELINE.value, None, 1462, 1400),
    ]
    assert rows[1][5] == 1.0 - expected_score(1480, 1520)  # player 1 of the first match was player 2 here
    assert rows[1][6] == T0 + timedelta(hours=2)
    assert rows[4][6] == T0 + timedelta(hours=2)  # the baseline sits at the rating's last match
    assert {r[7] for r in rows} == {season_id}
