"""/ping: a slash command that does nothing but answer "ok".

It goes through the same wrapper as every command (log, timing, admission, error handling) but
has no guard and no service call, so its round trip is the baseline the ``bot_roundtrip`` bench
compares /profile and /leaderboard against.
"""

from __future__ import annotations

from evoladder.bot.interaction import Call, LadderCog, ladder_command
from evoladder.bot.render import help as render
from evoladder.bot.reply import Reply
from evoladder.i18n.text import help as text


class PingCog(LadderCog):
    @ladder_command(name="ping", description=text.PING_DESCRIPTION, guard=False, dm_only=False)
    async def ping(self, call: Call) -> Reply:
        return render.ping()
