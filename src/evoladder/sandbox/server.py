"""``LocalDiscord``: a Discord-compatible server on loopback, and the scenario API around it.

One object owns the world (users, guilds, channels, messages, commands, interactions), the
aiohttp app serving REST under ``/api/v10``, the gateway websocket at ``/gateway`` and the
attachment CDN at ``/attachments/...``, plus the controls tests need: an injectable clock,
forced rate limits, gateway drops, the violation log, and virtual players.

Usage::

    async with LocalDiscord() as discord:
        alice = discord.player("alice")
        async with discord.running(bot):          # starts bot.start(discord.token)
            reply = await alice.slash("ping")
            assert reply.content == "pong"
        assert not discord.violations, discord.violations.describe()

The server listens on 127.0.0.1 only, on a free port (``port=0``); ``api_url`` and
``gateway_url`` tell a bot where it is (see ``discordpy.py`` for pointing discord.py there).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Hashable, Iterable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from aiohttp import web

from .clock import Clock, ClockLike
from .context import ApiContext
from .discordpy import discord_py_pointed_at
from .feed import ANY, ChangeFeed, WaitTimeout
from .gateway import ALL_INTENTS, Gateway
from .interactions import Interactions
from .players import VirtualPlayer
from .ratelimit import RateLimitConfig, RateLimiter
from .rest import RestApi
from .routes_app import AppRoutes
from .routes_channels import ChannelRoutes, serve_attachment
from .routes_interactions import InteractionRoutes
from .state import Channel, Guild, Member, Message, Role, State, User
from .validation import SpecValidator
from .violations import ViolationLog
from .world import World

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
T = TypeVar("T")


class BotLike(Protocol):
    """What :meth:`LocalDiscord.running` needs from a discord.py client."""

    async def start(self, token: str, *, reconnect: bool = True) -> None: ...

    async def close(self) -> None: ...


class LocalDiscord:
    """A local Discord server with one guild (``#general``, ``#admin-log``, a Staff role)."""

    def __init__(
        self,
        *,
        clock: ClockLike | None = None,
        rate_limits: RateLimitConfig | None = None,
        heartbeat_interval: float = 41.25,
        response_timeout: float = 10.0,
        allowed_intents: int = ALL_INTENTS,
        bot_name: str = "evoladder",
        guild_name: str = "Evo Ladder",
    ) -> None:
        self.clock: ClockLike = clock or Clock()
        self.response_timeout = response_timeout
        self.feed = ChangeFeed()
        self.state = State(self.clock, bot_name)
        self.world = World(self.state, self.feed)
        self.interactions = Interactions(self.world)
        self.gateway = Gateway(
            self.world, heartbeat_interval=heartbeat_interval, allowed_intents=allowed_intents
        )
        self.world.dispatch = self.gateway.dispatch
        self.violations = ViolationLog()
        self.rate_limits = RateLimiter(rate_limits)
        self.spec = SpecValidator()
        self.guild = self.world.create_guild(guild_name)
        self.general = self.state.channels[self.guild.channel_ids[0]]
        self.admin_log = self.world.create_channel(self.guild, "admin-log")
        self.staff_role = self.world.create_role(self.guild, "Staff", mentionable=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        ctx = ApiContext(self.world, self.interactions, lambda: self.gateway_url)
        routes = [*AppRoutes(ctx).routes(), *ChannelRoutes(ctx).routes(), *InteractionRoutes(ctx).routes()]
        RestApi(self.state.token, self.spec, self.rate_limits, self.violations).mount(app, routes)
        app.router.add_get("/gateway", self.gateway.handle)

        async def cdn(request: web.Request) -> web.StreamResponse:
            return await serve_attachment(ctx, request)

        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", cdn)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, LOOPBACK, 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self.world.cdn_base = self.base_url
        self.gateway.url = self.gateway_url
        log.info("local Discord listening on %s (gateway %s)", self.api_url, self.gateway_url)

    async def close(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        log.info("local Discord stopped")

    # -- where it is -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def api_url(self) -> str:
        """The REST base URL (what ``discord.http.Route.BASE`` must be)."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{LOOPBACK}:{self.port}/gateway"

    @property
    def cdn_base(self) -> str:
        return self.base_url

    @property
    def token(self) -> str:
        """The bot token this server accepts."""
        return self.state.token

    @property
    def bot_user(self) -> User:
        return self.state.bot

    @property
    def application_id(self) -> int:
        return self.state.application_id

    @property
    def connected(self) -> asyncio.Event:
        """Set while a bot session is connected (after READY or RESUMED)."""
        return self.gateway.connected

    def advance_time(self, seconds: float) -> None:
        """Move the injected clock forward (expire interactions and tokens without sleeping)."""
        advance = getattr(self.clock, "advance", None)
        if advance is None:
            raise TypeError(f"{type(self.clock).__name__} cannot be advanced")
        advance(seconds)

    # -- setting the scene -----------------------------------------------------------------

    def create_user(self, username: str, *, global_name: str | None = None) -> User:
        return self.world.create_user(username, global_name=global_name)

    def create_guild(self, name: str, *, owner: User | None = None) -> Guild:
        return self.world.create_guild(name, owner=owner)

    def create_channel(self, name: str, *, guild: Guild | None = None, topic: str | None = None) -> Channel:
        return self.world.create_channel(guild or self.guild, name, topic=topic)

    def create_role(
        self, name: str, *, guild: Guild | None = None, permissions: int = 0, mentionable: bool = False
    ) -> Role:
        return self.world.create_role(
            guild or self.guild, name, permissions=permissions, mentionable=mentionable
        )

    def add_member(self, user: User, *, guild: Guild | None = None, roles: Iterable[Role] = ()) -> Member:
        return self.world.add_member(guild or self.guild, user, roles)

    def player(
        self, name: str | None = None, *, roles: Iterable[Role] = (), guild: Guild | None = None,
        dms_open: bool = True, locale: str = "en-US", guild_locale: str | None = None,
    ) -> VirtualPlayer:
        """A new user, member of the guild with ``roles``, acting in the bot's DM by default;
        ``locale`` is their client's language (sent with each interaction, as Discord does)."""
        user = self.create_user(name or f"player{len(self.state.users)}")
        user.dms_open = dms_open
        user.locale = locale
        user.guild_locale = guild_locale
        self.add_member(user, guild=guild, roles=roles)
        return VirtualPlayer(self, user)

    def admin(self, name: str | None = None) -> VirtualPlayer:
        """A player holding the Staff role."""
        return self.player(name or "admin", roles=[self.staff_role])

    def channel_messages(self, channel: Channel) -> list[Message]:
        """Visible messages of a channel, oldest first (e.g. what #admin-log shows)."""
        return self.state.channel_messages(channel.id)

    # -- waiting ---------------------------------------------------------------------------

    async def wait_connected(self, within: float | None = None) -> None:
        """Until a bot session is connected; fails the test after ``response_timeout``."""
        if self.connected.is_set():
            return
        await self.wait_until(
            lambda: True if self.connected.is_set() else None, [("gateway",)],
            "a bot to connect to the gateway", within,
        )

    async def wait_session(self, within: float | None = None) -> None:
        """Until the bot has a gateway session (connected, or resumable after a drop).

        Events dispatched while a session is only resumable reach the bot on RESUME.
        """
        if self.gateway.sessions:
            return
        await self.wait_until(
            lambda: True if self.gateway.sessions else None, [("gateway",)],
            "a bot to identify on the gateway", within,
        )

    async def wait_commands(self, *names: str, within: float | None = None) -> None:
        """Until the bot registered every command in ``names`` (globally or in a guild)."""
        def done() -> bool | None:
            have = {c.name for c in self.state.commands.values()}
            return True if set(names) <= have else None

        await self.wait_until(done, [("commands",)], f"commands {names} to be registered", within)

    async def wait_until(
        self, check: Callable[[], T | None], topics: Iterable[Hashable] = (ANY,),
        describe: str = "a condition", within: float | None = None,
    ) -> T:
        """The first non-None value of ``check()``, re-evaluated after each relevant change."""
        limit = self.response_timeout if within is None else within
        return await self.feed.wait_for(check, topics, limit, lambda: describe)

    async def wait_for_channel_message(
        self, channel: Channel, predicate: Callable[[Message], bool], *, within: float | None = None
    ) -> Message:
        """The first message of ``channel`` (existing or new) matching ``predicate``."""
        def found() -> Message | None:
            return next((m for m in reversed(self.channel_messages(channel)) if predicate(m)), None)

        topics = [("channel", channel.id)]
        return await self.wait_until(found, topics, f"a message in #{channel.name}", within)

    # -- running a bot -----------------------------------------------------------------------

    @asynccontextmanager
    async def running(self, bot: BotLike, *, set_gateway: bool = True) -> AsyncIterator[None]:
        """Run ``bot`` against this server until the block ends.

        Points discord.py's ``Route.BASE`` here (and ``DEFAULT_GATEWAY`` unless ``set_gateway``
        is False, for a bot that discovers it through ``GET /gateway/bot``), starts the bot and
        waits for its gateway session. On exit the bot is closed and the settings restored.
        """
        with discord_py_pointed_at(self.api_url, self.gateway_url if set_gateway else None):
            task = asyncio.create_task(bot.start(self.token), name="sandbox-bot")
            try:
                await self._wait_started(task)
                yield
            finally:
                await bot.close()
                await asyncio.gather(task, return_exceptions=True)

    async def _wait_started(self, task: asyncio.Task[Any]) -> None:
        waiter = asyncio.create_task(self.wait_connected())
        done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            waiter.cancel()
            task.result()
            raise WaitTimeout("the bot stopped before connecting to the gateway")
        waiter.result()
