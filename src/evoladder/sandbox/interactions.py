"""The life of an interaction: created by a player, answered once by the bot, then followed up.

Discord's rules enforced here (the schema cannot express them):
- the first callback must arrive within 3 s of the interaction (else ``10062 Unknown
  interaction``) and there is only one (a second gets ``40060 ... already been acknowledged``);
- the callback type must fit the interaction (a modal cannot answer a modal submit, choices only
  answer autocomplete, message updates only answer components);
- the token works for 15 minutes for the original response and follow-ups (then ``401 50027
  Invalid Webhook Token``), and only after the interaction was acknowledged (``10015``);
- after a deferred reply ("thinking"), the first edit or follow-up replaces the loading message.
Time comes from the injectable clock, so tests expire interactions without sleeping.
"""

from __future__ import annotations

import copy
import logging
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

from . import errors, limits, payloads
from .components import number_components
from .errors import FieldError
from .messages import UploadedFile, check_message_body
from .state import EPHEMERAL, LOADING, Channel, Interaction, Message
from .world import World

log = logging.getLogger(__name__)

PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, CHOICES, MODAL = 1, 4, 5, 6, 7, 8, 9
ACK_DEADLINE = 3.0
TOKEN_LIFETIME = 15 * 60.0
ALLOWED = {
    PING: {PONG},
    APPLICATION_COMMAND: {MESSAGE, DEFERRED_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, MODAL},
    AUTOCOMPLETE: {CHOICES},
    MODAL_SUBMIT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE},
}
REPLY_KIND = {APPLICATION_COMMAND: 20}

Json = dict[str, Any]


