"""Channel messages through discord.py: DMs with files, the CDN, history, limits, errors."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import aiohttp
import discord
import pytest
from sandbox_bot import SandboxBot

from evoladder.sandbox import LocalDiscord


async def _channel(bot: SandboxBot, channel_id: int) -> Any:
    return bot.get_channel(channel_id) or await bot.fetch_channel(channel_id)


async def test_player_dm_with_attachment_reaches_the_bot(
    local_discord: LocalDiscord, bot: SandboxBot
) -> None:
    alice = local_discord.player("alice")
    replay = b"MPQ\x1a" + bytes(range(256)) * 4
    await alice.send_dm("my replay", attachments=[("game.SC2Replay", replay)])
    digest = hashlib.sha256(replay).hexdigest()[:12]
    answer = await alice.wait_for_dm(lambda m: m.author_id == local_discord.bot_user.id)
    assert answer.content == f"got {len(replay)} bytes {digest}"


async def test_dm_edited_through_channel_and_message_id(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    alice = local_discord.player("alice")
    reply = await alice.slash("dmme")
    assert reply.ephemeral and reply.content == "sent you a DM"
    assert bot.dm_ids is not None
    channel_id, message_id = bot.dm_ids
    dm = await alice.wait_for_dm(
        lambda m: m.id == message_id and m.content == "edited", include_existing=True
    )
    assert dm.channel_id == channel_id == alice.dm_channel.id
    assert dm.attachments[0].filename == "note.txt"
    url = f"{local_discord.cdn_base}/attachments/{channel_id}/{dm.attachments[0].id}/note.txt"
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        assert await resp.read() == b"bot file"


async def test_bot_reads_history_newest_first(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    channel = await _channel(bot, local_discord.general.id)
    sent = [await channel.send(f"m{i}") for i in range(5)]
    latest = [m.content async for m in channel.history(limit=2)]
    assert latest == ["m4", "m3"]
    before = [m.content async for m in channel.history(limit=10, before=sent[2])]
    assert before == ["m1", "m0"]
    after = [m.content async for m in channel.history(limit=10, after=sent[2], oldest_first=True)]
    assert after == ["m3", "m4"]
    fetched = await channel.fetch_message(sent[1].id)
    assert fetched.content == "m1"


async def test_edit_delete_and_bulk_delete(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    channel = await _channel(bot, local_discord.general.id)
    first, second, third = [await channel.send(text) for text in ("a", "b", "c")]
    await first.edit(content="a2", embed=discord.Embed(title="T", description="D"))
    stored = local_discord.channel_messages(local_discord.general)
    assert stored[0].content == "a2" and stored[0].embeds[0]["title"] == "T"
    await third.delete()
    await channel.delete_messages([first, second])
    assert local_discord.channel_messages(local_discord.general) == []


async def test_staff_role_ping_in_the_admin_log(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    channel = await _channel(bot, local_discord.admin_log.id)
    role = local_discord.staff_role
    ping = discord.AllowedMentions(roles=True)
    await channel.send(f"{role.mention} conflict in match 7", allowed_mentions=ping)
    await channel.send(f"{role.mention} no ping", allowed_mentions=discord.AllowedMentions.none())
    log = local_discord.admin_log
    pinged = await local_discord.wait_for_channel_message(log, lambda m: "conflict" in m.text)
    silent = local_discord.channel_messages(local_discord.admin_log)[-1]
    assert pinged.mention_roles == [role.id]
    assert silent.mention_roles == []


async def test_content_over_2000_is_refused_like_discord(
    local_discord: LocalDiscord, bot: SandboxBot
) -> None:
    channel = await _channel(bot, local_discord.general.id)
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send("x" * 2001)
    assert (refused.value.status, refused.value.code) == (400, 50035)
    assert "In content: Must be 2000 or fewer in length." in refused.value.text
    (violation,) = local_discord.violations.take(code=50035)
    too_long = {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}
    assert violation.errors == {"content": {"_errors": [too_long]}}


async def test_embed_limits(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    channel = await _channel(bot, local_discord.general.id)
    big = discord.Embed(title="t", description="d" * 4096)
    for i in range(2):
        big.add_field(name=f"f{i}", value="v" * 1024)
    with pytest.raises(discord.HTTPException, match="Embed size exceeds maximum size of 6000"):
        await channel.send(embed=big)
    crowded = discord.Embed(title="t")
    for i in range(26):
        crowded.add_field(name=str(i), value="v")
    with pytest.raises(discord.HTTPException, match="In embeds.0.fields"):
        await channel.send(embed=crowded)
    assert len(local_discord.violations.take(code=50035)) == 2


async def test_component_limits(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    channel = await _channel(bot, local_discord.general.id)
    rows: list[dict[str, Any]] = [
        {"type": 1, "components": [{"type": 2, "style": 1, "label": str(i), "custom_id": f"b{i}"}]}
        for i in range(6)
    ]
    with pytest.raises(discord.HTTPException) as refused:
        await bot.http.send_message(channel.id, params=_params({"content": "x", "components": rows}))
    assert "In components: Must be between 0 and 5 in length." in refused.value.text
    duplicate = [{"type": 1, "components": [
        {"type": 2, "style": 1, "label": "a", "custom_id": "same"},
        {"type": 2, "style": 1, "label": "b", "custom_id": "same"},
    ]}]
    with pytest.raises(discord.HTTPException, match="custom id cannot be duplicated"):
        await bot.http.send_message(channel.id, params=_params({"components": duplicate}))
    assert len(local_discord.violations.take(code=50035)) == 2


async def test_empty_message_and_unknown_ids(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    with pytest.raises(discord.HTTPException) as empty:
        await bot.http.send_message(local_discord.general.id, params=_params({"content": ""}))
    assert empty.value.code == 50006
    with pytest.raises(discord.NotFound) as unknown_channel:
        await bot.http.get_message(123, 456)
    assert unknown_channel.value.code == 10003
    with pytest.raises(discord.NotFound) as unknown_message:
        await bot.http.get_message(local_discord.general.id, 456)
    assert unknown_message.value.code == 10008
    assert [v.code for v in local_discord.violations.take()] == [50006, 10003, 10008]


async def test_multipart_upload_from_the_bot(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    channel = await _channel(bot, local_discord.general.id)
    sent = await channel.send("file", file=discord.File(io.BytesIO(b"\x00\x01payload"), "data.bin"))
    assert sent.attachments[0].size == 9
    assert await sent.attachments[0].read() == b"\x00\x01payload"


def _params(payload: dict[str, Any]) -> Any:
    from discord.http import MultipartParameters

    return MultipartParameters(payload=payload, multipart=None, files=None)


async def test_wait_for_dm_counts_answers_to_the_last_action(
    local_discord: LocalDiscord, bot: SandboxBot
) -> None:
    alice = local_discord.player("alice")
    await alice.send_dm("first", attachments=[("a.bin", b"1")])
    first = await alice.wait_for_dm(lambda m: m.content.startswith("got"))
    await alice.send_dm("second", attachments=[("b.bin", b"22")])
    await local_discord.wait_until(  # the answer arrives before anybody waits for it
        lambda: True if len(alice.dms) == 4 else None, [("user", alice.id)], "the second answer"
    )
    second = await alice.wait_for_dm(lambda m: m.content.startswith("got"))
    assert (first.content[:11], second.content[:11]) == ("got 1 bytes", "got 2 bytes")
    with pytest.raises(ValueError, match="over"):
        await alice.upload(("huge.SC2Replay", b"0" * (10 * 1024 * 1024 + 1)))
