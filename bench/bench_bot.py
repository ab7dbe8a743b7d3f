"""The bot as players meet it: round trips through the local Discord server, and start-up.

Rows (the bot-side budgets of DESIGN section 7):

- ``bot_roundtrip_noop`` / ``_profile`` / ``_leaderboard`` / ``_leaderboard_filtered``: a virtual
  player's slash command, timed from the gateway sending INTERACTION_CREATE to the server
  receiving the bot's reply (``Interaction.roundtrip``), median and p99. ``noop`` is /ping (the
  wrapper with no guard and no service call); the others are the real commands over 100k players.
- ``bot_roundtrip_ratio_profile`` / ``_leaderboard``: median over noop median (budget <= 1.5x).
- ``bot_roundtrip_profile_first_view``: a player's first /profile, its statistics not yet in the
  bot's memory (the steady-state row above is one player's repeated views, served from memory).
- ``bot_roundtrip_leaderboard_random_page``: a random page each time, which no cache has seen
  (the steady-state rows above show one page again and again).
- ``bot_sustained_interactions_per_s``: many virtual players at once, each running /ping,
  /profile and /leaderboard back to back; completed interactions per second, with the round
  trip's p99 in the params and its distribution in ``bot_sustained_roundtrip``.
- ``startup_ready_100k_players_2m_matches_sqlite``: ``evoladder run`` started as a process on a
  SQLite file with 100k players (two rated races each) and 2M final matches, until it answered
  its first /ping; the process's RSS at that moment is ``startup_rss_100k_players_2m_matches_mb``.

How: the database is a migrated SQLite file filled with multi-row INSERTs through the stdlib
driver (seconds, not minutes). The bot always runs as its own process (``evoladder run`` in the
sandbox's attach mode), so its CPU, event loop and RSS are its own and the server's and players'
work does not sit on its loop. Commands are interleaved (noop, profile, leaderboard, ...) so a
drift of the machine's load affects every row alike. ``EVOLADDER_BENCH_QUICK=1`` uses 10k
players and 200k matches.

Run: ``scripts/bench.sh bench_bot`` (or ``python -m bench.harness bench_bot``). To see where a
command's time goes bot-side: ``EVOLADDER_BENCH_BOT_LOG_LEVEL=INFO`` keeps the flow-timing lines
and ``EVOLADDER_BENCH_BOT_KEEP_LOG=/tmp/bot`` leaves each bot's log as ``/tmp/bot-<ns>.log``. With
``EVOLADDER_BENCH_BOT_PROFILE=/tmp/bot`` each bot process runs under cProfile and leaves
``/tmp/bot-<ns>.prof`` (the figures of such a run are not comparable).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.harness import BenchContext
from evoladder.domain.players import month_key
from evoladder.game import load_game_data
from evoladder.i18n.text import help as help_text
from evoladder.sandbox import BucketRule, RateLimitConfig, VirtualPlayer
from evoladder.sandbox.ladder import Sandbox
from evoladder.store.migrations import upgrade

NOW = datetime.now(UTC).replace(microsecond=0)
UID0 = 200_000_000_000_000_000
SQLITE_MAX_VARIABLES = 32_766  # SQLite >= 3.32
BIG = ("KR", "US", "DE", "CN", "RU", "FR", "PL", "BR", "SE", "UA")
FILTERED = {"race": "bw_zerg", "country": "KR"}  # /leaderboard race:bw_zerg country:KR

PLAYER_COLUMNS = (
    "discord_uid", "discord_username", "main_id", "battletag", "alt_ids", "country", "region",
    "terms_accepted_at", "completed_setup_date", "is_banned", "aborts_left", "aborts_period", "state",
    "created_at", "updated_at", "version",
)
MMR_COLUMNS = (
    "discord_uid", "race", "mmr", "games_played", "games_won", "games_lost", "games_drawn", "last_played",
)
MATCH_COLUMNS = (
    "player_1_discord_uid", "player_2_discord_uid", "player_1_race", "player_2_race", "player_1_mmr",
    "player_2_mmr", "player_1_report", "player_2_report", "match_result", "mmr_change", "map_played",
    "server_choice", "status", "played_at", "confirmed_at", "finalized_at", "version",
)


def ts(moment: datetime) -> str:
    """SQLite's storage form of a ``UTCDateTime`` (naive UTC text)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


# --- the data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    players: int
    matches: int

    @property
    def name(self) -> str:
        def short(n: int) -> str:
            return f"{n // 1_000_000}m" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"

        return f"{short(self.players)}_players_{short(self.matches)}_matches"


