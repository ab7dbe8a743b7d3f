"""Rate limits: headers on every response, and 429s discord.py must honour and retry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sandbox_bot import SandboxBot

from evoladder.sandbox import BucketRule, LocalDiscord, RateLimitConfig

MESSAGES = "POST /channels/{channel_id}/messages"
CALLBACK = "POST /interactions/{interaction_id}/{interaction_token}/callback"


async def test_responses_carry_bucket_headers(local_discord: LocalDiscord) -> None:
    headers = {"Authorization": f"Bot {local_discord.token}"}
    url = f"{local_discord.api_url}/users/@me"
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as resp:
        assert resp.status == 200
        got = resp.headers
    for name in ("Limit", "Remaining", "Reset", "Reset-After", "Bucket"):
        assert f"X-RateLimit-{name}" in got
    assert int(got["X-RateLimit-Remaining"]) == int(got["X-RateLimit-Limit"]) - 1


async def test_forced_429_is_retried_by_discord_py(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    local_discord.rate_limits.force(MESSAGES, count=2, retry_after=0.05)
    channel: Any = bot.get_channel(local_discord.general.id)
    sent = await channel.send("after two 429s")
    assert sent.content == "after two 429s"
    hits = local_discord.rate_limits.hits
    assert [(h.route, h.forced, h.retry_after) for h in hits] == [(MESSAGES, True, 0.05)] * 2
    assert [m.content for m in local_discord.channel_messages(local_discord.general)] == ["after two 429s"]


async def test_global_429_on_an_interaction_callback(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    local_discord.rate_limits.force(CALLBACK, count=1, retry_after=0.05, is_global=True)
    reply = await local_discord.player("alice").slash("ping")
    assert reply.content == "pong"
    (hit,) = local_discord.rate_limits.hits
    assert hit.is_global and hit.route == CALLBACK


@pytest.fixture
async def small_bucket() -> AsyncIterator[LocalDiscord]:
    config = RateLimitConfig(routes={MESSAGES: BucketRule(2, 0.2)})
    async with LocalDiscord(rate_limits=config, response_timeout=5.0) as server:
        yield server
        assert not server.violations, server.violations.describe()


async def test_small_bucket_is_respected_pre_emptively(small_bucket: LocalDiscord) -> None:
    bot = SandboxBot()
    async with small_bucket.running(bot, set_gateway=False):
        channel: Any = bot.get_channel(small_bucket.general.id) or await bot.fetch_channel(
            small_bucket.general.id
        )
        for i in range(3):
            await channel.send(f"m{i}")
    assert len(small_bucket.channel_messages(small_bucket.general)) == 3
    assert small_bucket.rate_limits.hits == []  # discord.py waited on the headers instead
