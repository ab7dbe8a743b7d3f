"""REST routes about the bot itself and its guilds: gateway discovery, users, the application,
application commands, and the guild data a bot reads (channels, roles, members).

``GET /gateway/bot`` returns this server's websocket URL, so a client that discovers its gateway
the documented way (``AutoShardedClient``, or a composition root calling
``HTTPClient.get_bot_gateway``) lands here.
"""

from __future__ import annotations

from typing import Any

from . import commands, errors, limits, payloads
from .context import ApiContext
from .rest import NO_CONTENT, Call, Route
from .state import Guild

Json = dict[str, Any]


class AppRoutes:
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx
        self.state = ctx.state

    def routes(self) -> list[Route]:
        apps = "/applications/{application_id}"
        guild_cmds = apps + "/guilds/{guild_id}/commands"
        members = "/guilds/{guild_id}/members/{user_id}"
        return [
            Route("GET", "/gateway", self.gateway, auth=False),
            Route("GET", "/gateway/bot", self.gateway_bot),
            Route("GET", "/users/@me", self.me),
            Route("GET", "/users/{user_id}", self.user),
            Route("GET", "/applications/@me", self.application),
            Route("GET", "/oauth2/applications/@me", self.application),
            Route("GET", apps + "/commands", self.list_commands),
            Route("PUT", apps + "/commands", self.overwrite_commands),
            Route("POST", apps + "/commands", self.create_command),
            Route("GET", apps + "/commands/{command_id}", self.get_command),
            Route("PATCH", apps + "/commands/{command_id}", self.update_command),
            Route("DELETE", apps + "/commands/{command_id}", self.delete_command),
            Route("GET", guild_cmds, self.list_commands, major=("guild_id",)),
            Route("PUT", guild_cmds, self.overwrite_commands, major=("guild_id",)),
            Route("POST", guild_cmds, self.create_command, major=("guild_id",)),
            Route("GET", guild_cmds + "/{command_id}", self.get_command, major=("guild_id",)),
            Route("PATCH", guild_cmds + "/{command_id}", self.update_command, major=("guild_id",)),
            Route("DELETE", guild_cmds + "/{command_id}", self.delete_command, major=("guild_id",)),
            Route("GET", "/guilds/{guild_id}", self.guild, major=("guild_id",)),
            Route("GET", "/guilds/{guild_id}/channels", self.guild_channels, major=("guild_id",)),
            Route("GET", "/guilds/{guild_id}/roles", self.guild_roles, major=("guild_id",)),
            Route("GET", "/guilds/{guild_id}/members", self.list_members, major=("guild_id",)),
            Route("GET", members, self.member, major=("guild_id",)),
            Route("PUT", members + "/roles/{role_id}", self.add_role, major=("guild_id",)),
            Route("DELETE", members + "/roles/{role_id}", self.remove_role, major=("guild_id",)),
        ]

    # -- gateway, users, application ---------------------------------------------------

    async def gateway(self, call: Call) -> Json:
        return {"url": self.ctx.gateway_url()}

    async def gateway_bot(self, call: Call) -> Json:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return {"url": self.ctx.gateway_url(), "shards": 1, "session_start_limit": limit}

    async def me(self, call: Call) -> Json:
        extra = {"verified": True, "mfa_enabled": False, "email": None, "locale": payloads.LOCALE}
        return payloads.user(self.state.bot) | extra

    async def user(self, call: Call) -> Json:
        return payloads.user(self.state.user(call.snowflake("user_id", errors.unknown_user)))

    async def application(self, call: Call) -> Json:
        return payloads.application(self.state)

    # -- application commands ----------------------------------------------------------

    def _scope(self, call: Call) -> int | None:
        if call.snowflake("application_id", errors.unknown_webhook) != self.state.application_id:
            raise errors.missing_access()
        if "guild_id" not in call.params:
            return None
        guild = self._bot_guild(call)
        return guild.id

    async def list_commands(self, call: Call) -> list[Json]:
        return [payloads.command(c) for c in self.state.commands_for(self._scope(call))]

    async def overwrite_commands(self, call: Call) -> list[Json]:
        scope = self._scope(call)
        definitions = call.body or []
        problems = limits.commands_problems(definitions)
        if problems:
            raise errors.invalid_form_body(problems)
        saved = commands.overwrite(self.state, scope, definitions)
        self.ctx.world.feed.notify(("commands",))
        return [payloads.command(c) for c in saved]

    async def create_command(self, call: Call) -> Json:
        scope = self._scope(call)
        definition = call.json()
        problems = limits.command_problems(definition)
        if problems:
            raise errors.invalid_form_body(problems)
        kind = int(definition.get("type") or 1)
        current = next(
            (c for c in self.state.commands_for(scope) if (c.name, c.type) == (definition["name"], kind)),
            None,
        )
        saved = commands.upsert(self.state, scope, definition, current)
        self.ctx.world.feed.notify(("commands",))
        return payloads.command(saved)

    async def get_command(self, call: Call) -> Json:
        scope = self._scope(call)
        command_id = call.snowflake("command_id", errors.unknown_command)
        return payloads.command(self.state.command(command_id, scope))

    async def update_command(self, call: Call) -> Json:
        scope = self._scope(call)
        command = self.state.command(call.snowflake("command_id", errors.unknown_command), scope)
        definition = command.definition | call.json()
        problems = limits.command_problems(definition)
        if problems:
            raise errors.invalid_form_body(problems)
        saved = commands.upsert(self.state, scope, definition, command)
        self.ctx.world.feed.notify(("commands",))
        return payloads.command(saved)

    async def delete_command(self, call: Call) -> object:
        scope = self._scope(call)
        command = self.state.command(call.snowflake("command_id", errors.unknown_command), scope)
        del self.state.commands[command.id]
        self.ctx.world.feed.notify(("commands",))
        return NO_CONTENT

    # -- guilds ------------------------------------------------------------------------

    def _bot_guild(self, call: Call) -> Guild:
        guild = self.state.guild(call.snowflake("guild_id", errors.unknown_guild))
        if self.state.bot.id not in guild.members:
            raise errors.missing_access()
        return guild

    async def guild(self, call: Call) -> Json:
        guild = self._bot_guild(call)
        counts = {"approximate_member_count": len(guild.members), "approximate_presence_count": 0}
        return payloads.guild(self.state, guild) | counts

    async def guild_channels(self, call: Call) -> list[Json]:
        guild = self._bot_guild(call)
        return [payloads.channel(self.state, self.state.channels[c]) for c in guild.channel_ids]

    async def guild_roles(self, call: Call) -> list[Json]:
        return [payloads.role(r) for r in self._bot_guild(call).roles.values()]

    async def list_members(self, call: Call) -> list[Json]:
        guild = self._bot_guild(call)
        limit = int(call.query.get("limit", "1"))
        after = int(call.query.get("after", "0"))
        chosen = sorted(uid for uid in guild.members if uid > after)[:limit]
        return [payloads.member(self.state, guild.members[uid]) for uid in chosen]

    async def member(self, call: Call) -> Json:
        guild = self._bot_guild(call)
        user_id = call.snowflake("user_id", errors.unknown_member)
        return payloads.member(self.state, self.state.member(guild.id, user_id))

    async def add_role(self, call: Call) -> object:
        return self._change_role(call, add=True)

    async def remove_role(self, call: Call) -> object:
        return self._change_role(call, add=False)

    def _change_role(self, call: Call, *, add: bool) -> object:
        guild = self._bot_guild(call)
        member = self.state.member(guild.id, call.snowflake("user_id", errors.unknown_member))
        role = guild.roles.get(call.snowflake("role_id", errors.unknown_role))
        if role is None:
            raise errors.unknown_role()
        roles = [guild.roles[r] for r in member.role_ids if r != role.id] + ([role] if add else [])
        self.ctx.world.set_member_roles(guild, self.state.user(member.user_id), roles)
        return NO_CONTENT
