"""Turning request bodies into stored messages: content, embeds, components, files, mentions.

Shared by every route that writes a message (channel messages, interaction replies, follow-ups,
webhook edits) and by virtual players sending DMs, so all of them store the same shape. The
rules mirror Discord's: ``attachments`` entries refer to uploaded ``files[n]`` by index and, on
edit, list the existing attachments to keep; mentions are parsed from the content and filtered
by ``allowed_mentions``; embeds get ``type: "rich"``; components get numeric ids.
"""

from __future__ import annotations

import copy
import mimetypes
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import errors, limits
from .components import number_components
from .errors import Path
from .state import Attachment, Channel, Message, State

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
EDITABLE_FLAGS = (1 << 2) | (1 << 15)  # SUPPRESS_EMBEDS, IS_COMPONENTS_V2
CREATE_FLAGS = EDITABLE_FLAGS | (1 << 6) | (1 << 12) | (1 << 13)


@dataclass(frozen=True)
class UploadedFile:
    """One ``files[n]`` part of a multipart request."""

    index: int
    filename: str
    data: bytes
    content_type: str | None = None


def apply_create(
    state: State, message: Message, body: Mapping[str, Any], files: Sequence[UploadedFile]
) -> None:
    """Fill a new message from a create body (content, embeds, components, files, flags)."""
    message.content = body.get("content") or ""
    message.embeds = _embeds(body.get("embeds"))
    message.components = _components(body.get("components"))
    message.flags |= int(body.get("flags") or 0) & CREATE_FLAGS
    message.tts = bool(body.get("tts"))
    message.nonce = body.get("nonce")
    message.attachments = new_attachments(state, message.channel_id, body.get("attachments"), files)
    if body.get("message_reference"):
        message.message_reference = dict(body["message_reference"])
    set_mentions(state, message, body.get("allowed_mentions"))


def apply_edit(
    state: State, message: Message, body: Mapping[str, Any], files: Sequence[UploadedFile]
) -> None:
    """Change only the fields present in an edit body, as Discord's PATCH does."""
    if "content" in body:
        message.content = body["content"] or ""
    if "embeds" in body:
        message.embeds = _embeds(body["embeds"])
    if "components" in body:
        message.components = _components(body["components"])
    if body.get("flags") is not None:
        keep = message.flags & ~EDITABLE_FLAGS
        message.flags = keep | (int(body["flags"]) & EDITABLE_FLAGS)
    if "attachments" in body or files:
        message.attachments = _edited_attachments(state, message, body.get("attachments"), files)
    if "content" in body or "allowed_mentions" in body:
        set_mentions(state, message, body.get("allowed_mentions"))
    message.edited_at = state.now()


def _embeds(raw: Any) -> list[dict[str, Any]]:
    return [{"type": "rich", **copy.deepcopy(e)} for e in raw or []]


def _components(raw: Any) -> list[dict[str, Any]]:
    components: list[dict[str, Any]] = copy.deepcopy(list(raw or []))
    number_components(components)
    return components


def new_attachments(
    state: State, channel_id: int, meta: Any, files: Sequence[UploadedFile]
) -> list[Attachment]:
    """Attachments for uploaded files; ``meta`` entries give filename/description by index."""
    described = {int(m["id"]): m for m in meta or [] if _is_index(m.get("id"), files)}
    made = []
    for upload in files:
        info = described.get(upload.index, {})
        made.append(_store(state, channel_id, upload, info))
    return made


def _is_index(value: Any, files: Sequence[UploadedFile]) -> bool:
    try:
        return int(value) in {f.index for f in files}
    except (TypeError, ValueError):
        return False


def _store(
    state: State, channel_id: int, upload: UploadedFile, info: Mapping[str, Any]
) -> Attachment:
    filename = str(info.get("filename") or upload.filename or f"file{upload.index}")
    content_type = upload.content_type or mimetypes.guess_type(filename)[0]
    stored = Attachment(
        state.ids.next(), channel_id, filename, upload.data, content_type, info.get("description")
    )
    state.attachments[stored.id] = stored
    return stored


def _edited_attachments(
    state: State, message: Message, meta: Any, files: Sequence[UploadedFile]
) -> list[Attachment]:
    if meta is None:
        kept = list(message.attachments)
    else:
        wanted = {str(m.get("id")) for m in meta}
        kept = [a for a in message.attachments if str(a.id) in wanted]
    return kept + new_attachments(state, message.channel_id, meta, files)


def set_mentions(state: State, message: Message, allowed: Mapping[str, Any] | None) -> None:
    """Who is pinged: mentions in the content that ``allowed_mentions`` lets through."""
    channel = state.channels[message.channel_id]
    users = [int(u) for u in USER_MENTION.findall(message.content)]
    roles = [int(r) for r in ROLE_MENTION.findall(message.content)] if channel.guild_id else []
    everyone = "@everyone" in message.content or "@here" in message.content
    if allowed is not None:
        parse = set(allowed.get("parse") or [])
        listed_users = {int(u) for u in allowed.get("users") or []}
        listed_roles = {int(r) for r in allowed.get("roles") or []}
        users = [u for u in users if "users" in parse or u in listed_users]
        roles = [r for r in roles if "roles" in parse or r in listed_roles]
        everyone = everyone and "everyone" in parse
    message.mentions = list(dict.fromkeys(u for u in users if u in state.users))
    message.mention_roles = list(dict.fromkeys(r for r in roles if _role_exists(state, channel, r)))
    message.mention_everyone = everyone and channel.guild_id is not None


def _role_exists(state: State, channel: Channel, role_id: int) -> bool:
    return channel.guild_id is not None and role_id in state.guilds[channel.guild_id].roles


def check_message_body(
    body: Mapping[str, Any], files: Sequence[UploadedFile], *, creating: bool, prefix: Path = ()
) -> None:
    """Raise Discord's error for a message body over a documented limit or with nothing in it."""
    problems = limits.message_problems(body, prefix)
    if problems:
        raise errors.invalid_form_body(problems)
    if creating and limits.is_empty_message(body, len(files)):
        raise errors.empty_message()
