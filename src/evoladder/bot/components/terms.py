"""The Accept / Decline buttons of /termsofservice (persistent: they work after a restart).

The buttons act on the record of whoever clicks them: they sit in the player's own DM, and a
click can only ever answer for the clicker, so their custom ids need no owner. Their guard
policy is "termsofservice", which does not require accepted terms (the default policy does).
"""

from __future__ import annotations

import re
from typing import Any, Self

import discord

from evoladder.bot.interaction import Call, FlowSpec, LadderItem, custom_id
from evoladder.bot.render import accounts as render
from evoladder.bot.reply import Answer, Reply
from evoladder.bot.strings import accounts as text
from evoladder.domain.players import Player

POLICY = "termsofservice"


def terms_reply(player: Player, urls: tuple[str, ...], *, edit: bool = False) -> Reply:
    """The terms with the player's current answer, and both buttons (an answer can be changed)."""
    view = discord.ui.View(timeout=None)
    view.add_item(AcceptTerms())
    view.add_item(DeclineTerms())
    embed = render.terms(urls, player.terms_accepted_at, player.terms_declined_at)
    return Reply(embeds=(embed,), view=view, edit=edit)


class AcceptTerms(LadderItem[discord.ui.Button[Any]], template=r"evo:tos:accept"):
    spec = FlowSpec("termsofservice.accept", policy=POLICY)

    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(
                label=text.ACCEPT_LABEL,
                style=discord.ButtonStyle.success,
                custom_id=custom_id("tos", "accept"),
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls()

    async def handle(self, call: Call) -> Answer:
        player = await call.deps.accounts.accept_terms(call.uid)
        call.checkpoint("reads")
        return terms_reply(player, call.deps.settings.terms_urls, edit=True)


class DeclineTerms(LadderItem[discord.ui.Button[Any]], template=r"evo:tos:decline"):
    spec = FlowSpec("termsofservice.decline", policy=POLICY)

    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(
                label=text.DECLINE_LABEL,
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id("tos", "decline"),
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls()

    async def handle(self, call: Call) -> Answer:
        player = await call.deps.accounts.decline_terms(call.uid)
        call.checkpoint("reads")
        return terms_reply(player, call.deps.settings.terms_urls, edit=True)


TERMS_ITEMS: tuple[type[LadderItem[Any]], ...] = (AcceptTerms, DeclineTerms)
