"""Command sync only when definitions changed; /help stays within Discord's embed limits; the
bot's own MESSAGE_CREATEs are not parsed."""

from __future__ import annotations

from types import SimpleNamespace

import discord

from evoladder.bot.client import ladder_intents, normalize_commands, skip_own_message_creates
from evoladder.bot.render.help import FIELD_LIMIT, CommandLine, help_reply


def test_definitions_compare_equal_regardless_of_defaults_ids_and_order() -> None:
    ours = [
        {
            "name": "ping",
            "description": "Check",
            "type": 1,
            "options": [],
            "nsfw": False,
            "dm_permission": True,
            "default_member_permissions": None,
            "contexts": [1, 0],
            "integration_types": [0],
        },
        {
            "name": "help",
            "description": "How",
            "type": 1,
            "options": [],
            "contexts": [0, 1],
            "integration_types": [0],
        },
    ]
    discords = [
        {
            "id": "1",
            "application_id": "2",
            "name": "help",
            "description": "How",
            "type": 1,
            "name_localizations": {},
            "description_localizations": {},
            "contexts": [0, 1],
            "integration_types": [0],
            "options": [],
        },
        {
            "id": "3",
            "application_id": "2",
            "name": "ping",
            "description": "Check",
            "type": 1,
            "contexts": [0, 1],
            "integration_types": [0],
            "options": [],
        },
    ]
    assert normalize_commands(ours) == normalize_commands(discords)
    changed = [dict(discords[0], description="Other"), discords[1]]
    assert normalize_commands(ours) != normalize_commands(changed)


def test_the_bot_asks_for_no_privileged_intent() -> None:
    intents = ladder_intents()
    assert intents.dm_messages and intents.guilds
    assert not intents.message_content and not intents.members and not intents.presences


def test_help_lists_every_command_of_a_realistic_bot() -> None:
    lines = [
        CommandLine(f"admin cmd{i}", "Does one admin thing with a sentence of description") for i in range(30)
    ]
    [embed] = help_reply(lines, dm_only=True).embeds
    listed = "\n".join(f.value or "" for f in embed.fields[1:])
    assert all(f"/admin cmd{i}:" in listed for i in range(30))
    assert embed.footer.text  # the DM-only note


def test_help_stays_within_discords_embed_limits_and_says_what_it_left_out() -> None:
    lines = [CommandLine(f"admin cmd{i}", "x" * 90) for i in range(80)]
    [embed] = help_reply(lines, dm_only=False).embeds
    assert len(embed) <= 6000 and len(embed.fields) <= 25
    assert all(len(f.value or "") <= FIELD_LIMIT for f in embed.fields)
    listed = sum((f.value or "").count("/admin cmd") for f in embed.fields)
    more = embed.fields[-1].value or ""
    assert more.startswith("…and ") and listed + int(more.split()[1]) == 80


def test_the_bots_own_messages_are_dropped_before_parsing_and_others_are_not() -> None:
    client = discord.Client(intents=discord.Intents.none())
    seen: list[dict[str, object]] = []
    client._connection.parsers["MESSAGE_CREATE"] = seen.append
    client._connection.user = SimpleNamespace(id=5)  # type: ignore[assignment]  # as after login
    skip_own_message_creates(client)
    parse = client._connection.parsers["MESSAGE_CREATE"]
    parse({"id": "1", "author": {"id": "5"}})  # the bot's own reply
    parse({"id": "2", "author": {"id": "6"}})  # a player's DM (a replay upload)
    parse({"id": "3"})  # no author at all: parsed, discord.py decides
    assert [d["id"] for d in seen] == ["2", "3"]
