"""Pointing discord.py at a Discord-compatible server (this sandbox, or Discord itself).

discord.py keeps its endpoints in two class attributes: ``discord.http.Route.BASE`` (the REST
base URL, ``https://discord.com/api/v10``) and ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``
(``wss://gateway.discord.gg/``). A plain ``Client``/``commands.Bot`` never asks Discord for its
gateway URL (only ``AutoShardedClient`` calls ``GET /gateway/bot``), so both must be set before
``Client.start``. The composition root does this from settings:

- ``EVOLADDER_DISCORD_API_URL`` -> :func:`point_discord_py_at` (``Route.BASE``);
- ``EVOLADDER_DISCORD_GATEWAY_URL`` when set, else :func:`discover_gateway` in ``setup_hook``,
  which asks the API (``GET /gateway/bot``) the documented way.

Both functions are the bot's own (:mod:`evoladder.bot.transport`, the production path). These
are process-wide settings; :func:`discord_py_pointed_at`, added here, restores the previous
values, for tests that run a bot against a sandbox and then another.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from discord.gateway import DiscordWebSocket
from discord.http import Route

from evoladder.bot.transport import discover_gateway, point_discord_at

# The bot's own switches (``evoladder.bot.transport``), under the sandbox's names.
point_discord_py_at = point_discord_at

__all__ = ["discord_py_pointed_at", "discover_gateway", "point_discord_py_at"]


@contextmanager
def discord_py_pointed_at(api_url: str, gateway_url: str | None = None) -> Iterator[None]:
    """:func:`point_discord_py_at` for the duration of a ``with`` block."""
    saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    point_discord_py_at(api_url, gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved
