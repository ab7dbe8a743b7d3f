"""Changes to the local Discord world, each announced the way Discord announces it.

Every change goes through :class:`World`: it updates ``State``, dispatches the gateway event the
bot would receive (filtered by its intents in ``gateway.py``) and wakes the waiters interested
in it (``feed.py``). REST handlers and virtual players share these methods, so a message a
player sends and one the bot sends are stored and announced alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from . import errors, payloads
from .feed import ChangeFeed
from .messages import UploadedFile, apply_create, apply_edit
from .state import (
    ADMINISTRATOR,
    DEFAULT_EVERYONE_PERMISSIONS,
    DM,
    GUILD_TEXT,
    Channel,
    Guild,
    Member,
    Message,
    Role,
    State,
    User,
)

log = logging.getLogger(__name__)

GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
NONCE_WINDOW_SECONDS = 300.0  # how far back Discord checks an enforced nonce ("a few minutes")

Json = dict[str, Any]


Build = Callable[[], Json]


class Dispatcher(Protocol):
    """Where gateway events go (the gateway's ``dispatch``).

    ``build`` makes the event data; it is only called when a session will receive the event,
    so a scene with 100k players does not render payloads nobody listens to.
    """

    def __call__(
        self, event: str, build: Build, *, intent: int | None = None, strip_content: bool = False
    ) -> None: ...


def _no_dispatch(
    event: str, build: Build, *, intent: int | None = None, strip_content: bool = False
) -> None:
    """Before a gateway is attached, events go nowhere."""


class World:
    """The one place that changes the state and announces the change."""

    def __init__(self, state: State, feed: ChangeFeed) -> None:
        self.state = state
        self.feed = feed
        self.cdn_base = ""
        self.dispatch: Dispatcher = _no_dispatch

    # -- people and places -------------------------------------------------------------

    def create_user(self, username: str, *, global_name: str | None = None) -> User:
        user = self.state.add_user(username, global_name=global_name)
        log.debug("user created: %s (%s)", username, user.id)
        return user

    def create_guild(self, name: str, *, owner: User | None = None) -> Guild:
        """A guild with @everyone, the bot (with an administrator role) and a #general channel."""
        state = self.state
        owner = owner or self.create_user(f"{name}-owner")
        guild = Guild(state.ids.next(), name, owner.id)
        guild.roles[guild.id] = Role(guild.id, guild.id, "@everyone", DEFAULT_EVERYONE_PERMISSIONS)
        state.guilds[guild.id] = guild
        bot_role = self._add_role(guild, state.bot.username, ADMINISTRATOR, managed=True)
        for user, roles in ((owner, []), (state.bot, [bot_role.id])):
            guild.members[user.id] = Member(guild.id, user.id, roles, state.now())
        self._add_channel(guild, "general", None)
        log.info("guild created: %s (%s)", name, guild.id)
        self.dispatch("GUILD_CREATE", lambda: payloads.guild_create(state, guild, all_members=False))
        self.feed.notify(("guild", guild.id))
        return guild

    def create_channel(self, guild: Guild, name: str, *, topic: str | None = None) -> Channel:
        channel = self._add_channel(guild, name, topic)
        self.dispatch("CHANNEL_CREATE", lambda: payloads.channel(self.state, channel), intent=GUILDS)
        return channel

    def create_role(
        self, guild: Guild, name: str, *, permissions: int = 0, mentionable: bool = False,
        color: int = 0,
    ) -> Role:
        role = self._add_role(guild, name, permissions, mentionable=mentionable, color=color)
        data = {"guild_id": str(guild.id), "role": payloads.role(role)}
        self.dispatch("GUILD_ROLE_CREATE", lambda: data, intent=GUILDS)
        return role

    def add_member(self, guild: Guild, user: User, roles: Iterable[Role] = ()) -> Member:
        member = Member(guild.id, user.id, [r.id for r in roles], self.state.now())
        guild.members[user.id] = member
        self.dispatch("GUILD_MEMBER_ADD", lambda: self._member_event(member), intent=GUILD_MEMBERS)
        self.feed.notify(("guild", guild.id), ("user", user.id))
        return member

    def set_member_roles(self, guild: Guild, user: User, roles: Iterable[Role]) -> Member:
        member = self.state.member(guild.id, user.id)
        member.role_ids = [r.id for r in roles]
        self.dispatch("GUILD_MEMBER_UPDATE", lambda: self._member_event(member), intent=GUILD_MEMBERS)
        return member

    def _member_event(self, member: Member) -> Json:
        return payloads.member(self.state, member) | {"guild_id": str(member.guild_id)}

    def _add_role(
        self, guild: Guild, name: str, permissions: int, *, managed: bool = False,
        mentionable: bool = False, color: int = 0,
    ) -> Role:
        role = Role(
            self.state.ids.next(), guild.id, name, permissions, color,
            position=len(guild.roles), mentionable=mentionable, managed=managed,
        )
        guild.roles[role.id] = role
        return role

    def _add_channel(self, guild: Guild, name: str, topic: str | None) -> Channel:
        channel = Channel(
            self.state.ids.next(), GUILD_TEXT, guild.id, name,
            position=len(guild.channel_ids), topic=topic,
        )
        self.state.channels[channel.id] = channel
        guild.channel_ids.append(channel.id)
        return channel

    # -- messages --------------------------------------------------------------------

    def post(
        self,
        channel: Channel,
        author_id: int,
        body: Mapping[str, Any],
        files: Sequence[UploadedFile] = (),
        *,
        flags: int = 0,
        kind: int = 0,
        interaction_id: int | None = None,
    ) -> Message:
        """Store a new message and announce it (ephemeral ones only to their user).

        Interaction replies skip the posting checks: the user's action opened the way. With
        ``enforce_nonce`` and a ``nonce`` that the same author used in this channel within the last
        few minutes, Discord creates nothing and returns that message; so does this server.
        """
        if interaction_id is None:
            self._check_can_post(channel, author_id)
        if body.get("enforce_nonce") and body.get("nonce") is not None:
            earlier = self._by_nonce(channel, author_id, body["nonce"])
            if earlier is not None:
                return earlier
        message = Message(
            self.state.ids.next(), channel.id, author_id, "", self.state.now(), kind, flags
        )
        apply_create(self.state, message, body, files)
        if interaction_id is not None:
            message.interaction_id = interaction_id
            message.webhook_id = message.application_id = self.state.application_id
        self.state.messages[message.id] = message
        channel.message_ids.append(message.id)
        if not message.ephemeral:
            channel.last_message_id = message.id
        self._announce(message, "MESSAGE_CREATE")
        return message

    def edit(
        self, message: Message, body: Mapping[str, Any], files: Sequence[UploadedFile] = ()
    ) -> Message:
        apply_edit(self.state, message, body, files)
        self._announce(message, "MESSAGE_UPDATE")
        return message

    def finish_loading(self, message: Message) -> None:
        """A deferred ("thinking") reply becomes a normal message on its first edit."""
        message.flags &= ~(1 << 7)

    def delete(self, message: Message) -> None:
        message.deleted = True
        self._announce(message, "MESSAGE_DELETE")

    def delete_many(self, channel: Channel, messages: Sequence[Message]) -> None:
        """Bulk delete: one MESSAGE_DELETE_BULK event, as Discord sends it."""
        for message in messages:
            message.deleted = True
            message.revision = self.feed.revision + 1
            self.feed.notify(*self.message_topics(message))
        data: Json = {"ids": [str(m.id) for m in messages], "channel_id": str(channel.id)}
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        self.dispatch("MESSAGE_DELETE_BULK", lambda: data, intent=GUILD_MESSAGES)

    def _by_nonce(self, channel: Channel, author_id: int, nonce: object) -> Message | None:
        since = self.state.now() - NONCE_WINDOW_SECONDS
        for message_id in reversed(channel.message_ids):
            message = self.state.messages.get(message_id)
            if message is None:
                continue
            if message.created_at < since:
                return None
            if message.author_id == author_id and str(message.nonce) == str(nonce):
                return message
        return None

    def _check_can_post(self, channel: Channel, author_id: int) -> None:
        state = self.state
        if channel.type == DM:
            recipient = state.user(channel.recipient_id or 0)
            if author_id == state.bot.id and not self._reachable(recipient):
                raise errors.cannot_dm_user()
            return
        if channel.guild_id is None or author_id not in state.guilds[channel.guild_id].members:
            raise errors.missing_access()

    def _reachable(self, user: User) -> bool:
        """Discord lets a bot DM a user who allows DMs and shares a guild with it."""
        return user.dms_open and any(
            user.id in g.members and self.state.bot.id in g.members
            for g in self.state.guilds.values()
        )

    def _announce(self, message: Message, event: str) -> None:
        message.revision = self.feed.revision + 1
        if not message.ephemeral:
            self._dispatch_message(message, event)
        log.debug("%s %s in %s", event.lower(), message.id, message.channel_id)
        self.feed.notify(*self.message_topics(message))

    def _dispatch_message(self, message: Message, event: str) -> None:
        state = self.state
        channel = state.channels[message.channel_id]
        intent = DIRECT_MESSAGES if channel.type == DM else GUILD_MESSAGES
        if event == "MESSAGE_DELETE":
            data: Json = {"id": str(message.id), "channel_id": str(channel.id)}
            if channel.guild_id:
                data["guild_id"] = str(channel.guild_id)
            self.dispatch(event, lambda: data, intent=intent)
            return
        private = channel.type == DM or message.author_id == state.bot.id
        strip = not private and state.bot.id not in message.mentions
        self.dispatch(
            event, lambda: payloads.message_event(state, message, self.cdn_base),
            intent=intent, strip_content=strip,
        )

    def message_topics(self, message: Message) -> tuple[Hashable, ...]:
        """Who may be waiting for this message: its channel, DM recipient, interaction user."""
        topics: list[Hashable] = [("channel", message.channel_id), ("message", message.id)]
        channel = self.state.channels[message.channel_id]
        if channel.recipient_id is not None:
            topics.append(("user", channel.recipient_id))
        interaction = self.state.interactions.get(message.interaction_id or 0)
        if interaction is not None:
            topics += [("interaction", interaction.id), ("user", interaction.user_id)]
        return tuple(topics)
