"""/help and /ping answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import discord

from evoladder.bot.reply import Reply
from evoladder.i18n.text import help as text

EMBED_COLOUR = discord.Colour.blurple()
FIELD_LIMIT = 1024  # characters in one embed field value
MAX_FIELDS = 20  # Discord allows 25; keep room for the intro fields
EMBED_BUDGET = 6000 - 100  # Discord's total for one embed, less room for the "…and N more" field


@dataclass(frozen=True, slots=True)
class CommandLine:
    """One registered slash command as /help lists it (``name`` may be "admin ban")."""

    name: str
    description: str


def ping() -> Reply:
    return Reply(content=text.PING_REPLY)


def help_reply(commands: Sequence[CommandLine], *, dm_only: bool) -> Reply:
    """How to start, then every command with its description (fields of at most 1,024 chars)."""
    embed = discord.Embed(title=text.HELP_TITLE, description=text.HELP_INTRO, colour=EMBED_COLOUR)
    embed.add_field(name=text.HELP_START_TITLE, value="\n".join(text.lines("HELP_STEPS")), inline=False)
    if dm_only:
        embed.set_footer(text=text.HELP_DM_NOTE)
    lines = [text.HELP_COMMAND_LINE.format(name=c.name, description=c.description) for c in commands]
    chunks = _chunks(lines, FIELD_LIMIT)
    shown = 0
    for index, chunk in enumerate(chunks):
        name = text.HELP_COMMANDS_TITLE if index == 0 else "\u200b"
        if index >= MAX_FIELDS or len(embed) + len(name) + len(chunk) > EMBED_BUDGET:
            break
        embed.add_field(name=name, value=chunk, inline=False)
        shown += 1
    if shown < len(chunks):
        hidden = sum(chunk.count("\n") + 1 for chunk in chunks[shown:])
        embed.add_field(name="\u200b", value=text.HELP_MORE.format(count=hidden), inline=False)
    return Reply(embeds=(embed,))


def _chunks(lines: Sequence[str], limit: int) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = line[:limit]
        extra = len(line) + (1 if current else 0)
        if current and size + extra > limit:
            chunks.append("\n".join(current))
            current, size = [], 0
            extra = len(line)
        current.append(line)
        size += extra
    if current:
        chunks.append("\n".join(current))
    return chunks
