"""What a handler returns: a description of the answer, which the interaction wrapper sends.

Handlers never call ``interaction.response`` themselves. Returning a value instead keeps them
testable without Discord and lets the one wrapper apply the rules every answer follows: ephemeral
in guilds and plain in DMs, one response per interaction (a follow-up when the answer was
deferred), the ``send`` checkpoint of the flow timing, and tracking of long-lived messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import discord


@dataclass(frozen=True, slots=True)
class Track:
    """Remember the sent message in ``bot_messages`` so it can be edited (or pruned) later.

    Long-lived messages (the searching view, a match's message) are edited through their channel
    and message id with the bot token; the interaction token dies after 15 minutes.
    """

    kind: str
    match_id: int | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """A message answer. ``edit`` replaces the message whose component was used (components only).

    ``ephemeral=None`` applies the house rule (ephemeral in guilds, plain in DMs); ``True`` or
    ``False`` overrides it for the rare answer that must differ.
    """

    content: str | None = None
    embeds: Sequence[discord.Embed] = ()
    view: discord.ui.View | None = None
    files: Sequence[discord.File] = ()
    edit: bool = False
    ephemeral: bool | None = None
    track: Track | None = None
    allowed_mentions: discord.AllowedMentions = field(default_factory=discord.AllowedMentions.none)


@dataclass(frozen=True, slots=True)
class ModalReply:
    """Open a modal. Only possible as the first response, so handlers that return one must be fast."""

    modal: discord.ui.Modal


@dataclass(frozen=True, slots=True)
class Ack:
    """Acknowledge a component use without a visible answer (Discord's "deferred update").

    For buttons whose effect arrives another way: e.g. an abort, after which the notifier edits
    the match message of both players through the outbound queue. Editing that message from the
    click as well would race with those edits.
    """


@dataclass(frozen=True, slots=True)
class NoReply:
    """The handler answered by itself (e.g. an autocomplete) or nothing must be sent."""


Answer = Reply | ModalReply | Ack | NoReply


def message_kwargs(reply: Reply, *, files: str | None = None) -> dict[str, Any]:
    """The keyword arguments of discord.py's send and edit calls for ``reply``.

    Files go in only when ``files`` names their argument: ``"files"`` for a send,
    ``"attachments"`` for an edit (which replaces the message's attachments).
    """
    kwargs: dict[str, Any] = {"allowed_mentions": reply.allowed_mentions}
    if reply.content is not None:
        kwargs["content"] = reply.content
    if reply.embeds:
        kwargs["embeds"] = list(reply.embeds)
    if reply.view is not None:
        kwargs["view"] = reply.view
    if files is not None and reply.files:
        kwargs[files] = list(reply.files)
    return kwargs
