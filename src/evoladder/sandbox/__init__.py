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

Known gaps versus real Discord (what this server does not model, so tests cannot catch it):

- permissions are guild-level only (no per-channel overwrites); the bot is an administrator;
- threads, reactions, pins, polls, stickers, voice, presences, plain webhooks, entitlements,
  locales (always en-US) and user-installed apps are absent; context-menu commands can be
  registered but not invoked by players;
- the gateway speaks JSON with one shard, zlib-stream only (a zstd request gets plain frames),
  no send or identify-concurrency limit, and does not enforce the members intent for member
  requests;
- rate limits are per route and major parameter, not Discord's shared buckets; there is no
  invalid-request ban; CDN URLs are unsigned and never expire;
- error codes of some cross-field rules are the closest documented guess;
- an interaction the bot never answers is caught by the player's wait timeout, not a 3 s timer.
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
