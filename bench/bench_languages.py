"""A translated command against the same command in English (DESIGN section 7: <= 1.1x).

Rows:

- ``bot_roundtrip_profile_en`` / ``bot_roundtrip_profile_ko``: /profile of a player whose stored
  language is English / Korean; ``bot_roundtrip_leaderboard_en`` / ``bot_roundtrip_leaderboard_ru``:
  /leaderboard of a player reading English / Russian. Round trips as in ``bench_bot`` (gateway
  sends INTERACTION_CREATE -> the server receives the reply), median and p99.
- ``bot_roundtrip_ratio_profile_ko`` = profile_ko / profile_en and
  ``bot_roundtrip_ratio_leaderboard_ru`` = leaderboard_ru / leaderboard_en, rows of the same run
  (budget 1.1x).

How: ``bench_bot``'s set-up (a seeded SQLite ladder, ``evoladder run`` as its own process in the
sandbox's attach mode); the four players are seeded alike, differing only in their language.
Commands are interleaved (en, ko, en, ru, ...), each after two unmeasured /pings, so a drift of the
machine's load affects both languages alike. ``EVOLADDER_BENCH_QUICK=1`` uses 10k players.

Run: ``python -m bench.harness bench_languages``.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from bench.bench_bot import Scale, bot_process, load, seed_ladder
from bench.harness import BenchContext
from evoladder.store.migrations import upgrade

BUDGET = 1.1
# (row, command, the player's language); the crowd's players are given these languages in turn
ROWS = (
    ("profile_en", "profile", "en"),
    ("profile_ko", "profile", "ko"),
    ("leaderboard_en", "leaderboard", "en"),
    ("leaderboard_ru", "leaderboard", "ru"),
)


async def run(ctx: BenchContext) -> None:
    scale = Scale(10_000, 200_000) if ctx.quick else Scale(100_000, 2_000_000)
    rounds = 100 if ctx.quick else 400
    with tempfile.TemporaryDirectory(prefix="evoladder-bench-lang-") as tmp:
        path = str(Path(tmp) / "ladder.db")
        url = f"sqlite+aiosqlite:///{path}"
        await asyncio.to_thread(upgrade, url)
        await asyncio.to_thread(seed_ladder, path, scale)
        history = 2 * scale.matches // scale.players
        languages = [language for _, _, language in ROWS]
        async with bot_process(url, players=len(ROWS), history=history, languages=languages) as (_, crowd):
            samples: dict[str, list[float]] = {row: [] for row, _, _ in ROWS}
            for i in range(rounds + 20):
                for (row, command, _), player in zip(ROWS, crowd, strict=True):
                    await player.slash("ping")
                    await player.slash("ping")
                    response = await player.slash(command)
                    assert response.embeds, response.content
                    if i >= 20:  # the first rounds warm the caches, as in bench_bot
                        samples[row].append(response.interaction.roundtrip or 0.0)
            params: dict[str, Any] = {"players": scale.players + len(ROWS), "matches": scale.matches}
            rows = {name: ctx.record(f"bot_roundtrip_{name}", "ms", values, **params, **load())
                    for name, values in samples.items()}
            for translated, english in (("profile_ko", "profile_en"), ("leaderboard_ru", "leaderboard_en")):
                ctx.record_value(
                    f"bot_roundtrip_ratio_{translated}", "x", rows[translated].median / rows[english].median,
                    budget=BUDGET, english_ms=round(rows[english].median, 3),
                    translated_ms=round(rows[translated].median, 3),
                )
