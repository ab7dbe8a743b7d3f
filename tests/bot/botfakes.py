"""Stand-ins for discord.py's interaction objects and for the services the wrapper calls.

They record what the wrapper did (what it sent, with which flags, in which order) so the unit
tests can assert on it without a Discord server. The end-to-end tests use the real thing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import discord

from evoladder.bot.interaction import Flows
from evoladder.bot.lifecycle import Lifecycle
from evoladder.domain.players import Player, PlayerState


@dataclass
class FakeUser:
    id: int = 1001
    name: str = "alice"

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass
class FakeMessage:
    id: int
    channel_id: int
    ephemeral: bool = False

    @property
    def channel(self) -> Any:
        return discord.Object(self.channel_id)

    @property
    def flags(self) -> discord.MessageFlags:
        return discord.MessageFlags(ephemeral=self.ephemeral)


@dataclass
class CallbackResult:
    resource: FakeMessage | None


class FakeResponse:
    def __init__(self, log: list[tuple[str, dict[str, Any]]], deferred: asyncio.Event) -> None:
        self._log = log
        self._done = False
        self._deferred = deferred
        self.message_ids = 500

    def is_done(self) -> bool:
        return self._done

    def _respond(self, kind: str, kwargs: dict[str, Any]) -> None:
        if self._done:
            raise discord.InteractionResponded(cast(Any, None))
        self._done = True
        self._log.append((kind, kwargs))

    async def send_message(self, content: str | None = None, **kwargs: Any) -> CallbackResult:
        self._respond("send_message", {"content": content, **kwargs})
        self.message_ids += 1
        return CallbackResult(FakeMessage(self.message_ids, 77, ephemeral=bool(kwargs.get("ephemeral"))))

    async def edit_message(self, **kwargs: Any) -> CallbackResult:
        self._respond("edit_message", kwargs)
        return CallbackResult(FakeMessage(400, 77))

    async def defer(self, **kwargs: Any) -> None:
        self._respond("defer", kwargs)
        self._deferred.set()

    async def send_modal(self, modal: Any) -> None:
        self._respond("send_modal", {"modal": modal})


class FakeFollowup:
    def __init__(self, log: list[tuple[str, dict[str, Any]]]) -> None:
        self._log = log

    async def send(self, content: str | None = None, **kwargs: Any) -> FakeMessage:
        self._log.append(("followup", {"content": content, **kwargs}))
        return FakeMessage(600, 77, ephemeral=bool(kwargs.get("ephemeral")))


@dataclass
class FakeCommand:
    qualified_name: str


@dataclass
class FakeClient:
    user: FakeUser = field(default_factory=lambda: FakeUser(9, "evoladder"))
    flows: Flows | None = None


class FakeInteraction:
    """The attributes of ``discord.Interaction`` the wrapper and the error handler read."""

    def __init__(
        self,
        *,
        guild_id: int | None = None,
        type: discord.InteractionType = discord.InteractionType.application_command,
        command: str | None = "test",
        data: dict[str, Any] | None = None,
        user: FakeUser | None = None,
        client: FakeClient | None = None,
    ) -> None:
        self.id = 42
        self.guild_id = guild_id
        self.channel_id = 77
        self.type = type
        self.user = user or FakeUser()
        self.locale = discord.Locale.american_english
        self.command = FakeCommand(command) if command else None
        self.data = data or {}
        self.client = client or FakeClient()
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.deferred = asyncio.Event()
        self.response = FakeResponse(self.sent, self.deferred)
        self.followup = FakeFollowup(self.sent)

    async def edit_original_response(self, **kwargs: Any) -> FakeMessage:
        self.sent.append(("edit_original", kwargs))
        return FakeMessage(500, 77)

    def as_discord(self) -> discord.Interaction[Any]:
        return cast("discord.Interaction[Any]", self)

    def texts(self) -> list[str]:
        return [str(kwargs.get("content")) for _, kwargs in self.sent if kwargs.get("content") is not None]


def make_player(uid: int = 1001, **changes: Any) -> Player:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    player = Player(
        id=1,
        discord_uid=uid,
        discord_username="alice",
        main_id=None,
        battletag=None,
        alt_ids=(),
        country=None,
        region=None,
        terms_accepted_at=now,
        terms_declined_at=None,
        completed_setup_date=None,
        activated_at=None,
        quickstart_acknowledged_at=None,
        is_banned=False,
        ban_reason=None,
        aborts_left=3,
        aborts_period=202601,
        state=PlayerState.IDLE,
        current_match_id=None,
        created_at=now,
        updated_at=now,
        version=1,
    )
    return player.with_changes(**changes) if changes else player


class FakeGuard:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[tuple[int, str, str]] = []

    async def check(self, discord_uid: int, username: str, command: str, language: str = "en") -> Player:
        self.calls.append((discord_uid, username, command))
        if self.error is not None:
            raise self.error
        return make_player(discord_uid)


class FakeTimer:
    def __init__(self, command: str, owner: FakeTiming) -> None:
        self.command = command
        self.checkpoints: list[str] = []
        self.finished = 0
        owner.timers.append(self)

    def checkpoint(self, name: str) -> None:
        self.checkpoints.append(name)

    def finish(self) -> None:
        self.finished += 1


class VirtualTimer:
    """The outbound queue's clock in virtual seconds: ``sleep`` yields once, then moves time
    forward (unless cancelled)."""

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)
        self.t += seconds


class FakeTiming:
    def __init__(self) -> None:
        self.timers: list[FakeTimer] = []

    def start(self, command: str) -> FakeTimer:
        return FakeTimer(command, self)


class FakeRecorder:
    def __init__(self) -> None:
        self.calls: list[tuple[int, str, int | None]] = []

    def record(self, discord_uid: int, command: str, guild_id: int | None = None) -> None:
        self.calls.append((discord_uid, command, guild_id))


class FakeMessages:
    def __init__(self) -> None:
        self.recorded: list[dict[str, Any]] = []

    async def record(self, **kwargs: Any) -> None:
        self.recorded.append(kwargs)


@dataclass
class Harness:
    flows: Flows
    guard: FakeGuard
    timing: FakeTiming
    recorder: FakeRecorder
    messages: FakeMessages
    lifecycle: Lifecycle

    def interaction(self, **kwargs: Any) -> FakeInteraction:
        interaction = FakeInteraction(**kwargs)
        interaction.client.flows = self.flows
        return interaction


def harness(*, guard_error: Exception | None = None, dm_only: bool = True) -> Harness:
    guard = FakeGuard(guard_error)
    timing = FakeTiming()
    recorder = FakeRecorder()
    messages = FakeMessages()
    lifecycle = Lifecycle()
    flows = Flows(
        deps=cast(Any, object()),
        guard=guard,
        recorder=recorder,
        timing=timing,
        lifecycle=lifecycle,
        messages=cast(Any, messages),
        dm_only=dm_only,
    )
    return Harness(flows, guard, timing, recorder, messages, lifecycle)
