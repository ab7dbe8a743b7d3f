"""The language the current task renders in.

Each interaction runs in its own asyncio task (discord.py starts one per interaction), and each DM
the bot sends on its own is rendered for one recipient. The adapter that knows whose language it
is (the interaction wrapper, the notifier, a web request) sets it for that task with :func:`using`;
the renderers read their texts through :mod:`evoladder.i18n.text` and so render in it without
every function taking a language argument. A context variable is per task, never shared between
two players' answers; with nothing set, texts are English.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from evoladder.i18n.catalog import Catalog, NumberFormat, build, english_plural, read_raw

_ACTIVE: ContextVar[Catalog | None] = ContextVar("evoladder_catalog", default=None)


@cache
def english() -> Catalog:
    """The packaged English catalog (read once; immutable): the texts when no language is set,
    e.g. the English base of command descriptions, built when the cogs are defined."""
    return build("en", read_raw("en"), plural=english_plural, numbers=NumberFormat())


def active() -> Catalog:
    """The catalog of the current task (English when none was set)."""
    catalog = _ACTIVE.get()
    return catalog if catalog is not None else english()


def active_language() -> str:
    """The current task's language code (a cache key for renderers that keep their results)."""
    catalog = _ACTIVE.get()
    return catalog.language if catalog is not None else "en"


@contextmanager
def using(catalog: Catalog) -> Iterator[Catalog]:
    """Render in ``catalog`` until the block ends (then the previous language is back)."""
    token = _ACTIVE.set(catalog)
    try:
        yield catalog
    finally:
        _ACTIVE.reset(token)


def set_for_task(catalog: Catalog) -> None:
    """Render the rest of the current task in ``catalog`` (a task that serves one player)."""
    _ACTIVE.set(catalog)
