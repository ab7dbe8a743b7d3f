"""Account-side rows: guard, command log, profile, leaderboard pages, updates, build, RSS.

Data: ``n`` (player, race) rows means n/2 players with two races each, every row played within the
last 13 days (so all n rows are ranked), countries skewed like a real ladder (a few big
communities, a long tail over all 251 codes), MMR ~ N(1500, 200), and n final matches. Databases
are SQLite files filled with the stdlib ``sqlite3`` driver (fast bulk load); everything measured
then goes through the real services: ``LeaderboardService.build`` streams the database,
``ProfileService.profile`` runs its queries, ``LeaderboardService.page`` answers with the viewer's
own position, as the bot would call them.

Run: ``python -m bench.harness bench_accounts`` (EVOLADDER_BENCH_QUICK=1 skips the 1M scale).
``python -m bench.bench_accounts --rss DB`` is the child that measures the RSS of a fresh process
building the read models for DB.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.dbsetup import bench_services, fresh_database
from bench.harness import BenchContext
from evoladder.domain.players import MmrRow, PlayerState, month_key
from evoladder.game import GameData, load_game_data
from evoladder.services.command_log import CommandLog
from evoladder.services.guard import CommandGuard
from evoladder.services.leaderboard import LeaderboardService
from evoladder.services.ports import SystemClock
from evoladder.services.read_models import ReadModels
from evoladder.store.engine import create_engine
from evoladder.store.uow import Database

NOW = datetime.now(UTC).replace(microsecond=0)
ROOT = Path(__file__).resolve().parents[1]
UID0 = 100_000_000_000_000_000
BIG = ("KR", "US", "DE", "CN", "RU", "FR", "PL", "BR", "SE", "UA")
FILTERS: dict[str, dict[str, Any]] = {
    "": {},
    "races": {"races": ["bw_zerg", "sc2_terran"]},
    "countries": {"countries": ["KR", "US", "DE"]},
    # "Other": every country outside the common list (~200 country lists in the union)
    "other": {"countries": ["ZZ"]},
    "letter": {"rank_letter": "B"},
    "best_only": {"best_only": True},
    "all": {"races": ["bw_zerg", "sc2_terran"], "countries": ["KR", "US", "DE"], "rank_letter": "C",
            "best_only": True},
}


class FixedClock:
    def now(self) -> datetime:
        return NOW


def ts(moment: datetime) -> str:
    """SQLite's storage form of a ``UTCDateTime`` (naive UTC text)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass
class Dataset:
    uids: list[int]
    players: list[tuple[Any, ...]]
    mmrs: list[tuple[Any, ...]]
    matches: list[tuple[Any, ...]]


def generate(n_rows: int, game: GameData, seed: int = 7) -> Dataset:
    rng = random.Random(seed)
    races = list(game.races)
    countries = list(game.countries)
    n_players = n_rows // 2
    uids = [UID0 + i for i in range(n_players)]
    players, mmrs, matches = [], [], []
    setup = ts(NOW - timedelta(days=60))
    for i, uid in enumerate(uids):
        country = rng.choice(BIG) if rng.random() < 0.6 else rng.choice(countries)
        players.append((uid, f"user{i}", f"Player{i}", f"Player#{1000 + i % 9000}", "[]", country, "EUW",
                        setup, setup, 0, 3, month_key(NOW), "idle", setup, setup, 1))
        for race in rng.sample(races, 2):
            games = rng.randint(1, 80)
            won = rng.randint(0, games)
            last = ts(NOW - timedelta(seconds=rng.uniform(60, 13 * 86400)))
            mmrs.append((uid, race, int(rng.gauss(1500, 200)), games, won, games - won, 0, last))
    for _ in range(n_rows):
        a, b = rng.sample(range(len(mmrs)), 2)
        ra, rb = mmrs[a], mmrs[b]
        if ra[0] == rb[0]:
            continue
        played = ts(NOW - timedelta(seconds=rng.uniform(60, 120 * 86400)))
        result = rng.choice((0, 1, 1, 2, 2))
        matches.append((ra[0], rb[0], ra[1], rb[1], ra[2], rb[2], result, result, result, 10,
                        "Khione SEL", "EUW", "final", played, played, 1))
    return Dataset(uids, players, mmrs, matches)


