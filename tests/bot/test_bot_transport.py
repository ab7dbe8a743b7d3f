"""Interaction callbacks are sent exactly once; other webhook routes keep discord.py's retries."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from discord.http import Route

from evoladder.bot.transport import SingleShotWebhookAdapter, point_discord_at


@pytest.fixture
async def server() -> AsyncIterator[tuple[TestServer, list[str]]]:
    hits: list[str] = []

    async def callback(request: web.Request) -> web.Response:
        hits.append(request.path)
        if request.match_info["token"] == "fine":
            message = {"id": "7", "channel_id": "8", "flags": 0, "embeds": [{"title": "board"}],
                       "components": [{"type": 1, "components": [{"type": 2, "custom_id": "x"}]}]}
            body = json.dumps({"interaction": {"id": "1"}, "resource": {"type": 4, "message": message}})
            return web.Response(body=body.encode(), headers={"Content-Type": "application/json"})
        if request.match_info["token"] == "limited":
            limited = b'{"message": "You are being rate limited.", "retry_after": 0.0, "global": false}'
            return web.Response(
                status=429, body=limited, headers={"Content-Type": "application/json", "Via": "1.1"}
            )
        return web.json_response({"message": "boom", "code": 0}, status=500)

    async def webhook(request: web.Request) -> web.Response:
        hits.append(request.path)
        if len([h for h in hits if h.startswith("/api/v10/webhooks")]) == 1:
            limited = b'{"message": "You are being rate limited.", "retry_after": 0.0, "global": false}'
            return web.Response(
                status=429, body=limited, headers={"Content-Type": "application/json", "Via": "1.1"}
            )
        return web.Response(body=b'{"id": "1"}', headers={"Content-Type": "application/json"})

    app = web.Application()
    app.router.add_post("/api/v10/interactions/{id}/{token}/callback", callback)
    app.router.add_patch("/api/v10/webhooks/{id}/{token}/messages/@original", webhook)
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server()
    saved = Route.BASE
    point_discord_at(str(test_server.make_url("/api/v10")))
    try:
        yield test_server, hits
    finally:
        Route.BASE = saved
        await test_server.close()


@pytest.mark.parametrize(
    ("token", "error"), [("t", discord.DiscordServerError), ("limited", discord.HTTPException)]
)
async def test_a_failed_interaction_callback_is_not_retried(
    server: tuple[TestServer, list[str]], token: str, error: type[Exception]
) -> None:
    _, hits = server
    adapter = SingleShotWebhookAdapter()  # type: ignore[no-untyped-call]
    route = Route(
        "POST", "/interactions/{webhook_id}/{webhook_token}/callback", webhook_id=1, webhook_token=token
    )
    async with aiohttp.ClientSession() as session:
        with pytest.raises(error):
            await adapter.request(route, session, payload={"type": 4, "data": {"content": "ok"}})
    assert hits == [f"/api/v10/interactions/1/{token}/callback"]


async def test_other_webhook_routes_keep_discord_py_retries(server: tuple[TestServer, list[str]]) -> None:
    _, hits = server
    adapter = SingleShotWebhookAdapter()  # type: ignore[no-untyped-call]
    route = Route(
        "PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original", webhook_id=1, webhook_token="t"
    )
    async with aiohttp.ClientSession() as session:
        data = await adapter.request(route, session, payload={"content": "edit"})
    assert data == {"id": "1"}
    assert len(hits) == 2  # the 429 was retried by discord.py's adapter


async def test_the_returned_message_reaches_discord_py_without_its_components(
    server: tuple[TestServer, list[str]],
) -> None:
    """discord.py would parse every returned select option; the bot reads only id/channel/flags."""
    adapter = SingleShotWebhookAdapter()  # type: ignore[no-untyped-call]
    route = Route(
        "POST", "/interactions/{webhook_id}/{webhook_token}/callback", webhook_id=1, webhook_token="fine"
    )
    async with aiohttp.ClientSession() as session:
        data = await adapter.request(route, session, payload={"type": 4, "data": {"content": "ok"}})
    message = data["resource"]["message"]
    assert "components" not in message
    assert (message["id"], message["channel_id"], message["embeds"]) == ("7", "8", [{"title": "board"}])
