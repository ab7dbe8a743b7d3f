"""Command and option descriptions, and choice names, in each Discord locale.

discord.py asks an :class:`app_commands.Translator` for every description and choice name when
it builds the commands it syncs; the answers become ``description_localizations`` and
``name_localizations`` for ``es-419``, ``es-ES``, ``ko``, ``ru`` and ``zh-CN``. Command, group
and option *names* stay English (players type them; the design says so).

The cogs declare their descriptions with the catalog's English text (``text.PROFILE_DESCRIPTION``),
so the translator finds the key by that text: an index from every English text of the catalog to
its place, built once. A text that is not in the catalog, or a translation over Discord's 100
characters, gets no localization (Discord then shows the English base to everyone).
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from evoladder.i18n import DISCORD_LOCALES, Catalogs
from evoladder.logging_setup import event

log = logging.getLogger(__name__)

LOCALIZED_MAX = 100  # Discord's limit for a description and a choice name, in every locale
_NAMES = frozenset(
    {
        app_commands.TranslationContextLocation.command_name,
        app_commands.TranslationContextLocation.group_name,
        app_commands.TranslationContextLocation.parameter_name,
    }
)
_LANGUAGE_OF = {locale: language for language, locales in DISCORD_LOCALES.items() for locale in locales}


class CatalogTranslator(app_commands.Translator):
    def __init__(self, catalogs: Catalogs) -> None:
        self._catalogs = catalogs

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContext[Any, Any],
    ) -> str | None:
        return self.lookup(string.message, str(locale), context.location)

    def lookup(
        self, english: str, locale: str, location: app_commands.TranslationContextLocation
    ) -> str | None:
        """The translation of the English text ``english`` for a Discord ``locale`` (or None)."""
        if location in _NAMES:
            return None
        language = _LANGUAGE_OF.get(locale)
        if language is None:
            return None
        found = self._catalogs.translate(english, language)
        if found is None or found == english:
            return None
        if len(found) > LOCALIZED_MAX:
            event(log, "translator.too_long", logging.WARNING, locale=locale, text=english[:60])
            return None
        return found
