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

In-process rows, the bot-side work itself (CPU only, so a shared machine's scheduling affects
them far less than a round trip): ``render_profile_<lang>`` and ``render_leaderboard_<lang>``, the
renderers of /profile and of a /leaderboard page (embed and controls) over the same service
results, built anew on each call (the renderers are plain functions; the board is given an empty
store of renderings), so every text is looked up and formatted again: the worst case, since an
unchanged view is served from the service's renderings in any language, and their ratios
``render_ratio_profile_ko`` and ``render_ratio_leaderboard_ru``. The services come from the
composition root (``build_ladder``) over the seeded file; nothing connects to Discord.

Run: ``python -m bench.harness bench_languages``.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bench.bench_bot import UID0, Scale, bot_process, load, seed_ladder
from bench.harness import BenchContext
from evoladder.app import build_ladder
from evoladder.bot.components import leaderboard as board_components
from evoladder.bot.render import profile as profile_render
from evoladder.i18n import using
from evoladder.services.renderings import Renderings
from evoladder.settings import load_settings
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
        await renders(ctx, url, Path(tmp), 300 if ctx.quick else 2000)
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


async def renders(ctx: BenchContext, url: str, tmp: Path, n: int) -> None:
    """The renderers in English and in the translated language, interleaved, caches emptied."""
    settings = load_settings(database_url=url, discord_token=SecretStr("bench"),
                             replay_storage=str(tmp / "replays"))
    async with AsyncExitStack() as stack:
        ladder = await build_ladder(settings, stack, sync_commands=False)
        deps = ladder.deps
        game = deps.game
        profile = await deps.profiles.profile(UID0)
        state = board_components.BoardState(owner=UID0)
        view = state.query(deps.leaderboard)

        def render_profile() -> object:
            return profile_render.profile(profile, game)  # a plain function: nothing kept

        def render_board() -> object:
            # A fresh store of renderings each call, so the embed and controls are built anew.
            return board_components.board_reply(state, view, game, Renderings())

        cases: dict[str, tuple[Callable[[], object], str]] = {
            "profile": (render_profile, "ko"),
            "leaderboard": (render_board, "ru"),
        }
        for name, (render, translated) in cases.items():
            catalogs = {"en": deps.catalogs.get("en"), translated: deps.catalogs.get(translated)}
            samples: dict[str, list[float]] = {language: [] for language in catalogs}
            for i in range(n + 50):
                for language, catalog in catalogs.items():
                    with using(catalog):
                        started = time.perf_counter()
                        render()
                        elapsed = time.perf_counter() - started
                    if i >= 50:
                        samples[language].append(elapsed)
            rows = {
                language: ctx.record(f"render_{name}_{language}", "us", values, caches="emptied", **load())
                for language, values in samples.items()
            }
            ctx.record_value(f"render_ratio_{name}_{translated}", "x",
                             rows[translated].median / rows["en"].median, budget=BUDGET)
