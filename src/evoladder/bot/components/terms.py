"""The Accept / Decline buttons of /termsofservice (persistent: they work after a restart).

The buttons act on the record of whoever clicks them: they sit in the player's own DM, and a
click can only ever answer for the clicker, so their custom ids need no owner. Their guard
policy is "termsofservice", which does not require accepted terms (the default policy does).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Self

import discord

from evoladder.bot.interaction import Call, FlowSpec, LadderItem, custom_id
from evoladder.bot.render import accounts as render
from evoladder.bot.reply import Answer, Reply
from evoladder.domain.players import Player
from evoladder.i18n.text import accounts as text

POLICY = "termsofservice"


def terms_reply(player: Player, urls: tuple[str, ...], *, edit: bool = False) -> Reply:
    """The terms with the player's current answer, and both buttons (an answer can be changed)."""
    view = discord.ui.View(timeout=None)
    view.add_item(AcceptTerms())
    view.add_item(DeclineTerms())
    embed = render.terms(urls, player.terms_accepted_at, player.terms_declined_at)
    return Reply(embeds=(embed,), view=view, edit=edit)


class TermsButton(LadderItem[discord.ui.Button[Any]], template=r"(?!)"):
    """Accept or Decline: records the clicker's answer, then shows the terms with it.

    Subclasses set ``action`` (the custom id ``evo:tos:<action>``, also their ``template``),
    ``label_key`` (the catalog key of the label, read when the button is built), ``button_style``,
    ``spec`` and ``answer``. The base's template matches
    nothing; it is never registered.
    """

    action: ClassVar[str]
    label_key: ClassVar[str]
    button_style: ClassVar[discord.ButtonStyle]

    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(
                label=getattr(text, self.label_key),
                style=self.button_style,
                custom_id=custom_id("tos", self.action),
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls()

    async def answer(self, call: Call) -> Player:
        raise NotImplementedError

    async def handle(self, call: Call) -> Answer:
        player = await self.answer(call)
        call.checkpoint("reads")
        return terms_reply(player, call.deps.settings.terms_urls, edit=True)


class AcceptTerms(TermsButton, template=r"evo:tos:accept"):
    spec = FlowSpec("termsofservice.accept", policy=POLICY)
    action = "accept"
    label_key = "ACCEPT_LABEL"
    button_style = discord.ButtonStyle.success

    async def answer(self, call: Call) -> Player:
        return await call.deps.accounts.accept_terms(call.uid)


class DeclineTerms(TermsButton, template=r"evo:tos:decline"):
    spec = FlowSpec("termsofservice.decline", policy=POLICY)
    action = "decline"
    label_key = "DECLINE_LABEL"
    button_style = discord.ButtonStyle.secondary

    async def answer(self, call: Call) -> Player:
        return await call.deps.accounts.decline_terms(call.uid)


TERMS_ITEMS: tuple[type[LadderItem[Any]], ...] = (AcceptTerms, DeclineTerms)
