"""Pieces the account features' views share: answering a modal in place, owner checks, options.

Why ``answer_modal`` exists: the wrapper edits the clicked message only for component
interactions. A modal opened from a button (the setup's Restart, the leaderboard's "Go to page")
should update that same message too (Discord's UPDATE_MESSAGE answer to a modal submission),
otherwise every correction would leave another stale copy of the form in the DM. The handler
then answers by itself and returns :class:`~evoladder.bot.reply.NoReply`, as the reply module
allows. Its edit replaces content, embeds and components entirely.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import discord

from evoladder.bot.interaction import Call
from evoladder.bot.reply import Answer, NoReply, Reply
from evoladder.domain.errors import LadderError
from evoladder.i18n.text import common


async def answer_modal(call: Call, reply: Reply) -> Answer:
    """Edit the message the modal was opened from; a modal opened by a slash command answers anew."""
    interaction = call.interaction
    if interaction.message is None:
        return reply
    kwargs: dict[str, Any] = {
        "content": reply.content,
        "embeds": list(reply.embeds),
        "view": reply.view,
        "allowed_mentions": reply.allowed_mentions,
    }
    if interaction.response.is_done():  # the wrapper deferred a slow handler
        await interaction.edit_original_response(**kwargs)
    else:
        await interaction.response.edit_message(**kwargs)
    return NoReply()


def require_owner(call: Call, owner_uid: int) -> None:
    """Views answer only the player who opened them (a forged click by anyone else is refused)."""
    if call.uid != owner_uid:
        raise LadderError(common.NOT_YOUR_BUTTON)


def closed_view() -> discord.ui.View:
    """An empty view: editing a message with it removes its components."""
    return discord.ui.View(timeout=None)


def options(pairs: Iterable[tuple[str, str]], chosen: Iterable[str]) -> list[discord.SelectOption]:
    """Select options from ``(value, label)`` pairs, the ``chosen`` values pre-selected."""
    picked = set(chosen)
    return [
        discord.SelectOption(label=label[:100], value=value, default=value in picked)
        for value, label in pairs
    ]
