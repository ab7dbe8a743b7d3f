"""The web as the bot process serves it, at 100k players and 2M matches (DESIGN section 7).

Rows:

- ``web_leaderboard_page``, ``web_player_page``, ``web_match_page``, ``web_api_leaderboard``:
  server time of one request (the ``Server-Timing`` header the web sets: from the request
  entering the middleware to the response being ready), median and p99, requests made one at a
  time from this process. The URLs vary so the page cache is mostly missed (the price of a page
  after the ladder changed): the board and its JSON take a random filter set (race, country,
  letter, best-only) and a random page; the player page is one player with 3,000 matches on a
  random page of their matches; the match page a random match of the 2M.
  ``web_player_page_miss``: the same player's page at a random cursor (``?before=<match id>``),
  a page the cache has never seen, so every request is a miss (the price after the player's
  ratings moved); the random pages of ``web_player_page`` are mostly hits after the first pass.
- ``web_<row>_rps``: requests per second that ``bench.webload``, a separate process with 16
  concurrent clients, got from the bot process over ``SECONDS`` seconds on the same URL mix.
- ``bot_roundtrip_{profile,leaderboard}_under_web_load``: a virtual player's /profile and
  /leaderboard round trips while the load generator (its own process) saturates the web (the
  leaderboard and player-page mix), and ``bot_roundtrip_ratio_{profile,leaderboard}_under_web_load``:
  their medians over the /ping (no-op) median measured without load in the same rounds (budget
  1.5x); the rounds' own ratios are in the params to show the spread, with the generator's own
  CPU share. ``bot_roundtrip_noop_under_web_load``: the /ping taken before each loaded command,
  to see what the load adds to any interaction. The same rows ``..._under_cpu_load`` (no web
  traffic, one CPU-bound process beside the bot: the control) say how much of a slowdown is the
  machine's second core being busy rather than the web (``under_load``'s docstring). The web runs
  with its production admission (``evoladder.web.admission``: global rate, the bot first); only
  the per-client limit is lifted, since the generator is one client.

How: the database is seeded as ``bench_bot`` does (multi-row INSERTs; one extra player with 3,000
matches), ``evoladder run`` runs as its own process attached to the local Discord server, with
its web on a free port and the rate limit lifted. ``EVOLADDER_BENCH_QUICK=1``: 10k / 200k.

Run: ``scripts/bench.sh bench_web``.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import socket
import sqlite3
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bench.bench_bot import UID0, Scale, bot_process, load, seed_ladder
from bench.harness import BenchContext
from evoladder.game import load_game_data
from evoladder.store.migrations import upgrade

SECONDS = 10.0
CONCURRENCY = 16
ROUNDS = 5  # interleaved unloaded/loaded rounds of the bot-under-web-load row
COUNTRIES = ("KR", "US", "DE", "CN", "RU", "FR", "PL", "BR", "SE", "UA")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def board_urls(rng: random.Random, n: int, pages: int, api: bool) -> list[str]:
    races = list(load_game_data().races)
    out = []
    for _ in range(n):
        query: list[tuple[str, str]] = []
        if rng.random() < 0.6:
            query += [("race", r) for r in rng.sample(races, rng.randint(1, 3))]
        if rng.random() < 0.5:
            query += [("country", c) for c in rng.sample(COUNTRIES, rng.randint(1, 2))]
        if rng.random() < 0.2:
            query.append(("letter", rng.choice("ABCDE")))
        if rng.random() < 0.3:
            query.append(("best", "1"))
        deep = pages if not query else max(1, pages // 20)
        query.append(("page", str(rng.randint(1, deep))))
        out.append(("/api/v1/leaderboard?" if api else "/leaderboard?") + urlencode(query))
    return out


async def server_times(session: aiohttp.ClientSession, base: str, paths: Sequence[str]) -> list[float]:
    """Seconds of server time per request (``Server-Timing: app;dur=<ms>``)."""
    out = []
    for path in paths:
        async with session.get(base + path) as response:
            await response.read()
            assert response.status == 200, (path, response.status)
            timing = response.headers["Server-Timing"]
            out.append(float(timing.split("dur=")[1]) / 1000)
    return out


async def webload(
    base: str, paths: Sequence[str], seconds: float = SECONDS, stop: asyncio.Event | None = None
) -> dict[str, Any]:
    """Run ``bench.webload`` for ``seconds``, or until ``stop`` is set (it then reports early)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.webload", str(seconds), str(CONCURRENCY), *[base + p for p in paths],
        stdout=asyncio.subprocess.PIPE,
    )
    reading = asyncio.ensure_future(proc.communicate())
    if stop is not None:
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait([reading, stopping], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not reading.done():
            proc.send_signal(signal.SIGTERM)
    out, _ = await reading
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


HISTORY_FROM_MATCHES = """
INSERT INTO rating_history_1v1
    (discord_uid, race, season_id, kind, match_id, rating_before, rating_after, expected, at)
SELECT :uid,
       CASE WHEN player_1_discord_uid = :uid THEN player_1_race ELSE player_2_race END,
       (SELECT min(id) FROM seasons), 'match', id,
       CASE WHEN player_1_discord_uid = :uid THEN player_1_mmr ELSE player_2_mmr END,
       CASE WHEN player_1_discord_uid = :uid THEN player_1_mmr + coalesce(mmr_change, 0)
            ELSE player_2_mmr - coalesce(mmr_change, 0) END,
       0.5, played_at
FROM matches_1v1 WHERE player_1_discord_uid = :uid OR player_2_discord_uid = :uid ORDER BY played_at
"""


def seed_history(path: str, discord_uid: int) -> int:
    """The rating history of ``discord_uid`` from their seeded matches, one row a match: the chart
    of the player page reads these rows (``seed_players`` writes matches only, and the history's
    backfill ran with the migrations, before the seed). Returns the rows written."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            written = conn.execute(HISTORY_FROM_MATCHES, {"uid": discord_uid}).rowcount
    finally:
        conn.close()
    return int(written)


def ids_of(path: str, discord_uid: int) -> tuple[int, int]:
    """(the ladder id of ``discord_uid``, the highest match id)."""
    conn = sqlite3.connect(path)
    try:
        (ladder_id,) = conn.execute("SELECT id FROM players WHERE discord_uid = ?", (discord_uid,)).fetchone()
        (top,) = conn.execute("SELECT max(id) FROM matches_1v1").fetchone()
    finally:
        conn.close()
    return int(ladder_id), int(top)


def match_span(path: str, discord_uid: int) -> tuple[int, int]:
    """The lowest and highest id of ``discord_uid``'s matches (their cursors give full pages)."""
    conn = sqlite3.connect(path)
    try:
        low, high = conn.execute(
            "SELECT min(id), max(id) FROM matches_1v1"
            " WHERE player_1_discord_uid = ? OR player_2_discord_uid = ?",
            (discord_uid, discord_uid),
        ).fetchone()
    finally:
        conn.close()
    return int(low), int(high)


async def run(ctx: BenchContext) -> None:
    scale = Scale(10_000, 200_000) if ctx.quick else Scale(100_000, 2_000_000)
    with tempfile.TemporaryDirectory(prefix="evoladder-bench-web-") as tmp:
        path = str(Path(tmp) / "ladder.db")
        url = f"sqlite+aiosqlite:///{path}"
        await asyncio.to_thread(upgrade, url)
        seeded, size_mb = await asyncio.to_thread(seed_ladder, path, scale)
        print(f"  seeded {scale.players} players, {scale.matches} matches in {seeded:.1f} s "
              f"({size_mb:.0f} MB)", flush=True)
        port = free_port()
        env = {"EVOLADDER_WEB_PORT": str(port), "EVOLADDER_WEB_RATE_PER_SECOND": "1000000000",
               "EVOLADDER_WEB_RATE_BURST": "1000000000"}
        async with bot_process(url, players=2, history=3000, env=env) as (_started, crowd):
            base = f"http://127.0.0.1:{port}"
            ladder_id, top_match = ids_of(path, crowd[0].id)
            params = {"players": scale.players, "matches": scale.matches, "db_mb": round(size_mb)}
            span = match_span(path, crowd[0].id)
            await measure(ctx, base, ladder_id, top_match, span, 2 * scale.players // 40, params)
            await under_load(ctx, base, crowd[1], ladder_id, 2 * scale.players // 40, params)


async def measure(
    ctx: BenchContext, base: str, ladder_id: int, top_match: int, span: tuple[int, int], pages: int,
    params: dict[str, Any],
) -> None:
    rng = random.Random(7)
    n = 100 if ctx.quick else 400
    rows: dict[str, Callable[[int], list[str]]] = {
        "web_leaderboard_page": lambda k: board_urls(rng, k, pages, api=False),
        "web_api_leaderboard": lambda k: board_urls(rng, k, pages, api=True),
        "web_player_page": lambda k: [f"/players/{ladder_id}?page={rng.randint(1, 150)}" for _ in range(k)],
        "web_match_page": lambda k: [f"/matches/{rng.randint(1, top_match)}" for _ in range(k)],
        # Every request a page nobody asked for before (a random cursor): the page cache always
        # misses, which the random pages above hide (150 pages, mostly kept after the first pass).
        "web_player_page_miss": lambda k: [
            f"/players/{ladder_id}?before={rng.randint(span[0] + 20, span[1])}" for _ in range(k)],
    }
    async with aiohttp.ClientSession() as session:
        for name, urls in rows.items():
            await server_times(session, base, urls(20))  # warm the statements and templates
            samples = await server_times(session, base, urls(n))
            ctx.record(name, "ms", samples, budget_ms=2.0, **params, **load())
            loaded = await webload(base, urls(400))
            ctx.record_value(f"{name}_rps", "/s", float(loaded["rps"]), budget=500,
                             concurrency=CONCURRENCY, seconds=loaded["seconds"],
                             statuses=json.dumps(loaded["statuses"]), **params, **load())


LOADS = {  # what loads the machine during the loaded samples: the web generator, or a CPU burner
    "web_load": "generator",
    "cpu_load": "burner",
}
COMMANDS = ("profile", "leaderboard")


async def under_load(
    ctx: BenchContext, base: str, player: Any, ladder_id: int, pages: int, params: dict[str, Any]
) -> None:
    """The bot's round trips with and without load, in ``ROUNDS`` interleaved rounds.

    One run of "the reference, then the load, then the reference" moved by more than the
    budget's margin from run to run: the machine's state drifts over a minute. Each round takes
    its own unloaded /ping reference and then the loaded samples of each load of ``LOADS`` in
    turn (a /ping, /profile, a /ping, /leaderboard, until ``per_round`` of each), so every
    ratio compares samples seconds apart. A row's ratio is the median of its loaded samples over
    the median of all reference /pings; the rounds' own ratios (min, median, max) are in its
    params to show the spread.

    The loads: ``web_load`` is the budget's (the site saturated by ``bench.webload``, which is
    lean so that its own CPU does not stand in for the web's: see its docstring); ``cpu_load``
    no web traffic at all but one CPU-bound process beside the bot: the control that shows how
    much a busy second core slows the round trips by itself (the machine, not the web on the
    bot's loop).
    """
    n = 50 if ctx.quick else 200
    per_round = max(1, n // ROUNDS)
    for _ in range(20):
        await player.slash("profile")
        await player.slash("leaderboard")
    rng = random.Random(9)
    mix = board_urls(rng, 200, pages, api=False) + [f"/players/{ladder_id}?page={i}" for i in range(1, 151)]
    rng.shuffle(mix)

    async def noop() -> float:
        await player.slash("ping")
        return (await player.slash("ping")).interaction.roundtrip or 0.0

    reference: list[float] = []
    runs = {name: LoadedRuns() for name in LOADS}
    for _ in range(ROUNDS):
        unloaded = [await noop() for _ in range(per_round)]
        reference += unloaded
        for name, kind in LOADS.items():
            await loaded_round(runs[name], player, base, mix, kind, per_round, statistics.median(unloaded))
    noop_median = statistics.median(reference) * 1000
    for name, run in runs.items():
        extra = {"web_rps": round(statistics.median(run.served), 1), "web_statuses": json.dumps(run.statuses),
                 "generator_cpu_share": round(statistics.median(run.generator_cpu), 3)} if run.served else {}
        budget = {"budget": 1.5} if name == "web_load" else {}
        ctx.record(f"bot_roundtrip_noop_under_{name}", "ms", run.pings, **extra, **params, **load())
        for command in COMMANDS:
            row = ctx.record(f"bot_roundtrip_{command}_under_{name}", "ms", run.samples[command],
                             **extra, **params, **load())
            ratios = run.ratios[command]
            ctx.record_value(
                f"bot_roundtrip_ratio_{command}_under_{name}", "x", row.median / noop_median, **budget,
                noop_ms=round(noop_median, 3), median_ms=round(row.median, 3), rounds=ROUNDS,
                round_ratio_min=round(min(ratios), 3), round_ratio_median=round(statistics.median(ratios), 3),
                round_ratio_max=round(max(ratios), 3), **extra,
            )


class LoadedRuns:
    """The loaded samples of one kind of load over the rounds."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {command: [] for command in COMMANDS}
        self.ratios: dict[str, list[float]] = {command: [] for command in COMMANDS}
        self.pings: list[float] = []
        self.served: list[float] = []
        self.generator_cpu: list[float] = []  # the generator's CPU seconds per second of its run
        self.statuses: dict[str, int] = {}


async def loaded_round(
    runs: LoadedRuns, player: Any, base: str, mix: list[str], kind: str, per_round: int, reference: float,
) -> None:
    """One round's samples of every command under one load (started, warmed up, stopped)."""
    stop = asyncio.Event()
    generator = (asyncio.ensure_future(webload(base, mix, seconds=60.0, stop=stop))
                 if kind == "generator" else None)
    spinner = (await asyncio.create_subprocess_exec(sys.executable, "-c", "while True: pass")
               if kind == "burner" else None)
    await asyncio.sleep(1.0)  # the load is up (the generator saturating) before the first sample
    loaded: dict[str, list[float]] = {command: [] for command in COMMANDS}
    try:
        while len(loaded[COMMANDS[-1]]) < per_round and not (generator is not None and generator.done()):
            for command in COMMANDS:
                runs.pings.append((await player.slash("ping")).interaction.roundtrip or 0.0)
                response = await player.slash(command)
                assert response.embeds, response.content
                loaded[command].append(response.interaction.roundtrip or 0.0)
    finally:
        stop.set()
        if spinner is not None:
            spinner.kill()
            await spinner.wait()
        result = await generator if generator is not None else None
    for command, samples in loaded.items():
        runs.samples[command] += samples
        runs.ratios[command].append(statistics.median(samples) / reference)
    if result is not None:
        runs.served.append(float(result["rps"]))
        runs.generator_cpu.append(float(result["cpu_s"]) / float(result["seconds"]))
        for status, count in result["statuses"].items():
            runs.statuses[status] = runs.statuses.get(status, 0) + count


__all__ = ["UID0", "run"]
