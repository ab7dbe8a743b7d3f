"""A local Discord-compatible server and virtual players, for tests, the sandbox and benches.

Public API:

- :class:`LocalDiscord` (``server.py``): the server (REST ``/api/v10``, gateway, CDN) on
  127.0.0.1 with a guild, and the scene controls (users, channels, roles, players, waiting).
- :class:`VirtualPlayer` / :class:`Response` / :class:`Modal` (``players.py``, ``modals.py``):
  what a user does and sees.
- :class:`Clock` / :class:`FrozenClock` (``clock.py``): injectable time for Discord deadlines.
- :class:`RateLimitConfig` (``ratelimit.py``): bucket sizes; ``LocalDiscord.rate_limits.force``
  provokes 429s.
- :func:`point_discord_py_at`, :func:`discover_gateway`, :func:`discord_py_pointed_at`
  (``discordpy.py``): how a discord.py bot is aimed at a server.
- :class:`WaitTimeout`: raised (an ``AssertionError``) when an awaited answer never comes.

A scenario::

    async with LocalDiscord() as discord:              # 127.0.0.1, free port
        alice = discord.player("alice")                 # guild member, acts in the bot's DM
        admin = discord.admin("root")                   # holds the Staff role
        async with discord.running(bot):                # Route.BASE + gateway -> this server
            reply = await alice.slash("setup")          # Response: .message or .modal
            await alice.submit_modal({"Main id": "Alice", "BattleTag": "Alice#1234"})
            await alice.select("country", ["FR"])
            await alice.click("Confirm")
            await alice.upload("game.SC2Replay")        # a DM with the file (MESSAGE_CREATE)
            dm = await alice.wait_for_dm(lambda m: "verified" in m.text)
            await admin.at(discord.general).slash("admin snapshot")
            discord.advance_time(15 * 60)               # expire interaction tokens
            discord.rate_limits.force("POST /channels/{channel_id}/messages", count=2)
            await discord.gateway.drop()                # the bot RESUMEs and gets what it missed
        assert not discord.violations, discord.violations.describe()
"""

from .clock import Clock, ClockLike, FrozenClock
from .discordpy import discord_py_pointed_at, discover_gateway, point_discord_py_at
from .feed import WaitTimeout
from .modals import Modal
from .players import Response, VirtualPlayer
from .ratelimit import BucketRule, RateLimitConfig
from .server import LocalDiscord
from .state import Channel, Guild, Message, Role, User
from .violations import Violation, ViolationLog

__all__ = [
    "BucketRule",
    "Channel",
    "Clock",
    "ClockLike",
    "FrozenClock",
    "Guild",
    "LocalDiscord",
    "Message",
    "Modal",
    "RateLimitConfig",
    "Response",
    "Role",
    "User",
    "Violation",
    "ViolationLog",
    "VirtualPlayer",
    "WaitTimeout",
    "discord_py_pointed_at",
    "discover_gateway",
    "point_discord_py_at",
]
