"""The /queue views: quick-start guide, race and veto pickers with Join / Clear / Cancel, searching.

Every control is a persistent item (a ``DynamicItem``), so a queue view sent before a restart
still works after it. A view's choices live in the custom ids themselves: each select and the
Join button carry the picks made so far, encoded as ``<bw>-<sc2>-<vetoes>`` (the race's position
in the offered list, 0 for none, and a hexadecimal bit mask over the season's maps). A pick
re-renders the message with every custom id updated, and Join sends the picks it carries. No
draft is kept in memory or in the database; the service validates the final choice anyway.

The controls act on whoever clicks them (they sit in that player's own DM), so no owner id is
needed. Guard policies: "queue" for the pickers (setup done, activated where required, idle),
"queue.join" for Join, "queue.cancel" for the searching view's Cancel (queueing); closing an
unused view needs nothing beyond the default policy.

The searching message is then refreshed by the queue cog (see ``cogs/queue.py``); a Cancel is
announced to it so the refreshes of that message stop, and the closing edit goes through the
outbound queue behind any refresh already queued for the player, so it cannot be overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Protocol, Self, cast

import discord

from evoladder.bot.interaction import Call, FlowSpec, LadderItem, custom_id
from evoladder.bot.render import queue as render
from evoladder.bot.reply import Ack, Answer, Reply, Track
from evoladder.game import GameData
from evoladder.i18n.text import queue as text
from evoladder.services.queue import MAX_VETOES, QueueOptions, SearchingView

QUEUE_COG_NAME = "queue"
SEARCHING_KIND = "searching"  # bot_messages.kind of a searching message
QUEUE_POLICY = "queue"
PICKS = r"(?P<picks>\d{1,2}-\d{1,2}-[0-9a-f]{1,8})"
NONE_VALUE = "-"  # the "no race of this game" option


# --- the picks a view carries --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Picks:
    """The races and vetoes chosen so far in one queue view."""

    bw: str | None = None
    sc2: str | None = None
    vetoes: tuple[str, ...] = ()

    @classmethod
    def remembered(cls, options: QueueOptions) -> Picks:
        """Last time's choices (the service drops maps that left the pool)."""
        return cls(options.last_bw_race, options.last_sc2_race, options.last_vetoes)

    @property
    def can_join(self) -> bool:
        return self.bw is not None or self.sc2 is not None

    def encode(self, options: QueueOptions) -> str:
        bw = options.bw_races.index(self.bw) + 1 if self.bw in options.bw_races else 0
        sc2 = options.sc2_races.index(self.sc2) + 1 if self.sc2 in options.sc2_races else 0
        mask = sum(1 << i for i, name in enumerate(options.maps) if name in self.vetoes)
        return f"{bw}-{sc2}-{mask:x}"

    @classmethod
    def decode(cls, raw: str, options: QueueOptions) -> Picks:
        """The picks of a custom id; positions that no longer exist read as "not picked"."""
        bw_pos, sc2_pos, mask_hex = raw.split("-")
        mask = int(mask_hex, 16)
        vetoes = tuple(name for i, name in enumerate(options.maps) if mask >> i & 1)
        return cls(_at(options.bw_races, int(bw_pos)), _at(options.sc2_races, int(sc2_pos)), vetoes)


def _at(items: tuple[str, ...], position: int) -> str | None:
    return items[position - 1] if 0 < position <= len(items) else None


# --- what the controls answer ----------------------------------------------------------------


def guide_reply(call: Call, *, edit: bool = False) -> Reply:
    """The quick-start guide with its acknowledgement (shown once, until acknowledged)."""
    settings = call.deps.settings
    facts = render.GuideFacts(
        max_vetoes=MAX_VETOES,
        wave_interval=settings.wave_interval_seconds,
        confirm_timeout=settings.confirm_timeout_seconds,
    )
    view = discord.ui.View(timeout=None)
    view.add_item(AcknowledgeGuide())
    view.add_item(CloseQueueView())
    return Reply(embeds=(render.guide(facts),), view=view, edit=edit)


def queue_reply(game: GameData, options: QueueOptions, picks: Picks, *, edit: bool = False) -> Reply:
    """The queue view: three pickers (pre-selected with ``picks``), then Join, Clear, Cancel."""
    code = picks.encode(options)
    view = discord.ui.View(timeout=None)
    view.add_item(PickBwRace(code, _race_options(game, options.bw_races, picks.bw, text.NO_BW_RACE)))
    view.add_item(PickSc2Race(code, _race_options(game, options.sc2_races, picks.sc2, text.NO_SC2_RACE)))
    if options.maps:
        view.add_item(VetoMaps(code, _map_options(game, options.maps, picks.vetoes), options.max_vetoes))
    view.add_item(JoinQueue(code, enabled=picks.can_join))
    view.add_item(ClearPicks())
    view.add_item(CloseQueueView())
    embed = render.queue_view(game, picks.bw, picks.sc2, picks.vetoes, options.max_vetoes)
    return Reply(embeds=(embed,), view=view, edit=edit)


