"""The controls of a player's match: Confirm, Abort (and its confirmation), the result select and
the report confirmation.

Every control is a persistent item whose custom id carries the match id (and, for the report
confirmation, the outcome), so it works after a restart. Each use runs through the interaction
wrapper (the guard runs on every click, so a banned player's buttons stop working at once) and
the match service decides: a player who is not in the match is refused (``NotAPlayer``), a
closed match answers that it is over.

What the players then see arrives through the notifier (details, result, "aborted"), which edits
the match message by channel and message id. A click therefore never edits the match message
itself (its edit could land after the notifier's and undo it); it answers with a new message
(the abort question, the report question) or edits only that message of its own.

Reporting is two steps on purpose: the select on the details only asks "report this?" in a new
message whose Confirm button carries the outcome. A slip on the select costs nothing, and the
report that counts is one deliberate click.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Self

import discord

from evoladder.bot.interaction import Call, FlowSpec, LadderItem, custom_id
from evoladder.bot.reply import Ack, Answer, Reply
from evoladder.domain.errors import AlreadyReported, MatchClosed, ReportLocked
from evoladder.domain.match_state import MatchState, MatchStatus
from evoladder.domain.rating import Outcome
from evoladder.i18n.text import match as text

MATCH_POLICY = "match"  # the guard's policy for every match button (state: the service checks)


class MatchButton(LadderItem[discord.ui.Button[Any]], template=r"(?!)"):
    """A button whose custom id is ``evo:match:<match_id>:<action>`` and carries nothing else.

    Subclasses set ``action`` (the last part of the custom id, also in their ``template``),
    ``label_key`` (the catalog key of the label, read when the button is built: the clicker's
    or recipient's language), ``button_style``, ``spec`` and ``handle``. The base's template matches
    nothing; it is never registered.
    """

    action: ClassVar[str]
    label_key: ClassVar[str]
    button_style: ClassVar[discord.ButtonStyle]

    def __init__(self, match_id: int, *, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label if label is not None else getattr(text, self.label_key),
                style=self.button_style,
                custom_id=custom_id("match", match_id, self.action),
            )
        )
        self.match_id = match_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(int(match["match_id"]))


class ConfirmMatch(MatchButton, template=r"evo:match:(?P<match_id>\d+):confirm"):
    spec = FlowSpec("match.confirm", policy=MATCH_POLICY)
    action = "confirm"
    label_key = "CONFIRM_LABEL"
    button_style = discord.ButtonStyle.success

    async def handle(self, call: Call) -> Answer:
        state = await call.deps.matches.confirm(self.match_id, call.uid)
        call.checkpoint("reads")
        if state.status is MatchStatus.CONFIRMED:
            return Ack()  # both confirmed: the notifier is replacing this message with the details
        return Reply(content=text.CONFIRMED_WAITING.format(match_id=self.match_id))


class AbortMatch(MatchButton, template=r"evo:match:(?P<match_id>\d+):abort"):
    """Asks first: an abort costs one of the month's three."""

    spec = FlowSpec("match.abort_ask", policy=MATCH_POLICY)
    action = "abort"
    label_key = "ABORT_SHORT_LABEL"
    button_style = discord.ButtonStyle.danger

    def __init__(self, match_id: int, aborts_left: int | None = None) -> None:
        label = text.ABORT_LABEL.format(count=aborts_left) if aborts_left is not None else None
        super().__init__(match_id, label=label)

    async def handle(self, call: Call) -> Answer:
        await open_match_of(call, self.match_id)  # asks only players of an open match
        call.checkpoint("reads")
        left = await call.deps.accounts.aborts_left(call.uid)  # the monthly reset applied
        view = discord.ui.View(timeout=None)
        view.add_item(AbortMatchYes(self.match_id))
        question = text.ABORT_QUESTION.format(match_id=self.match_id, count=left)
        return Reply(content=question, view=view)


class AbortMatchYes(MatchButton, template=r"evo:match:(?P<match_id>\d+):abort_yes"):
    spec = FlowSpec("match.abort", policy=MATCH_POLICY)
    action = "abort_yes"
    label_key = "ABORT_CONFIRM_LABEL"
    button_style = discord.ButtonStyle.danger

    async def handle(self, call: Call) -> Answer:
        await call.deps.matches.abort(self.match_id, call.uid)
        call.checkpoint("reads")
        # The notifier tells both players and closes both match messages; the question loses
        # its button (an empty view removes the components).
        done = text.ABORT_DONE.format(match_id=self.match_id)
        return Reply(content=done, view=discord.ui.View(timeout=None), edit=True)


class ResultSelect(LadderItem[discord.ui.Select[Any]], template=r"evo:match:(?P<match_id>\d+):result"):
    """The result select of the details: asks, in a new message, to confirm the chosen outcome.

    Its options (rendered with the players' names by ``render.match``) have the absolute outcome
    as value: "1" player 1 won, "2" player 2 won, "0" draw.
    """

    spec = FlowSpec("match.result", policy=MATCH_POLICY)

    def __init__(self, match_id: int, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=custom_id("match", match_id, "result"),
                placeholder=text.RESULT_PLACEHOLDER,
                options=options or [discord.SelectOption(label=text.table("REPORT_TEXT")[0], value="0")],
                min_values=1,
                max_values=1,
            )
        )
        self.match_id = match_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        options = list(item.options) if isinstance(item, discord.ui.Select) else None
        return cls(int(match["match_id"]), options)

    async def handle(self, call: Call) -> Answer:
        state = await open_match_of(call, self.match_id)
        if await call.deps.matches.reporting_locked(self.match_id):
            raise ReportLocked()  # a select rendered before the lock (or a stale client)
        call.checkpoint("reads")
        if state.report(state.slot_of(call.uid)) is not None:
            raise AlreadyReported()  # say so now, not after a second click
        outcome = Outcome(int(self.item.values[0]))
        label = next((o.label for o in self.item.options if o.value == str(int(outcome))), None)
        question = text.REPORT_QUESTION.format(
            match_id=state.id, choice=label or text.table("REPORT_TEXT")[int(outcome)]
        )
        view = discord.ui.View(timeout=None)
        view.add_item(ReportResult(state.id, outcome))
        return Reply(content=question, view=view)