def load_sqlite(path: str, data: Dataset) -> None:
    conn = sqlite3.connect(path)
    conn.executemany(
        "INSERT INTO players (discord_uid, discord_username, main_id, battletag, alt_ids, country, region, "
        "terms_accepted_at, completed_setup_date, is_banned, aborts_left, aborts_period, state, created_at, "
        "updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        data.players,
    )
    conn.executemany(
        "INSERT INTO mmrs_1v1 (discord_uid, race, mmr, games_played, games_won, games_lost, games_drawn, "
        "last_played) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        data.mmrs,
    )
    conn.executemany(
        "INSERT INTO matches_1v1 (player_1_discord_uid, player_2_discord_uid, player_1_race, player_2_race, "
        "player_1_mmr, player_2_mmr, player_1_report, player_2_report, match_result, mmr_change, map_played, "
        "server_choice, status, played_at, finalized_at, version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        data.matches,
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


@asynccontextmanager
async def sqlite_with(data: Dataset) -> AsyncIterator[tuple[Database, str]]:
    async with fresh_database("sqlite", None) as db:
        path = str(db.engine.url.database)
        await asyncio.to_thread(load_sqlite, path, data)
        yield db, path


def load() -> dict[str, float]:
    """The machine's 1-minute load average when a row was taken (2 CPUs: above 2 means contention)."""
    return {"load_1m": round(os.getloadavg()[0], 2)}


def scale_name(n: int) -> str:
    return f"{n // 1_000_000}m" if n >= 1_000_000 else f"{n // 1000}k"


async def run(ctx: BenchContext) -> None:
    game = load_game_data()
    command_log_enqueue(ctx)
    scales = [10_000, 100_000] + ([] if ctx.quick else [1_000_000])
    for n in scales:
        await at_scale(ctx, game, n)
    await guard_rows(ctx, game)
    await build_and_rss(ctx, game)


def command_log_enqueue(ctx: BenchContext) -> None:
    log = CommandLog(db=Database(create_engine("sqlite+aiosqlite:///:memory:")), clock=SystemClock(),
                     max_pending=1_000_000)
    uids = [UID0 + i for i in range(1000)]
    it = iter(uids * 200)
    ctx.time_sync("command_log_enqueue", "us", lambda: log.record(next(it), "profile"), n=200_000,
                  note="in-memory append on the hot path (flusher not running)", **load())


async def at_scale(ctx: BenchContext, game: GameData, n: int) -> None:
    data = await asyncio.to_thread(generate, n, game)
    name = scale_name(n)
    async with sqlite_with(data) as (db, _path):
        clock = FixedClock()
        services = bench_services(db, clock, game, player_cache_ttl_seconds=900, activation_required=False)
        leaderboard, profiles = services.leaderboard, services.profiles
        report = await leaderboard.build()
        assert report.ranked_rows == len(data.mmrs), report
        rng = random.Random(n)

        async def profile_once() -> None:
            await profiles.profile(rng.choice(data.uids))

        for _ in range(20):
            await profile_once()
        await ctx.time_async(f"profile_read_{name}", "us", profile_once, n=500, rows=n,
                             matches=len(data.matches), backend="sqlite", **load())
        for variant, kwargs in FILTERS.items():
            leaderboard_page(ctx, leaderboard, data, n, name, variant, kwargs)
        if n == 100_000:
            rank_update(ctx, leaderboard, data, n)
        await db.close()


def leaderboard_page(
    ctx: BenchContext, service: LeaderboardService, data: Dataset, n: int, name: str, variant: str,
    kwargs: dict[str, Any],
) -> None:
    rng = random.Random(hash(variant) & 0xFFFF)
    pages = service.page(**kwargs).page.pages

    def one() -> None:
        service.page(rng.choice(data.uids), page=rng.randint(1, pages), **kwargs)

    row = f"leaderboard_page_{name}" if not variant else f"leaderboard_page_{variant}_{name}"
    total = service.page(**kwargs).page.total
    ctx.time_sync(row, "us", one, n=3000, rows=n, filtered_rows=total, pages=pages,
                  filters=json.dumps(kwargs), **load())


def rank_update(ctx: BenchContext, service: LeaderboardService, data: Dataset, n: int) -> None:
    rng = random.Random(11)
    rows = [MmrRow(i + 1, uid, race, mmr, games, won, lost, 0, NOW - timedelta(hours=1))
            for i, (uid, race, mmr, games, won, lost, _d, _l) in enumerate(data.mmrs)]

    def one() -> None:
        old = rows[rng.randrange(len(rows))]
        new = MmrRow(old.id, old.discord_uid, old.race, old.mmr + rng.randint(-40, 40), old.games_played + 1,
                     old.games_won, old.games_lost, 0, NOW)
        service.apply([new])
        service.rank_of(new.discord_uid, new.race)

    ctx.time_sync("rank_update_one_change", "us", one, n=20_000, rows=n,
                  note="apply one MMR row + read its global rank and letter", **load())


async def guard_rows(ctx: BenchContext, game: GameData) -> None:
    data = await asyncio.to_thread(generate, 100_000, game)
    async with sqlite_with(data) as (db, _path):
        await guard_row(ctx, db, game, data, 900.0, "guard_cached", 20_000)
        await guard_row(ctx, db, game, data, 0.0, "guard_uncached_sqlite", 2_000)
        await db.close()
    if ctx.pg_url:
        await guard_uncached_postgres(ctx, game)


async def guard_row(
    ctx: BenchContext, db: Database, game: GameData, data: Dataset, ttl: float, row: str, n: int
) -> None:
    """The guard for /profile over 2,000 players who all have a record (warm: each seen once)."""
    guard, _ = guard_over(db, game, ttl)
    rng = random.Random(5)
    hot = data.uids[:2000]

    async def check() -> None:
        i = rng.randrange(len(hot))
        await guard.check(hot[i], f"user{i}", "profile")

    for i, uid in enumerate(hot):
        await guard.check(uid, f"user{i}", "profile")
    await ctx.time_async(row, "us", check, n=n, players=len(data.uids), ttl_seconds=ttl, **load())


def guard_over(db: Database, game: GameData, ttl: float) -> tuple[CommandGuard, ReadModels]:
    services = bench_services(db, FixedClock(), game, player_cache_ttl_seconds=ttl, activation_required=False)
    return services.guard, services.read_models


async def guard_uncached_postgres(ctx: BenchContext, game: GameData) -> None:
    async with fresh_database("postgres", ctx.pg_url) as db:
        accounts = bench_services(db, FixedClock(), game, player_cache_ttl_seconds=0).accounts
        for i in range(2000):
            await accounts.ensure_player(UID0 + i, f"user{i}")
        async with db.transaction() as uow:
            for i in range(2000):
                await uow.players.update(UID0 + i, NOW, terms_accepted_at=NOW, state=PlayerState.IDLE)
        guard, _ = guard_over(db, game, 0.0)
        rng = random.Random(6)

        async def check() -> None:
            i = rng.randrange(2000)
            await guard.check(UID0 + i, f"user{i}", "profile")

        for _ in range(50):
            await check()
        await ctx.time_async("guard_uncached_postgres", "us", check, n=2_000, players=2000, ttl_seconds=0,
                             **load())


async def build_and_rss(ctx: BenchContext, game: GameData) -> None:
    data = await asyncio.to_thread(generate, 200_000, game)  # 100k players, two races each
    async with sqlite_with(data) as (db, path):
        samples, cpu = [], []
        for _ in range(3):
            service = bench_services(db, FixedClock(), game).leaderboard
            t0, c0 = time.perf_counter(), time.process_time()
            await service.build()
            samples.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        ctx.record("leaderboard_build", "ms", samples, players=len(data.uids), rows=len(data.mmrs),
                   matches=len(data.matches), backend="sqlite", cpu_ms=round(1000 * sorted(cpu)[1]),
                   **load())
        await db.close()
        out = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "bench.bench_accounts", "--rss", path],
            capture_output=True, text=True, check=True, cwd=ROOT,
        )
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        ctx.record_value("rss_100k_players_mb", "MB", figures["rss_mb"], players=len(data.uids),
                         rows=len(data.mmrs), baseline_mb=figures["baseline_mb"],
                         note="fresh process after the read models were built (leaderboard, empty cache)")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _rss_child(path: str) -> None:
    baseline = rss_mb()
    db = Database(create_engine(f"sqlite+aiosqlite:///{path}"))
    models = bench_services(db, FixedClock(), load_game_data(), player_cache_ttl_seconds=900).read_models
    await models.leaderboard.build()
    assert models.leaderboard.ranked_total() > 0
    await db.close()
    print(json.dumps({"rss_mb": round(rss_mb(), 1), "baseline_mb": round(baseline, 1)}))


def _main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--rss":
        asyncio.run(_rss_child(argv[1]))
        return 0
    print("usage: python -m bench.bench_accounts --rss DB (the harness runs the rows)")
    return 2


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
