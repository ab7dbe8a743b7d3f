"""Events as JSON for the outbox, and back: each event type by name, its fields by their types.

Only the types events use are handled (ints, strings, bools, datetimes, timedeltas, enums, nested
frozen dataclasses, tuples, optionals), read from the dataclass's own annotations, so a new event
needs no code here. An unknown type name or field raises ``ValueError`` (the row stays pending and
is logged, rather than delivering something half-read).
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from evoladder.services import events as ev


@cache
def _event_types() -> dict[str, type[ev.LadderEvent]]:
    found: dict[str, type[ev.LadderEvent]] = {}
    pending: list[type[ev.LadderEvent]] = [ev.LadderEvent]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            found[sub.__name__] = sub
            pending.append(sub)
    return found


def encode(event: ev.LadderEvent) -> dict[str, Any]:
    return {"type": type(event).__name__, "fields": _encode(event)}


def decode(payload: dict[str, Any]) -> ev.LadderEvent:
    cls = _event_types().get(str(payload.get("type")))
    if cls is None:
        raise ValueError(f"unknown event type {payload.get('type')!r}")
    value = _decode_dataclass(cls, payload["fields"])
    assert isinstance(value, ev.LadderEvent)
    return value


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode_dataclass(cls: type, raw: dict[str, Any]) -> Any:
    hints = _hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = set(raw) - names
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown fields {sorted(unknown)}")
    return cls(**{name: _decode(hints[name], value) for name, value in raw.items()})


def _decode(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _decode(options[0], value)
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v) for v in value)
        return tuple(_decode(a, v) for a, v in zip(args, value, strict=True))
    if value is None:
        return None
    if isinstance(hint, type):
        if dataclasses.is_dataclass(hint):
            return _decode_dataclass(hint, value)
        if issubclass(hint, enum.Enum):
            return hint(value)
        if hint is datetime:
            return datetime.fromisoformat(value)
        if hint is timedelta:
            return timedelta(seconds=value)
    return value
