"""Virtual players: what a Discord user does in a client, and what they get to see.

A :class:`VirtualPlayer` runs slash commands (with subcommands and typed options, as the Discord
client builds them from the bot's registered definitions), clicks buttons, picks select options,
fills modals, types in autocomplete, DMs the bot and uploads files. Each action waits until the
bot answered, and for deferred answers until the final content arrived, then returns a
:class:`Response`. Waiting is event driven (no sleeps); an answer that does not come within the
server's ``response_timeout`` raises ``WaitTimeout``, an ``AssertionError`` that fails the test.

What the player received is read from live message objects (edits show up in place): ``dms``,
``ephemeral``, ``messages``, ``last_message``, and :meth:`VirtualPlayer.wait_for_dm`.

Actions a real client would not allow (a disabled button, a missing required option, a modal
value over its max length) raise ``AssertionError``/``ValueError``/``TypeError`` instead of
sending anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from . import commands
from . import components as comp
from .feed import ChangeFeed
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    CHOICES,
    DEFERRED_MESSAGE,
    DEFERRED_UPDATE,
    MESSAGE_COMPONENT,
    MODAL,
    MODAL_SUBMIT,
    UPDATE,
    Interactions,
)
from .messages import check_message_body
from .modals import Answer, Modal
from .payloads import ATTACHMENT_SIZE_LIMIT
from .state import Channel, Command, Interaction, Message, State, User
from .world import World

log = logging.getLogger(__name__)

FileLike = str | Path | tuple[str, bytes]
T = TypeVar("T")


class DiscordSide(Protocol):
    """What a virtual player uses of the local Discord server (:class:`~evoladder.sandbox.LocalDiscord`):
    its world, its change feed and the interactions it starts, nothing of how it serves them."""

    state: State
    feed: ChangeFeed
    world: World
    interactions: Interactions
    response_timeout: float

    @property
    def cdn_base(self) -> str: ...

    async def wait_session(self, within: float | None = None) -> None: ...
Predicate = Callable[[Message], bool]


@dataclass
class Response:
    """How the bot answered one interaction: a message, a modal, or autocomplete choices."""

    interaction: Interaction
    type: int
    reply: Message | None = None
    opened: Modal | None = None
    choices: list[dict[str, Any]] = field(default_factory=list)

    @property
    def message(self) -> Message:
        if self.reply is None:
            raise AssertionError(f"the bot answered with type {self.type}, not with a message")
        return self.reply

    @property
    def modal(self) -> Modal:
        if self.opened is None:
            raise AssertionError(f"the bot answered with type {self.type}, not with a modal")
        return self.opened

    @property
    def content(self) -> str:
        return self.message.content

    @property
    def text(self) -> str:
        return self.message.text

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.message.embeds

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.message.components

    @property
    def ephemeral(self) -> bool:
        return self.message.ephemeral


class VirtualPlayer:
    """A user of the local Discord, acting in the bot's DM (default) or in a guild channel."""

    def __init__(self, discord: DiscordSide, user: User, channel: Channel | None = None) -> None:
        self.discord = discord
        self.user = user
        self.channel = channel
        self.last_modal: Modal | None = None
        self.last_action = 0

    def __repr__(self) -> str:
        return f"<VirtualPlayer {self.name} ({self.id})>"

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.username

    @property
    def mention(self) -> str:
        return self.user.mention

    def at(self, channel: Channel) -> VirtualPlayer:
        """The same player acting in ``channel`` (a guild channel) instead of the bot's DM."""
        player = VirtualPlayer(self.discord, self.user, channel)
        player.last_modal = self.last_modal
        player.last_action = self.last_action
        return player

    def mark(self) -> int:
        """The current change counter, for ``wait_for_dm(..., since=player.mark())``."""
        return self.discord.feed.revision

    def _acted(self) -> None:
        self.last_action = self.discord.feed.revision

    # -- what the player sees --------------------------------------------------------------

    @property
    def dm_channel(self) -> Channel:
        return self.discord.state.dm_channel(self.user.id)

    @property
    def dms(self) -> list[Message]:
        """Messages of the player's DM with the bot, oldest first, as currently edited."""
        return self.discord.state.channel_messages(self.dm_channel.id)

    @property
    def replies(self) -> list[Message]:
        """Replies and follow-ups to this player's interactions (ephemeral or not), oldest first."""
        state = self.discord.state
        found = []
        for interaction_id in state.interactions_by_user.get(self.user.id, []):
            for message_id in state.interactions[interaction_id].reply_ids:
                message = state.messages[message_id]
                if not message.deleted:
                    found.append(message)
        return sorted(found, key=lambda m: m.id)

    @property
    def ephemeral(self) -> list[Message]:
        """Ephemeral replies only this player can see, oldest first."""
        return [m for m in self.replies if m.ephemeral]

    @property
    def messages(self) -> list[Message]:
        """Everything the player received from the bot or sent in its DM, oldest first."""
        merged = {m.id: m for m in [*self.dms, *self.replies]}
        return [merged[i] for i in sorted(merged)]

    @property
    def last_message(self) -> Message:
        messages = self.messages
        if not messages:
            raise AssertionError(f"{self.name} has not received any message")
        return messages[-1]

    async def wait_for_dm(
        self, predicate: Predicate | None = None, *, since: int | None = None,
        include_existing: bool = False, within: float | None = None,
    ) -> Message:
        """The newest DM created or edited since this player's last action that matches.

        "Since the last action" (a slash, click, DM...) means a DM the bot sent in answer to
        it counts even if it arrived before this call, without race. ``since=player.mark()``
        taken earlier narrows the window; ``include_existing=True`` widens it to every DM.
        """
        return await self.wait_for_message(
            predicate, since=since, include_existing=include_existing, within=within, dm_only=True
        )

    async def wait_for_message(
        self, predicate: Predicate | None = None, *, since: int | None = None,
        include_existing: bool = False, within: float | None = None, dm_only: bool = False,
    ) -> Message:
        """Like :meth:`wait_for_dm`, over DMs and interaction replies alike."""
        if include_existing:
            since = -1
        elif since is None:
            since = self.last_action
        check = predicate or (lambda m: True)

        def found() -> Message | None:
            pool = self.dms if dm_only else self.messages
            return next((m for m in reversed(pool) if m.revision > since and check(m)), None)

        def describe() -> str:
            seen = "\n  ".join(f"{m.id}: {m.text[:120]!r}" for m in self.messages[-5:]) or "nothing"
            return f"a message for {self.name}; last seen:\n  {seen}"

        return await self._wait(found, [("user", self.user.id)], describe, within)

    # -- acting ----------------------------------------------------------------------------

    async def slash(self, name: str, **options: Any) -> Response:
        """Run ``/name`` (``"admin snapshot"`` for subcommands) with typed option values."""
        return await self.answer(await self.begin_slash(name, **options))

    async def begin_slash(self, name: str, **options: Any) -> Interaction:
        """Send ``/name`` without waiting for the answer (see :meth:`answer`)."""
        command, path, channel = await self._command(name)
        invocation = commands.Invocation(
            self.discord.state, command, channel.guild_id, channel.id, self.discord.cdn_base
        )
        data = invocation.data(path, options)
        self._acted()
        return self.discord.interactions.start(self.user.id, channel, APPLICATION_COMMAND, data)

    async def answer(self, interaction: Interaction, *, expect_change: bool = True) -> Response:
        """Wait for the bot's (final) answer to an interaction this player started.

        Fails at once when the bot's answer was refused for lateness (Discord shows "This
        interaction failed"), otherwise after the server's ``response_timeout``.
        """
        def answered() -> int | None:
            if interaction.failed is not None:
                raise AssertionError(f"interaction {interaction.id} of {self.name}: {interaction.failed}")
            return interaction.response_type

        await self._wait(
            answered, [("interaction", interaction.id)],
            lambda: f"the bot to answer interaction {interaction.id} of {self.name}", None,
        )
        return await self._settle(interaction, expect_change)

    async def autocomplete(
        self, command_name: str, option: str, value: str, **options: Any
    ) -> list[dict[str, Any]]:
        """The choices the bot offers while the player types ``value`` into ``option``."""
        command, path, channel = await self._command(command_name)
        invocation = commands.Invocation(
            self.discord.state, command, channel.guild_id, channel.id, self.discord.cdn_base
        )
        data = invocation.data(path, {**options, option: value}, focused=option)
        response = await self._interact(channel, AUTOCOMPLETE, data, None, f"autocomplete {option}")
        return response.choices

    async def click(
        self, label_or_custom_id: str, message: Message | None = None, *, expect_change: bool = True
    ) -> Response:
        """Click a button on ``message`` or on the newest message that has it."""
        wanted = label_or_custom_id
        message = message or self._find(lambda m: m.button(wanted) is not None, wanted)
        button = message.button(wanted)
        if button is None:
            raise AssertionError(f"no button {wanted!r} on message {message.id}: {message.buttons}")
        if button.get("disabled") or not button.get("custom_id"):
            raise AssertionError(f"button {wanted!r} cannot be clicked: {button}")
        data = {"custom_id": button["custom_id"], "component_type": comp.BUTTON}
        channel = self.discord.state.channels[message.channel_id]
        return await self._interact(
            channel, MESSAGE_COMPONENT, data, message, f"click {wanted!r}", expect_change
        )

    async def select(
        self, custom_id: str, values: Sequence[str], message: Message | None = None,
        *, expect_change: bool = True,
    ) -> Response:
        """Pick ``values`` in a string select (by custom_id or placeholder)."""
        message = message or self._find(lambda m: m.select(custom_id) is not None, custom_id)
        menu = message.select(custom_id)
        if menu is None or menu.get("disabled"):
            raise AssertionError(f"no usable select {custom_id!r} on message {message.id}")
        _check_choice(menu, list(values))
        data = {"custom_id": menu["custom_id"], "component_type": menu["type"], "values": list(values)}
        channel = self.discord.state.channels[message.channel_id]
        return await self._interact(
            channel, MESSAGE_COMPONENT, data, message, f"select {custom_id!r}", expect_change
        )

    async def submit_modal(
        self, values: Mapping[str, Answer], modal: Modal | None = None, *, expect_change: bool = True
    ) -> Response:
        """Fill and submit the last modal the bot opened for this player."""
        modal = modal or self.last_modal
        if modal is None:
            raise AssertionError(f"the bot has not opened a modal for {self.name}")
        data = modal.submission(values)
        opener = self.discord.state.interactions[modal.interaction_id]
        source = self.discord.state.messages.get(opener.source_message_id or 0)
        channel = self.discord.state.channels[opener.channel_id]
        self.last_modal = None
        return await self._interact(
            channel, MODAL_SUBMIT, data, source, f"modal {modal.title!r}", expect_change
        )

    async def send_dm(self, content: str = "", attachments: Sequence[FileLike] = ()) -> Message:
        """Write to the bot in DM (MESSAGE_CREATE reaches the bot), optionally with files."""
        files = [commands.to_upload(f, i) for i, f in enumerate(attachments)]
        too_big = [f.filename for f in files if len(f.data) > ATTACHMENT_SIZE_LIMIT]
        if too_big:
            raise ValueError(f"Discord refuses uploads over {ATTACHMENT_SIZE_LIMIT} bytes: {too_big}")
        body = {"content": content}
        check_message_body(body, files, creating=True)
        await self.discord.wait_session()
        self._acted()
        return self.discord.world.post(self.dm_channel, self.user.id, body, files)

    async def upload(self, path: FileLike) -> Message:
        """Send a file to the bot in DM (how players hand in replays)."""
        return await self.send_dm("", [path])

    # -- internals -------------------------------------------------------------------------

    def _find(self, has: Predicate, what: str) -> Message:
        for message in reversed(self.messages):
            if has(message):
                return message
        raise AssertionError(f"{self.name} has no message with {what!r}")

    async def _command(self, name: str) -> tuple[Command, list[str], Channel]:
        await self.discord.wait_session()
        root, *path = name.split()
        channel = self.channel or self.dm_channel
        state = self.discord.state
        if channel.guild_id is not None and self.user.id not in state.guild(channel.guild_id).members:
            raise AssertionError(f"{self.name} is not a member of guild {channel.guild_id}")
        if commands.registered_elsewhere(state, root, channel.guild_id):
            where = f"guild {channel.guild_id}" if channel.guild_id else "the bot's DM"
            raise AssertionError(f"/{root} is registered but not usable in {where}")

        def registered() -> str:
            names = sorted(c.name for c in state.commands.values())
            return f"the bot to register /{root} (registered: {names})"

        command = await self._wait(
            lambda: commands.find(state, root, channel.guild_id), [("commands",)], registered, None
        )
        if not commands.permitted(state, command, channel.guild_id, self.user.id):
            raise AssertionError(f"{self.name} lacks the permissions Discord requires for /{root}")
        return command, path, channel

    async def _interact(
        self, channel: Channel, kind: int, data: dict[str, Any], source: Message | None,
        what: str, expect_change: bool = True,
    ) -> Response:
        await self.discord.wait_session()
        self._acted()
        interaction = self.discord.interactions.start(self.user.id, channel, kind, data, source)
        log.debug("%s: %s", self.name, what)
        return await self.answer(interaction, expect_change=expect_change)

    async def _settle(self, interaction: Interaction, expect_change: bool) -> Response:
        """Wait past deferrals to the final answer and wrap it."""
        kind = interaction.response_type or 0
        response = Response(interaction, kind)
        if kind == MODAL and interaction.modal is not None:
            raw = interaction.modal
            modal = Modal(interaction.id, raw["custom_id"], raw["title"], raw["components"])
            response.opened = self.last_modal = modal
        elif kind == CHOICES:
            response.choices = list(interaction.choices or [])
        elif kind == DEFERRED_MESSAGE:
            response.reply = await self._wait(
                lambda: self._finished(interaction), [("interaction", interaction.id)],
                lambda: f"the bot to finish its deferred reply to interaction {interaction.id}", None,
            )
        elif kind == DEFERRED_UPDATE:
            response.reply = await self._after_deferred_update(interaction, expect_change)
        elif kind == UPDATE:
            response.reply = self.discord.state.messages[interaction.source_message_id or 0]
        else:
            response.reply = self.discord.state.messages.get(interaction.original_message_id or 0)
        return response

    def _finished(self, interaction: Interaction) -> Message | None:
        message = self.discord.state.messages[interaction.original_message_id or 0]
        return message if not message.loading or message.deleted else None

    async def _after_deferred_update(
        self, interaction: Interaction, expect_change: bool
    ) -> Message | None:
        """After "deferred update" the visible answer is the next change the player sees."""
        source = self.discord.state.messages.get(interaction.source_message_id or 0)
        if not expect_change:
            return source
        since = interaction.ack_revision

        def changed() -> Message | None:
            candidates = [*([source] if source else []), *reversed(self.messages)]
            return next((m for m in candidates if m.revision > since), None)

        topics: list[Hashable] = [("user", self.user.id), ("interaction", interaction.id)]
        if source is not None:
            topics.append(("message", source.id))
        return await self._wait(
            changed, topics,
            lambda: f"a visible change after the deferred update of interaction {interaction.id}", None,
        )

    async def _wait(
        self, check: Callable[[], T | None], topics: Sequence[Hashable],
        describe: Callable[[], str], within: float | None,
    ) -> T:
        limit = self.discord.response_timeout if within is None else within
        return await self.discord.feed.wait_for(check, topics, limit, describe)


def _check_choice(menu: Mapping[str, Any], values: list[str]) -> None:
    low = menu.get("min_values", 1)
    high = menu.get("max_values", 1)
    low, high = (1 if low is None else low), (1 if high is None else high)
    if not low <= len(values) <= high:
        raise ValueError(f"select {menu.get('custom_id')!r} takes {low}..{high} values, got {values}")
    if menu.get("type") == comp.STRING_SELECT:
        options = {o["value"] for o in menu.get("options") or []}
        unknown = [v for v in values if v not in options]
        if unknown:
            raise ValueError(f"select {menu.get('custom_id')!r} has no option(s) {unknown}")
