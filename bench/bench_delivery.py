"""A big wave's DMs under Discord's realistic limits, through the local Discord server.

``delivery_wave_1000_last_dm``: 1,000 queued players (500 matches) are paired by one wave; the row
is the time from the wave's start to the last "match found" message created on the local server,
which enforces Discord's realistic limits (50 requests/s globally, 5 messages per 5 s per channel).
Params: the floor the global limit sets (1,000 messages at 50/s = 20 s) and the ratio to it
(budget 1.2x, DESIGN section 7), channel-creation requests made (0: every DM channel id is
remembered), 429s met, and every player's effective window: from the moment their message was
created on the server to their own confirmation deadline (min / median / max; it must be the
full 60 s for everyone, the last DMs of the wave included).

Players are seeded in the database as /setup and a /queue in their DMs leave them (the DM channel
id is learnt from that interaction), so the wave and its delivery are what is measured: the
set-up of ``tests/e2e/test_wave_delivery.py``, shared through ``tests/queuedcrowd.py``. Each
repetition is a fresh local server and bot (about 30 s each).
"""

from __future__ import annotations

import logging
import statistics
import time
from typing import Any

from tests.queuedcrowd import queued_crowd

from bench.harness import BenchContext
from evoladder.sandbox.ladder import Sandbox
from evoladder.sandbox.ratelimit import RateLimitConfig
from evoladder.services.ports import SystemClock

QUEUED = 1_000
GLOBAL_PER_SECOND = 50


async def run(ctx: BenchContext) -> None:
    logging.getLogger("discord").setLevel(logging.ERROR)
    logging.getLogger("evoladder").setLevel(logging.ERROR)
    reps = 1 if ctx.quick else 3
    samples: list[float] = []
    windows: list[float] = []
    created = limited = 0
    for _ in range(reps):
        last, effective, made, hit = await _one_wave()
        samples.append(last)
        windows += effective
        created += made
        limited += hit
    floor = QUEUED / GLOBAL_PER_SECOND
    ctx.record(
        f"delivery_wave_{QUEUED}_last_dm", "s", samples,
        queued=QUEUED, messages=QUEUED, floor_s=floor,
        ratio_to_floor=round(statistics.median(samples) / floor, 3), budget_ratio=1.2,
        channel_creations=created, rate_limited_429=limited,
        window_min_s=round(min(windows), 3), window_median_s=round(statistics.median(windows), 3),
        window_max_s=round(max(windows), 3),
    )


async def _one_wave() -> tuple[float, list[float], int, int]:
    async with Sandbox(rate_limits=RateLimitConfig.realistic(), background=False) as sandbox:
        people = await queued_crowd(sandbox, QUEUED, SystemClock().now())
        ladder = sandbox.ladder
        deps = ladder.deps
        made: list[object] = []
        create_dm = ladder.bot.create_dm

        async def counting(user: Any) -> Any:
            made.append(user)
            return await create_dm(user)

        ladder.bot.create_dm = counting  # type: ignore[method-assign]
        started = time.time()
        report = await deps.matchmaker.run_wave()
        assert len(report.match_ids) == QUEUED // 2
        await deps.matches.outbox.settled()
        by_uid = {p.id: p for p in people}
        last = 0.0
        effective: list[float] = []
        for match_id in report.match_ids:
            match = await deps.matches.get(match_id)
            for slot in (1, 2):
                deadline = match.confirm_deadline_of(slot)
                assert deadline is not None
                (card,) = [m for m in by_uid[match.player(slot)].dms if m.embeds]
                last = max(last, card.created_at)
                effective.append(deadline.timestamp() - card.created_at)
        return last - started, effective, len(made), deps.outbound.stats.retried

