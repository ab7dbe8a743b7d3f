"""Fixtures for the local Discord server tests: the server, and a tiny real discord.py bot.

The bot (``sandbox_bot.py``) is pointed at the server the way evoladder's composition root does
it: ``Route.BASE`` from ``EVOLADDER_DISCORD_API_URL`` (``LocalDiscord.running`` sets it) and the
gateway discovered through ``GET /gateway/bot`` in ``setup_hook`` (``set_gateway=False``).

Every test fails if the server recorded a violation the test did not take on purpose
(``local_discord.violations.take(code=...)``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sandbox_bot import SandboxBot

from evoladder.sandbox import Clock, LocalDiscord


@pytest.fixture
async def local_discord() -> AsyncIterator[LocalDiscord]:
    """A fresh server; the test fails on any violation it did not take."""
    async with LocalDiscord(clock=Clock(), response_timeout=5.0) as server:
        yield server
        if server.violations:
            pytest.fail(f"Discord would have refused requests:\n{server.violations.describe()}")


@pytest.fixture
async def bot(local_discord: LocalDiscord) -> AsyncIterator[SandboxBot]:
    """The test bot, connected to ``local_discord`` and with its commands synced."""
    client = SandboxBot()
    async with local_discord.running(client, set_gateway=False):
        await client.wait_until_ready()
        yield client
