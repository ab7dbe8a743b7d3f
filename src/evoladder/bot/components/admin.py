"""The confirmation of destructive admin actions: Confirm / Cancel, usable only by the admin who asked.

Resolve, adjust_mmr, ban and clear_queue first answer with the preview and this view; the action
itself (a closure the cog built with the checked options and the reason) runs only on Confirm.

Why a short-lived :class:`~evoladder.bot.interaction.LadderView` and not a persistent item: the
action carries the admin's reason (up to 500 characters), which a 100-character custom id cannot
hold, and a confirmation is answered within seconds. The view lives in memory for
``CONFIRM_TIMEOUT``; after that, or after a restart, its buttons answer "no longer active" (the
bot's handler for unclaimed components) and nothing happens: the admin runs the command again.

Who may press: ``owner_id`` is the admin who asked. Anyone else (another admin, a player) gets a
refusal and the action does not run; the check happens before the interaction wrapper, so not
even a guard read is spent on them. The owner's click goes through the wrapper (guard, log,
timing), and the action re-checks the admin role itself, so a role revoked meanwhile stops it.

Exactly once: the first Confirm or Cancel marks the view answered before any await and stops
it, so a double click cannot run the action twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from evoladder.bot.errors import error_text
from evoladder.bot.interaction import Call, FlowSpec, LadderView
from evoladder.bot.reply import Answer, Reply
from evoladder.domain.errors import LadderError
from evoladder.i18n.text import admin as text
from evoladder.logging_setup import event

log = logging.getLogger(__name__)

ADMIN_POLICY = "admin"  # the guard's policy for every /admin command and button (no terms needed)
CONFIRM_TIMEOUT = 600.0  # seconds a confirmation stays answerable
CONFIRM_SPEC = FlowSpec("admin.confirm", policy=ADMIN_POLICY, dm_only=False)
CANCEL_SPEC = FlowSpec("admin.cancel", policy=ADMIN_POLICY, dm_only=False)

Action = Callable[[Call], Awaitable[str]]
"""Runs the confirmed action and returns the line that replaces the question."""


class ConfirmView(LadderView):
    def __init__(self, owner_id: int, action: Action, *, timeout: float = CONFIRM_TIMEOUT) -> None:
        super().__init__(owner_id=owner_id, timeout=timeout)
        self._action = action
        self.answered = False

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Only the admin who asked; everyone else is told so and nothing runs."""
        if interaction.user.id == self.owner_id:
            return True
        event(log, "admin.confirm_refused", owner=self.owner_id, user=interaction.user.id)
        await interaction.response.send_message(
            text.NOT_YOUR_CONFIRMATION, ephemeral=interaction.guild_id is not None
        )
        return False

    @discord.ui.button(label=text.CONFIRM_LABEL, style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction[Any], _button: discord.ui.Button[Any]) -> None:
        await self.run(interaction, CONFIRM_SPEC, self._confirmed)

    @discord.ui.button(label=text.CANCEL_LABEL, style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction[Any], _button: discord.ui.Button[Any]) -> None:
        await self.run(interaction, CANCEL_SPEC, self._cancelled)

    async def _confirmed(self, call: Call) -> Answer:
        if not self._claim():
            return Reply(content=text.ALREADY_ANSWERED)
        try:
            done = await self._action(call)
        except LadderError as exc:
            # The question is answered either way: show why, and take the buttons away.
            event(log, "admin.confirm_failed", error=type(exc).__name__)
            done = text.NOT_DONE.format(message=error_text(exc))
        call.checkpoint("reads")
        return _closed(done)

    async def _cancelled(self, call: Call) -> Answer:
        if not self._claim():
            return Reply(content=text.ALREADY_ANSWERED)
        return _closed(text.CANCELLED)

    def _claim(self) -> bool:
        """True for the first answer only (no await before it, so two clicks cannot both win)."""
        if self.answered:
            return False
        self.answered = True
        self.stop()
        return True


def _closed(content: str) -> Reply:
    """The question replaced by its outcome, without buttons."""
    return Reply(content=content, embeds=(), view=discord.ui.View(timeout=None), edit=True)


def confirmation(owner_id: int, question: str, action: Action) -> Reply:
    """The preview with Confirm / Cancel for the admin ``owner_id``."""
    return Reply(content=question, view=ConfirmView(owner_id, action))
