"""The one wrapper every slash command, component and modal callback goes through.

A feature's handler stays thin (parse -> one service call -> render) because everything around it
happens here, in this order, for every interaction:

1. **Record** the call in the write-behind command log (an in-memory append, no I/O).
2. **Time** the flow from receipt, with the checkpoints ``guard``, ``reads`` (the handler marks
   it after its service call), ``render`` (the handler returned) and ``send``.
3. **Admit** it, unless shutdown began (then: "the ladder is restarting").
4. **DM-only rule**: a DM-only command used in a guild answers with a pointer to the DM.
5. **Guard** (accounts' guard service over the cached player record): record exists (created on
   first contact, a changed username updated), not banned, terms, setup, activation, state.
6. **Handle**: the handler gets a :class:`Call` and returns a :class:`~evoladder.bot.reply.Reply`
   (or a modal). If it has not returned after ``defer_after`` seconds the wrapper defers, so a
   slow path still answers inside Discord's 3-second window, and the answer becomes a follow-up.
7. **Send**: ephemeral in guilds, plain in DMs; the first response is sent once, never retried.
8. **Errors** of any step go to :mod:`evoladder.bot.errors`: typed errors show their message,
   anything else a reference id.

How a feature plugs in
----------------------
Slash commands: a cog method decorated with :func:`ladder_command` takes ``(self, call, *options)``
and returns the answer; the decorator builds the discord.py command whose callback runs the
wrapper (discord.py sees ``(self, interaction, *options)`` with the options' real annotations).
Components: subclass :class:`LadderItem` (a persistent ``DynamicItem``: the custom id carries what
the handler needs, so it keeps working after a restart) and implement ``handle``. Modals: subclass
:class:`LadderModal` and implement ``handle``.

Messages the bot reacts to (a replay uploaded in a DM) are not interactions, but they are still a
player using the ladder, so they take the same path through :meth:`Flows.run_message`: recorded,
timed, admitted, guarded, errors mapped. What differs is the answer: there is no interaction to
respond to and no 3-second window, so the handler's :class:`Reply` goes out as a new message in the
same channel through the outbound queue (paced, and in order with the notifier's DMs to that
player). The handler gets a :class:`MessageCall`.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import typing
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Concatenate, ParamSpec, Protocol, TypeVar, cast

import discord
from discord import app_commands
from discord.ext import commands

from evoladder.bot import errors
from evoladder.bot.outbound import user_bucket
from evoladder.bot.reply import Ack, Answer, ModalReply, NoReply, Reply, message_kwargs
from evoladder.domain.players import Player
from evoladder.i18n import ENGLISH, Catalogs, english, using
from evoladder.i18n.text import common as text
from evoladder.logging_setup import event

if TYPE_CHECKING:
    from evoladder.bot.deps import BotDeps
    from evoladder.bot.lifecycle import Lifecycle
    from evoladder.services.dm_channels import DmChannels
    from evoladder.services.messages import MessageLog

log = logging.getLogger(__name__)

P = ParamSpec("P")
CogT = TypeVar("CogT", bound="LadderCog")
ItemT = TypeVar("ItemT", bound=discord.ui.Item[Any])
T = TypeVar("T")
ChoiceT = TypeVar("ChoiceT", str, int, float)

DEFAULT_DEFER_AFTER = 2.0  # seconds; Discord drops an interaction not answered within 3 s


# --- what the wrapper needs from the services (structural, so tests can pass fakes) -----------


class Guard(Protocol):
    """The accounts' command guard: the player's record, or the typed error that stops the flow.

    ``command`` names the guard's policy (what the command or button requires: terms, setup,
    activation, state); see ``evoladder.services.guard.POLICIES``.
    """

    async def check(self, discord_uid: int, username: str, command: str, language: str = "en") -> Player: ...


class FlowTimer(Protocol):
    def checkpoint(self, name: str) -> None: ...

    def finish(self) -> object: ...


class FlowTiming(Protocol):
    def start(self, command: str) -> FlowTimer: ...


class CommandRecorder(Protocol):
    def record(self, discord_uid: int, command: str, guild_id: int | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class FlowSpec:
    """How the wrapper treats one command or component.

    ``name`` is what the command log and the timing see ("profile", "match.confirm"). ``guard``
    False skips the guard (only /ping, the no-op baseline, needs no player record); ``policy``
    is the guard's policy name when it differs from ``name`` (all match buttons share "match").
    ``dm_only`` applies when the DM-only setting is on.
    """

    name: str
    guard: bool = True
    policy: str | None = None
    dm_only: bool = True
    defer_after: float = DEFAULT_DEFER_AFTER

    @property
    def policy_name(self) -> str:
        return self.policy or self.name


@dataclass(slots=True)
class Call:
    """What a handler gets: the interaction, the guarded player record, the deps and the timer."""

    interaction: discord.Interaction[Any]
    spec: FlowSpec
    deps: BotDeps
    timer: FlowTimer
    player: Player | None = None

    @property
    def uid(self) -> int:
        return self.interaction.user.id

    @property
    def username(self) -> str:
        return self.interaction.user.name

    @property
    def guild_id(self) -> int | None:
        return self.interaction.guild_id

    @property
    def in_dm(self) -> bool:
        return self.interaction.guild_id is None

    @property
    def locale(self) -> str:
        return str(self.interaction.locale)

    def checkpoint(self, name: str) -> None:
        self.timer.checkpoint(name)

    def require_player(self) -> Player:
        """The guarded record (handlers whose spec has a guard always have one)."""
        if self.player is None:
            raise RuntimeError(f"{self.spec.name}: handler needs a player but its spec has no guard")
        return self.player


Handler = Callable[[Call], Awaitable[Answer]]


@dataclass(slots=True)
class MessageCall:
    """What a message handler gets (see :meth:`Flows.run_message`); like :class:`Call`."""

    message: discord.Message
    spec: FlowSpec
    deps: BotDeps
    timer: FlowTimer
    client: discord.Client | None
    player: Player | None = None

    @property
    def uid(self) -> int:
        return self.message.author.id

    def checkpoint(self, name: str) -> None:
        self.timer.checkpoint(name)


MessageHandler = Callable[[MessageCall], Awaitable[Reply | NoReply]]


class Flows:
    """The wrapper. Built once by the composition root and shared by every cog and item."""

    def __init__(
        self,
        *,
        deps: BotDeps,
        guard: Guard,
        recorder: CommandRecorder,
        timing: FlowTiming,
        lifecycle: Lifecycle,
        messages: MessageLog,
        dm_only: bool,
        dm_channels: DmChannels | None = None,
        catalogs: Catalogs | None = None,
    ) -> None:
        self.deps = deps
        self._dm_channels = dm_channels
        # every language's texts (English alone when not given: tests of the wrapper itself)
        self.catalogs = catalogs if catalogs is not None else Catalogs({ENGLISH: english()})
        self._guard = guard
        self._recorder = recorder
        self._timing = timing
        self._lifecycle = lifecycle
        self._messages = messages
        self._dm_only = dm_only
        self.handling: set[int] = set()  # ids of the interactions this wrapper is answering
        # ids received from the gateway that no wrapper has taken yet (see ``arrived``)
        self.arriving: set[int] = set()
        self.client: discord.Client | None = None  # set by the bot (message flows send through it)

    def arrived(self, interaction_id: int) -> None:
        """An interaction's gateway frame was just parsed: the bot is busy from now on.

        The site on the same loop yields to the bot while it is busy (``web.admission``), and
        the steps between the frame and this wrapper (the command tree's task, the check, the
        handler's lookup) are loop iterations like any other: counting the bot busy only once
        the wrapper starts let the web's work run between every one of them. The client calls
        this from the parse of the frame; the wrapper takes the id over when it starts, and the
        client forgets an id nobody took (an autocomplete, a click no view knows) shortly after.
        """
        self.arriving.add(interaction_id)

    def forget(self, interaction_id: int) -> None:
        self.arriving.discard(interaction_id)

    @property
    def busy(self) -> bool:
        """The bot has an interaction on its way to an answer (the web waits for it)."""
        return bool(self.handling or self.arriving)

    def attach(self, client: discord.Client) -> None:
        """The client the flows belong to (message handlers reach other players' DMs with it)."""
        self.client = client

    async def run(self, interaction: discord.Interaction[Any], spec: FlowSpec, handler: Handler) -> None:
        timer = self._timing.start(spec.name)
        user = interaction.user
        self._recorder.record(user.id, spec.name, interaction.guild_id)
        self.handling.add(interaction.id)
        self.arriving.discard(interaction.id)
        catalogs = self.catalogs
        # The client's language until the guard has read the record, then the stored one.
        language = catalogs.language_for(interaction.locale)
        with self._lifecycle.admit() as admitted, using(catalogs.get(language)) as scope:
            # Discord's 3 s run from receipt, so the deferral timer covers the guard too.
            deferral = _AutoDefer(self, interaction, spec.defer_after)
            try:
                if not admitted:
                    await self._send_text(interaction, text.SHUTTING_DOWN)
                    return
                if spec.dm_only and self._dm_only and interaction.guild_id is not None:
                    await self._send_text(interaction, self._dm_pointer(interaction, spec))
                    return
                player = None
                if spec.guard:
                    player = await self._guard.check(user.id, user.name, spec.policy_name, language)
                    if player.language != language:
                        scope.switch(catalogs.get(player.language))
                    timer.checkpoint("guard")
                    await self._learn_dm_channel(interaction)
                call = Call(interaction, spec, self.deps, timer, player)
                answer = await handler(call)
                timer.checkpoint("render")
                await self._send(call, answer, await deferral.settle())
                timer.checkpoint("send")
            except Exception as exc:
                await deferral.settle(quietly=True)  # an answer must not race the deferral
                await self.fail(interaction, exc)
            finally:
                deferral.cancel()
                self.handling.discard(interaction.id)
                timer.finish()

    async def _learn_dm_channel(self, interaction: discord.Interaction[Any]) -> None:
        """Remember the player's DM channel, learnt for free from a command in their DMs, so the
        bot's notifications to them need no channel-creation request. Best effort: a failure here
        is logged and never fails the command."""
        if self._dm_channels is None or interaction.guild_id is not None or interaction.channel_id is None:
            return
        try:
            await self._dm_channels.remember(interaction.user.id, interaction.channel_id)
        except Exception:
            log.exception("interaction.dm_channel_not_stored")

    async def fail(self, interaction: discord.Interaction[Any], exc: BaseException) -> bool:
        """Answer ``exc`` as the error handler maps it; True when it was an expected error."""
        described = errors.describe(exc, errors.interaction_context(interaction))
        if described.deliverable:
            try:
                await self._send_text(interaction, described.message)
            except discord.HTTPException as send_exc:
                event(
                    log,
                    "interaction.error_not_sent",
                    logging.WARNING,
                    interaction_id=interaction.id,
                    status=send_exc.status,
                    reference=described.reference,
                )
        return described.expected

    async def run_message(self, message: discord.Message, spec: FlowSpec, handler: MessageHandler) -> None:
        """The wrapper for a message the bot reacts to (see the module doc): log, time, admit, guard,
        handle, then post the answer (or the error's message) as a new message in the channel."""
        timer = self._timing.start(spec.name)
        user = message.author
        self._recorder.record(user.id, spec.name, message.guild.id if message.guild else None)
        catalogs = self.catalogs
        with self._lifecycle.admit() as admitted, using(catalogs.english) as scope:
            try:
                if not admitted:
                    await self._post(message, spec, Reply(content=text.SHUTTING_DOWN))
                    return
                player = None
                if spec.guard:
                    player = await self._guard.check(user.id, user.name, spec.policy_name)
                    scope.switch(catalogs.get(player.language))
                    timer.checkpoint("guard")
                answer = await handler(MessageCall(message, spec, self.deps, timer, self.client, player))
                timer.checkpoint("render")
                if isinstance(answer, Reply):
                    await self._post(message, spec, answer)
                    timer.checkpoint("send")
            except Exception as exc:
                described = errors.describe(exc, _message_context(message, spec))
                await self._post(message, spec, Reply(content=described.message))
            finally:
                timer.finish()

    async def _post(self, message: discord.Message, spec: FlowSpec, reply: Reply) -> None:
        """Send ``reply`` to the message's channel through the outbound queue and wait for it."""
        uid = message.author.id

        async def send() -> discord.Message:
            return await message.channel.send(**message_kwargs(reply, files="files"))

        async def remember(sent: discord.Message) -> None:
            if reply.track is not None:
                await self._messages.record(
                    channel_id=sent.channel.id, message_id=sent.id, discord_uid=uid,
                    kind=reply.track.kind, match_id=reply.track.match_id,
                )

        delivery = await self.deps.outbound.submit(
            send, bucket=user_bucket(uid), kind=f"reply:{spec.name}", then=remember
        )
        if not delivery.ok:
            event(log, "message_flow.reply_not_sent", logging.WARNING, uid=uid, flow=spec.name,
                  error=type(delivery.error).__name__)

    # -- steps ------------------------------------------------------------------------------

    async def _defer(self, interaction: discord.Interaction[Any]) -> None:
        event(log, "interaction.deferred", interaction_id=interaction.id, type=interaction.type.name)
        if interaction.type is discord.InteractionType.component:
            await interaction.response.defer()  # "update later": the clicked message stays
        else:
            await interaction.response.defer(thinking=True, ephemeral=interaction.guild_id is not None)

    async def _send(self, call: Call, answer: Answer, deferred: bool) -> None:
        interaction = call.interaction
        if isinstance(answer, NoReply):
            return
        if isinstance(answer, Ack):
            if interaction.type is not discord.InteractionType.component:
                raise RuntimeError(f"{call.spec.name}: only a component can be acknowledged silently")
            if not interaction.response.is_done():
                await interaction.response.defer()
            return
        if isinstance(answer, ModalReply):
            if deferred:
                limit = call.spec.defer_after
                raise RuntimeError(f"{call.spec.name}: a modal must be returned within {limit}s")
            await interaction.response.send_modal(answer.modal)
            return
        message = await self._send_reply(interaction, answer, deferred)
        if answer.track is not None and message is not None and not message.flags.ephemeral:
            await self._messages.record(
                channel_id=message.channel.id,
                message_id=message.id,
                discord_uid=call.uid,
                kind=answer.track.kind,
                match_id=answer.track.match_id,
            )

    async def _send_reply(
        self, interaction: discord.Interaction[Any], reply: Reply, deferred: bool
    ) -> SentMessage | None:
        ephemeral = reply.ephemeral if reply.ephemeral is not None else interaction.guild_id is not None
        edit = reply.edit and interaction.type is discord.InteractionType.component
        kwargs = message_kwargs(reply, files="attachments" if edit else "files")
        if edit:
            if not deferred:
                response = await interaction.response.edit_message(**kwargs)
                return _message_of(response)
            return await interaction.edit_original_response(**kwargs)
        if not deferred:
            response = await interaction.response.send_message(ephemeral=ephemeral, **kwargs)
            return _message_of(response)
        return await interaction.followup.send(ephemeral=ephemeral, wait=True, **kwargs)

    async def _send_text(self, interaction: discord.Interaction[Any], content: str) -> None:
        ephemeral = interaction.guild_id is not None
        if interaction.response.is_done():
            await interaction.followup.send(content, ephemeral=ephemeral)
        else:
            await interaction.response.send_message(content, ephemeral=ephemeral)

    def _dm_pointer(self, interaction: discord.Interaction[Any], spec: FlowSpec) -> str:
        bot_user = interaction.client.user
        command = interaction.command.qualified_name if interaction.command is not None else spec.name
        return text.DM_ONLY.format(command=command, bot=bot_user.mention if bot_user else "the bot")



def _message_context(message: discord.Message, spec: FlowSpec) -> dict[str, object]:
    """What the error log keeps beside a failed message flow (ids and names, never content)."""
    return {
        "message_id": message.id,
        "uid": message.author.id,
        "channel_id": message.channel.id,
        "guild_id": message.guild.id if message.guild else None,
        "type": "message",
        "command": spec.name,
        "attachments": ",".join(a.filename for a in message.attachments)[:200],
    }


class SentMessage(Protocol):
    """What tracking needs of a sent message (``discord.Message`` and its interaction twin)."""

    @property
    def id(self) -> int: ...

    @property
    def channel(self) -> Any: ...

    @property
    def flags(self) -> discord.MessageFlags: ...


def _message_of(response: object) -> SentMessage | None:
    """The message an interaction callback created (discord.py asks Discord to return it).

    A modal or a deferral has no message: ``resource`` is then something else or None.
    """
    resource = getattr(response, "resource", None)
    if resource is None or not all(hasattr(resource, a) for a in ("id", "channel", "flags")):
        return None
    return cast(SentMessage, resource)


class _AutoDefer:
    """Defers the interaction when no answer went out ``after`` seconds into the flow.

    The flow runs on the interaction's own task (no extra task on the fast path); only a slow
    flow gets a timer-started task that sends the deferral beside it.
    """

    __slots__ = ("_flows", "_handle", "_interaction", "task")

    def __init__(self, flows: Flows, interaction: discord.Interaction[Any], after: float) -> None:
        self._flows = flows
        self._interaction = interaction
        self.task: asyncio.Task[None] | None = None
        self._handle = asyncio.get_running_loop().call_later(after, self._fire)

    def _fire(self) -> None:
        if not self._interaction.response.is_done():
            self.task = asyncio.get_running_loop().create_task(self._flows._defer(self._interaction))

    async def settle(self, *, quietly: bool = False) -> bool:
        """Stop the timer and wait for a deferral in flight; True when the answer was deferred."""
        self._handle.cancel()
        if self.task is None:
            return False
        try:
            await self.task
        except Exception:
            if not quietly:
                raise
        return True

    def cancel(self) -> None:
        self._handle.cancel()


# --- the pieces a feature uses ---------------------------------------------------------------


def flows_of(interaction: discord.Interaction[Any]) -> Flows:
    """The wrapper of the bot that received ``interaction`` (for items, which discord.py builds)."""
    client = interaction.client
    flows = getattr(client, "flows", None)
    if not isinstance(flows, Flows):
        raise RuntimeError("the client has no interaction wrapper (is it a LadderBot?)")
    return flows


class LadderCog(commands.Cog):
    """Base of every feature cog: the deps and the wrapper, injected by the bot.

    ``dynamic_items`` lists the cog's persistent component classes; the bot registers them when
    it adds the cog, so their buttons work after a restart.
    """

    dynamic_items: ClassVar[tuple[type[discord.ui.DynamicItem[Any]], ...]] = ()

    def __init__(self, deps: BotDeps, flows: Flows) -> None:
        self.deps = deps
        self.flows = flows


def describe(**descriptions: str) -> Callable[[T], T]:
    """``app_commands.describe`` whose descriptions discord.py hands to the translator.

    discord.py translates an option's description only when it is a ``locale_str``; the cogs
    write the catalog's English text, and this marks it, so each option carries its
    ``description_localizations`` (:mod:`evoladder.bot.translator`).
    """
    marked = {name: app_commands.locale_str(text) for name, text in descriptions.items()}
    return app_commands.describe(**marked)


def choice(name: str, value: ChoiceT) -> app_commands.Choice[ChoiceT]:
    """A fixed choice whose name is translated like a description (see :func:`describe`)."""
    return app_commands.Choice(name=app_commands.locale_str(name), value=value)


def ladder_command(
    *,
    name: str,
    description: str,
    guard: bool = True,
    policy: str | None = None,
    dm_only: bool = True,
    defer_after: float = DEFAULT_DEFER_AFTER,
) -> Callable[[Callable[Concatenate[CogT, Call, P], Awaitable[Answer]]], app_commands.Command[CogT, P, None]]:
    """Make a cog method a slash command that runs through the wrapper.

    The method is ``async def name(self, call: Call, <options with annotations>) -> Answer``.
    discord.py reads the options from the signature this builds (``self, interaction, options``)
    with the annotations already resolved, so ``from __future__ import annotations`` in the cog
    is fine. Parameter descriptions come from the method's docstring or ``@app_commands.describe``
    (applied above this decorator), like any discord.py command.
    """
    if not description.strip():
        raise ValueError(f"/{name} needs a description")
    spec = FlowSpec(name=name, guard=guard, policy=policy, dm_only=dm_only, defer_after=defer_after)

    def decorate(
        method: Callable[Concatenate[CogT, Call, P], Awaitable[Answer]],
    ) -> app_commands.Command[CogT, P, None]:
        signature = inspect.signature(method)
        hints = typing.get_type_hints(method, include_extras=True)
        params = list(signature.parameters.values())
        if len(params) < 2:
            raise TypeError(f"{method.__qualname__} must take (self, call, ...)")
        options = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in params[2:]]
        interaction_param = inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )

        run_method = cast(Callable[..., Awaitable[Answer]], method)

        async def callback(self: CogT, interaction: discord.Interaction[Any], **kwargs: Any) -> None:
            async def handler(call: Call) -> Answer:
                return await run_method(self, call, **kwargs)

            await self.flows.run(interaction, spec, handler)

        callback.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[params[0], interaction_param, *options], return_annotation=None
        )
        callback.__name__ = method.__name__
        callback.__qualname__ = method.__qualname__
        callback.__module__ = method.__module__
        callback.__doc__ = method.__doc__
        command: app_commands.Command[CogT, ..., None] = app_commands.Command(
            name=name, description=description, callback=cast(Any, callback)
        )
        command.extras["flow"] = spec
        return cast("app_commands.Command[CogT, P, None]", command)

    return decorate


