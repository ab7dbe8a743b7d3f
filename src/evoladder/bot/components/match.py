"""The buttons on a player's match message: Confirm, Abort, and the abort confirmation.

Each click runs through the interaction wrapper (the guard runs on every click, so a banned
player's buttons stop working at once) and makes one service call. What the players then see
arrives through the notifier (details, "aborted"), which edits the match message by channel and
message id; the click itself answers only what the notifier does not say.
"""

from __future__ import annotations

import re
from typing import Any, Self

import discord

from evoladder.bot.interaction import Call, FlowSpec, LadderItem, custom_id
from evoladder.bot.reply import Ack, Answer, Reply
from evoladder.bot.strings import match as text
from evoladder.domain.match_state import MatchStatus

MATCH_POLICY = "match"  # the guard's policy for every match button (state: the service checks)


class ConfirmMatch(LadderItem[discord.ui.Button[Any]], template=r"evo:match:(?P<match_id>\d+):confirm"):
    spec = FlowSpec("match.confirm", policy=MATCH_POLICY)

    def __init__(self, match_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=text.CONFIRM_LABEL,
                style=discord.ButtonStyle.success,
                custom_id=custom_id("match", match_id, "confirm"),
            )
        )
        self.match_id = match_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(int(match["match_id"]))

    async def handle(self, call: Call) -> Answer:
        state = await call.deps.matches.confirm(self.match_id, call.uid)
        call.checkpoint("reads")
        if state.status is MatchStatus.CONFIRMED:
            return Ack()  # both confirmed: the notifier is replacing this message with the details
        return Reply(content=text.CONFIRMED_WAITING.format(match_id=self.match_id))


class AbortMatch(LadderItem[discord.ui.Button[Any]], template=r"evo:match:(?P<match_id>\d+):abort"):
    """Asks first: an abort costs one of the month's three."""

    spec = FlowSpec("match.abort_ask", policy=MATCH_POLICY)

    def __init__(self, match_id: int, aborts_left: int | None = None) -> None:
        label = text.ABORT_LABEL.format(left=aborts_left) if aborts_left is not None else "Abort"
        super().__init__(
            discord.ui.Button(
                label=label, style=discord.ButtonStyle.danger, custom_id=custom_id("match", match_id, "abort")
            )
        )
        self.match_id = match_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(int(match["match_id"]))

    async def handle(self, call: Call) -> Answer:
        player = call.require_player()
        view = discord.ui.View(timeout=None)
        view.add_item(AbortMatchYes(self.match_id))
        question = text.ABORT_QUESTION.format(match_id=self.match_id, left=player.aborts_left)
        return Reply(content=question, view=view)


class AbortMatchYes(LadderItem[discord.ui.Button[Any]], template=r"evo:match:(?P<match_id>\d+):abort_yes"):
    spec = FlowSpec("match.abort", policy=MATCH_POLICY)

    def __init__(self, match_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=text.ABORT_CONFIRM_LABEL,
                style=discord.ButtonStyle.danger,
                custom_id=custom_id("match", match_id, "abort_yes"),
            )
        )
        self.match_id = match_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(int(match["match_id"]))

    async def handle(self, call: Call) -> Answer:
        await call.deps.matches.abort(self.match_id, call.uid)
        call.checkpoint("reads")
        # The notifier tells both players and closes both match messages; the question loses
        # its button (an empty view removes the components).
        done = text.ABORT_DONE.format(match_id=self.match_id)
        return Reply(content=done, view=discord.ui.View(timeout=None), edit=True)


MATCH_ITEMS: tuple[type[LadderItem[Any]], ...] = (ConfirmMatch, AbortMatch, AbortMatchYes)