def searching_view() -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(LeaveQueue())
    return view


def closed_view() -> discord.ui.View:
    """An empty view: an edit with it removes the message's components."""
    return discord.ui.View(timeout=None)


def _race_options(
    game: GameData, codes: tuple[str, ...], chosen: str | None, none_label: str
) -> list[discord.SelectOption]:
    made = [discord.SelectOption(label=none_label, value=NONE_VALUE, default=chosen is None)]
    for code in codes:
        label = render.race_name(game, code)
        made.append(discord.SelectOption(label=label, value=code, default=code == chosen))
    return made


def _map_options(
    game: GameData, maps: tuple[str, ...], vetoed: tuple[str, ...]
) -> list[discord.SelectOption]:
    """Short names as labels, the full name (what the service stores) as value and description."""
    made = []
    for name in maps:
        label = render.map_label(game, name)
        description = name[:100] if label != name else None
        made.append(
            discord.SelectOption(
                label=label[:100], value=name, description=description, default=name in vetoed
            )
        )
    return made


# --- the searching messages' tracker (implemented by the queue cog) ------------------------------


class SearchingBoard(Protocol):
    """What the controls tell the cog that refreshes searching messages."""

    def track(self, entry: SearchingView, channel_id: int, message_id: int) -> None: ...

    def close(self, discord_uid: int, embed: discord.Embed, clicked: tuple[int, int] | None) -> None: ...


def board_of(interaction: discord.Interaction[Any]) -> SearchingBoard | None:
    """The queue cog's board, if the bot runs the queue cog (tests may build bots without it)."""
    get_cog = getattr(interaction.client, "get_cog", None)
    cog = get_cog(QUEUE_COG_NAME) if get_cog is not None else None
    board = getattr(cog, "board", None)
    return cast(SearchingBoard, board) if board is not None else None


def _tracked_message(interaction: discord.Interaction[Any]) -> tuple[int, int] | None:
    """Channel and message id of the clicked message, when it can be edited later (not ephemeral)."""
    message = interaction.message
    if message is None or message.flags.ephemeral:
        return None
    return message.channel.id, message.id


# --- the controls ----------------------------------------------------------------------------------


def _button(
    label: str, style: discord.ButtonStyle, *parts: object, disabled: bool = False
) -> discord.ui.Button[Any]:
    return discord.ui.Button(
        label=label, style=style, custom_id=custom_id("queue", *parts), disabled=disabled
    )


class _QueueItem(LadderItem[Any], template=r"(?!)"):
    """Shared parsing: items whose custom id ends with the picks keep them in ``self.picks``."""

    picks: str = ""

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls.parsed(match.groupdict().get("picks") or "")

    @classmethod
    def parsed(cls, picks: str) -> Self:
        raise NotImplementedError


class AcknowledgeGuide(_QueueItem, template=r"evo:queue:guide"):
    spec = FlowSpec("queue.guide", policy=QUEUE_POLICY)

    def __init__(self) -> None:
        super().__init__(_button(text.GUIDE_ACK_LABEL, discord.ButtonStyle.primary, "guide"))

    @classmethod
    def parsed(cls, picks: str) -> Self:
        return cls()

    async def handle(self, call: Call) -> Answer:
        await call.deps.accounts.acknowledge_quickstart(call.uid)
        options = await call.deps.queue.options(call.uid)
        call.checkpoint("reads")
        return queue_reply(call.deps.game, options, Picks.remembered(options), edit=True)


class _Picker(_QueueItem, template=r"(?!)"):
    """A select that changes one part of the picks and re-renders the view."""

    spec = FlowSpec("queue.pick", policy=QUEUE_POLICY)

    def __init__(self, picks: str, select: discord.ui.Select[Any]) -> None:
        super().__init__(select)
        self.picks = picks

    @property
    def chosen(self) -> list[str]:
        return list(cast(discord.ui.Select[Any], self.item).values)

    def apply(self, picks: Picks) -> Picks:
        raise NotImplementedError

    async def handle(self, call: Call) -> Answer:
        options = await call.deps.queue.options(call.uid)
        call.checkpoint("reads")
        picks = self.apply(Picks.decode(self.picks, options))
        return queue_reply(call.deps.game, options, picks, edit=True)


def _race_select(
    action: str, picks: str, placeholder: str, options: list[discord.SelectOption]
) -> discord.ui.Select[Any]:
    return discord.ui.Select(
        custom_id=custom_id("queue", action, picks),
        placeholder=placeholder,
        options=options or [discord.SelectOption(label=placeholder, value=NONE_VALUE)],
        min_values=1,
        max_values=1,
    )


