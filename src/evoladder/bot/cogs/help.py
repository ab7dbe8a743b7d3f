"""/help: how to start, and every registered command with its description.

The list is generated from the command tree, so a feature's command appears in /help the moment
its cog is loaded, with the description it registers (there is no second list to keep in sync).
Guarded with the guard's "help" policy (no terms needed), so a newcomer's first /help creates
their player record like any first contact; it works in guilds too (not DM-only).

The /admin subcommands are listed to admins and owners only: to a player they are noise (and
every one of them would answer "not allowed"); a player sees one line saying admin tools exist.
"""

from __future__ import annotations

from evoladder.bot.interaction import Call, LadderCog, iter_commands, ladder_command
from evoladder.bot.render import help as render
from evoladder.bot.reply import Reply
from evoladder.i18n import active_language
from evoladder.i18n.text import help as text


class HelpCog(LadderCog):
    @ladder_command(name="help", description=text.HELP_DESCRIPTION, dm_only=False)
    async def help(self, call: Call) -> Reply:
        tree = call.interaction.client.tree
        is_admin = await self.deps.roster.role_of(call.uid) is not None
        commands = list(iter_commands(tree))
        catalogs, language = self.deps.catalogs, active_language()
        lines = [
            # discord.py holds the English descriptions; the reader gets their language's
            render.CommandLine(c.qualified_name, catalogs.translate(c.description, language) or c.description)
            for c in commands
            if is_admin or not _is_admin_command(c.qualified_name)
        ]
        if not is_admin and any(_is_admin_command(c.qualified_name) for c in commands):
            lines.append(render.CommandLine(ADMIN_GROUP, text.HELP_ADMIN_HIDDEN))
        return render.help_reply(lines, dm_only=self.deps.settings.dm_only)


ADMIN_GROUP = "admin"


def _is_admin_command(qualified_name: str) -> bool:
    return qualified_name.split(" ", 1)[0] == ADMIN_GROUP
