"""``Sandbox``: the local Discord server with this ladder's bot on a fresh database.

One object for the end-to-end tests, ``evoladder sandbox`` and the load bench::

    async with Sandbox() as sandbox:
        alice = sandbox.player("alice")
        reply = await alice.slash("ping")
        assert reply.content == "ok"

What it builds: a :class:`~evoladder.sandbox.LocalDiscord` (REST, gateway, CDN on loopback), a
migrated SQLite file in a temporary directory (or ``database_url``), settings that point the bot
there (API URL, admin-log channel, staff role, owners), and the bot itself through the same
composition root as production (:func:`evoladder.app.build_ladder`), so what the tests exercise
is what ``evoladder run`` runs. The gateway is discovered through ``GET /gateway/bot`` as in
production unless ``discover_gateway=False``.

Attach mode (``start_bot=False``): only the server runs, and :meth:`Sandbox.env` gives the
environment an external bot process (``evoladder run``) needs to connect to it, so a bench can
measure the bot in its own process.

:meth:`Sandbox.restart_bot` closes the bot the production way (drains included) and builds a new
one on the same database, for the "restart in the middle of a match" journeys.

``background=False`` leaves the scheduler and the matchmaker stopped, so a test runs waves and
deadlines itself (``sandbox.ladder.deps.matchmaker.run_wave()``, ``scheduler.run_due()``) instead
of racing the 45-second clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from types import TracebackType
from typing import Self

from pydantic import SecretStr

from evoladder.app import Ladder, build_ladder
from evoladder.bot.client import CogFactory
from evoladder.bot.cogs import FEATURE_COGS
from evoladder.services.ports import Clock
from evoladder.settings import Settings, load_settings
from evoladder.store.migrations import upgrade

from .clock import ClockLike
from .discordpy import discord_py_pointed_at
from .feed import WaitTimeout
from .players import VirtualPlayer
from .ratelimit import RateLimitConfig
from .server import LocalDiscord
from .state import Channel, Role


class Sandbox:
    def __init__(
        self,
        *,
        settings: Settings | None = None,
        database_url: str | None = None,
        cogs: Sequence[CogFactory] = FEATURE_COGS,
        extra_cogs: Sequence[CogFactory] = (),
        clock: Clock | None = None,
        discord_clock: ClockLike | None = None,
        rate_limits: RateLimitConfig | None = None,
        response_timeout: float = 10.0,
        owners: Sequence[str] = (),
        discover_gateway: bool = True,
        start_bot: bool = True,
        background: bool = True,
    ) -> None:
        self._base_settings = settings
        self._database_url = database_url
        self._cogs = (*cogs, *extra_cogs)
        self._clock = clock
        self._discord_clock = discord_clock
        self._rate_limits = rate_limits
        self._response_timeout = response_timeout
        self._owner_names = tuple(owners)
        self._discover_gateway = discover_gateway
        self._start_bot = start_bot
        self._background = background
        self._stack = AsyncExitStack()
        self._ladder_stack: AsyncExitStack | None = None
        self._discord: LocalDiscord | None = None
        self._ladder: Ladder | None = None
        self._settings: Settings | None = None
        self.owners: list[VirtualPlayer] = []

    # -- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        try:
            await self._open()
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._stack.aclose()

    async def _open(self) -> None:
        stack = self._stack
        discord = LocalDiscord(
            clock=self._discord_clock, rate_limits=self._rate_limits, response_timeout=self._response_timeout
        )
        self._discord = await stack.enter_async_context(discord)
        self.owners = [discord.player(name) for name in self._owner_names]
        url = self._database_url
        if url is None:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="evoladder-sandbox-"))
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'ladder.db'}"
            await asyncio.to_thread(upgrade, url)
        base = self._base_settings or load_settings()
        self._settings = base.model_copy(
            update={
                "discord_token": SecretStr(discord.token),
                "database_url": url,
                "discord_api_url": discord.api_url,
                "discord_gateway_url": None if self._discover_gateway else discord.gateway_url,
                "admin_log_channel_id": discord.admin_log.id,
                "staff_role_id": discord.staff_role.id,
                "sync_guild_id": None,
                "owner_ids": frozenset(p.id for p in self.owners) | base.owner_ids,
            }
        )
        # Restored when the sandbox closes, so the next sandbox (or test) starts clean.
        stack.enter_context(discord_py_pointed_at(discord.api_url))
        stack.push_async_callback(self._close_ladder)
        if self._start_bot:
            await self.start_bot()

    async def start_bot(self) -> Ladder:
        """Build the ladder on the sandbox's database and connect it (see :meth:`restart_bot`)."""
        if self._ladder is not None:
            raise RuntimeError("the bot is already running; use restart_bot()")
        discord = self.discord
        self._ladder_stack = AsyncExitStack()
        try:
            ladder = await build_ladder(self.settings, self._ladder_stack, clock=self._clock, cogs=self._cogs)
            self._ladder = ladder
            task = ladder.start_bot(discord.token)
            await _first_of(task, discord.wait_connected(), "the bot stopped before connecting")
            if self._background:
                await ladder.start_background()
        except BaseException:
            await self._close_ladder()
            raise
        return ladder

    async def stop_bot(self) -> None:
        """Shut the bot down the production way: finish interactions, drain, close."""
        await self._close_ladder()

    async def restart_bot(self) -> Ladder:
        await self.stop_bot()
        return await self.start_bot()

    async def _close_ladder(self) -> None:
        stack, self._ladder_stack, self._ladder = self._ladder_stack, None, None
        if stack is not None:
            await stack.aclose()

    # -- what tests use ------------------------------------------------------------------------

    @property
    def discord(self) -> LocalDiscord:
        if self._discord is None:
            raise RuntimeError("the sandbox is not open")
        return self._discord

    @property
    def ladder(self) -> Ladder:
        if self._ladder is None:
            raise RuntimeError("the bot is not running in this sandbox")
        return self._ladder

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            raise RuntimeError("the sandbox is not open")
        return self._settings

    @property
    def admin_log(self) -> Channel:
        return self.discord.admin_log

    @property
    def staff_role(self) -> Role:
        return self.discord.staff_role

    def player(self, name: str | None = None) -> VirtualPlayer:
        return self.discord.player(name)

    def env(self) -> dict[str, str]:
        """Environment for an external ``evoladder run`` to attach to this server (attach mode)."""
        s = self.settings
        return {
            "DISCORD_TOKEN": self.discord.token,
            "DATABASE_URL": s.database_url,
            "EVOLADDER_DISCORD_API_URL": self.discord.api_url,
            "EVOLADDER_ADMIN_LOG_CHANNEL_ID": str(self.discord.admin_log.id),
            "EVOLADDER_STAFF_ROLE_ID": str(self.discord.staff_role.id),
            "EVOLADDER_OWNER_IDS": ",".join(str(uid) for uid in sorted(s.owner_ids)),
        }


