"""Every text a player reads, in their language: the catalogs and the lookup.

- :mod:`evoladder.i18n.catalog`: one language's catalog (TOML), converted once into plain
  templates, plural tables (CLDR rules) and locale-aware number templates.
- :mod:`evoladder.i18n.languages`: the five languages, Discord's locales for them, CLDR's data.
- :mod:`evoladder.i18n.context`: which language the current task renders in.
- :mod:`evoladder.i18n.text`: the sections the renderers read (``text.match.FOUND_TITLE``).
- :class:`Catalogs`: all languages, built once by the composition root.

How to add a text: ``README.md`` in this folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

from evoladder.i18n.catalog import Catalog, Plural, build, read_raw
from evoladder.i18n.context import active, active_language, english, using
from evoladder.i18n.languages import (
    DISCORD_LOCALES,
    ENGLISH,
    LANGUAGES,
    PSEUDO,
    cldr,
    known,
    language_for_locale,
)
from evoladder.i18n.pseudo import pseudo_raw

__all__ = [
    "DISCORD_LOCALES",
    "ENGLISH",
    "LANGUAGES",
    "PSEUDO",
    "Catalog",
    "Catalogs",
    "active",
    "active_language",
    "english",
    "known",
    "language_for_locale",
    "using",
]


class Catalogs:
    """The catalogs of every language the ladder speaks, by language code.

    English is the fallback twice over: a language that is not loaded gets the English catalog,
    and a key a catalog lacks shows its English text (the catalog tests keep that from happening
    for player-facing texts; admin-only texts may stay English, see README.md).
    """

    def __init__(self, by_language: Mapping[str, Catalog]) -> None:
        if ENGLISH not in by_language:
            raise ValueError("the English catalog is the fallback and must be loaded")
        self._by_language = MappingProxyType(dict(by_language))
        self.english = by_language[ENGLISH]
        # English text -> its place (section, key[, code]): for texts that arrive as English
        # (command descriptions, which discord.py holds as plain strings).
        self._places: dict[str, tuple[Any, ...]] = {}
        for place, text in _plain_texts(self.english.sections):
            self._places.setdefault(text, place)

    @classmethod
    def load(cls, languages: Iterable[str] = LANGUAGES, *, pseudo: bool = False) -> Catalogs:
        """Read and convert the packaged catalogs (start-up: ~tens of ms per language)."""
        base = english()
        loaded: dict[str, Catalog] = {ENGLISH: base}
        for language in languages:
            if language == ENGLISH:
                continue
            plural, numbers, territories = cldr(language)
            raw = read_raw(language)
            # country names: CLDR's, then the catalog's own (codes CLDR lacks, the ladder's "Other")
            cldr_names = {k: v for k, v in territories.items() if len(k) == 2}
            raw["countries"] = {**cldr_names, **raw.get("countries", {})}
            loaded[language] = build(language, raw, plural=plural, numbers=numbers, fallback=base)
        if pseudo:
            plural, numbers, _ = cldr(ENGLISH)
            raw = read_raw(ENGLISH)
            cldr_en = {k: v for k, v in territories_en().items() if len(k) == 2}
            raw["countries"] = {**cldr_en, **raw.get("countries", {})}  # ZZ and XX as English has them
            loaded[PSEUDO] = build(PSEUDO, pseudo_raw(raw), plural=plural, numbers=numbers)
        return cls(loaded)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._by_language)

    def get(self, language: str | None) -> Catalog:
        """The catalog of ``language`` (English for None or a language not loaded)."""
        if language is None:
            return self.english
        return self._by_language.get(language, self.english)

    def translate(self, english: str, language: str) -> str | None:
        """The text ``english`` (a text of the English catalog) in ``language``; None when it is
        not a catalog text."""
        place = self._places.get(english)
        if place is None:
            return None
        found: Any = self.get(language).sections
        for part in place:
            found = found.get(part) if isinstance(found, Mapping) else None
        return found if isinstance(found, str) else None

    def for_locale(self, locale: object) -> Catalog:
        """The catalog for a Discord client's locale (``es-419`` -> Spanish)."""
        return self.get(self.language_for(locale))

    def language_for(self, locale: object) -> str:
        """The ladder language for a client's locale; the pseudo-locale when it is loaded (tests)."""
        if str(locale) == PSEUDO and PSEUDO in self._by_language:
            return PSEUDO
        return language_for_locale(locale)


def territories_en() -> Mapping[str, str]:
    """CLDR's English territory names (the pseudo-locale's countries are drawn from them)."""
    return cldr(ENGLISH)[2]


def _plain_texts(
    tree: Mapping[Any, Any], path: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(place, text) of every plain text of a catalog (plural tables are not plain texts)."""
    for key, value in tree.items():
        place = (*path, key)
        if isinstance(value, Plural):
            continue
        if isinstance(value, str):
            yield place, value
        elif isinstance(value, Mapping):
            yield from _plain_texts(value, place)
