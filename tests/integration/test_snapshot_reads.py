"""``Database.snapshot``: one SELECT outside a unit of work, on both databases.

On SQLite it runs on a reader connection the facade keeps open (one thread hop per read), so
what matters is that this connection never lags: every read sees every commit made before it,
and never a write that has not committed. /profile's statistics rely on it (there is no cache).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import bindparam, case, literal, select

from evoladder.domain.records import DEFAULT_WINDOWS_DAYS
from evoladder.store.repositories.stats import (
    player_stats_from,
    player_stats_params,
    player_stats_statement,
)
from evoladder.store.schema import mmrs_1v1
from evoladder.store.uow import Database

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
UID = 4242
MMR_OF = (
    select(
        mmrs_1v1.c.mmr,
        mmrs_1v1.c.last_played,
        case((mmrs_1v1.c.last_played >= bindparam("since", type_=mmrs_1v1.c.last_played.type), 1),
             else_=literal(0)),
    )
    .where(mmrs_1v1.c.discord_uid == bindparam("uid", type_=mmrs_1v1.c.discord_uid.type))
    .order_by(mmrs_1v1.c.race)
)


async def test_every_commit_is_seen_by_the_next_snapshot(db: Database) -> None:
    params = {"uid": UID, "since": NOW - timedelta(days=1)}
    assert await db.snapshot(MMR_OF, params) == []
    async with db.transaction() as uow:
        await uow.mmrs.get_or_create(UID, "bw_zerg")
        await uow.mmrs.apply_result(UID, "bw_zerg", 25, won=1, played_at=NOW)
    assert await db.snapshot(MMR_OF, params) == [(1525, NOW, 1)]
    for step in range(1, 4):  # the kept connection follows each commit, not a cached state
        async with db.transaction() as uow:
            await uow.mmrs.apply_result(UID, "bw_zerg", -5, lost=1)
        assert (await db.snapshot(MMR_OF, params))[0][0] == 1525 - 5 * step


async def test_an_uncommitted_write_is_not_seen_and_does_not_block(db: Database) -> None:
    params = {"uid": UID, "since": NOW}
    async with db.transaction() as uow:
        await uow.mmrs.get_or_create(UID, "bw_zerg")
    async with db.transaction() as uow:
        await uow.mmrs.apply_result(UID, "bw_zerg", 100, won=1)
        assert [row[0] for row in await db.snapshot(MMR_OF, params)] == [1500]
    assert [row[0] for row in await db.snapshot(MMR_OF, params)] == [1600]


async def test_types_are_converted_both_ways(db: Database) -> None:
    async with db.transaction() as uow:
        await uow.mmrs.get_or_create(UID, "bw_zerg")
        await uow.mmrs.apply_result(UID, "bw_zerg", 0, drawn=1, played_at=NOW)
    # An aware non-UTC bound is compared as UTC; the time comes back aware UTC.
    later = (NOW + timedelta(seconds=1)).astimezone(timezone(timedelta(hours=9)))
    [(mmr, last, recent)] = await db.snapshot(MMR_OF, {"uid": UID, "since": later})
    assert (mmr, recent) == (1500, 0)
    assert last == NOW and last.utcoffset() == timedelta(0)


async def test_player_stats_statement_reads_ratings_and_matches_together(db: Database) -> None:
    windows = DEFAULT_WINDOWS_DAYS
    empty = player_stats_from(
        await db.snapshot(player_stats_statement(windows), player_stats_params(UID, NOW, windows)), windows
    )
    assert empty.ratings == {} and empty.races == {}
    async with db.transaction() as uow:
        await uow.mmrs.get_or_create(UID, "bw_zerg")
        await uow.mmrs.apply_result(UID, "bw_zerg", 12, won=2, lost=1, played_at=NOW)
    read = player_stats_from(
        await db.snapshot(player_stats_statement(windows), player_stats_params(UID, NOW, windows)), windows
    )
    rating = read.ratings["bw_zerg"]
    assert (rating.mmr, rating.counters.wins, rating.counters.losses) == (1512, 2, 1)
    assert read.races == {}  # counters alone are not statistics: no match rows were written
