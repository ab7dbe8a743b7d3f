"""REST routes of interactions: the callback, the original response and follow-ups.

These are the webhook-style routes discord.py calls without the bot token; the interaction token
in the path is the credential (see ``interactions.py`` for the 3 s / once / 15 min rules).
"""

from __future__ import annotations

from typing import Any

from . import errors
from .context import ApiContext
from .rest import NO_CONTENT, Call, Route
from .state import Interaction, Message

Json = dict[str, Any]
WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"
ORIGINAL = WEBHOOK + "/messages/@original"
FOLLOWUP = WEBHOOK + "/messages/{message_id}"


class InteractionRoutes:
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx
        self.interactions = ctx.interactions

    def routes(self) -> list[Route]:
        hook = ("webhook_id", "webhook_token")
        callback = "/interactions/{interaction_id}/{interaction_token}/callback"
        return [
            Route("POST", callback, self.callback, auth=False, major=("interaction_id",)),
            Route("POST", WEBHOOK, self.followup, auth=False, major=hook),
            Route("GET", ORIGINAL, self.get_original, auth=False, major=hook),
            Route("PATCH", ORIGINAL, self.edit_original, auth=False, major=hook),
            Route("DELETE", ORIGINAL, self.delete_original, auth=False, major=hook),
            Route("GET", FOLLOWUP, self.get_message, auth=False, major=hook),
            Route("PATCH", FOLLOWUP, self.edit_message, auth=False, major=hook),
            Route("DELETE", FOLLOWUP, self.delete_message, auth=False, major=hook),
        ]

    async def callback(self, call: Call) -> object:
        interaction = self.interactions.for_callback(
            call.snowflake("interaction_id", errors.unknown_interaction),
            call.params["interaction_token"],
        )
        result = self.interactions.respond(interaction, call.json(), call.files, call.received_perf)
        return result if _truthy(call.query.get("with_response")) else NO_CONTENT

    def _interaction(self, call: Call) -> Interaction:
        app_id = call.snowflake("webhook_id", errors.unknown_webhook)
        return self.interactions.for_webhook(app_id, call.params["webhook_token"])

    async def followup(self, call: Call) -> object:
        message = self.interactions.followup(self._interaction(call), call.json(), call.files)
        return self.ctx.message_json(message) if _truthy(call.query.get("wait")) else NO_CONTENT

    async def get_original(self, call: Call) -> Json:
        return self.ctx.message_json(self.interactions.original(self._interaction(call)))

    async def edit_original(self, call: Call) -> Json:
        interaction = self._interaction(call)
        message = self.interactions.original(interaction)
        edited = self.interactions.edit(interaction, message, call.json(), call.files)
        return self.ctx.message_json(edited)

    async def delete_original(self, call: Call) -> object:
        message = self.interactions.original(self._interaction(call))
        self.ctx.world.delete(message)
        return NO_CONTENT

    def _followup(self, call: Call) -> tuple[Interaction, Message]:
        interaction = self._interaction(call)
        message_id = call.snowflake("message_id", errors.unknown_message)
        return interaction, self.interactions.followup_message(interaction, message_id)

    async def get_message(self, call: Call) -> Json:
        return self.ctx.message_json(self._followup(call)[1])

    async def edit_message(self, call: Call) -> Json:
        interaction, message = self._followup(call)
        edited = self.interactions.edit(interaction, message, call.json(), call.files)
        return self.ctx.message_json(edited)

    async def delete_message(self, call: Call) -> object:
        self.ctx.world.delete(self._followup(call)[1])
        return NO_CONTENT


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in {"1", "true"}