class LadderItem(discord.ui.DynamicItem[ItemT], template=r"(?!)"):
    """A persistent component: its custom id carries what the handler needs (e.g. the match id).

    Subclass with ``template=r"evo:match:(?P<match_id>\\d+):confirm"``, set ``spec``, build the
    item in ``__init__`` from those values, parse them in ``from_custom_id`` and implement
    ``handle``. discord.py finds the class by the template after a restart, so the button works
    as long as the message exists; the guard runs on every click (a banned player's buttons stop
    working at once).

    The base's own template matches nothing; it is never registered.
    """

    spec: ClassVar[FlowSpec]

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await flows_of(interaction).run(interaction, self.spec, self.handle)

    async def handle(self, call: Call) -> Answer:
        raise NotImplementedError


class LadderModal(discord.ui.Modal):
    """A modal whose submission runs through the wrapper; implement ``handle``."""

    spec: ClassVar[FlowSpec]

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await flows_of(interaction).run(interaction, self.spec, self.handle)

    async def handle(self, call: Call) -> Answer:
        raise NotImplementedError

    async def on_error(  # type: ignore[override]  # discord.py's Modal narrows BaseView's signature
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await flows_of(interaction).fail(interaction, error)


class LadderView(discord.ui.View):
    """A short-lived view (ephemeral pickers, previews). ``owner_id`` restricts it to one user.

    Its buttons call ``self.run(interaction, spec, handler)``; the admin confirmations use
    ``owner_id`` so that only the admin who asked can press them.
    """

    def __init__(self, *, owner_id: int | None = None, timeout: float | None = 600.0) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if self.owner_id is not None and interaction.user.id != self.owner_id:
            await interaction.response.send_message(
                text.NOT_YOUR_BUTTON, ephemeral=interaction.guild_id is not None
            )
            return False
        return True

    async def run(self, interaction: discord.Interaction[Any], spec: FlowSpec, handler: Handler) -> None:
        await flows_of(interaction).run(interaction, spec, handler)

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await flows_of(interaction).fail(interaction, error)


CUSTOM_ID_PREFIX = "evo"
_CUSTOM_ID_PART = re.compile(r"^[A-Za-z0-9_-]+$")


def custom_id(*parts: object) -> str:
    """``evo:<feature>:<id>:<action>``: the custom ids of persistent items (100 characters max)."""
    text_parts = [str(p) for p in parts]
    for part in text_parts:
        if not _CUSTOM_ID_PART.match(part):
            raise ValueError(f"custom id part {part!r} must be letters, digits, '_' or '-'")
    value = ":".join((CUSTOM_ID_PREFIX, *text_parts))
    if len(value) > 100:
        raise ValueError("a custom id is at most 100 characters")
    return value


def iter_commands(tree: app_commands.CommandTree[Any]) -> Iterator[app_commands.Command[Any, ..., Any]]:
    """Every slash command of the tree, subcommands of groups included, in registration order."""
    stack: list[app_commands.Command[Any, ..., Any] | app_commands.Group] = [
        c for c in tree.get_commands() if isinstance(c, app_commands.Command | app_commands.Group)
    ]
    stack.reverse()
    while stack:
        item = stack.pop()
        if isinstance(item, app_commands.Group):
            stack.extend(reversed(item.commands))
        else:
            yield item