class Seeder:
    """Rows for the ladder's tables, generated reproducibly and written with multi-row INSERTs."""

    def __init__(self, seed: int = 11) -> None:
        game = load_game_data()
        self.rng = random.Random(seed)
        self.bw = [r.code for r in game.races.values() if r.code.startswith("bw_")]
        self.sc2 = [r.code for r in game.races.values() if r.code.startswith("sc2_")]
        self.countries = list(game.countries)
        self.regions = list(game.regions)
        self.maps = [m.name for m in game.season.maps]
        self.setup = ts(NOW - timedelta(days=90))

    def player(self, uid: int, name: str) -> tuple[Any, ...]:
        rng = self.rng
        country = rng.choice(BIG) if rng.random() < 0.6 else rng.choice(self.countries)
        main_id = "".join(c for c in name if c.isalpha())[:12].ljust(3, "x")
        return (uid, name, main_id, f"{main_id}#{1000 + uid % 9000}", "[]", country, rng.choice(self.regions),
                self.setup, self.setup, 0, 3, month_key(NOW), "idle", self.setup, self.setup, 1)

    def ratings(self, uid: int) -> list[tuple[Any, ...]]:
        """Two rated races (one per game), played in the last 13 days: every row is ranked."""
        rows = []
        for race in (self.rng.choice(self.bw), self.rng.choice(self.sc2)):
            games = self.rng.randint(1, 80)
            won = self.rng.randint(0, games)
            last = ts(NOW - timedelta(seconds=self.rng.uniform(60, 13 * 86400)))
            rows.append((uid, race, int(self.rng.gauss(1500, 200)), games, won, games - won, 0, last))
        return rows

    def matches(self, uids: Sequence[int], n: int) -> Iterator[tuple[Any, ...]]:
        """``n`` final matches between random players of ``uids`` over the last 120 days."""
        for _ in range(n):
            a = uids[self.rng.randrange(len(uids))]
            b = a
            while b == a:
                b = uids[self.rng.randrange(len(uids))]
            yield self.match(a, b)

    def history(self, uid: int, opponents: Sequence[int], n: int) -> Iterator[tuple[Any, ...]]:
        """``n`` matches of ``uid`` (player 1 or 2 at random) against ``opponents``."""
        for _ in range(n):
            other = opponents[self.rng.randrange(len(opponents))]
            yield self.match(uid, other) if self.rng.random() < 0.5 else self.match(other, uid)

    def match(self, a: int, b: int) -> tuple[Any, ...]:
        rng = self.rng
        played = NOW - timedelta(seconds=rng.uniform(60, 120 * 86400))
        result = rng.choice((0, 1, 1, 1, 2, 2, 2))
        change = rng.randint(5, 35) * (1 if result == 1 else -1 if result == 2 else 0)
        at = ts(played)
        return (a, b, rng.choice(self.bw), rng.choice(self.sc2), rng.randint(1100, 1900),
                rng.randint(1100, 1900), result, result, result, change, rng.choice(self.maps), "EUW",
                "final", at, at, ts(played + timedelta(minutes=25)), 1)


