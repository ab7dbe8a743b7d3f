"""/termsofservice: the terms link(s) with Accept / Decline; the answer and its time are stored.

Guarded with the "termsofservice" policy (no terms needed, obviously), so a newcomer's first
/termsofservice creates their player record like any first contact.
"""

from __future__ import annotations

from typing import Any, ClassVar

import discord

from evoladder.bot.components.terms import TERMS_ITEMS, terms_reply
from evoladder.bot.interaction import Call, LadderCog, ladder_command
from evoladder.bot.reply import Reply
from evoladder.i18n.text import accounts as text


class TermsCog(LadderCog):
    dynamic_items: ClassVar[tuple[type[discord.ui.DynamicItem[Any]], ...]] = TERMS_ITEMS

    @ladder_command(name="termsofservice", description=text.TERMS_DESCRIPTION)
    async def termsofservice(self, call: Call) -> Reply:
        return terms_reply(call.require_player(), self.deps.settings.terms_urls)
