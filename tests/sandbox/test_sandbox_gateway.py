"""The gateway as discord.py experiences it: discovery, READY/GUILD_CREATE, commands, RESUME."""

from __future__ import annotations

import aiohttp
import discord
from sandbox_bot import SandboxBot

from evoladder.sandbox import LocalDiscord, discord_py_pointed_at


async def test_gateway_bot_returns_this_servers_websocket(local_discord: LocalDiscord) -> None:
    headers = {"Authorization": f"Bot {local_discord.token}"}
    url = f"{local_discord.api_url}/gateway/bot"
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as resp:
        body = await resp.json()
    assert body["url"] == local_discord.gateway_url
    assert body["shards"] == 1


async def test_bot_connects_and_sees_the_guild(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    assert bot.user is not None and bot.user.id == local_discord.bot_user.id
    assert local_discord.gateway.identify_count == 1
    assert local_discord.gateway.compressions == ["zlib-stream"]  # what discord.py asked for
    guild = bot.get_guild(local_discord.guild.id)
    assert guild is not None and guild.name == "Evo Ladder"
    assert {c.name for c in guild.text_channels} == {"general", "admin-log"}
    assert "Staff" in {r.name for r in guild.roles}
    assert bot.application_id == local_discord.application_id


async def test_command_sync_is_stored(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    await local_discord.wait_commands("ping", "admin", "country")
    stored = {c.name: c for c in local_discord.state.commands.values()}
    assert {"ping", "secret", "form", "counter", "country", "dmme", "admin"} <= set(stored)
    admin = stored["admin"].definition["options"][0]
    assert (admin["name"], admin["type"]) == ("snapshot", 1)
    fetched = await bot.tree.fetch_commands()
    assert {c.name: c.id for c in fetched} == {name: c.id for name, c in stored.items()}


async def test_resync_keeps_ids_of_unchanged_commands(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    before = {c.name: c.id for c in local_discord.state.commands.values()}
    await bot.tree.sync()
    assert {c.name: c.id for c in local_discord.state.commands.values()} == before


async def test_resume_delivers_events_missed_while_disconnected(
    local_discord: LocalDiscord, bot: SandboxBot
) -> None:
    alice = local_discord.player("alice")
    await local_discord.gateway.drop()
    assert not local_discord.connected.is_set()
    pending = await alice.begin_slash("ping")  # dispatched while the bot is away
    reply = await alice.answer(pending)
    assert reply.content == "pong"
    assert local_discord.gateway.resume_count == 1
    assert local_discord.gateway.identify_count == 1
    assert local_discord.gateway.replayed_count >= 1
    await bot.resumed.wait()


async def test_close_code_drop_also_resumes(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    await local_discord.gateway.drop(close_code=4000)
    reply = await local_discord.player("bob").slash("ping")
    assert reply.content == "pong"
    assert local_discord.gateway.resume_count == 1


async def test_invalid_session_makes_the_bot_identify_again(
    local_discord: LocalDiscord, bot: SandboxBot
) -> None:
    local_discord.gateway.invalidate_sessions(resumable=False)
    await local_discord.wait_until(
        lambda: True if local_discord.gateway.identify_count == 2 else None, [("gateway",)],
        "a second IDENTIFY",
    )
    assert (await local_discord.player("carol").slash("ping")).content == "pong"


async def test_reconnect_request_resumes(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    local_discord.gateway.request_reconnect()
    await local_discord.wait_until(
        lambda: True if local_discord.gateway.resume_count == 1 else None, [("gateway",)],
        "a RESUME after RECONNECT",
    )
    assert (await local_discord.player("dave").slash("ping")).content == "pong"


async def test_wrong_token_is_refused(local_discord: LocalDiscord) -> None:
    client = discord.Client(intents=discord.Intents.default())
    with discord_py_pointed_at(local_discord.api_url, local_discord.gateway_url):
        try:
            await client.login("not-the-token")
        except discord.LoginFailure:
            pass
        else:  # pragma: no cover - the assertion below explains
            raise AssertionError("login with a wrong token succeeded")
        finally:
            await client.close()
    assert [v.status for v in local_discord.violations.take(status=401)] == [401]


async def _hello(ws: aiohttp.ClientWebSocketResponse) -> dict[str, object]:
    hello = await ws.receive_json()
    assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
    return hello


async def test_raw_protocol_heartbeat_sequence_and_refusals(local_discord: LocalDiscord) -> None:
    url = f"{local_discord.gateway_url}?v=10&encoding=json"
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(url) as ws:
            await _hello(ws)
            await ws.send_json({"op": 1, "d": None})
            assert (await ws.receive_json())["op"] == 11
            await ws.send_json({"op": 6, "d": {"token": local_discord.token, "session_id": "x", "seq": 3}})
            assert await ws.receive_json() == {"op": 9, "d": False}
            identify = {"token": local_discord.token, "intents": 513, "properties": {}}
            await ws.send_json({"op": 2, "d": identify})
            ready, guild = await ws.receive_json(), await ws.receive_json()
            assert (ready["t"], ready["s"], guild["t"], guild["s"]) == ("READY", 1, "GUILD_CREATE", 2)
            assert ready["d"]["resume_gateway_url"] == local_discord.gateway_url
            await ws.send_json({"op": 2, "d": identify})
            assert (await ws.receive()).data == 4005  # already authenticated
        async with http.ws_connect(url) as ws:
            await _hello(ws)
            await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 0, "properties": {}}})
            assert (await ws.receive()).data == 4004
        async with http.ws_connect(f"{local_discord.gateway_url}?v=9&encoding=json") as ws:
            assert (await ws.receive()).data == 4012
