"""The local Discord server's world: users, guilds, channels, messages, interactions, commands.

Plain dataclasses and one container (:class:`State`) with id generation and lookups that raise
Discord's "Unknown ..." errors. No I/O and no events here: ``world.py`` changes the state and
announces the changes (gateway events, waiter notifications); ``payloads.py`` renders it as
Discord JSON. Message objects are live: a player holding one sees later edits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from . import components as comp
from . import errors
from .clock import ClockLike
from .snowflake import Snowflakes

GUILD_TEXT, DM = 0, 1
EPHEMERAL, LOADING = 1 << 6, 1 << 7
ALL_PERMISSIONS = (1 << 53) - 1
ADMINISTRATOR = 1 << 3
# @everyone of a new guild: invite, react, view, send, embed, attach, history, external emoji,
# voice connect/speak, change nickname, use application commands. No moderation rights.
DEFAULT_EVERYONE_PERMISSIONS = sum(
    1 << bit for bit in (0, 6, 10, 11, 14, 15, 16, 18, 20, 21, 26, 31)
)


@dataclass
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    dms_open: bool = True
    # What the user's Discord client is set to (an interaction's ``locale``), and the locale the
    # guild shows them (``guild_locale``: the guild's preferred locale unless set here).
    locale: str = "en-US"
    guild_locale: str | None = None

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    color: int = 0
    position: int = 0
    mentionable: bool = False
    hoist: bool = False
    managed: bool = False

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"


@dataclass
class Member:
    guild_id: int
    user_id: int
    role_ids: list[int]
    joined_at: float
    nick: str | None = None


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]


@dataclass
class Channel:
    id: int
    type: int
    guild_id: int | None = None
    name: str | None = None
    recipient_id: int | None = None
    position: int = 0
    topic: str | None = None
    last_message_id: int | None = None
    message_ids: list[int] = field(default_factory=list)

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"


@dataclass
class Attachment:
    id: int
    channel_id: int
    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Message:
    """A message as Discord stores it; ``revision`` grows with every change."""

    id: int
    channel_id: int
    author_id: int
    content: str
    created_at: float
    type: int = 0
    flags: int = 0
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    edited_at: float | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None
    mentions: list[int] = field(default_factory=list)
    mention_roles: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    nonce: int | str | None = None
    tts: bool = False
    message_reference: dict[str, Any] | None = None
    deleted: bool = False
    revision: int = 0

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A deferred reply ("thinking") that has not been edited yet."""
        return bool(self.flags & LOADING)

    @property
    def text(self) -> str:
        """Content and every embed text in one string, for ``"MMR" in message.text`` checks."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            for fld in embed.get("fields") or []:
                parts += [fld.get("name") or "", fld.get("value") or ""]
            parts.append((embed.get("footer") or {}).get("text") or "")
            parts.append((embed.get("author") or {}).get("name") or "")
        return "\n".join(p for p in parts if p)

    @property
    def buttons(self) -> list[comp.Component]:
        return comp.buttons(self.components)

    @property
    def selects(self) -> list[comp.Component]:
        return comp.selects(self.components)

    def button(self, label_or_custom_id: str) -> comp.Component | None:
        return comp.find_button(self.components, label_or_custom_id)

    def select(self, custom_id_or_placeholder: str) -> comp.Component | None:
        return comp.find_select(self.components, custom_id_or_placeholder)


@dataclass
class Command:
    """An application command as registered by the bot (global when ``guild_id`` is None)."""

    id: int
    application_id: int
    guild_id: int | None
    version: int
    definition: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.definition["name"])

    @property
    def type(self) -> int:
        return int(self.definition.get("type") or 1)


@dataclass
class Interaction:
    """One interaction a player started, and how the bot answered it."""

    id: int
    token: str
    type: int
    user_id: int
    channel_id: int
    guild_id: int | None
    data: dict[str, Any]
    created_at: float
    source_message_id: int | None = None
    response_type: int | None = None
    responded_at: float | None = None
    original_message_id: int | None = None
    modal: dict[str, Any] | None = None
    choices: list[dict[str, Any]] | None = None
    followup_ids: list[int] = field(default_factory=list)
    ack_revision: int = 0
    failed: str | None = None
    dispatched_perf: float = 0.0
    answered_perf: float | None = None

    @property
    def roundtrip(self) -> float | None:
        """Seconds from dispatching INTERACTION_CREATE to the callback request arriving."""
        return None if self.answered_perf is None else self.answered_perf - self.dispatched_perf

    @property
    def reply_ids(self) -> list[int]:
        """Messages this interaction created: its reply and its follow-ups."""
        first = [self.original_message_id] if self.original_message_id is not None else []
        return first + self.followup_ids


class State:
    """Everything the server knows, with Discord's "Unknown ..." errors on failed lookups."""

    def __init__(self, clock: ClockLike, bot_name: str = "evoladder") -> None:
        self.clock = clock
        self.ids = Snowflakes(clock)
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.attachments: dict[int, Attachment] = {}
        self.dm_by_user: dict[int, int] = {}
        self.interactions: dict[int, Interaction] = {}
        self.interaction_tokens: dict[str, int] = {}
        self.interactions_by_user: dict[int, list[int]] = {}
        self.commands: dict[int, Command] = {}
        self.bot = self.add_user(bot_name, bot=True)
        self.application_id = self.bot.id
        self.token = f"sandbox.{self.bot.id}.{secrets.token_urlsafe(24)}"

    def now(self) -> float:
        return self.clock.time()

    def add_user(self, username: str, *, bot: bool = False, global_name: str | None = None) -> User:
        user = User(self.ids.next(), username, global_name, bot=bot)
        self.users[user.id] = user
        return user

    def user(self, user_id: int) -> User:
        try:
            return self.users[user_id]
        except KeyError:
            raise errors.unknown_user() from None

    def guild(self, guild_id: int) -> Guild:
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise errors.unknown_guild() from None

    def channel(self, channel_id: int) -> Channel:
        try:
            return self.channels[channel_id]
        except KeyError:
            raise errors.unknown_channel() from None

    def member(self, guild_id: int, user_id: int) -> Member:
        try:
            return self.guild(guild_id).members[user_id]
        except KeyError:
            raise errors.unknown_member() from None

    def message(self, channel_id: int, message_id: int) -> Message:
        """A visible message of a channel (ephemeral and deleted ones are unknown here)."""
        found = self.messages.get(message_id)
        if found is None or found.channel_id != channel_id or found.deleted or found.ephemeral:
            raise errors.unknown_message()
        return found

    def command(self, command_id: int, guild_id: int | None) -> Command:
        found = self.commands.get(command_id)
        if found is None or found.guild_id != guild_id:
            raise errors.unknown_command()
        return found

    def commands_for(self, guild_id: int | None) -> list[Command]:
        return [c for c in self.commands.values() if c.guild_id == guild_id]

    def dm_channel(self, user_id: int) -> Channel:
        """The bot's DM channel with a user, created on first use as Discord does."""
        channel_id = self.dm_by_user.get(user_id)
        if channel_id is None:
            self.user(user_id)
            channel = Channel(self.ids.next(), DM, recipient_id=user_id)
            self.channels[channel.id] = channel
            self.dm_by_user[user_id] = channel_id = channel.id
        return self.channels[channel_id]

    def channel_messages(self, channel_id: int) -> list[Message]:
        """Visible messages of a channel, oldest first."""
        channel = self.channel(channel_id)
        found = (self.messages[i] for i in channel.message_ids)
        return [m for m in found if not m.deleted and not m.ephemeral]

    def permissions(self, guild_id: int, user_id: int) -> int:
        """Guild-level permissions (no channel overwrites): owner and administrators get all."""
        guild = self.guild(guild_id)
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        member = self.member(guild_id, user_id)
        value = guild.everyone.permissions
        for role_id in member.role_ids:
            role = guild.roles.get(role_id)
            value |= role.permissions if role else 0
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value
