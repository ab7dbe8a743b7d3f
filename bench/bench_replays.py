"""Replay rows: parse per file through the worker pool, verification, throughput with 2 workers.

- ``replay_parse``: one file at a time through a warm 2-worker pool, so each sample is the full
  round trip a player's upload pays: bytes to the worker, sc2reader at load level 2, the JSON
  answer back and its decoding (the median over the 27 real files, many rounds).
- ``replay_verify``: the pure part after parsing, the mod verdict and the checklist of one
  two-player replay against its match.
- ``replay_throughput_2_workers``: replays per second when uploads arrive together (all files
  queued at once on a 2-worker pool); bounded by the CPUs as much as by the pool.

Needs ``../shared/replays`` (or ``EVOLADDER_SHARED_DIR``); without it the rows are skipped.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from bench.harness import BenchContext
from evoladder.domain.replays import MatchFacts, PlayerIds, mod_verdict, verify
from evoladder.game import load_game_data
from evoladder.game.replay_parse import ParsedReplay, RaceLookup
from evoladder.game.replay_pool import ReplayPool


def _replay_dir() -> Path | None:
    env = os.environ.get("EVOLADDER_SHARED_DIR")
    candidates = [Path(__file__).resolve().parents[1].parent / "shared"]
    if env:
        candidates.insert(0, Path(env))
    return next((c / "replays" for c in candidates if (c / "replays").is_dir()), None)


async def run(ctx: BenchContext) -> None:
    folder = _replay_dir()
    if folder is None:
        print("  replay rows skipped: ../shared/replays not found (set EVOLADDER_SHARED_DIR)")
        return
    files = [p.read_bytes() for p in sorted(folder.rglob("*.SC2Replay"))]
    data = load_game_data()
    rounds = 4 if ctx.quick else 20
    async with ReplayPool(RaceLookup(data.races.values()), workers=2) as pool:
        await asyncio.gather(*(pool.parse(f) for f in files))  # warm both workers
        samples = []
        for _ in range(rounds):
            for content in files:
                t0 = time.perf_counter()
                outcome = await pool.parse(content)
                samples.append(time.perf_counter() - t0)
                assert isinstance(outcome, ParsedReplay), outcome
        ctx.record("replay_parse", "ms", samples, files=len(files), workers=2)
        await _throughput(ctx, pool, files * rounds)
        game = await pool.parse((folder / "standard-1v1" / "Ocrucius_vs_Rairden_EverDream.SC2Replay")
                                .read_bytes())
    assert isinstance(game, ParsedReplay)
    facts = MatchFacts("sc2_zerg", "sc2_terran", game.map_name, game.start_time,
                       PlayerIds("Rairden"), PlayerIds("Ocrucius", ("JiaanN",)))

    def check() -> None:
        verify(game, facts, mod_verdict(game.cache_handles, data.mod))

    ctx.time_sync("replay_verify", "us", check, n=2_000 if ctx.quick else 20_000)


async def _throughput(ctx: BenchContext, pool: ReplayPool, batch: list[bytes]) -> None:
    t0 = time.perf_counter()
    outcomes = await asyncio.gather(*(pool.parse(f) for f in batch))
    elapsed = time.perf_counter() - t0
    assert all(isinstance(o, ParsedReplay) for o in outcomes)
    ctx.record_value("replay_throughput_2_workers", "replays/s", len(batch) / elapsed,
                     replays=len(batch), cpus=os.cpu_count())
