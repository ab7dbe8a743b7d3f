"""The local Discord server's own cost, so bot benches know what part of a round trip is ours.

Rows:
- ``sandbox_validate_message_body``: schema + limits check of a typical message (embed, buttons);
- ``sandbox_roundtrip_noop``: INTERACTION_CREATE dispatched -> callback request arrived, with a
  minimal discord.py bot answering "ok" (the floor under every ``bot_roundtrip_*`` row);
- ``sandbox_player_slash_noop``: a virtual player's whole ``slash()`` (dispatch, bot, callback,
  validation, state update, wake-up);
- ``sandbox_interactions_per_second``: many players at once against the same bot.
"""

from __future__ import annotations

import asyncio
import logging
import time

import discord
from discord.ext import commands

from bench.harness import BenchContext
from evoladder.sandbox import BucketRule, LocalDiscord, RateLimitConfig, VirtualPlayer, discover_gateway
from evoladder.sandbox.limits import message_problems
from evoladder.sandbox.validation import SpecValidator

MESSAGE = {
    "content": "Match found",
    "embeds": [{"title": "Match #42", "description": "bw_zerg vs sc2_terran",
                "fields": [{"name": "Map", "value": "Fighting Spirit", "inline": True}] * 4}],
    "components": [{"type": 1, "components": [
        {"type": 2, "style": 3, "label": "Confirm", "custom_id": "match:42:confirm"},
        {"type": 2, "style": 4, "label": "Abort", "custom_id": "match:42:abort"},
    ]}],
}


class NoopBot(commands.Bot):
    def __init__(self) -> None:
        super().__init__(command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.05)

        @self.tree.command(description="Answers ok")
        async def noop(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("ok")

    async def setup_hook(self) -> None:
        await discover_gateway(self.http)
        await self.tree.sync()


async def run(ctx: BenchContext) -> None:
    logging.getLogger("discord").setLevel(logging.ERROR)
    logging.getLogger("evoladder.sandbox").setLevel(logging.ERROR)
    spec = SpecValidator()
    create = spec.operation("POST", "/channels/{channel_id}/messages")
    assert create is not None

    def validate() -> None:
        spec.check_body(create, MESSAGE)
        message_problems(MESSAGE)

    ctx.time_sync("sandbox_validate_message_body", "us", validate, n=500 if ctx.quick else 5_000)
    generous = RateLimitConfig(default=BucketRule(100_000, 1.0))
    async with LocalDiscord(rate_limits=generous, response_timeout=60) as server:
        bot = NoopBot()
        async with server.running(bot, set_gateway=False):
            await _sequential(ctx, server)
            await _concurrent(ctx, server)


async def _sequential(ctx: BenchContext, server: LocalDiscord) -> None:
    player = server.player("bench")
    n = 100 if ctx.quick else 1_000
    roundtrips, totals = [], []
    for _ in range(n):
        started = time.perf_counter()
        response = await player.slash("noop")
        totals.append(time.perf_counter() - started)
        roundtrips.append(response.interaction.roundtrip or 0.0)
    ctx.record("sandbox_roundtrip_noop", "ms", roundtrips)
    ctx.record("sandbox_player_slash_noop", "ms", totals)


async def _concurrent(ctx: BenchContext, server: LocalDiscord) -> None:
    players = [server.player(f"load{i}") for i in range(50 if ctx.quick else 200)]
    per_player = 5 if ctx.quick else 10
    latencies: list[float] = []

    async def play(player: VirtualPlayer) -> None:
        for _ in range(per_player):
            started = time.perf_counter()
            await player.slash("noop")
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(play(p) for p in players))
    elapsed = time.perf_counter() - started
    ctx.record("sandbox_concurrent_slash_noop", "ms", latencies, players=len(players))
    ctx.record_value("sandbox_interactions_per_second", "/s", len(latencies) / elapsed, players=len(players))
