"""/setup: opens the identity modal pre-filled from the player's record (see components.setup).

The modal must be the first answer, within Discord's 3 seconds: the record comes from the
guard (the cached player record), so opening it costs no query.
"""

from __future__ import annotations

from evoladder.bot.components.setup import Form, SetupModal
from evoladder.bot.interaction import Call, LadderCog, ladder_command
from evoladder.bot.reply import ModalReply
from evoladder.i18n.text import accounts as text


class SetupCog(LadderCog):
    @ladder_command(name="setup", description=text.SETUP_DESCRIPTION)
    async def setup(self, call: Call) -> ModalReply:
        return ModalReply(SetupModal(Form.of(call.require_player())))
