"""The ladder's languages, Discord's locales for them, and CLDR's data for each (through Babel).

Five languages: en (the fallback), es, ko, ru, zh-CN. Discord names its locales differently (it
has two Spanish ones, ``es-419`` and ``es-ES``), so :func:`language_for_locale` maps a client's
locale to a ladder language and :data:`DISCORD_LOCALES` maps back, for command descriptions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING

from evoladder.i18n.catalog import NumberFormat

if TYPE_CHECKING:
    from babel import Locale

ENGLISH = "en"
LANGUAGES: tuple[str, ...] = ("en", "es", "ko", "ru", "zh-CN")
# Each language named in itself: the language choices show these, the same in every language
# (a player finds their own language by its own name, whatever the client is set to).
ENDONYMS: Mapping[str, str] = MappingProxyType(
    {"en": "English", "es": "Español", "ko": "한국어", "ru": "Русский", "zh-CN": "简体中文"}
)
# A test-only language: English with every letter accented and every text lengthened, so a text
# that did not come from a catalog (or a layout that breaks with longer words) shows at once.
PSEUDO = "en-XA"

# Discord locales (the values of ``discord.Locale``) per ladder language, for localized command
# descriptions. English is the commands' base text and needs none.
DISCORD_LOCALES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"es": ("es-419", "es-ES"), "ko": ("ko",), "ru": ("ru",), "zh-CN": ("zh-CN",)}
)
_BY_LOCALE = MappingProxyType({loc: lang for lang, locs in DISCORD_LOCALES.items() for loc in locs})
# Babel's (CLDR's) name of each language: Chinese is the simplified script of mainland China.
_BABEL = MappingProxyType(
    {"en": "en", "es": "es", "ko": "ko", "ru": "ru", "zh-CN": "zh_Hans_CN", PSEUDO: "en"}
)


def language_for_locale(locale: object) -> str:
    """The ladder language for a Discord locale (``"es-419"`` -> ``"es"``); English when unknown."""
    value = str(locale) if locale is not None else ""
    found = _BY_LOCALE.get(value)
    if found is not None:
        return found
    if value.startswith("es"):
        return "es"
    return ENGLISH


def known(language: str | None) -> str:
    """``language`` when it is one of the ladder's, else English (a stored value from elsewhere)."""
    return language if language in LANGUAGES or language == PSEUDO else ENGLISH


@cache
def cldr(language: str) -> tuple[Callable[[int | float], str], NumberFormat, Mapping[str, str]]:
    """CLDR's plural rule, number symbols and territory names for ``language`` (read once per
    process from Babel's data: immutable, so a cache is safe to share)."""
    from babel import Locale  # the CLDR data is large: only loaded when catalogs are built
    from babel.numbers import get_decimal_symbol, get_group_symbol

    locale = Locale.parse(_BABEL.get(language, "en"))
    numbers = NumberFormat(
        group=get_group_symbol(locale), decimal=get_decimal_symbol(locale), min_grouping=_min_grouping(locale)
    )
    return locale.plural_form, numbers, MappingProxyType(dict(locale.territories))


def _min_grouping(locale: Locale) -> int:
    """CLDR's minimum grouping digits (2 for Spanish: 1234 but 12 345); 1 when Babel lacks it."""
    from babel.numbers import format_decimal

    return 2 if format_decimal(1234, locale=locale, group_separator=True) == "1234" else 1
