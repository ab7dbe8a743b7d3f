"""What route handlers share: the world, the interaction rules and the server's own URLs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import errors, payloads
from .interactions import Interactions
from .state import DM, Channel, Message, State
from .world import World


@dataclass
class ApiContext:
    world: World
    interactions: Interactions
    gateway_url: Callable[[], str]

    @property
    def state(self) -> State:
        return self.world.state

    def message_json(self, message: Message) -> dict[str, Any]:
        return payloads.message(self.state, message, self.world.cdn_base)

    def bot_channel(self, channel_id: int) -> Channel:
        """A channel the bot can see: a DM of the bot, or a channel of a guild it is in."""
        channel = self.state.channel(channel_id)
        if channel.type == DM:
            return channel
        guild = self.state.guilds.get(channel.guild_id or 0)
        if guild is None or self.state.bot.id not in guild.members:
            raise errors.missing_access()
        return channel
