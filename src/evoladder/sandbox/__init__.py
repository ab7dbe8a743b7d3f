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
