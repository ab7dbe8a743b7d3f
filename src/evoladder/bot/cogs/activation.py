"""/activate: redeem a single-use activation code (admins create them in batches)."""

from __future__ import annotations

from discord import app_commands

from evoladder.bot.interaction import Call, LadderCog, describe, ladder_command
from evoladder.bot.reply import Reply
from evoladder.i18n.text import accounts as text

CODE_MAX = 64


class ActivationCog(LadderCog):
    @describe(code=text.ACTIVATE_OPTION)
    @ladder_command(name="activate", description=text.ACTIVATE_DESCRIPTION)
    async def activate(self, call: Call, code: app_commands.Range[str, 1, CODE_MAX]) -> Reply:
        await self.deps.accounts.redeem_activation_code(call.uid, code)
        call.checkpoint("reads")
        done = text.ACTIVATED if self.deps.settings.activation_required else text.ACTIVATED_NOT_NEEDED
        return Reply(content=done)
