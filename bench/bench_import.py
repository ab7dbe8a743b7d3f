"""Import from EvoLadderBot (DESIGN section 7: 100k players and 1M matches in <= 60 s).

Data: a peer-shaped database built from the peer's DDL (``tests/peerdb.py``) with 100k players,
200k ratings (two races each), 1M matches over a year (90% final, 5% aborted/abandoned, 3%
conflicts, 2% other -1 codes, the last 200 still open; a third of the players' states point at a
queue or a match), 100k preferences, 200k action logs, 500k command calls and 500k replay
records (one for every other match). Built with the drivers directly (stdlib ``sqlite3``;
asyncpg COPY), outside the timing.

Measured: ``evoladder``'s import end to end (``PeerImport.run``: read, map, write, marks, and the
rating history rebuilt from the imported matches) from a fresh migrated target, SQLite file into
SQLite (the set-based path: the file attached, the big tables mapped by ``INSERT ... SELECT``)
and PostgreSQL into PostgreSQL (set-based too: the big tables staged by binary COPY from the
peer, then mapped by ``INSERT ... SELECT``; players, ratings and preferences by the domain's
rules on both), then the same import again
(the idempotent re-run, which must write nothing). One run each: a single import is
a minute of work, so a row's n is 1 and its figure is seconds. Its params carry rows/s (rows read
from the peer / seconds), the CPU seconds this process spent (``cpu_s``: the mapping, both
drivers' threads and, on SQLite, the database engine itself; PostgreSQL's server work is not in
it) and the load average around the run, since the machine is shared.
``EVOLADDER_BENCH_QUICK=1`` runs a tenth of the scale.

Run: ``scripts/bench.sh bench_import`` (starts a throwaway PostgreSQL for the PostgreSQL rows).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url
from tests.peerdb import POSTGRES_DDL, SQLITE_DDL

from bench.dbsetup import fresh_database
from bench.harness import BenchContext
from evoladder.game import load_game_data
from evoladder.services.peer_import import ImportReport, PeerImport, rebuild_history
from evoladder.services.ports import SystemClock
from evoladder.store.peer_source import open_peer_source

NOW = datetime.now(UTC).replace(microsecond=0)
UID0 = 300_000_000_000_000_000
RACES = ("bw_terran", "bw_zerg", "bw_protoss", "sc2_terran", "sc2_zerg", "sc2_protoss")
Rows = dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]


def dataset(players: int, matches: int) -> Rows:
    """Every peer table's rows (columns, values with aware datetimes), deterministic."""
    rng = random.Random(13)
    game = load_game_data()
    maps = [m.name for m in game.season.maps]
    servers = sorted(game.servers)
    countries = sorted(game.countries)[:60]
    regions = sorted(game.regions)
    uids = [UID0 + i for i in range(players)]
    start = NOW - timedelta(days=365)
    step = timedelta(days=365) / matches
    out: Rows = {}

    m_rows: list[tuple[Any, ...]] = []
    open_ids: list[int] = []
    for i in range(1, matches + 1):
        a, b = rng.sample(range(players), 2)
        at = start + step * i
        roll = rng.random()
        if i > matches - 200:
            result, r1, r2, change = None, None, None, 0
            open_ids.append(i)
        elif roll < 0.90:
            result = rng.choice((0, 1, 1, 2, 2))
            r1 = r2 = result
            change = rng.randint(-30, 30)
        elif roll < 0.95:
            result, r1, r2, change = -1, -3, -1, 0
        elif roll < 0.98:
            result, r1, r2, change = -2, 1, 2, 0
        else:
            result, r1, r2, change = -1, -4, -1, 0
        replay = f"replays/{i}/p1.SC2Replay" if i % 2 == 0 else None
        m_rows.append((
            i, uids[a], uids[b], RACES[a % 3], RACES[3 + b % 3], rng.randint(1200, 1800),
            rng.randint(1200, 1800), r1, r2, result, change, rng.choice(maps), rng.choice(servers), at,
            None, replay, at + timedelta(minutes=20) if replay else None, None, None,
        ))
    out["matches_1v1"] = (
        ("id", "player_1_discord_uid", "player_2_discord_uid", "player_1_race", "player_2_race",
         "player_1_mmr", "player_2_mmr", "player_1_report", "player_2_report", "match_result",
         "mmr_change", "map_played", "server_used", "played_at", "updated_at", "player_1_replay_path",
         "player_1_replay_time", "player_2_replay_path", "player_2_replay_time"),
        m_rows,
    )
    p_rows = []
    for i, uid in enumerate(uids):
        state = "idle"
        if i % 3 == 1:
            state = "queueing"
        elif i % 3 == 2:
            state = f"in_match:{rng.choice(open_ids) if rng.random() < 0.01 else rng.randint(1, matches)}"
        created = start - timedelta(days=rng.randint(1, 100))
        p_rows.append((
            i + 1, uid, f"user{i}", f"Player{i}", f"Player{i}#{1000 + i % 9000}", None, None,
            rng.choice(countries), rng.choice(regions), True, created, True, created, None, created,
            created, rng.randint(0, 3), state, False, bool(i % 2),
        ))
    out["players"] = (
        ("id", "discord_uid", "discord_username", "player_name", "battletag", "alt_player_name_1",
         "alt_player_name_2", "country", "region", "accepted_tos", "accepted_tos_date", "completed_setup",
         "completed_setup_date", "activation_code", "created_at", "updated_at", "remaining_aborts",
         "player_state", "is_banned", "read_quick_start_guide"),
        p_rows,
    )
    out["mmrs_1v1"] = (
        ("id", "discord_uid", "player_name", "race", "mmr", "games_played", "games_won", "games_lost",
         "games_drawn", "last_played"),
        [(2 * i + k + 1, uid, f"Player{i}", RACES[i % 3] if k == 0 else RACES[3 + i % 3],
          rng.randint(1100, 1900), 20, 10, 9, 1, NOW - timedelta(days=rng.randint(0, 60)))
         for i, uid in enumerate(uids) for k in (0, 1)],
    )
    out["preferences_1v1"] = (
        ("id", "discord_uid", "last_chosen_races", "last_chosen_vetoes"),
        [(i + 1, uid, json.dumps([RACES[i % 3], RACES[3 + i % 3]]), json.dumps(rng.sample(maps, 2)))
         for i, uid in enumerate(uids)],
    )
    out["player_action_logs"] = (
        ("id", "discord_uid", "player_name", "setting_name", "old_value", "new_value", "changed_at",
         "changed_by"),
        [(i + 1, uids[i % players], f"Player{i % players}", "country", "US", "KR",
          start + timedelta(seconds=i), "player") for i in range(2 * players)],
    )
    out["command_calls"] = (
        ("id", "discord_uid", "player_name", "command", "called_at"),
        [(i + 1, uids[i % players], f"user{i % players}", "profile", start + timedelta(seconds=30 * i))
         for i in range(5 * players)],
    )
    out["replays"] = (
        ("id", "replay_path", "replay_hash", "replay_date", "player_1_name", "player_2_name",
         "player_1_race", "player_2_race", "result", "player_1_handle", "player_2_handle", "observers",
         "map_name", "duration", "game_privacy", "game_speed", "game_duration_setting",
         "locked_alliances", "cache_handles", "uploaded_at"),
        [(n + 1, r[15], f"{r[0]:020x}", r[13], "A", "B", r[3], r[4], 1, "2-S2-1-1", "2-S2-1-2", "[]",
          r[11], 900, "Normal", "Faster", "Infinite", "Yes", '["abc"]', r[16])
         for n, r in enumerate(row for row in m_rows if row[15] is not None)],
    )
    return out


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, bool):
        return int(value)
    return value