class PickBwRace(_Picker, template=rf"evo:queue:bw:{PICKS}"):
    def __init__(self, picks: str, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(picks, _race_select("bw", picks, text.BW_PLACEHOLDER, options or []))

    @classmethod
    def parsed(cls, picks: str) -> Self:
        return cls(picks)

    def apply(self, picks: Picks) -> Picks:
        value = self.chosen[0] if self.chosen else NONE_VALUE
        return replace(picks, bw=None if value == NONE_VALUE else value)


class PickSc2Race(_Picker, template=rf"evo:queue:sc2:{PICKS}"):
    def __init__(self, picks: str, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(picks, _race_select("sc2", picks, text.SC2_PLACEHOLDER, options or []))

    @classmethod
    def parsed(cls, picks: str) -> Self:
        return cls(picks)

    def apply(self, picks: Picks) -> Picks:
        value = self.chosen[0] if self.chosen else NONE_VALUE
        return replace(picks, sc2=None if value == NONE_VALUE else value)


class VetoMaps(_Picker, template=rf"evo:queue:veto:{PICKS}"):
    def __init__(
        self, picks: str, options: list[discord.SelectOption] | None = None, max_vetoes: int = MAX_VETOES
    ) -> None:
        choices = options or [discord.SelectOption(label=text.NO_VETOES, value=NONE_VALUE)]
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=custom_id("queue", "veto", picks),
            placeholder=text.VETO_PLACEHOLDER.format(max_vetoes=max_vetoes),
            options=choices,
            min_values=0,
            max_values=max(1, min(max_vetoes, len(choices))),
        )
        super().__init__(picks, select)

    @classmethod
    def parsed(cls, picks: str) -> Self:
        return cls(picks)

    def apply(self, picks: Picks) -> Picks:
        return replace(picks, vetoes=tuple(v for v in self.chosen if v != NONE_VALUE))


class JoinQueue(_QueueItem, template=rf"evo:queue:join:{PICKS}"):
    """Join with the picks this button carries; the message becomes the searching view."""

    spec = FlowSpec("queue.join")

    def __init__(self, picks: str, *, enabled: bool = True) -> None:
        super().__init__(
            _button(text.JOIN_LABEL, discord.ButtonStyle.success, "join", picks, disabled=not enabled)
        )
        self.picks = picks

    @classmethod
    def parsed(cls, picks: str) -> Self:
        return cls(picks)

    async def handle(self, call: Call) -> Answer:
        if call.require_player().quickstart_acknowledged_at is None:
            return guide_reply(call, edit=True)  # an old view: the guide comes first
        deps = call.deps
        options = await deps.queue.options(call.uid)
        picks = Picks.decode(self.picks, options)
        entry = await deps.queue.join(call.uid, picks.bw, picks.sc2, picks.vetoes)
        call.checkpoint("reads")
        where = _tracked_message(call.interaction)
        board = board_of(call.interaction)
        if where is not None and board is not None:
            board.track(entry, *where)
        embed = render.searching(entry, entry.status, deps.game)
        return Reply(embeds=(embed,), view=searching_view(), edit=True, track=Track(SEARCHING_KIND))


class ClearPicks(_QueueItem, template=r"evo:queue:clear"):
    """Back to no races and no vetoes (the remembered choices return with the next /queue)."""

    spec = FlowSpec("queue.clear", policy=QUEUE_POLICY)

    def __init__(self) -> None:
        super().__init__(_button(text.CLEAR_LABEL, discord.ButtonStyle.secondary, "clear"))

    @classmethod
    def parsed(cls, picks: str) -> Self:
        return cls()

    async def handle(self, call: Call) -> Answer:
        options = await call.deps.queue.options(call.uid)
        call.checkpoint("reads")
        return queue_reply(call.deps.game, options, Picks(), edit=True)


class CloseQueueView(_QueueItem, template=r"evo:queue:close"):
    """Closes a queue view (or the guide) without joining; nothing is written."""

    spec = FlowSpec("queue.close")

    def __init__(self) -> None:
        super().__init__(_button(text.CANCEL_LABEL, discord.ButtonStyle.danger, "close"))

    @classmethod
    def parsed(cls, picks: str) -> Self:
        return cls()

    async def handle(self, call: Call) -> Answer:
        return Reply(embeds=(render.queue_closed(),), view=closed_view(), edit=True)


class LeaveQueue(_QueueItem, template=r"evo:queue:leave"):
    """The searching view's Cancel: leave the queue."""

    spec = FlowSpec("queue.cancel")

    def __init__(self) -> None:
        super().__init__(_button(text.LEAVE_LABEL, discord.ButtonStyle.danger, "leave"))

    @classmethod
    def parsed(cls, picks: str) -> Self:
        return cls()

    async def handle(self, call: Call) -> Answer:
        await call.deps.queue.leave(call.uid)
        call.checkpoint("reads")
        where = _tracked_message(call.interaction)
        board = board_of(call.interaction)
        if where is None or board is None:
            return Reply(embeds=(render.left_queue(),), view=closed_view(), edit=True)
        # The board edits the message through the outbound queue, behind any refresh of it.
        board.close(call.uid, render.left_queue(), where)
        return Ack()


QUEUE_ITEMS: tuple[type[LadderItem[Any]], ...] = (
    AcknowledgeGuide,
    PickBwRace,
    PickSc2Race,
    VetoMaps,
    JoinQueue,
    ClearPicks,
    CloseQueueView,
    LeaveQueue,
)
