"""Rating history and seasons: the chart read and the season start.

- ``history_chart_read_<backend>``: ``HistoryService.chart`` for one player and race with 3,000
  games of history, thinned to 400 points, among 300,000 history rows of other ratings (so the
  read has to come from the index). Median of 300 reads after 20 warm-up reads.
- ``season_start_sqlite_100k``: ``SeasonService.start`` (preview not included; measured as its
  own row) on a ladder of 100,000 players with two rated races each (200,000 rating rows, every
  one played this season) and 100,000 final matches: archive, history rows, rating move (50 %),
  aborts, the season switch, one transaction. Each repetition runs on a fresh copy of the same
  database file.

Run: ``python -m bench.harness bench_history`` (EVOLADDER_BENCH_QUICK=1: 10,000 players).
"""

from __future__ import annotations

import asyncio
import random
import shutil
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.bench_accounts import generate, load_sqlite
from bench.dbsetup import bench_services, fresh_database
from bench.harness import BenchContext
from evoladder.game import load_game_data
from evoladder.store.engine import create_engine
from evoladder.store.uow import Database

NOW = datetime.now(UTC).replace(microsecond=0)
GAMES = 3_000
OTHER_ROWS = 300_000
ME, RACE = 7, "bw_zerg"
ADMIN = 1  # the owner who starts the season (an owner needs no player row)


class FixedClock:
    def now(self) -> datetime:
        return NOW


def _history_rows(seed: int = 3) -> list[tuple[object, ...]]:
    rng = random.Random(seed)
    rows: list[tuple[object, ...]] = []
    rating = 1500
    start = NOW - timedelta(days=400)
    for i in range(GAMES):
        delta = rng.randint(-25, 25)
        season = 1 + i * 3 // GAMES  # three seasons along the way
        rows.append((ME, RACE, season, "match", i + 1, rating, rating + delta, 0.5,
                     (start + timedelta(hours=3 * i)).strftime("%Y-%m-%d %H:%M:%S.%f")))
        rating += delta
    for j in range(OTHER_ROWS):
        uid = 1000 + j % 50_000
        rows.append((uid, RACE, 1, "match", None, 1500, 1510, 0.5,
                     (start + timedelta(minutes=j)).strftime("%Y-%m-%d %H:%M:%S.%f")))
    rng.shuffle(rows)  # the rating's rows are spread through the table, as in a live ladder
    rows.sort(key=lambda r: str(r[8]))
    return rows


INSERT = (
    "INSERT INTO rating_history_1v1 (discord_uid, race, season_id, kind, match_id, rating_before, "
    "rating_after, expected, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


async def _chart(ctx: BenchContext, backend: str) -> None:
    game = load_game_data()
    rows = _history_rows()
    async with fresh_database(backend, ctx.pg_url) as db:
        if backend == "sqlite":
            path = str(db.engine.url.database)

            def load() -> None:
                conn = sqlite3.connect(path)
                conn.executemany(INSERT, rows)
                conn.commit()
                conn.execute("ANALYZE")
                conn.close()

            await asyncio.to_thread(load)
        else:
            raw = await db.engine.raw_connection()
            try:
                driver = raw.driver_connection
                records = [(*r[:8], datetime.fromisoformat(str(r[8])).replace(tzinfo=UTC)) for r in rows]
                await driver.copy_records_to_table(  # type: ignore[union-attr]
                    "rating_history_1v1", records=records,
                    columns=["discord_uid", "race", "season_id", "kind", "match_id", "rating_before",
                             "rating_after", "expected", "at"],
                )
                # As autovacuum leaves a live table: statistics, and the visibility map an
                # index-only scan needs (a bulk COPY leaves it unset). FREEZE because the bench's
                # server runs with synchronous_commit=off: a plain VACUUM right after the COPY may
                # not set hint bits before the commit's WAL is flushed, so it marks no page
                # all-visible (relallvisible stayed 0; 3,000 heap fetches a read).
                await driver.execute("VACUUM (FREEZE, ANALYZE) rating_history_1v1")  # type: ignore[union-attr]
            finally:
                raw.close()
        services = bench_services(db, FixedClock(), game)
        await services.season_book.load(db)  # as the process's start does: breaks named by season
        service = services.history
        for _ in range(20):
            chart = await service.chart(ME, RACE, max_points=400)
        assert chart.total_points == GAMES and len(chart.points) <= 400 and len(chart.season_breaks) == 2
        await ctx.time_async(
            f"history_chart_read_{backend}", "ms", lambda: service.chart(ME, RACE, max_points=400), 300,
            games=GAMES, other_rows=OTHER_ROWS, max_points=400, points=len(chart.points),
        )


async def _season_start(ctx: BenchContext) -> None:
    game = load_game_data()
    players = 10_000 if ctx.quick else 100_000
    data = generate(players * 2, game)
    with tempfile.TemporaryDirectory() as tmp:
        async with fresh_database("sqlite", None) as db:
            path = str(db.engine.url.database)
            await asyncio.to_thread(load_sqlite, path, data)
            await db.close()
            template = Path(tmp) / "template.db"
            shutil.copyfile(path, template)
        starts, previews = [], []
        for rep in range(3):
            target = Path(tmp) / f"run{rep}.db"
            shutil.copyfile(template, target)
            db = Database(create_engine(f"sqlite+aiosqlite:///{target}"))
            try:
                services = bench_services(
                    db, FixedClock(), game, season_reset_percent=50, owner_ids=frozenset({ADMIN})
                )
                await services.season_book.load(db)  # what the process's start does
                await services.roster.sync_owners(services.settings.owner_ids)
                service = services.seasons
                t0 = time.perf_counter()
                plan = await service.preview(ADMIN)
                previews.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                result = await service.start(ADMIN, plan, "bench")
                starts.append(time.perf_counter() - t0)
                assert result.plan.archived_rows == len(data.mmrs)
            finally:
                await db.close()
        ctx.record("season_start_sqlite_100k" if not ctx.quick else "season_start_sqlite_10k", "s", starts,
                   players=players, rating_rows=len(data.mmrs), matches=len(data.matches), percent=50,
                   history_rows=result.history_rows)
        ctx.record("season_start_preview_sqlite", "s", previews, players=players)


async def run(ctx: BenchContext) -> None:
    await _chart(ctx, "sqlite")
    if ctx.pg_url:
        await _chart(ctx, "postgres")
    await _season_start(ctx)
