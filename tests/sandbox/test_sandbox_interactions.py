"""Interactions end to end: what players do, what they see, and Discord's answer rules."""

from __future__ import annotations

import discord
import pytest
from sandbox_bot import SandboxBot

from evoladder.sandbox import LocalDiscord, payloads


async def test_slash_reply_is_seen_by_the_player(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    alice = local_discord.player("alice")
    reply = await alice.slash("ping")
    assert reply.content == "pong"
    assert not reply.ephemeral
    assert alice.last_message is reply.message
    assert alice.dms[-1].content == "pong"


async def test_ephemeral_reply_is_only_for_the_player(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    alice = local_discord.player("alice")
    reply = await alice.slash("secret")
    assert reply.ephemeral
    assert alice.ephemeral[-1].content == "for your eyes only"
    assert reply.message not in alice.dms
    assert local_discord.channel_messages(alice.dm_channel) == []


async def test_subcommand_with_typed_option(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    admin = local_discord.admin("root")
    reply = await admin.slash("admin snapshot", detail=3)
    assert reply.content == "snapshot 3"
    with pytest.raises(TypeError, match="does not fit"):
        await admin.slash("admin snapshot", detail="three")
    with pytest.raises(TypeError, match="unknown option"):
        await admin.slash("admin snapshot", verbose=True)


async def test_slash_in_a_guild_channel_posts_there(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    alice = local_discord.player("alice").at(local_discord.general)
    reply = await alice.slash("ping")
    assert reply.content == "pong"
    assert local_discord.channel_messages(local_discord.general)[-1] is reply.message


async def test_button_click_edits_the_message(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    alice = local_discord.player("alice")
    shown = await alice.slash("counter")
    assert shown.message.button("Increment") is not None
    clicked = await alice.click("Increment")
    assert clicked.type == 7
    assert clicked.content == "count: 1"
    assert shown.content == "count: 1"  # messages are live: the player sees the edit
    assert (await alice.click("counter:inc")).content == "count: 2"


async def test_deferred_update_is_waited_for(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    alice = local_discord.player("alice")
    await alice.slash("counter")
    clicked = await alice.click("Slow increment")
    assert clicked.type == 6
    assert clicked.content == "count: 1"


async def test_select_menu(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    alice = local_discord.player("alice")
    shown = await alice.slash("pick")
    with pytest.raises(ValueError, match="no option"):
        await alice.select("race", ["bw_terran"])
    with pytest.raises(ValueError, match="takes 1..2 values"):
        await alice.select("Pick races", ["bw_zerg", "sc2_terran", "sc2_protoss"])
    picked = await alice.select("race", ["bw_zerg", "sc2_protoss"])
    assert picked.content == "picked bw_zerg, sc2_protoss"
    assert shown.message.components == []


async def test_modal_submit(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    alice = local_discord.player("alice")
    opened = await alice.slash("form")
    modal = opened.modal
    assert modal.title == "Sign up"
    assert [f.label for f in modal.fields] == ["Name", "Note"]
    with pytest.raises(ValueError, match="at most 12"):
        modal.submission({"Name": "x" * 13})
    with pytest.raises(ValueError, match="required"):
        modal.submission({"Note": "no name"})
    reply = await alice.submit_modal({"Name": "Zerg"})
    assert reply.content == "hello Zerg (-)"


async def test_autocomplete_choices(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    alice = local_discord.player("alice")
    choices = await alice.autocomplete("country", "code", "F")
    assert choices == [{"name": "France", "value": "FR"}, {"name": "Finland", "value": "FI"}]
    assert (await alice.slash("country", code="FI")).content == "country Finland"


async def test_deferred_reply_is_waited_for_until_final(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    reply = await local_discord.player("alice").slash("slow")
    assert reply.type == 5
    assert reply.content == "done thinking"
    assert not reply.message.loading


async def test_second_callback_is_refused_with_40060(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    reply = await local_discord.player("alice").slash("twice")
    assert reply.content == "first"
    refused = await bot.next_outcome()
    assert isinstance(refused, discord.HTTPException)
    assert (refused.status, refused.code) == (400, 40060)
    assert len(local_discord.violations.take(code=40060)) == 1


async def test_callback_after_three_seconds_is_unknown(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    alice = local_discord.player("alice")
    pending = await alice.begin_slash("late")
    await bot.started.wait()
    local_discord.advance_time(3.01)
    bot.release.set()
    refused = await bot.next_outcome()
    assert isinstance(refused, discord.NotFound)
    assert refused.code == 10062
    with pytest.raises(AssertionError, match="3 s deadline"):
        await alice.answer(pending)  # what the player saw: "This interaction failed"
    assert len(local_discord.violations.take(code=10062)) == 1


async def test_followup_after_fifteen_minutes_is_refused(
    local_discord: LocalDiscord, bot: SandboxBot
) -> None:
    await local_discord.player("alice").slash("remember")
    assert bot.remembered is not None
    await bot.remembered.followup.send("still here")  # within 15 minutes: fine
    local_discord.advance_time(15 * 60 + 1)
    with pytest.raises(discord.HTTPException) as refused:
        await bot.remembered.followup.send("too late")
    assert (refused.value.status, refused.value.code) == (401, 50027)
    assert len(local_discord.violations.take(code=50027)) == 1


async def test_default_member_permissions_hide_a_command(
    local_discord: LocalDiscord, bot: SandboxBot
) -> None:
    member = local_discord.player("member").at(local_discord.general)
    with pytest.raises(AssertionError, match="lacks the permissions"):
        await member.slash("moderate")
    with pytest.raises(AssertionError, match="not usable in the bot.s DM"):
        await local_discord.player("in-dm").slash("moderate")  # guild only: absent from DMs
    mods = local_discord.create_role("Mods", permissions=1 << 13)  # MANAGE_MESSAGES
    moderator = local_discord.player("mod", roles=[mods]).at(local_discord.general)
    assert (await moderator.slash("moderate")).content == "moderated"


async def test_interactions_carry_the_players_locale(local_discord: LocalDiscord, bot: SandboxBot) -> None:
    minji = local_discord.player("minji", locale="ko", guild_locale="ko")
    reply = await minji.slash("ping")
    interaction = reply.interaction
    payload = payloads.interaction(local_discord.state, interaction, "")
    assert payload["locale"] == "ko"
    guild_user = local_discord.player("ivan", locale="ru").at(local_discord.general)
    guild_reply = await guild_user.slash("ping")
    guild_payload = payloads.interaction(local_discord.state, guild_reply.interaction, "")
    assert guild_payload["locale"] == "ru" and guild_payload["guild_locale"] == "en-US"
