"""Which catalog a text for a player is rendered in.

An answer to an interaction renders in the language of the person who asked: the wrapper
(:mod:`evoladder.bot.interaction`) sets it from the client's locale, then from the stored record.
A message the bot sends on its own (match found, reminders, results, a replay notice, the
searching view kept current) goes to a player who is not the one whose task is running, so the
sender asks :meth:`PlayerLanguages.catalog` for that player's stored language and renders inside
``using(...)``. The record usually sits in the player cache (the guard read it minutes ago); a
miss costs one primary-key read.
"""

from __future__ import annotations

from typing import Protocol

from evoladder.domain.players import Player
from evoladder.i18n import Catalog, Catalogs


class PlayerRecords(Protocol):
    def get(self, discord_uid: int) -> Player | None: ...


class LanguageStore(Protocol):
    async def language_of(self, discord_uid: int) -> str: ...


class PlayerLanguages:
    """``cache`` and ``store`` may be bound later (:meth:`bind`): the notifier needs this object
    before the services that hold the player records are built."""

    def __init__(
        self, catalogs: Catalogs, cache: PlayerRecords | None = None, store: LanguageStore | None = None
    ) -> None:
        self.catalogs = catalogs
        self._cache = cache
        self._store = store

    def bind(self, cache: PlayerRecords, store: LanguageStore) -> None:
        self._cache, self._store = cache, store

    async def catalog(self, discord_uid: int) -> Catalog:
        """The catalog of the player's stored language (English for an unknown player)."""
        cached = self._cache.get(discord_uid) if self._cache is not None else None
        if cached is not None:
            return self.catalogs.get(cached.language)
        if self._store is None:
            return self.catalogs.english
        return self.catalogs.get(await self._store.language_of(discord_uid))

    def catalog_now(self, discord_uid: int, locale: object) -> Catalog:
        """Without waiting (autocomplete): the cached record's language, else the client's locale."""
        cached = self._cache.get(discord_uid) if self._cache is not None else None
        if cached is not None:
            return self.catalogs.get(cached.language)
        return self.catalogs.for_locale(locale)
