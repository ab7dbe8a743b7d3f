"""The Discord client: intents, where it connects, command sync, cogs and persistent items.

Built by the composition root with everything it needs (no globals). What it decides:

* **Intents**: ``guilds`` (the guild and channel objects interactions and the admin log refer
  to) and ``dm_messages`` (replay uploads arrive as DM messages with attachments). Not
  ``message_content``: Discord delivers the content and attachments of DMs with the bot without
  that privileged intent (the exemption covers DMs and mentions), so the bot needs no privileged
  intent at all and no toggle in the developer portal. No member list, no presence, no message
  cache: the ladder reads its own database, and the cache would only cost memory.
* **Where it connects**: the REST base is ``settings.discord_api_url`` (set by the composition
  root with :func:`~evoladder.bot.transport.point_discord_at`, see there for why it is a class
  attribute); the gateway is ``settings.discord_gateway_url`` when set, else what
  ``GET /gateway/bot`` returns (asked in ``setup_hook``, after login).
* **Command sync**: to ``sync_guild_id`` when set (instant, for trying changes in a test guild;
  guild commands do not show in DMs), else global. The bot compares the definitions with what
  Discord has and syncs only when they differ, so restarts do not spend the sync rate limit.
* **Contexts**: commands are offered in guilds and in the bot's DMs (the DM-only rule is the
  interaction wrapper's, so a guild user gets a pointer instead of a missing command).
* **Persistent items**: each cog's ``dynamic_items`` are registered in ``setup_hook``, before the
  gateway connects, so a click on a match button sent before a restart finds its handler.
* **Its own messages are not parsed**: Discord sends a MESSAGE_CREATE for every message the bot
  itself sends (each reply, each DM), and discord.py would build a full ``Message`` from it (a
  leaderboard's ~70 select options included) only for the bot to ignore it: nothing here reacts
  to the bot's own messages, and there is no message cache. :func:`skip_own_message_creates`
  drops those events before parsing, which was about a third of the CPU a board answer cost
  after its reply (BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from evoladder.bot.deps import BotDeps
from evoladder.bot.interaction import Flows, LadderCog
from evoladder.bot.outbound import Outbound, TraceHooks
from evoladder.bot.translator import CatalogTranslator
from evoladder.bot.transport import discover_gateway, install_single_shot_callbacks, set_gateway
from evoladder.i18n import using
from evoladder.i18n.text import common as common_text
from evoladder.logging_setup import event

log = logging.getLogger(__name__)

CogFactory = Callable[[BotDeps, Flows], LadderCog]

# A component interaction that no handler claimed by then gets "this button is no longer active"
# (a view that did not survive a restart); the wrapper defers its own slow flows at 2 s.
STALE_COMPONENT_AFTER = 2.4

# An interaction counts as the bot's work from its gateway frame (the site yields to it) until a
# wrapper takes it; one no wrapper takes (an autocomplete, a click nobody handles) stops counting
# after this many seconds, so the site is never held for work that is not coming.
ARRIVAL_TIMEOUT = 0.25

# discord.py raises RateLimited instead of sleeping when a (non-global) 429 asks for longer than
# this; the outbound queue then parks the job and keeps serving other channels. 30 s is the
# smallest value discord.py accepts.
MAX_RATELIMIT_SLEEP = 30.0


def ladder_intents() -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.dm_messages = True
    return intents


class LadderTree(app_commands.CommandTree["LadderBot"]):
    """Errors raised before the wrapper runs (an option that does not convert, a failed check)."""

    async def on_error(
        self, interaction: discord.Interaction[LadderBot], error: app_commands.AppCommandError
    ) -> None:
        client = interaction.client
        # the wrapper has not run: the reader's language from the cached record, else the client's
        with using(client.deps.languages.catalog_now(interaction.user.id, interaction.locale)):
            await client.flows.fail(interaction, error)


def skip_own_message_creates(client: discord.Client) -> None:
    """Drop MESSAGE_CREATE events authored by ``client``'s own user before discord.py parses them.

    Call after login (``setup_hook``), when the user is known. discord.py looks its gateway
    parsers up in ``ConnectionState.parsers`` (one dict per client, shared with the gateway), so
    wrapping the entry there is the one place to do it.
    """
    user = client.user
    if user is None:
        return
    own = str(user.id)
    parsers = client._connection.parsers
    parse = parsers["MESSAGE_CREATE"]

    def parse_unless_own(data: Any) -> None:
        author = data.get("author") or {}
        if str(author.get("id")) != own:
            parse(data)

    parsers["MESSAGE_CREATE"] = parse_unless_own


class LadderBot(commands.Bot):
    def __init__(
        self,
        *,
        deps: BotDeps,
        flows: Flows,
        outbound: Outbound,
        cogs: Sequence[CogFactory],
        sync_guild_id: int | None = None,
        gateway_url: str | None = None,
        sync_commands: bool = True,
    ) -> None:
        self._trace = TraceHooks(outbound)
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            tree_cls=LadderTree,
            intents=ladder_intents(),
            allowed_contexts=app_commands.AppCommandContext(
                guild=True, dm_channel=True, private_channel=False
            ),
            allowed_installs=app_commands.AppInstallationType(guild=True, user=False),
            http_trace=self._trace.config,
            max_ratelimit_timeout=MAX_RATELIMIT_SLEEP,
            max_messages=None,
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
        )
        self.deps = deps
        self.flows = flows
        flows.attach(self)
        self.outbound = outbound
        self._cog_factories = tuple(cogs)
        self._sync_guild_id = sync_guild_id
        self._gateway_url = gateway_url
        self._sync_commands = sync_commands
        self.ready = asyncio.Event()
        self._stale_answers: set[asyncio.Task[None]] = set()

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        # Called while the gateway frame is parsed, before any task of the interaction runs:
        # the earliest point the bot can tell the site on its loop to yield (Flows.arrived).
        if event_name == "interaction" and args:
            interaction_id = args[0].id
            self.flows.arrived(interaction_id)
            asyncio.get_running_loop().call_later(ARRIVAL_TIMEOUT, self.flows.forget, interaction_id)
        super().dispatch(event_name, *args, **kwargs)

    async def setup_hook(self) -> None:
        # setup_hook runs on the task that runs start(); every event task is created from it and
        # copies its context, so this covers every interaction callback of this client.
        install_single_shot_callbacks()
        skip_own_message_creates(self)
        await self.tree.set_translator(CatalogTranslator(self.deps.catalogs))
        await self._resolve_gateway()
        for factory in self._cog_factories:
            cog = factory(self.deps, self.flows)
            await self.add_cog(cog)
            if cog.dynamic_items:
                self.add_dynamic_items(*cog.dynamic_items)
        self.outbound.start()
        if self._sync_commands:
            await self.sync_commands()

    async def _resolve_gateway(self) -> None:
        if self._gateway_url:
            set_gateway(self._gateway_url)
            return
        url = await discover_gateway(self.http)
        event(log, "bot.gateway", url=url)

    async def sync_commands(self) -> bool:
        """Publish the slash commands if they differ from Discord's; True when a sync happened."""
        guild = discord.Object(self._sync_guild_id) if self._sync_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        translator = self.tree.translator
        commands_ = self.tree.get_commands(guild=guild)
        desired = normalize_commands(
            [await c.get_translated_payload(self.tree, translator) for c in commands_]
            if translator is not None
            else [c.to_dict(self.tree) for c in commands_]
        )
        try:
            current: list[Any] | None = normalize_commands(
                [dict(c.to_dict()) for c in await self.tree.fetch_commands(guild=guild)]
            )
        except discord.HTTPException as exc:
            event(log, "bot.commands_fetch_failed", logging.WARNING, status=exc.status)
            current = None
        scope = f"guild:{self._sync_guild_id}" if guild is not None else "global"
        if current == desired:
            event(log, "bot.commands_unchanged", scope=scope, commands=len(desired))
            return False
        await self.tree.sync(guild=guild)
        event(log, "bot.commands_synced", scope=scope, commands=len(desired))
        return True

    async def on_ready(self) -> None:
        user = self.user
        event(
            log,
            "bot.ready",
            user_id=user.id if user else None,
            guilds=len(self.guilds),
            cogs=len(self.cogs),
        )
        self.ready.set()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Watch component clicks: one that nobody handles must not fail silently.

        discord.py drops a click whose custom id matches no live view and no dynamic item (e.g. a
        short-lived view sent before a restart); the player would see "This interaction failed"
        with no explanation. The wrapper claims every interaction it runs, so a click still
        unclaimed and unanswered shortly before Discord's 3 s is answered here instead.
        """
        if interaction.type is discord.InteractionType.component:
            self.loop.call_later(STALE_COMPONENT_AFTER, self._answer_if_unclaimed, interaction)

    def _answer_if_unclaimed(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.id in self.flows.handling or interaction.response.is_done():
            return
        data: dict[str, Any] = dict(interaction.data or {})
        event(log, "interaction.stale_component", custom_id=data.get("custom_id"))
        task = self.loop.create_task(self._answer_stale(interaction))
        self._stale_answers.add(task)
        task.add_done_callback(self._stale_answers.discard)

    async def _answer_stale(self, interaction: discord.Interaction[Any]) -> None:
        try:
            languages = self.deps.languages
            with using(languages.catalog_now(interaction.user.id, interaction.locale)):
                answer = common_text.STALE_COMPONENT
            await interaction.response.send_message(answer, ephemeral=interaction.guild_id is not None)
        except discord.HTTPException as exc:
            event(log, "interaction.stale_answer_failed", logging.WARNING, status=exc.status)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        log.exception("bot.event_error", extra={"fields": {"event": event_method}})


_KEEP = frozenset(
    {
        "name",
        "description",
        "type",
        "options",
        "required",
        "choices",
        "value",
        "autocomplete",
        "min_value",
        "max_value",
        "min_length",
        "max_length",
        "channel_types",
        "contexts",
        "name_localizations",
        "description_localizations",
        "integration_types",
        "default_member_permissions",
        "nsfw",
    }
)


def normalize_commands(payloads: Sequence[dict[str, Any]]) -> list[Any]:
    """Command definitions in a comparable form: what Discord stores, without ids and defaults."""

    def norm(value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if key not in _KEEP or item in (None, False, [], {}, ""):
                    continue
                if key in ("contexts", "integration_types", "channel_types"):
                    item = sorted(item)
                out[key] = norm(item)
            return out
        if isinstance(value, list):
            return [norm(v) for v in value]
        return value

    return sorted((norm(p) for p in payloads), key=lambda p: (p.get("type", 1), p.get("name", "")))
