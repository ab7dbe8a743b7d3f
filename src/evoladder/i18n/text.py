"""The texts by feature, in the current task's language: ``text.match.FOUND_TITLE``.

A feature imports its section the way it imported its English module before::

    from evoladder.i18n.text import match as text
    text.FOUND_TITLE.format(match_id=7)

Attribute access reads the key from the active catalog (:mod:`evoladder.i18n.context`): one
context-variable read and two dict lookups. A key missing from the English catalog is an
``AttributeError`` at the first render (and the catalog tests catch it before that).
Tables of texts by code and lists of lines are read with :meth:`Section.table` and
:meth:`Section.lines`, so every plain attribute is a ``str`` for the type checker.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from evoladder.i18n.context import _ACTIVE, english


class Section:
    """One ``[section]`` of the catalogs, read in the current task's language."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, key: str) -> str:
        catalog = _ACTIVE.get() or english()
        try:
            return cast(str, catalog.sections[self._name][key])
        except KeyError:
            raise AttributeError(f"no text {self._name}.{key} in the catalogs") from None

    def table(self, key: str) -> Mapping[Any, str]:
        """A table of texts by code (``STATUS_TEXT``): code -> text."""
        catalog = _ACTIVE.get() or english()
        return cast(Mapping[Any, str], catalog.sections[self._name][key])

    def lines(self, key: str) -> tuple[str, ...]:
        """An array of texts (the steps of /help)."""
        catalog = _ACTIVE.get() or english()
        return cast(tuple[str, ...], catalog.sections[self._name][key])

    def get(self, key: str, default: str) -> str:
        """The text ``key``, or ``default`` when the catalogs lack it (codes from data files)."""
        catalog = _ACTIVE.get() or english()
        return cast(str, catalog.sections.get(self._name, {}).get(key, default))

    def __repr__(self) -> str:
        return f"<texts [{self._name}]>"


common = Section("common")
help = Section("help")
accounts = Section("accounts")
profile = Section("profile")
leaderboard = Section("leaderboard")
queue = Section("queue")
match = Section("match")
replays = Section("replays")
admin = Section("admin")
errors = Section("errors")
identity = Section("identity")
language = Section("language")
races = Section("races")
regions = Section("regions")
servers = Section("servers")
countries = Section("countries")
web = Section("web")
checks = Section("checks")
seasons = Section("seasons")