def write_sqlite_peer(path: Path, data: Rows) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(SQLITE_DDL)
    for table, (cols, rows) in data.items():
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        conn.executemany(sql, ([_sqlite_value(v) for v in r] for r in rows))
    conn.commit()
    conn.close()


async def write_postgres_peer(dsn: str, data: Rows) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(POSTGRES_DDL)
        for table, (cols, rows) in data.items():
            await conn.copy_records_to_table(table, records=rows, columns=list(cols))
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def timed_import(
    backend: str, pg_url: str | None, source: str
) -> tuple[float, float, float, ImportReport]:
    """(wall seconds, this process's CPU seconds, wall seconds of the re-run, report)."""
    async with fresh_database(backend, pg_url) as db:
        importer = PeerImport(db=db, clock=SystemClock(), game=load_game_data(), history=rebuild_history)
        peer = open_peer_source(source)
        try:
            t0, c0 = time.perf_counter(), time.process_time()
            report = await importer.run(peer)
            first, cpu = time.perf_counter() - t0, time.process_time() - c0
            t0 = time.perf_counter()
            again = await importer.run(peer)
            second = time.perf_counter() - t0
        finally:
            await peer.close()
        assert not again.changed, "the re-run wrote rows"
        return first, cpu, second, report


async def run(ctx: BenchContext) -> None:
    scale = 10 if ctx.quick else 1
    players, matches = 100_000 // scale, 1_000_000 // scale
    data = await asyncio.to_thread(dataset, players, matches)
    read = sum(len(rows) for _, rows in data.values())
    with tempfile.TemporaryDirectory() as tmp:
        peer_file = Path(tmp) / "evoladderbot.db"
        await asyncio.to_thread(write_sqlite_peer, peer_file, data)
        pairs: list[tuple[str, str, str]] = [("sqlite", "sqlite", str(peer_file))]
        admin: asyncpg.Connection | None = None
        name = f"peer_bench_{uuid.uuid4().hex[:8]}"
        if ctx.pg_url:
            base = make_url(ctx.pg_url).set(drivername="postgresql")
            admin = await asyncpg.connect(base.render_as_string(hide_password=False))
            await admin.execute(f'CREATE DATABASE "{name}"')
            peer_dsn = base.set(database=name).render_as_string(hide_password=False)
            await write_postgres_peer(peer_dsn, data)
            # The mixed pairs (SQLite file into PostgreSQL and back) run the same code on the
            # same two adapters; the tests cover them, the bench times the two plain ones.
            pairs.append(("postgres", "postgres", peer_dsn))
        del data
        try:
            for source_kind, target, spec in pairs:
                load = os.getloadavg()[0]
                first, cpu, second, report = await timed_import(target, ctx.pg_url, spec)
                params = {
                    "players": players, "matches": matches, "rows_read": read,
                    "rows_written": report.written, "rows_per_s": round(read / first),
                    "cpu_s": round(cpu, 1), "load_1m_before": round(load, 2),
                    "load_1m_after": round(os.getloadavg()[0], 2), "budget_s": 60,
                }
                ctx.record_value(f"import_evoladderbot_{source_kind}_to_{target}", "s", first, **params)
                ctx.record_value(f"import_evoladderbot_rerun_{source_kind}_to_{target}", "s", second,
                                 players=players, matches=matches, rows_written=0)
        finally:
            if admin is not None:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await admin.close()
