"""The error handler: typed errors show their message; anything else gets a logged reference."""

from __future__ import annotations

import logging
import re
from typing import Any, cast

import discord
import pytest
from discord import app_commands

from evoladder.bot import errors
from evoladder.domain.errors import InMatch, ValidationError


class FakeResponse:
    status = 404
    reason = "Not Found"
    headers: dict[str, str] = {}


def test_a_ladder_error_shows_its_own_message_without_a_reference(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        outcome = errors.describe(InMatch(), {"command": "queue"})
    assert outcome.message == InMatch.message
    assert outcome.expected and outcome.reference is None and outcome.deliverable
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_validation_error_keeps_its_specific_message() -> None:
    outcome = errors.describe(ValidationError("battletag", "A BattleTag looks like Name#1234."), {})
    assert outcome.message == "A BattleTag looks like Name#1234."


def test_a_wrapped_error_is_unwrapped_first() -> None:
    command = cast(Any, app_commands.Command(name="x", description="x", callback=_noop))
    wrapped = app_commands.CommandInvokeError(command, InMatch())
    assert errors.describe(wrapped, {}).message == InMatch.message


async def _noop(interaction: discord.Interaction) -> None: ...


def test_an_unexpected_error_gets_a_reference_and_a_full_log(caplog: pytest.LogCaptureFixture) -> None:
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError as exc:
        with caplog.at_level(logging.ERROR):
            outcome = errors.describe(exc, {"command": "profile", "uid": 7})
    assert not outcome.expected
    assert outcome.reference is not None and re.fullmatch(r"[0-9a-f]{8}", outcome.reference)
    assert f"`{outcome.reference}`" in outcome.message
    assert "division" not in outcome.message  # the user never sees internals
    [record] = caplog.records
    fields = record.fields  # type: ignore[attr-defined]
    assert fields == {
        "command": "profile",
        "uid": 7,
        "reference": outcome.reference,
        "error": "ZeroDivisionError",
    }
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError


def test_references_differ() -> None:
    assert len({errors.new_reference() for _ in range(50)}) == 50


def test_an_expired_interaction_cannot_be_answered() -> None:
    expired = discord.NotFound(cast(Any, FakeResponse()), {"message": "Unknown interaction", "code": 10062})
    outcome = errors.describe(expired, {})
    assert not outcome.deliverable


def test_options_are_flattened_for_the_log() -> None:
    options = [
        {
            "name": "ban",
            "type": 1,
            "options": [{"name": "player", "value": "42"}, {"name": "reason", "value": "x"}],
        }
    ]
    assert errors._options_text(options) == "player=42 reason=x"