class Interactions:
    """Creates interactions and applies the bot's answers under Discord's rules."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.state = world.state

    def start(
        self, user_id: int, channel: Channel, kind: int, data: Json,
        source: Message | None = None,
    ) -> Interaction:
        """Create an interaction and send INTERACTION_CREATE to the bot."""
        state = self.state
        interaction = Interaction(
            state.ids.next(), f"aW50ZXJhY3Rpb24.{secrets.token_urlsafe(48)}", kind, user_id,
            channel.id, channel.guild_id, data, state.now(),
            source_message_id=source.id if source else None,
        )
        state.interactions[interaction.id] = interaction
        state.interaction_tokens[interaction.token] = interaction.id
        state.interactions_by_user.setdefault(user_id, []).append(interaction.id)
        log.debug("interaction %s type %s by %s", interaction.id, kind, user_id)
        self.world.dispatch(
            "INTERACTION_CREATE", lambda: payloads.interaction(state, interaction, self.world.cdn_base)
        )
        interaction.dispatched_perf = time.perf_counter()
        return interaction

    def for_callback(self, interaction_id: int, token: str) -> Interaction:
        found = self.state.interactions.get(interaction_id)
        if found is None or found.token != token:
            raise errors.unknown_interaction()
        return found

    def for_webhook(self, application_id: int, token: str) -> Interaction:
        """The interaction behind a webhook token, if that token may still be used."""
        found = self.state.interactions.get(self.state.interaction_tokens.get(token, 0))
        if found is None or application_id != self.state.application_id:
            raise errors.unknown_webhook()
        if self.state.now() - found.created_at > TOKEN_LIFETIME:
            raise errors.invalid_webhook_token()
        if found.response_type is None:
            raise errors.unknown_webhook()
        return found

    def respond(
        self, interaction: Interaction, body: Mapping[str, Any], files: Sequence[UploadedFile],
        received_perf: float | None = None,
    ) -> Json:
        """Apply a callback (types 1, 4-9) and return Discord's ``with_response`` body.

        ``received_perf`` is when the request arrived (before validation), for round-trip timing.
        """
        kind = int(body["type"])
        self._check_callback(interaction, kind)
        data: Mapping[str, Any] = body.get("data") or {}
        message = self._apply(interaction, kind, data, files)
        interaction.response_type = kind
        interaction.responded_at = self.state.now()
        interaction.ack_revision = self.world.feed.revision
        interaction.answered_perf = received_perf or time.perf_counter()
        log.debug("interaction %s answered with type %s", interaction.id, kind)
        self.world.feed.notify(("interaction", interaction.id), ("user", interaction.user_id))
        return self._callback_body(interaction, kind, message)

    def _check_callback(self, interaction: Interaction, kind: int) -> None:
        if interaction.response_type is not None:
            raise errors.already_acknowledged()
        if self.state.now() - interaction.created_at > ACK_DEADLINE:
            interaction.failed = "the bot answered after Discord's 3 s deadline (10062)"
            self.world.feed.notify(("interaction", interaction.id))
            raise errors.unknown_interaction()
        allowed = set(ALLOWED.get(interaction.type, set()))
        if interaction.type == MODAL_SUBMIT and interaction.source_message_id is None:
            allowed -= {DEFERRED_UPDATE, UPDATE}
        if kind not in allowed:
            raise errors.invalid_form_body([FieldError(
                ("type",), "INTERACTION_RESPONSE_TYPE_INVALID",
                f"Interaction response type {kind} is not valid for interaction type {interaction.type}",
            )])

    def _apply(
        self, interaction: Interaction, kind: int, data: Mapping[str, Any],
        files: Sequence[UploadedFile],
    ) -> Message | None:
        if kind in (MESSAGE, DEFERRED_MESSAGE):
            return self._reply(interaction, kind, data, files)
        if kind == UPDATE:
            check_message_body(data, files, creating=False, prefix=("data",))
            return self.world.edit(self._source(interaction), data, files)
        if kind == MODAL:
            _raise_if(limits.modal_problems(data))
            modal = copy.deepcopy(dict(data))
            number_components(modal["components"])
            interaction.modal = modal
        elif kind == CHOICES:
            _raise_if(limits.autocomplete_problems(data))
            interaction.choices = list(data.get("choices") or [])
        return None

    def _reply(
        self, interaction: Interaction, kind: int, data: Mapping[str, Any],
        files: Sequence[UploadedFile],
    ) -> Message:
        flags = int(data.get("flags") or 0) & EPHEMERAL
        if kind == DEFERRED_MESSAGE:
            body: Mapping[str, Any] = {}
            flags |= LOADING
        else:
            check_message_body(data, files, creating=True, prefix=("data",))
            body = data
        channel = self.state.channels[interaction.channel_id]
        message = self.world.post(
            channel, self.state.bot.id, body, files, flags=flags,
            kind=REPLY_KIND.get(interaction.type, 0), interaction_id=interaction.id,
        )
        interaction.original_message_id = message.id
        return message

    def _source(self, interaction: Interaction) -> Message:
        if interaction.source_message_id is None:
            raise errors.unknown_message()
        return self.state.messages[interaction.source_message_id]

    def _callback_body(self, interaction: Interaction, kind: int, message: Message | None) -> Json:
        summary: Json = {"id": str(interaction.id), "type": interaction.type}
        resource: Json = {"type": kind}
        if message is not None:
            summary |= {
                "response_message_id": str(message.id),
                "response_message_loading": message.loading,
                "response_message_ephemeral": message.ephemeral,
            }
            resource["message"] = payloads.message(self.state, message, self.world.cdn_base)
        return {"interaction": summary, "resource": resource}

    # -- original response and follow-ups --------------------------------------------

    def original(self, interaction: Interaction) -> Message:
        """The reply a callback created, or the component's message after an update."""
        if interaction.response_type in (DEFERRED_UPDATE, UPDATE):
            message = self._source(interaction)
        elif interaction.original_message_id is not None:
            message = self.state.messages[interaction.original_message_id]
        else:
            raise errors.unknown_message()
        if message.deleted:
            raise errors.unknown_message()
        return message

    def edit(
        self, interaction: Interaction, message: Message, body: Mapping[str, Any],
        files: Sequence[UploadedFile],
    ) -> Message:
        check_message_body(body, files, creating=False)
        if message.loading:
            self.world.finish_loading(message)
        return self.world.edit(message, body, files)

    def followup(
        self, interaction: Interaction, body: Mapping[str, Any], files: Sequence[UploadedFile]
    ) -> Message:
        """A follow-up; the first one after a deferred reply replaces the loading message."""
        check_message_body(body, files, creating=True)
        original = self.state.messages.get(interaction.original_message_id or 0)
        if original is not None and original.loading and not original.deleted:
            self.world.finish_loading(original)
            return self.world.edit(original, dict(body) | {"content": body.get("content") or ""}, files)
        channel = self.state.channels[interaction.channel_id]
        flags = int(body.get("flags") or 0) & EPHEMERAL
        message = self.world.post(
            channel, self.state.bot.id, body, files, flags=flags, interaction_id=interaction.id
        )
        interaction.followup_ids.append(message.id)
        return message

    def followup_message(self, interaction: Interaction, message_id: int) -> Message:
        """A message this token may read, edit or delete: the original or a follow-up."""
        allowed = {interaction.original_message_id, *interaction.followup_ids}
        if interaction.response_type in (DEFERRED_UPDATE, UPDATE):
            allowed.add(interaction.source_message_id)
        message = self.state.messages.get(message_id)
        if message_id not in allowed or message is None or message.deleted:
            raise errors.unknown_message()
        return message


def _raise_if(problems: list[FieldError]) -> None:
    if problems:
        raise errors.invalid_form_body(problems)
