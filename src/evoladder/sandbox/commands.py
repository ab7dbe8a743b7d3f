"""Application commands the bot registers, and how a Discord client would invoke them.

Registration follows Discord: a bulk overwrite replaces the scope's commands, keeps the id of a
command whose name and type did not change (bumping its version when its definition did) and
deletes the rest. Invocation is what the Discord client does when a user runs ``/admin snapshot
player:@x``: it finds the command visible in that place, checks the options against their
definitions (required, choices, ranges, lengths), and builds ``data`` with ``resolved`` objects.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import payloads
from .messages import UploadedFile, new_attachments
from .state import ALL_PERMISSIONS, Channel, Command, Role, State, User

log = logging.getLogger(__name__)

SUB_COMMAND, SUB_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)
CHAT_INPUT = 1
GUILD_CONTEXT, BOT_DM_CONTEXT = 0, 1

Json = dict[str, Any]


def overwrite(state: State, guild_id: int | None, definitions: Sequence[Mapping[str, Any]]) -> list[Command]:
    """Replace the commands of a scope (global when ``guild_id`` is None)."""
    existing = {(c.name, c.type): c for c in state.commands_for(guild_id)}
    kept: list[Command] = []
    for definition in definitions:
        key = (str(definition["name"]), int(definition.get("type") or 1))
        kept.append(upsert(state, guild_id, dict(definition), existing.pop(key, None)))
    for stale in existing.values():
        del state.commands[stale.id]
    log.info("commands overwritten (guild %s): %s", guild_id, ", ".join(c.name for c in kept))
    return kept


def upsert(
    state: State, guild_id: int | None, definition: Json, current: Command | None = None
) -> Command:
    if current is None:
        command = Command(state.ids.next(), state.application_id, guild_id, state.ids.next(), definition)
        state.commands[command.id] = command
        return command
    if current.definition != definition:
        current.definition = definition
        current.version = state.ids.next()
    return current


def find(state: State, name: str, guild_id: int | None) -> Command | None:
    """The chat-input command ``name`` usable in a guild (``guild_id``) or in the bot's DM.

    As in the Discord client, a command is absent where its ``contexts`` (or ``dm_permission``)
    exclude the place; :func:`permitted` tells whether a member may see it.
    """
    scopes = [guild_id, None] if guild_id is not None else [None]
    context = GUILD_CONTEXT if guild_id is not None else BOT_DM_CONTEXT
    for scope in scopes:
        for command in state.commands_for(scope):
            if command.name == name and command.type == CHAT_INPUT and _usable(command, context):
                return command
    return None


def registered_elsewhere(state: State, name: str, guild_id: int | None) -> bool:
    """A command ``name`` exists but not for this place (guild-only in a DM, another guild)."""
    return any(c.name == name and c.type == CHAT_INPUT for c in state.commands.values()) and (
        find(state, name, guild_id) is None
    )


def _usable(command: Command, context: int) -> bool:
    contexts = command.definition.get("contexts")
    if contexts is not None:
        return context in contexts
    return context == GUILD_CONTEXT or command.definition.get("dm_permission", True) is not False


def permitted(state: State, command: Command, guild_id: int | None, user_id: int) -> bool:
    """Whether ``default_member_permissions`` lets this member see the command ("0": admins)."""
    required = command.definition.get("default_member_permissions")
    if guild_id is None or required is None:
        return True
    have = state.permissions(guild_id, user_id)
    if int(required) == 0:
        return have == ALL_PERMISSIONS
    return have & int(required) == int(required)


class Invocation:
    """Builds the ``data`` of an APPLICATION_COMMAND or AUTOCOMPLETE interaction."""

    def __init__(
        self, state: State, command: Command, guild_id: int | None, channel_id: int, cdn_base: str
    ) -> None:
        self.state = state
        self.cdn_base = cdn_base
        self.command = command
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.resolved: dict[str, dict[str, Json]] = {}

    def data(self, path: Sequence[str], options: Mapping[str, Any], focused: str | None = None) -> Json:
        """``path`` names the subcommand group/subcommand; ``focused`` the autocompleted option."""
        defs: list[Json] = list(self.command.definition.get("options") or [])
        top: list[Json] = []
        leaf = top
        for part in path:
            sub = _option(defs, part, "subcommand")
            if int(sub["type"]) not in (SUB_COMMAND, SUB_GROUP):
                raise TypeError(f"/{self.command.name}: {part!r} is not a subcommand")
            node: Json = {"type": sub["type"], "name": part, "options": []}
            leaf.append(node)
            leaf, defs = node["options"], list(sub.get("options") or [])
        if any(int(d["type"]) in (SUB_COMMAND, SUB_GROUP) for d in defs):
            raise TypeError(f"/{self.command.name}: name a subcommand ({', '.join(d['name'] for d in defs)})")
        leaf.extend(self._values(defs, options, focused))
        command = self.command
        data: Json = {"id": str(command.id), "name": command.name, "type": CHAT_INPUT, "options": top}
        if self.command.guild_id is not None:
            data["guild_id"] = str(self.command.guild_id)
        if self.resolved:
            data["resolved"] = self.resolved
        return data

    def _values(self, defs: list[Json], options: Mapping[str, Any], focused: str | None) -> list[Json]:
        out = []
        for name, value in options.items():
            definition = _option(defs, name, "option")
            entry: Json = {"type": definition["type"], "name": name}
            if name == focused:
                entry |= {"value": str(value), "focused": True}
            else:
                entry["value"] = self._value(definition, value)
            out.append(entry)
        if focused is None:
            missing = [d["name"] for d in defs if d.get("required") and d["name"] not in options]
            if missing:
                raise TypeError(f"/{self.command.name}: missing required option(s) {missing}")
        return out

    def _value(self, definition: Json, value: Any) -> Any:
        kind = int(definition["type"])
        converted = self._convert(kind, value, definition["name"])
        choices = definition.get("choices")
        if choices and converted not in [c["value"] for c in choices]:
            raise ValueError(f"option {definition['name']!r}: {converted!r} is not one of its choices")
        _check_range(definition, converted)
        return converted

    def _convert(self, kind: int, value: Any, name: str) -> Any:
        if kind == STRING:
            return str(value)
        if kind == INTEGER and isinstance(value, int) and not isinstance(value, bool):
            return value
        if kind == NUMBER and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if kind == BOOLEAN and isinstance(value, bool):
            return value
        if kind in (USER, CHANNEL, ROLE, MENTIONABLE):
            return self._resolve(kind, value, name)
        if kind == ATTACHMENT:
            return self._attachment(value)
        raise TypeError(f"option {name!r}: {value!r} does not fit option type {kind}")

    def _resolve(self, kind: int, value: Any, name: str) -> str:
        target = getattr(value, "user", value)
        if isinstance(target, User) and kind in (USER, MENTIONABLE):
            self._resolve_user(target)
        elif isinstance(target, Role) and kind in (ROLE, MENTIONABLE):
            self.resolved.setdefault("roles", {})[str(target.id)] = payloads.role(target)
        elif isinstance(target, Channel) and kind == CHANNEL:
            entry = payloads.channel(self.state, target) | {"permissions": str((1 << 53) - 1)}
            self.resolved.setdefault("channels", {})[str(target.id)] = entry
        else:
            raise TypeError(f"option {name!r}: {value!r} does not fit option type {kind}")
        return str(target.id)

    def _resolve_user(self, user: User) -> None:
        self.resolved.setdefault("users", {})[str(user.id)] = payloads.user(user)
        guild = self.state.guilds.get(self.guild_id or 0)
        member = guild.members.get(user.id) if guild else None
        if guild is not None and member is not None:
            perms = str(self.state.permissions(guild.id, user.id))
            entry = payloads.member(self.state, member, with_user=False) | {"permissions": perms}
            self.resolved.setdefault("members", {})[str(user.id)] = entry

    def _attachment(self, value: Any) -> str:
        upload = to_upload(value, 0)
        (stored,) = new_attachments(self.state, self.channel_id, None, [upload])
        entry = payloads.attachment(stored, self.cdn_base)
        self.resolved.setdefault("attachments", {})[str(stored.id)] = entry
        return str(stored.id)


def to_upload(value: Any, index: int) -> UploadedFile:
    """A file given as a path or as ``(filename, bytes)``."""
    if isinstance(value, str | Path):
        path = Path(value)
        return UploadedFile(index, path.name, path.read_bytes())
    filename, data = value
    return UploadedFile(index, str(filename), bytes(data))


def _option(defs: list[Json], name: str, what: str) -> Json:
    for definition in defs:
        if definition["name"] == name:
            return definition
    known = ", ".join(d["name"] for d in defs) or "none"
    raise TypeError(f"unknown {what} {name!r} (known: {known})")


def _check_range(definition: Json, value: Any) -> None:
    name = definition["name"]
    size: float
    if isinstance(value, str):
        low, high = definition.get("min_length"), definition.get("max_length")
        size = len(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        low, high = definition.get("min_value"), definition.get("max_value")
        size = value
    else:
        return
    if (low is not None and size < low) or (high is not None and size > high):
        raise ValueError(f"option {name!r}: {value!r} is outside {low}..{high}")
