"""Where the bot's HTTP goes, and the rule that an interaction's first answer is sent exactly once.

Two process-wide switches, set by the composition root (:func:`point_discord_at`), decide which
server the bot talks to. discord.py reads both as *class attributes* when it builds a request or
opens the gateway, and offers no per-client option for either, so there is no other way to reach
a server that is not discord.com (the local Discord server of the sandbox and the end-to-end
tests, or a proxy):

* ``discord.http.Route.BASE``: the REST base URL of every request, including the interaction
  callbacks that the webhook adapter sends (it uses the same ``Route`` class);
* ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``: the gateway URL ``Client.connect`` opens
  (discord.py never asks ``GET /gateway/bot`` for an unsharded client). :class:`LadderBot`
  sets it from ``GET /gateway/bot`` at start-up unless an explicit override is configured.

One process therefore talks to one Discord at a time; the sandbox and the tests run one local
server per process (or set the same URLs again before each bot starts).

The interaction callback (``POST /interactions/<id>/<token>/callback``) is the one request that
must never be repeated: Discord accepts one initial response, and a retry after a timeout or a
5xx that Discord did process fails with "already acknowledged" while the player may see the
answer twice. discord.py's webhook adapter retries 429s and 5xx up to five times, also for that
route, and a retry after ``retry_after`` would anyway land after the 3-second window. So the bot
installs :class:`SingleShotWebhookAdapter` (in discord.py's ``async_context`` context variable):
callbacks get exactly one attempt and any failure goes to the error handler; every other webhook
route (follow-ups, edits of the original response) keeps discord.py's behaviour.

The callback's answer: discord.py asks Discord to return the message it created
(``with_response``) and builds a full ``Message`` of it, components included, although the bot
reads only its id, channel and flags (to track long-lived messages). A leaderboard's ~70 select
options made that the largest part of a board's cost after the reply; ``_once`` drops the
returned message's ``components`` before discord.py sees them (``Message.components`` of that
one object is then empty; nothing here reads it, and Discord keeps the real ones).
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route, json_or_text
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

log = logging.getLogger(__name__)

CALLBACK_SUFFIX = "/callback"


def point_discord_at(api_url: str, gateway_url: str | None = None) -> None:
    """Send discord.py's REST (and, if given, gateway) traffic to ``api_url`` / ``gateway_url``.

    Called once by the composition root before the bot starts; see the module docstring for why
    these are class attributes. ``api_url`` includes the version, e.g. ``https://discord.com/api/v10``.
    """
    Route.BASE = api_url.rstrip("/")
    if gateway_url:
        set_gateway(gateway_url)
    log.info("discord.py pointed at %s (gateway %s)", Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)


def set_gateway(gateway_url: str) -> None:
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


async def discover_gateway(http: HTTPClient) -> str:
    """Ask the API for the gateway URL (``GET /gateway/bot``) and make discord.py use it.

    Call from ``setup_hook`` (after login, before the gateway connects).
    """
    _shards, url, _limits = await http.get_bot_gateway()
    set_gateway(url)
    return url


class SingleShotWebhookAdapter(AsyncWebhookAdapter):
    """discord.py's webhook adapter, except that interaction callbacks are attempted once."""

    async def request(
        self,
        route: Route,
        session: aiohttp.ClientSession,
        *,
        payload: dict[str, Any] | None = None,
        multipart: list[dict[str, Any]] | None = None,
        proxy: str | None = None,
        proxy_auth: aiohttp.BasicAuth | None = None,
        files: Any = None,
        reason: str | None = None,
        auth_token: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        if not route.path.endswith(CALLBACK_SUFFIX):
            return await super().request(
                route,
                session,
                payload=payload,
                multipart=multipart,
                proxy=proxy,
                proxy_auth=proxy_auth,
                files=files,
                reason=reason,
                auth_token=auth_token,
                params=params,
            )
        return await _once(route, session, payload, multipart, proxy, proxy_auth, params)


async def _once(
    route: Route,
    session: aiohttp.ClientSession,
    payload: dict[str, Any] | None,
    multipart: list[dict[str, Any]] | None,
    proxy: str | None,
    proxy_auth: aiohttp.BasicAuth | None,
    params: dict[str, Any] | None,
) -> Any:
    """One POST of an interaction callback; any non-2xx raises the matching discord.py error."""
    headers: dict[str, str] = {}
    data: str | aiohttp.FormData | None = None
    if multipart:
        form = aiohttp.FormData(quote_fields=False)
        for part in multipart:
            form.add_field(**part)
        data = form
    elif payload is not None:
        headers["Content-Type"] = "application/json"
        data = discord.utils._to_json(payload)
    async with session.request(
        route.method, route.url, data=data, headers=headers, params=params, proxy=proxy, proxy_auth=proxy_auth
    ) as response:
        body = await json_or_text(response)
        if 200 <= response.status < 300:
            _drop_returned_components(body)
            return body
        if response.status == 403:
            raise discord.Forbidden(response, body)
        if response.status == 404:
            raise discord.NotFound(response, body)
        if response.status >= 500:
            raise discord.DiscordServerError(response, body)
        raise discord.HTTPException(response, body)


def _drop_returned_components(body: Any) -> None:
    """Remove ``resource.message.components`` from a callback's answer (see the module doc)."""
    resource = body.get("resource") if isinstance(body, dict) else None
    message = resource.get("message") if isinstance(resource, dict) else None
    if isinstance(message, dict):
        message.pop("components", None)


def install_single_shot_callbacks() -> None:
    """Make interaction callbacks single-attempt in this task and every task it creates.

    ``async_context`` is a context variable; tasks copy the context of the task that creates
    them, so setting it in the task that runs ``Client.start`` covers every event handler.
    """
    if not isinstance(async_context.get(), SingleShotWebhookAdapter):
        async_context.set(SingleShotWebhookAdapter())  # type: ignore[no-untyped-call]
