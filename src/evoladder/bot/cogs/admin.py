"""/admin: the ladder's admin tools, one slash command group (``/admin <subcommand>``).

The subcommands live in three classes mixed into one ``GroupCog`` (discord.py collects the
commands of every class in the MRO): players (``admin_players``), matches and the queue
(``admin_matches``), and the ladder-wide ones here (snapshot, activation codes, staff). Where the
command works and who may use it is decided in ``admin_base``. Every subcommand is a thin
parse -> ``AdminConsole`` (or the player tools) -> render; the services check the admin role on
every call and audit every write with its reason.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from evoladder.bot.cogs.admin_base import AdminCommands, Reason, admin_command, user_id
from evoladder.bot.cogs.admin_matches import AdminMatchCommands
from evoladder.bot.cogs.admin_players import AdminPlayerCommands
from evoladder.bot.components.admin import confirmation
from evoladder.bot.interaction import Call, describe
from evoladder.bot.render import admin as render
from evoladder.bot.render import seasons as render_seasons
from evoladder.bot.reply import Reply
from evoladder.i18n.text import admin as text
from evoladder.services.admin_players import CODES_MAX, require_reason
from evoladder.services.seasons import NAME_MAX

CodeCount = app_commands.Range[int, 1, CODES_MAX]
Batch = app_commands.Range[str, 1, 32]
StaffId = app_commands.Range[str, 1, 40]
SeasonName = app_commands.Range[str, 1, NAME_MAX]
Percent = app_commands.Range[int, 0, 100]


class AdminLadderCommands(AdminCommands):
    @admin_command(name="snapshot", description=text.SNAPSHOT_DESCRIPTION)
    async def snapshot(self, call: Call) -> Reply:
        found = await self.console.snapshot(call.uid)
        call.checkpoint("reads")
        return render.snapshot(found)

    @describe(count=text.OPT_COUNT, reason=text.OPT_REASON)
    @admin_command(name="codes_create", description=text.CODES_CREATE_DESCRIPTION)
    async def codes_create(self, call: Call, count: CodeCount, reason: Reason) -> Reply:
        """The codes are shown once (inline and as a file) and never logged."""
        batch = await self.deps.admin_players.create_activation_codes(call.uid, count, reason)
        call.checkpoint("reads")
        return render.codes_created(batch)

    @describe(batch=text.OPT_BATCH)
    @admin_command(name="codes_list", description=text.CODES_LIST_DESCRIPTION)
    async def codes_list(self, call: Call, batch: Batch | None = None) -> Reply:
        """Without a batch: the batches with their unused counts; with one: its unused codes."""
        if batch is None:
            batches = await self.console.code_batches(call.uid)
            call.checkpoint("reads")
            return render.code_batches(batches)
        unused = await self.deps.admin_players.unused_codes(call.uid, batch.strip())
        call.checkpoint("reads")
        return render.unused_codes(batch.strip(), unused)

    @admin_command(name="admins", description=text.ADMINS_DESCRIPTION)
    async def admins(self, call: Call) -> Reply:
        roles, names = await self.console.admins(call.uid)
        call.checkpoint("reads")
        return render.staff(roles, names)

    @describe(user=text.OPT_STAFF, reason=text.OPT_REASON)
    @admin_command(name="admin_add", description=text.ADMIN_ADD_DESCRIPTION)
    async def admin_add(self, call: Call, user: StaffId, reason: Reason) -> Reply:
        """Owners only (the service checks); the new admin needs no player record."""
        uid = user_id(user)
        await self.deps.admin_players.add_admin(call.uid, uid, reason)
        return Reply(content=text.ADMIN_ADDED.format(user=f"<@{uid}>"))

    @describe(user=text.OPT_STAFF, reason=text.OPT_REASON)
    @admin_command(name="admin_remove", description=text.ADMIN_REMOVE_DESCRIPTION)
    async def admin_remove(self, call: Call, user: StaffId, reason: Reason) -> Reply:
        uid = user_id(user)
        await self.deps.admin_players.remove_admin(call.uid, uid, reason)
        return Reply(content=text.ADMIN_REMOVED.format(user=f"<@{uid}>"))


class AdminSeasonCommands(AdminCommands):
    @describe(
        reason=text.OPT_REASON, season_name=text.OPT_SEASON_NAME, map_pool=text.OPT_MAP_POOL,
        percent=text.OPT_PERCENT,
    )
    @admin_command(name="season_start", description=text.SEASON_START_DESCRIPTION)
    async def season_start(
        self,
        call: Call,
        reason: Reason,
        season_name: SeasonName | None = None,
        map_pool: str | None = None,
        percent: Percent | None = None,
    ) -> Reply:
        """Preview what the season start does, then do it all on Confirm (one transaction)."""
        why = require_reason(reason)
        plan = await self.deps.seasons.preview(call.uid, name=season_name, map_pool=map_pool, percent=percent)
        call.checkpoint("reads")

        async def apply(confirm: Call) -> str:
            return render_seasons.season_started(await self.deps.seasons.start(confirm.uid, plan, why))

        return confirmation(call.uid, render_seasons.season_question(plan, why), apply)

    @season_start.autocomplete("map_pool")
    async def _pool_choices(
        self, interaction: discord.Interaction[discord.Client], current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.strip().casefold()
        pools = [code for code in self.deps.game.seasons if typed in code.casefold()]
        return [app_commands.Choice(name=code, value=code) for code in pools][:25]


class AdminCog(
    AdminSeasonCommands,
    AdminLadderCommands,
    AdminPlayerCommands,
    AdminMatchCommands,
    commands.GroupCog,
    name="admin",
    group_name="admin",
    group_description=text.GROUP_DESCRIPTION,
):
    """The /admin group (the three command classes above, registered as one cog)."""
