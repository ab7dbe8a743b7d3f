"""The admin confirmation view: only the admin who asked, and the action runs at most once.

The e2e journeys click through the local Discord server; here two clicks are made to overlap (the
first still inside the action when the second arrives), which a sequential player cannot do.
"""

from __future__ import annotations

import asyncio
from typing import Any

import discord
from botfakes import FakeUser, Harness, harness

from evoladder.bot.components.admin import ConfirmView
from evoladder.bot.interaction import Call
from evoladder.domain.errors import AlreadyResolved
from evoladder.i18n.text import admin as text

ADMIN = FakeUser(7, "root")


def click(h: Harness, user: FakeUser = ADMIN) -> Any:
    return h.interaction(type=discord.InteractionType.component, user=user)


async def test_overlapping_confirms_run_the_action_once() -> None:
    h = harness()
    entered, release = asyncio.Event(), asyncio.Event()
    runs: list[int] = []

    async def action(call: Call) -> str:
        runs.append(call.uid)
        entered.set()
        await release.wait()
        return "done"

    view = ConfirmView(ADMIN.id, action)
    first, second = click(h), click(h)
    running = asyncio.create_task(view.confirm.callback(first.as_discord()))
    await entered.wait()
    await view.confirm.callback(second.as_discord())
    release.set()
    await running
    assert runs == [ADMIN.id]
    assert [(kind, sent["content"]) for kind, sent in first.sent] == [("edit_message", "done")]
    assert second.texts() == [text.ALREADY_ANSWERED]
    assert view.is_finished()


async def test_someone_else_is_refused_before_anything_runs() -> None:
    h = harness()
    ran: list[int] = []

    async def action(call: Call) -> str:
        ran.append(call.uid)
        return "done"

    view = ConfirmView(ADMIN.id, action)
    other = click(h, FakeUser(8, "other_admin"))
    assert await view.interaction_check(other.as_discord()) is False
    assert other.texts() == [text.NOT_YOUR_CONFIRMATION] and ran == [] and not view.answered
    assert await view.interaction_check(click(h).as_discord()) is True
    assert h.guard.calls == []  # the refusal did not even reach the wrapper


async def test_a_refused_action_closes_the_question_with_the_reason() -> None:
    h = harness()

    async def action(call: Call) -> str:
        raise AlreadyResolved()

    view = ConfirmView(ADMIN.id, action)
    answer = click(h)
    await view.confirm.callback(answer.as_discord())
    assert answer.texts() == [text.NOT_DONE.format(message=AlreadyResolved.message)]
    kind, sent = answer.sent[0]
    assert kind == "edit_message" and len(sent["view"].children) == 0


async def test_cancel_then_confirm_never_runs_the_action() -> None:
    h = harness()
    ran: list[int] = []

    async def action(call: Call) -> str:
        ran.append(call.uid)
        return "done"

    view = ConfirmView(ADMIN.id, action)
    cancelled = click(h)
    await view.cancel.callback(cancelled.as_discord())
    assert cancelled.texts() == [text.CANCELLED]
    late = click(h)
    await view.confirm.callback(late.as_discord())
    assert late.texts() == [text.ALREADY_ANSWERED] and ran == []
