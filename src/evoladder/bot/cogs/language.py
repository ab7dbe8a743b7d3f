"""/language: the language the ladder speaks to the player (also a select in /setup).

It works before the terms are accepted (a player may want to read them in their language) and
outside DMs. The answer is already in the new language: that is the confirmation.
"""

from __future__ import annotations

from discord import app_commands

from evoladder.bot.interaction import Call, LadderCog, describe, ladder_command
from evoladder.bot.reply import Reply
from evoladder.i18n import LANGUAGES, using
from evoladder.i18n.languages import ENDONYMS
from evoladder.i18n.text import language as text

CHOICES = [app_commands.Choice(name=ENDONYMS[code], value=code) for code in LANGUAGES]


class LanguageCog(LadderCog):
    @describe(language=text.LANGUAGE_OPTION)
    @app_commands.choices(language=CHOICES)
    @ladder_command(name="language", description=text.LANGUAGE_DESCRIPTION, dm_only=False)
    async def language(self, call: Call, language: str) -> Reply:
        player = await self.deps.accounts.set_language(call.uid, language)
        call.checkpoint("reads")
        with using(self.deps.catalogs.get(player.language)):
            return Reply(content=text.CHANGED)
