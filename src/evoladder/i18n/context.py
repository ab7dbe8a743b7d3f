"""The language the current task renders in.

Each interaction runs in its own asyncio task (discord.py starts one per interaction), and each DM
the bot sends on its own is rendered for one recipient. The adapter that knows whose language it
is (the interaction wrapper, the notifier, a web request) sets it for that task with :func:`using`;
the renderers read their texts through :mod:`evoladder.i18n.text` and so render in it without
every function taking a language argument. A context variable is per task, never shared between
two players' answers; with nothing set, texts are English.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
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


class using:
    """Render in ``catalog`` until the block ends; then the language before the block is back.

    :meth:`switch` changes the language inside the block (the interaction wrapper starts in the
    client's language and switches to the stored one once the guard has read the record).
    """

    __slots__ = ("_catalog", "_token")

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._token: Token[Catalog | None] | None = None

    def __enter__(self) -> using:
        self._token = _ACTIVE.set(self._catalog)
        return self

    def switch(self, catalog: Catalog) -> None:
        self._catalog = catalog
        _ACTIVE.set(catalog)

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _ACTIVE.reset(self._token)  # back to the value before __enter__, switches included
            self._token = None
