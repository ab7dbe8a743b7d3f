"""Query parameters of the pages and the API, parsed into typed values or a clear 400.

The same names on a page and its JSON (``race``, ``country`` repeatable or comma separated,
``letter``, ``best``, ``page``, ``season``; ``q`` for a name search; ``before`` for the match
cursor, ``cursor`` for the board's), so a page's address with ``/api/v1`` in front gives its data.

A season is its id (a whole number; see :mod:`evoladder.services.public`): anything else is a
400, an id the ladder does not have a 404. A board cursor is the lowercase hexadecimal string the
API returned as ``next_cursor``; the client passes it back untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from multidict import MultiMapping

from evoladder.services.public import MAX_PAGE, BoardQuery

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off", ""})
MAX_SEASON = 2**31 - 1
MAX_CURSOR_DIGITS = 40  # an index key is under 2**136 (34 digits)
MAX_LIST = 300  # more races or countries than exist is a bad request, not work


class BadQuery(ValueError):
    """A query parameter has a value the route cannot take; the message names it."""


def _many(query: MultiMapping[str], name: str) -> tuple[str, ...]:
    values: list[str] = []
    for raw in query.getall(name, ()):
        values.extend(v.strip() for v in raw.split(",") if v.strip())
    if len(values) > MAX_LIST:
        raise BadQuery(f"too many values for {name}")
    return tuple(dict.fromkeys(values))


def _one(query: Mapping[str, str], name: str) -> str | None:
    value = query.get(name)
    return value.strip() if value is not None and value.strip() else None


def positive_int(query: Mapping[str, str], name: str, default: int | None, *, most: int = MAX_PAGE) -> Any:
    raw = _one(query, name)
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        raise BadQuery(f"{name} must be a whole number from 1 to {most}")
    return int(raw)


def flag(query: Mapping[str, str], name: str) -> bool:
    raw = (query.get(name) or "").strip().lower()
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise BadQuery(f"{name} must be 1 or 0")


def board_query(query: MultiMapping[str]) -> BoardQuery:
    letter = _one(query, "letter")
    return BoardQuery(
        races=tuple(r.lower() for r in _many(query, "race")),
        countries=tuple(c.upper() for c in _many(query, "country")),
        letter=letter.upper() if letter else None,
        best_only=flag(query, "best"),
        page=positive_int(query, "page", 1),
        season=positive_int(query, "season", None, most=MAX_SEASON),
        after=cursor(query, "cursor"),
    )


def cursor(query: Mapping[str, str], name: str) -> int | None:
    raw = _one(query, name)
    if raw is None:
        return None
    if len(raw) > MAX_CURSOR_DIGITS or any(c not in "0123456789abcdef" for c in raw):
        raise BadQuery(f"{name} must be a next_cursor value returned by the API")
    return int(raw, 16)


def cursor_text(value: int | None) -> str | None:
    """A cursor as the API shows it (lowercase hexadecimal)."""
    return None if value is None else format(value, "x")


def canonical(query: BoardQuery) -> tuple[Any, ...]:
    """One key for equal requests however their parameters were ordered or spelled."""
    return (
        tuple(sorted(query.races)), tuple(sorted(query.countries)), query.letter, query.best_only,
        query.page, query.season, query.after,
    )


def path_id(raw: str) -> int | None:
    """A ladder or match id from the path; None for anything that is not one (a 404)."""
    if not raw.isdigit() or len(raw) > 12:
        return None
    return int(raw)