class ReportResult(
    LadderItem[discord.ui.Button[Any]], template=r"evo:match:(?P<match_id>\d+):report:(?P<outcome>[012])"
):
    """Sends the report this button carries; its own message then says what happens next."""

    spec = FlowSpec("match.report", policy=MATCH_POLICY)

    def __init__(self, match_id: int, outcome: Outcome) -> None:
        super().__init__(
            discord.ui.Button(
                label=text.REPORT_CONFIRM_LABEL,
                style=discord.ButtonStyle.success,
                custom_id=custom_id("match", match_id, "report", int(outcome)),
            )
        )
        self.match_id = match_id
        self.outcome = outcome

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(int(match["match_id"]), Outcome(int(match["outcome"])))

    async def handle(self, call: Call) -> Answer:
        state = await call.deps.matches.report(self.match_id, call.uid, self.outcome)
        call.checkpoint("reads")
        done = reported_text(state, self.outcome)
        return Reply(content=done, view=discord.ui.View(timeout=None), edit=True)


def reported_text(state: MatchState, outcome: Outcome) -> str:
    """What the reporter reads once their report is in: waiting, final, or a conflict."""
    told = text.table("REPORT_TEXT")[int(outcome)]
    if state.status is MatchStatus.FINAL:
        return text.REPORTED_FINAL.format(match_id=state.id, outcome=told)
    if state.status is MatchStatus.CONFLICT:
        return text.REPORTED_CONFLICT.format(match_id=state.id, outcome=told)
    deadline = discord.utils.format_dt(state.report_deadline, "R") if state.report_deadline else text.UNKNOWN
    return text.REPORTED_WAITING.format(match_id=state.id, outcome=told, deadline=deadline)


async def open_match_of(call: Call, match_id: int) -> MatchState:
    """The match, if the caller plays in it and it is still open (else the typed error)."""
    state = await call.deps.matches.get(match_id)
    state.slot_of(call.uid)  # NotAPlayer for anyone else
    if not state.is_open:
        raise MatchClosed()
    return state


MATCH_ITEMS: tuple[type[LadderItem[Any]], ...] = (
    ConfirmMatch,
    AbortMatch,
    AbortMatchYes,
    ResultSelect,
    ReportResult,
)