async def _first_of(task: asyncio.Task[None], waiting: object, failure: str) -> None:
    """Wait for ``waiting`` (a coroutine), failing early if ``task`` ends first."""
    waiter = asyncio.ensure_future(waiting)  # type: ignore[call-overload]
    done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if waiter not in done:
        waiter.cancel()
        task.result()
        raise WaitTimeout(failure)
    waiter.result()


# --- `evoladder sandbox`: virtual players and a live summary -------------------------------------


class _Latencies:
    def __init__(self) -> None:
        self.samples: list[float] = []
        self.errors = 0

    def summary(self) -> str:
        if not self.samples:
            return "no interactions yet"
        ordered = sorted(self.samples)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        return f"{len(ordered)} interactions, p50 {p50:.1f} ms, p99 {p99:.1f} ms, {self.errors} errors"


async def run_players(
    sandbox: Sandbox,
    count: int,
    *,
    minutes: float | None,
    stop: asyncio.Event,
    summary_every: float = 5.0,
) -> None:
    """Let ``count`` virtual players use the bot until ``minutes`` pass or ``stop`` is set.

    Each player runs the journeys of the features that are registered, with pauses of a player's
    pace between steps. Every ``summary_every`` seconds one summary line is printed: interaction
    latency percentiles (as the players measure them), the queue, and the top of the leaderboard.
    """
    latencies = _Latencies()
    players = [sandbox.player(f"player{i + 1}") for i in range(count)]
    deadline = time.monotonic() + minutes * 60 if minutes is not None else None

    async def act(player: VirtualPlayer, rng: random.Random) -> None:
        while not stop.is_set():
            for command in ("ping", "help"):
                started = time.perf_counter()
                try:
                    await player.slash(command)
                except (AssertionError, ValueError, TypeError):
                    latencies.errors += 1
                else:
                    latencies.samples.append(time.perf_counter() - started)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), rng.uniform(0.5, 3.0))  # a player's pace

    tasks = [asyncio.ensure_future(act(p, random.Random(i))) for i, p in enumerate(players)]
    try:
        while not stop.is_set():
            wait = (
                summary_every
                if deadline is None
                else max(0.0, min(summary_every, deadline - time.monotonic()))
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
            print(await _summary_line(sandbox, latencies), flush=True)
            if deadline is not None and time.monotonic() >= deadline:
                break
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _summary_line(sandbox: Sandbox, latencies: _Latencies) -> str:
    deps = sandbox.ladder.deps
    status = await deps.queue.status()
    top = deps.leaderboard.page().page.entries[:3]
    leaders = ", ".join(f"{e.name} {e.mmr}" for e in top) or "nobody ranked yet"
    return (
        f"[sandbox] {latencies.summary()} | queue {status.counts.total} "
        f"(bw {status.counts.bw}, sc2 {status.counts.sc2}) | top: {leaders}"
    )
