"""The one error handler: what the user reads, and what the log keeps.

Expected failures are typed (:class:`evoladder.domain.errors.LadderError`) and carry the sentence
to show; they are logged at INFO without a stack trace, since they are not faults. Anything else
is a bug: the user gets a short apology with a reference id (8 hex characters) and the log gets
the full traceback plus the context (command, user, guild, custom id, options) under the same id,
so an admin who is handed the reference finds the exact line.

Every path that can fail while serving a person ends here: the interaction wrapper, the command
tree's ``on_error`` (errors raised before the wrapper runs, e.g. an option that does not convert)
and the views' ``on_error``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from evoladder.domain.errors import LadderError
from evoladder.i18n.text import common as text
from evoladder.i18n.text import errors as errors_text

log = logging.getLogger(__name__)

# Discord's code for an interaction that can no longer be answered (older than 3 s unanswered,
# or its 15-minute token expired). Nothing can be sent for it.
UNKNOWN_INTERACTION = 10062


@dataclass(frozen=True, slots=True)
class ErrorOutcome:
    """What to tell the user about a failure.

    ``reference`` is set for unexpected errors (it is in ``message`` too). ``deliverable`` is
    False when Discord will not accept any answer for the interaction any more.
    """

    message: str
    reference: str | None = None
    deliverable: bool = True

    @property
    def expected(self) -> bool:
        return self.reference is None


def new_reference() -> str:
    """A short id a player can read out to an admin; random, so it reveals nothing."""
    return secrets.token_hex(4)


def unwrap(exc: BaseException) -> BaseException:
    """The error that matters: discord.py wraps a callback's exception in CommandInvokeError."""
    while isinstance(exc, app_commands.CommandInvokeError) and exc.original is not None:
        exc = exc.original
    return exc


def describe(exc: BaseException, context: Mapping[str, object]) -> ErrorOutcome:
    """Map ``exc`` to what the user reads, logging it with ``context`` (never a secret in it)."""
    exc = unwrap(exc)
    fields = dict(context)
    if isinstance(exc, LadderError):
        log.info("interaction.rejected", extra={"fields": {**fields, "error": type(exc).__name__}})
        return ErrorOutcome(error_text(exc))
    if isinstance(exc, app_commands.CommandOnCooldown):
        return ErrorOutcome(text.ON_COOLDOWN.format(seconds=exc.retry_after))
    if isinstance(exc, app_commands.TransformerError):
        log.info("interaction.bad_option", extra={"fields": {**fields, "value": str(exc.value)[:100]}})
        return ErrorOutcome(text.BAD_OPTION.format(option=exc.type.name.lower()))
    if isinstance(exc, app_commands.CheckFailure):
        return ErrorOutcome(text.MISSING_PERMISSIONS)
    if isinstance(exc, discord.NotFound) and exc.code == UNKNOWN_INTERACTION:
        log.warning("interaction.expired", extra={"fields": fields})
        return ErrorOutcome(text.INTERACTION_EXPIRED, deliverable=False)
    reference = new_reference()
    log.error(
        "interaction.error",
        exc_info=(type(exc), exc, exc.__traceback__),
        extra={"fields": {**fields, "reference": reference, "error": type(exc).__name__}},
    )
    return ErrorOutcome(text.UNEXPECTED_ERROR.format(reference=reference), reference=reference)


def error_text(exc: LadderError) -> str:
    """What the player reads for ``exc``, in the current language: the catalog's text for its key,
    else the message it was raised with (already rendered by the bot, or a text the catalogs lack)."""
    if exc.key is not None:
        found = errors_text.get(exc.key, "")
        if found:
            return found.format(**exc.params) if exc.params else found
    return exc.message


def interaction_context(interaction: discord.Interaction[discord.Client]) -> dict[str, object]:
    """The facts about an interaction worth logging beside an error (ids, names, options)."""
    data: Mapping[str, Any] = interaction.data or {}
    context: dict[str, object] = {
        "interaction_id": interaction.id,
        "uid": interaction.user.id,
        "guild_id": interaction.guild_id,
        "channel_id": interaction.channel_id,
        "type": interaction.type.name,
    }
    if interaction.command is not None:
        context["command"] = interaction.command.qualified_name
    custom_id = data.get("custom_id")
    if custom_id:
        context["custom_id"] = custom_id
    options = data.get("options")
    if options:
        context["options"] = _options_text(options)
    return context


def _options_text(options: object) -> str:
    """Slash-command options as ``name=value`` pairs (nested groups flattened), capped in size."""
    parts: list[str] = []

    def walk(items: object) -> None:
        if not isinstance(items, list):
            return
        for item in items:
            if not isinstance(item, dict):
                continue
            if "value" in item:
                parts.append(f"{item.get('name')}={item['value']}")
            walk(item.get("options"))

    walk(options)
    return " ".join(parts)[:300]
