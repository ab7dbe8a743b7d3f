"""What the /admin command classes share: the command decorator and option parsing.

Where /admin works (decided here, for every subcommand): in the bot's DMs **and** in guild
channels, e.g. a staff channel. The house rule makes the answers ephemeral in a guild, so a
player file or a confirmation is only ever seen by the admin who asked; in DMs they are plain
messages. The DM-only setting does not apply: admins often work from the staff channel.

Who may use it: the database roster (admins and owners; owners come from the settings). The
command stays visible to everyone (Discord's permission gate would hide it from admins whose
Discord role lacks the permission, and the roster is the authority); a non-admin gets "You are
not allowed to do that." from the console's role check before anything is read or written.
The guard runs with the ``admin`` policy (no terms needed; a banned account is refused).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, TypeVar

from discord import app_commands

from evoladder.bot.components.admin import ADMIN_POLICY
from evoladder.bot.interaction import Call, LadderCog, ladder_command
from evoladder.bot.render.markdown import plain
from evoladder.bot.reply import Answer
from evoladder.domain.errors import ValidationError
from evoladder.domain.identity import parse_discord_id
from evoladder.domain.players import Player
from evoladder.i18n.text import admin as text
from evoladder.services.admin_console import AdminConsole
from evoladder.services.admin_players import REASON_MAX

CogT = TypeVar("CogT", bound="AdminCommands")
P = ParamSpec("P")
_USER_ID = re.compile(r"^(?:<@!?)?([0-9]{15,21})>?$")

Method = Callable[Concatenate[CogT, Call, P], Awaitable[Answer]]

Reason = app_commands.Range[str, 1, REASON_MAX]
"""Every write's reason: required, at most what ``admin_actions`` keeps (checked by Discord too)."""
PlayerName = app_commands.Range[str, 1, 100]
"""A player as an admin names them: Discord id, @mention, username or main id."""


def admin_command(
    *, name: str, description: str
) -> Callable[[Method[CogT, P]], app_commands.Command[CogT, P, None]]:
    """A /admin subcommand: the wrapper with the admin policy, usable in guilds and DMs."""
    return ladder_command(name=name, description=description, policy=ADMIN_POLICY, dm_only=False)


class AdminCommands(LadderCog):
    """Base of the /admin command classes (mixed into one ``GroupCog`` by ``cogs.admin``)."""

    @property
    def console(self) -> AdminConsole:
        return self.deps.admin_console

    async def target(self, call: Call, player: str) -> Player:
        """The one player an action is about (``AmbiguousPlayer`` / not found otherwise)."""
        found = await self.console.target(call.uid, player)
        call.checkpoint("reads")
        return found


def user_id(value: str) -> int:
    """A Discord id typed or pasted as digits or as an @mention (staff may have no player record)."""
    found = _USER_ID.match(value.strip())
    uid = parse_discord_id(found.group(1)) if found else None
    if uid is None:
        raise ValidationError("user", text.NOT_A_USER_ID)
    return uid


def display(player: Player) -> str:
    """The player's name for an admin answer, shown as typed (markdown and mentions escaped)."""
    return plain(player.main_id or player.discord_username)