def insert_rows(
    conn: sqlite3.Connection, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> int:
    """Multi-row INSERTs (as many rows per statement as SQLite's variable limit allows)."""
    per = SQLITE_MAX_VARIABLES // len(columns)
    one = "(" + ",".join("?" * len(columns)) + ")"
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    full = head + ",".join([one] * per)
    batch: list[Any] = []
    count = 0
    for row in rows:
        batch.extend(row)
        count += 1
        if count % per == 0:
            conn.execute(full, batch)
            batch = []
    left = len(batch) // len(columns)
    if left:
        conn.execute(head + ",".join([one] * left), batch)
    return count


def seed_ladder(path: str, scale: Scale) -> tuple[float, float]:
    """Fill a migrated database with ``scale`` (synthetic players): (seconds taken, file MB)."""
    started = time.perf_counter()
    seeder = Seeder()
    uids = [UID0 + i for i in range(scale.players)]
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")
    with conn:
        insert_rows(conn, "players", PLAYER_COLUMNS, (seeder.player(u, f"user{u - UID0}") for u in uids))
        insert_rows(conn, "mmrs_1v1", MMR_COLUMNS, (row for uid in uids for row in seeder.ratings(uid)))
        insert_rows(conn, "matches_1v1", MATCH_COLUMNS, seeder.matches(uids, scale.matches))
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - started, Path(path).stat().st_size / 2**20


def seed_players(
    path: str, players: Sequence[VirtualPlayer], history: int, languages: Sequence[str] = ()
) -> None:
    """The bench's virtual players as registered, rated players with ``history`` matches each;
    with ``languages``, player i reads ``languages[i % len(languages)]`` (bench_languages)."""
    seeder = Seeder(seed=len(players))
    opponents = [UID0 + i for i in range(1000)]
    conn = sqlite3.connect(path)
    with conn:
        insert_rows(conn, "players", PLAYER_COLUMNS, (seeder.player(p.id, p.name) for p in players))
        insert_rows(conn, "mmrs_1v1", MMR_COLUMNS, (row for p in players for row in seeder.ratings(p.id)))
        insert_rows(conn, "matches_1v1", MATCH_COLUMNS,
                    (row for p in players for row in seeder.history(p.id, opponents, history)))
        if languages:
            conn.executemany("UPDATE players SET language = ? WHERE discord_uid = ?",
                             [(languages[i % len(languages)], p.id) for i, p in enumerate(players)])
    conn.close()


# --- the bot as a process --------------------------------------------------------------------------


def _environment(extra: dict[str, str]) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH", "TMPDIR")}
    # EVOLADDER_BENCH_BOT_LOG_LEVEL=INFO keeps the flow-timing lines (where a command's time goes,
    # bot-side); the figures of such a run pay for the logging.
    level = os.environ.get("EVOLADDER_BENCH_BOT_LOG_LEVEL", "WARNING")
    return {**keep, **extra, "EVOLADDER_LOG_LEVEL": level, "EVOLADDER_LOG_FORMAT": "json"}


def _profiler() -> list[str]:
    """``-m cProfile -o FILE`` when EVOLADDER_BENCH_BOT_PROFILE names a file prefix (to find where
    a row's time goes: ``python -m pstats FILE``); the figures are then not the bot's own."""
    prefix = os.environ.get("EVOLADDER_BENCH_BOT_PROFILE")
    if not prefix:
        return []
    return ["-m", "cProfile", "-o", f"{prefix}-{time.time_ns()}.prof"]


def rss_mb(pid: int) -> tuple[float, float]:
    """Resident set size now and at its peak (VmHWM), in MB, of process ``pid``."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def cpu_s(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Started:
    sandbox: Sandbox
    process: asyncio.subprocess.Process
    ready_s: float
    connected_s: float
    log_path: Path  # the bot's stdout and stderr (deleted with the run)


@asynccontextmanager
async def bot_process(
    url: str, players: int = 0, history: int = 0, env: dict[str, str] | None = None,
    languages: Sequence[str] = (),
) -> Any:
    """The local server (attach mode) and ``evoladder run`` on ``url``, ready: it answered /ping.

    ``players`` virtual players are created and seeded into the database before the bot starts
    (so its read models know them), each with ``history`` matches of their own. ``env`` adds
    settings of the bot process (the web bench gives its web a port).
    """
    generous = RateLimitConfig(default=BucketRule(1_000_000, 1.0))
    async with Sandbox(start_bot=False, database_url=url, rate_limits=generous, response_timeout=60) as sb:
        crowd = [sb.player(f"bench{i}") for i in range(players)]
        if crowd:
            await asyncio.to_thread(
                seed_players, url.removeprefix("sqlite+aiosqlite:///"), crowd, history, languages
            )
        with tempfile.TemporaryDirectory() as cwd:  # no stray .env is read
            # The bot's log goes to a file: a pipe nobody reads would block it once full.
            log_path = Path(cwd) / "bot.log"
            with log_path.open("wb") as log_file:
                started = time.perf_counter()
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, *_profiler(), "-m", "evoladder", "run",
                    env=_environment({**sb.env(), **(env or {})}),
                    cwd=cwd, stdout=log_file, stderr=log_file,
                )
            try:
                await sb.discord.wait_connected(within=300)
                connected = time.perf_counter() - started
                await sb.discord.wait_commands("ping", "profile", "leaderboard", within=60)
                probe = crowd[0] if crowd else sb.player("probe")
                answer = await probe.slash("ping")
                assert answer.content == help_text.PING_REPLY, answer.content
                ready = time.perf_counter() - started
                yield Started(sb, proc, ready, connected, log_path), crowd
            finally:
                if proc.returncode is None:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        await asyncio.wait_for(proc.wait(), 60)
                    except TimeoutError:
                        proc.kill()
                        await proc.wait()
                keep = os.environ.get("EVOLADDER_BENCH_BOT_KEEP_LOG")
                if keep:  # a file name prefix: the bot's log survives the run there
                    shutil.copyfile(log_path, f"{keep}-{time.time_ns()}.log")
                if proc.returncode != 0:
                    tail = log_path.read_text(errors="replace")[-3000:]
                    print(f"  evoladder run exited {proc.returncode}; its log ends with:\n{tail}", flush=True)
        assert not sb.discord.violations, sb.discord.violations.describe()


# --- rows ------------------------------------------------------------------------------------------


def load() -> dict[str, float]:
    """The machine's 1-minute load average when a row was taken (2 CPUs: above 2 means contention)."""
    return {"load_1m": round(os.getloadavg()[0], 2)}


async def run(ctx: BenchContext) -> None:
    scale = Scale(10_000, 200_000) if ctx.quick else Scale(100_000, 2_000_000)
    with tempfile.TemporaryDirectory(prefix="evoladder-bench-bot-") as tmp:
        path = str(Path(tmp) / "ladder.db")
        url = f"sqlite+aiosqlite:///{path}"
        await asyncio.to_thread(upgrade, url)
        seeded, size_mb = await asyncio.to_thread(seed_ladder, path, scale)
        print(f"  seeded {scale.players} players, {2 * scale.players} ratings, {scale.matches} matches "
              f"in {seeded:.1f} s ({size_mb:.0f} MB)", flush=True)
        await startup(ctx, url, scale, size_mb, runs=1 if ctx.quick else 3)
        await roundtrips(ctx, url, scale)


async def startup(ctx: BenchContext, url: str, scale: Scale, size_mb: float, runs: int) -> None:
    ready, connected, rss, peak = [], [], [], []
    for _ in range(runs):
        async with bot_process(url) as (started, _crowd):
            now, high = rss_mb(started.process.pid)
            ready.append(started.ready_s)
            connected.append(started.connected_s)
            rss.append(now)
            peak.append(high)
    params = {"players": scale.players, "ratings": 2 * scale.players, "matches": scale.matches,
              "db_mb": round(size_mb), "connected_s": round(statistics.median(connected), 2), **load()}
    ctx.record(f"startup_ready_{scale.name}_sqlite", "s", ready, **params,
               note="process start -> gateway connected, commands synced, first /ping answered")
    ctx.record_value(f"startup_rss_{scale.name}_mb", "MB", statistics.median(rss),
                     peak_mb=round(max(peak), 1), **params, note="VmRSS of the bot process when ready")


async def roundtrips(ctx: BenchContext, url: str, scale: Scale) -> None:
    crowd_size = 50 if ctx.quick else 200
    # As many matches each as the seeded average (2 players per match).
    history = 2 * scale.matches // scale.players
    async with bot_process(url, players=crowd_size, history=history) as (started, crowd):
        params = {"players": scale.players + crowd_size, "matches": scale.matches}
        await first_views(ctx, crowd[1:], params)
        await sequential(ctx, crowd[0], 100 if ctx.quick else 500, params)
        await random_pages(ctx, crowd[0], 100 if ctx.quick else 300, scale, params)
        await sustained(ctx, crowd, 5 if ctx.quick else 10, params, started.process.pid)
        now, high = rss_mb(started.process.pid)
        ctx.record_value("bot_rss_after_roundtrips_mb", "MB", now, peak_mb=round(high, 1), **params)


COMMANDS: dict[str, tuple[str, dict[str, Any]]] = {
    "noop": ("ping", {}),
    "profile": ("profile", {}),
    "leaderboard": ("leaderboard", {}),
    "leaderboard_filtered": ("leaderboard", FILTERED),
}


async def sequential(ctx: BenchContext, player: VirtualPlayer, n: int, params: dict[str, Any]) -> None:
    samples: dict[str, list[float]] = {k: [] for k in COMMANDS}
    deferred = dict.fromkeys(COMMANDS, 0)
    for i in range(n + 20):
        for key, (name, options) in COMMANDS.items():
            # Two unmeasured /pings first, so every sample starts from a settled bot: the work the
            # bot does after a board's reply (its HTTP answer, the server's MESSAGE_CREATE of the
            # 7 KB message, the flow's bookkeeping) otherwise lands on the next sample. One ping
            # was not enough: measured through one ping, a no-op after a board took 0.75 ms
            # against 0.52 ms after a no-op, and the filtered board (always after the plain one)
            # 0.25 ms more than the plain board, which costs the same bot-side. (BENCHMARKS.md)
            await player.slash("ping")
            await player.slash("ping")
            response = await player.slash(name, **options)
            if key != "noop":  # a real answer, not an error message
                assert response.embeds, response.content
            if i >= 20:  # the first rounds warm the player cache and the statements
                samples[key].append(response.interaction.roundtrip or 0.0)
                deferred[key] += response.type == 5
    rows = {
        key: ctx.record(f"bot_roundtrip_{key}", "ms", values, **params, deferred=deferred[key],
                        **({"filters": json.dumps(COMMANDS[key][1])} if COMMANDS[key][1] else {}), **load())
        for key, values in samples.items()
    }
    noop = rows["noop"].median
    for key in ("profile", "leaderboard", "leaderboard_filtered"):
        ctx.record_value(f"bot_roundtrip_ratio_{key}", "x", rows[key].median / noop, budget=1.5,
                         noop_ms=round(noop, 3), median_ms=round(rows[key].median, 3))


async def first_views(ctx: BenchContext, crowd: Sequence[VirtualPlayer], params: dict[str, Any]) -> None:
    """``bot_roundtrip_profile_first_view``: each player's first /profile, whose statistics are not
    in the bot's memory yet (one read over the player's ~40 matches of the 2M). The player record
    is (a /leaderboard before it warmed the guard's cache), and an unmeasured /ping settles the
    bot as in ``sequential``. Beside the steady-state row, this is the price of a cache miss."""
    samples = []
    for player in crowd:
        await player.slash("leaderboard")
        await player.slash("ping")
        response = await player.slash("profile")
        assert response.embeds, response.content
        samples.append(response.interaction.roundtrip or 0.0)
    ctx.record("bot_roundtrip_profile_first_view", "ms", samples, **params, **load())


async def random_pages(
    ctx: BenchContext, player: VirtualPlayer, n: int, scale: Scale, params: dict[str, Any]
) -> None:
    """``bot_roundtrip_leaderboard_random_page``: /leaderboard on a random page of the whole board
    each time, so neither the index's page cache nor the page-text cache has seen it (and most
    of its row lines are new): the price of a board after the ladder changed, beside the
    repeated top page of ``sequential``. Settled by two unmeasured /pings, as there."""
    rng = random.Random(5)
    pages = 2 * scale.players // 40
    samples = []
    for _ in range(n):
        await player.slash("ping")
        await player.slash("ping")
        response = await player.slash("leaderboard", page=rng.randint(1, pages))
        assert response.embeds, response.content
        samples.append(response.interaction.roundtrip or 0.0)
    ctx.record("bot_roundtrip_leaderboard_random_page", "ms", samples, pages=pages, **params, **load())


async def sustained(
    ctx: BenchContext, crowd: Sequence[VirtualPlayer], per_player: int, params: dict[str, Any], bot_pid: int
) -> None:
    """Every player of ``crowd`` at once, ``per_player`` commands each, back to back.

    The CPU seconds of the bot process and of this one (the local server and the players, which
    validate every reply against Discord's schema) are recorded beside the rate: on a 2-core
    machine they share the cores, and the params say which side was the limit.
    """
    roundtrips: list[float] = []
    names = list(COMMANDS.values())[:3]

    async def play(player: VirtualPlayer, offset: int) -> None:
        for i in range(per_player):
            name, options = names[(offset + i) % len(names)]
            response = await player.slash(name, **options)
            roundtrips.append(response.interaction.roundtrip or 0.0)

    # Each player's first command (a player-cache miss) is not the steady state.
    await asyncio.gather(*(player.slash("profile") for player in crowd))
    started = time.perf_counter()
    bot_cpu, own_cpu = cpu_s(bot_pid), time.process_time()
    await asyncio.gather(*(play(p, i) for i, p in enumerate(crowd)))
    elapsed = time.perf_counter() - started
    cpu = {
        "bot_cpu_s": round(cpu_s(bot_pid) - bot_cpu, 2),
        "server_cpu_s": round(time.process_time() - own_cpu, 2),
        "wall_s": round(elapsed, 2),
    }
    ctx.record("bot_sustained_roundtrip", "ms", roundtrips, concurrent_players=len(crowd), **params, **load())
    ordered = sorted(roundtrips)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    ctx.record_value("bot_sustained_interactions_per_s", "/s", len(roundtrips) / elapsed,
                     p99_ms=round(p99, 1), concurrent_players=len(crowd), interactions=len(roundtrips),
                     mix="ping/profile/leaderboard", **cpu, **params, **load())
