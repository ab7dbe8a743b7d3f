"""/admin subcommands about one player: player, adjust_mmr, remove_queue, unblock_queue, ban,
unban, reset_aborts.

Players are named the same way everywhere (``player`` option): a Discord id, an @mention, a
Discord username or an in-game main id; a name several players share is refused with their ids.
That works in DMs too, where Discord's user picker cannot reach guild members. ``/admin player``
also takes a user picked with Discord's picker (in a guild). Every write needs a reason, which
the owning service stores in ``admin_actions``; adjust_mmr and ban ask for a confirmation first.
"""

from __future__ import annotations

import discord
from discord import app_commands

from evoladder.bot.cogs.admin_base import AdminCommands, PlayerName, Reason, admin_command, display, user_id
from evoladder.bot.components.admin import confirmation
from evoladder.bot.interaction import Call, describe
from evoladder.bot.render import admin as render
from evoladder.bot.reply import Reply
from evoladder.domain.errors import TargetPlayerNotFound, ValidationError
from evoladder.domain.players import ABORTS_PER_MONTH
from evoladder.i18n.text import admin as text
from evoladder.services.admin_players import ABORTS_MAX, require_reason

AbortCount = app_commands.Range[int, 0, ABORTS_MAX]


class AdminPlayerCommands(AdminCommands):
    @describe(user=text.OPT_USER, uid=text.OPT_UID, username=text.OPT_NAME)
    @admin_command(name="player", description=text.PLAYER_DESCRIPTION)
    async def player(
        self,
        call: Call,
        user: discord.User | None = None,
        uid: str | None = None,
        username: str | None = None,
    ) -> Reply:
        """Look a player up by exactly one of: a picked user, a Discord id, a name."""
        by_id = str(user_id(uid)) if uid else None
        given = [v for v in (str(user.id) if user else None, by_id, username) if v]
        if len(given) != 1:
            raise ValidationError("player", text.ONE_PLAYER_OPTION)
        files = await self.console.player_files(call.uid, given[0])
        call.checkpoint("reads")
        if not files:
            raise TargetPlayerNotFound()
        return render.player_files(files, self.deps.game)

    @describe(
        player=text.OPT_PLAYER,
        race=text.OPT_RACE,
        value=text.OPT_VALUE,
        delta=text.OPT_DELTA,
        reason=text.OPT_REASON,
    )
    @admin_command(name="adjust_mmr", description=text.ADJUST_MMR_DESCRIPTION)
    async def adjust_mmr(
        self,
        call: Call,
        player: PlayerName,
        race: str,
        reason: Reason,
        value: int | None = None,
        delta: int | None = None,
    ) -> Reply:
        """Preview the change (as a new value or a difference), then set it on Confirm."""
        if (value is None) == (delta is None):
            raise ValidationError("mmr", text.ONE_MMR_OPTION)
        why = require_reason(reason)
        preview = await self.console.mmr_preview(call.uid, player, race, value=value, delta=delta)
        call.checkpoint("reads")
        target = preview.player

        async def apply(confirm: Call) -> str:
            done = await self.console.adjust_mmr(
                confirm.uid, target.discord_uid, preview.race, preview.before, preview.after, why
            )
            return render.mmr_done(display(target), done, self.deps.game)

        return confirmation(call.uid, render.mmr_question(preview, self.deps.game, why), apply)

    @adjust_mmr.autocomplete("race")
    async def _race_choices(
        self, interaction: discord.Interaction[discord.Client], current: str
    ) -> list[app_commands.Choice[str]]:
        """The races of the game data whose code or name contains what was typed."""
        typed = current.strip().casefold()
        return [
            app_commands.Choice(name=race.name, value=race.code)
            for race in self.deps.game.races.values()
            if typed in race.code.casefold() or typed in race.name.casefold()
        ][:25]

    @describe(player=text.OPT_PLAYER, reason=text.OPT_REASON)
    @admin_command(name="remove_queue", description=text.REMOVE_QUEUE_DESCRIPTION)
    async def remove_queue(self, call: Call, player: PlayerName, reason: Reason) -> Reply:
        target = await self.target(call, player)
        await self.console.remove_from_queue(call.uid, target.discord_uid, reason)
        return Reply(content=text.REMOVED_DONE.format(name=display(target)))

    @describe(player=text.OPT_PLAYER, reason=text.OPT_REASON)
    @admin_command(name="unblock_queue", description=text.UNBLOCK_DESCRIPTION)
    async def unblock_queue(self, call: Call, player: PlayerName, reason: Reason) -> Reply:
        """Back to idle when nothing backs the player's queueing / in-match state any more."""
        target = await self.target(call, player)
        unblocked = await self.console.unblock(call.uid, target.discord_uid, reason)
        return Reply(content=render.unblocked(display(target), unblocked))

    @describe(player=text.OPT_PLAYER, reason=text.OPT_REASON)
    @admin_command(name="ban", description=text.BAN_DESCRIPTION)
    async def ban(self, call: Call, player: PlayerName, reason: Reason) -> Reply:
        """Preview what the ban ends (queue entry, open match), then ban on Confirm."""
        why = require_reason(reason)
        preview = await self.console.ban_preview(call.uid, player)
        call.checkpoint("reads")
        target = preview.player

        async def apply(confirm: Call) -> str:
            await self.deps.admin_players.ban(confirm.uid, target.discord_uid, why)
            return text.BAN_DONE.format(name=display(target))

        return confirmation(call.uid, render.ban_question(preview, why), apply)

    @describe(player=text.OPT_PLAYER, reason=text.OPT_REASON)
    @admin_command(name="unban", description=text.UNBAN_DESCRIPTION)
    async def unban(self, call: Call, player: PlayerName, reason: Reason) -> Reply:
        target = await self.target(call, player)
        await self.deps.admin_players.unban(call.uid, target.discord_uid, reason)
        return Reply(content=text.UNBAN_DONE.format(name=display(target)))

    @describe(player=text.OPT_PLAYER, reason=text.OPT_REASON, count=text.OPT_ABORT_COUNT)
    @admin_command(name="reset_aborts", description=text.RESET_ABORTS_DESCRIPTION)
    async def reset_aborts(
        self, call: Call, player: PlayerName, reason: Reason, count: AbortCount | None = None
    ) -> Reply:
        target = await self.target(call, player)
        left = ABORTS_PER_MONTH if count is None else count
        await self.deps.admin_players.reset_aborts(call.uid, target.discord_uid, reason, left)
        return Reply(content=text.RESET_ABORTS_DONE.format(name=display(target), left=left))
