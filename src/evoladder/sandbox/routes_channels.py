"""REST routes for channels and messages: DM channels, history, send, edit, delete, bulk delete,
typing, and the attachment CDN.

Rules kept from Discord: the bot sees DMs with itself and channels of guilds it is in; it edits
only its own messages; in a DM it deletes only its own messages and cannot bulk delete; bulk
delete takes 2-100 messages younger than 14 days; ephemeral messages do not exist for these
routes (only the interaction webhook reaches them); history is newest first, ``limit`` 1-100.
"""

from __future__ import annotations

import bisect
from typing import Any

from aiohttp import web

from . import errors, payloads
from .context import ApiContext
from .messages import check_message_body
from .rest import NO_CONTENT, Call, Route
from .snowflake import snowflake_time
from .state import DM, Message

BULK_DELETE_MAX_AGE = 14 * 24 * 3600.0
Json = dict[str, Any]


class ChannelRoutes:
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx
        self.state = ctx.state
        self.world = ctx.world

    def routes(self) -> list[Route]:
        messages = "/channels/{channel_id}/messages"
        one = messages + "/{message_id}"
        major = ("channel_id",)
        return [
            Route("POST", "/users/@me/channels", self.create_dm),
            Route("GET", "/channels/{channel_id}", self.channel, major=major),
            Route("GET", messages, self.history, major=major),
            Route("POST", messages, self.send, major=major),
            Route("POST", messages + "/bulk-delete", self.bulk_delete, major=major),
            Route("GET", one, self.get, major=major),
            Route("PATCH", one, self.edit, major=major),
            Route("DELETE", one, self.delete, major=major),
            Route("POST", "/channels/{channel_id}/typing", self.typing, major=major),
        ]

    async def create_dm(self, call: Call) -> Json:
        recipient = call.json().get("recipient_id")
        if recipient is None:
            raise errors.unknown_user()
        channel = self.state.dm_channel(int(recipient))
        return payloads.channel(self.state, channel)

    async def channel(self, call: Call) -> Json:
        channel = self.ctx.bot_channel(call.snowflake("channel_id", errors.unknown_channel))
        return payloads.channel(self.state, channel)

    async def history(self, call: Call) -> list[Json]:
        channel = self.ctx.bot_channel(call.snowflake("channel_id", errors.unknown_channel))
        ids = channel.message_ids
        limit = int(call.query.get("limit", "50"))
        if "before" in call.query:
            ids = ids[: bisect.bisect_left(ids, int(call.query["before"]))]
        if "after" in call.query:
            ids = ids[bisect.bisect_right(ids, int(call.query["after"])) :]
        visible = [m for m in (self.state.messages[i] for i in ids) if not m.deleted and not m.ephemeral]
        if "around" in call.query:
            visible = _around(visible, int(call.query["around"]), limit)
        elif "after" in call.query and "before" not in call.query:
            visible = visible[:limit]
        else:
            visible = visible[-limit:]
        return [self.ctx.message_json(m) for m in reversed(visible)]

    async def send(self, call: Call) -> Json:
        channel = self.ctx.bot_channel(call.snowflake("channel_id", errors.unknown_channel))
        body = call.json()
        check_message_body(body, call.files, creating=True)
        message = self.world.post(channel, self.state.bot.id, body, call.files)
        return self.ctx.message_json(message)

    def _message(self, call: Call) -> Message:
        channel = self.ctx.bot_channel(call.snowflake("channel_id", errors.unknown_channel))
        return self.state.message(channel.id, call.snowflake("message_id", errors.unknown_message))

    async def get(self, call: Call) -> Json:
        return self.ctx.message_json(self._message(call))

    async def edit(self, call: Call) -> Json:
        message = self._message(call)
        if message.author_id != self.state.bot.id:
            raise errors.not_author()
        check_message_body(call.json(), call.files, creating=False)
        return self.ctx.message_json(self.world.edit(message, call.json(), call.files))

    async def delete(self, call: Call) -> object:
        message = self._message(call)
        channel = self.state.channels[message.channel_id]
        if message.author_id != self.state.bot.id and channel.type == DM:
            raise errors.dm_channel_action()
        self.world.delete(message)
        return NO_CONTENT

    async def bulk_delete(self, call: Call) -> object:
        channel = self.ctx.bot_channel(call.snowflake("channel_id", errors.unknown_channel))
        if channel.type == DM:
            raise errors.dm_channel_action()
        ids = [int(i) for i in call.json().get("messages", [])]
        now = self.state.now()
        if any(now - snowflake_time(i) > BULK_DELETE_MAX_AGE for i in ids):
            raise errors.bulk_delete_too_old()
        found = [
            m for i in ids
            if (m := self.state.messages.get(i)) is not None
            and m.channel_id == channel.id and not m.deleted and not m.ephemeral
        ]
        self.world.delete_many(channel, found)
        return NO_CONTENT

    async def typing(self, call: Call) -> object:
        self.ctx.bot_channel(call.snowflake("channel_id", errors.unknown_channel))
        return NO_CONTENT


def _around(messages: list[Message], message_id: int, limit: int) -> list[Message]:
    ids = [m.id for m in messages]
    centre = bisect.bisect_left(ids, message_id)
    start = max(0, centre - limit // 2)
    return messages[start : start + limit]


async def serve_attachment(ctx: ApiContext, request: web.Request) -> web.StreamResponse:
    """The CDN: uploaded bytes at the URL handed out in attachment payloads."""
    try:
        attachment = ctx.state.attachments[int(request.match_info["attachment_id"])]
    except (KeyError, ValueError):
        raise web.HTTPNotFound() from None
    if str(attachment.channel_id) != request.match_info["channel_id"]:
        raise web.HTTPNotFound()
    content_type = attachment.content_type or "application/octet-stream"
    return web.Response(body=attachment.data, content_type=content_type)
