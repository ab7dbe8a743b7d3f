"""Pointing discord.py at a Discord-compatible server (this sandbox, or Discord itself).

discord.py keeps its endpoints in two class attributes: ``discord.http.Route.BASE`` (the REST
base URL, ``https://discord.com/api/v10``) and ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``
(``wss://gateway.discord.gg/``). A plain ``Client``/``commands.Bot`` never asks Discord for its
gateway URL (only ``AutoShardedClient`` calls ``GET /gateway/bot``), so both must be set before
``Client.start``. The composition root does this from settings:

- ``EVOLADDER_DISCORD_API_URL`` -> :func:`point_discord_py_at` (``Route.BASE``);
- ``EVOLADDER_DISCORD_GATEWAY_URL`` when set, else :func:`discover_gateway` in ``setup_hook``,
  which asks the API (``GET /gateway/bot``) the documented way.

These are process-wide settings; :func:`discord_py_pointed_at` restores the previous values,
for tests that run a bot against a sandbox and then another.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route

log = logging.getLogger(__name__)


def point_discord_py_at(api_url: str, gateway_url: str | None = None) -> None:
    """Send discord.py's REST calls to ``api_url`` (and its gateway to ``gateway_url``)."""
    Route.BASE = api_url.rstrip("/")
    if gateway_url is not None:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    log.info("discord.py pointed at %s (gateway %s)", Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)


async def discover_gateway(http: HTTPClient) -> str:
    """Ask the API for the gateway URL (``GET /gateway/bot``) and make discord.py use it.

    Call from ``setup_hook`` (after login, before the gateway connects).
    """
    _, url, _ = await http.get_bot_gateway()
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
    log.info("gateway discovered: %s", url)
    return url


@contextmanager
def discord_py_pointed_at(api_url: str, gateway_url: str | None = None) -> Iterator[None]:
    """:func:`point_discord_py_at` for the duration of a ``with`` block."""
    saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    point_discord_py_at(api_url, gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved
