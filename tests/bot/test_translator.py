"""Command descriptions and choice names in each Discord locale; names stay English."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands

from evoladder.bot.translator import CatalogTranslator
from evoladder.i18n import Catalogs

Where = app_commands.TranslationContextLocation


@pytest.fixture(scope="module")
def translator() -> CatalogTranslator:
    return CatalogTranslator(Catalogs.load())


def test_descriptions_are_translated_for_each_discord_locale(translator: CatalogTranslator) -> None:
    catalogs = Catalogs.load()
    english = catalogs.english.get("queue", "QUEUE_DESCRIPTION")
    pairs = (("es-419", "es"), ("es-ES", "es"), ("ko", "ko"), ("ru", "ru"), ("zh-CN", "zh-CN"))
    for locale, language in pairs:
        found = translator.lookup(english, locale, Where.command_description)
        assert found == catalogs.get(language).get("queue", "QUEUE_DESCRIPTION")
        assert found is not None and found != english and len(found) <= 100


def test_names_other_locales_and_unknown_texts_get_nothing(translator: CatalogTranslator) -> None:
    english = Catalogs.load().english.get("queue", "QUEUE_DESCRIPTION")
    assert translator.lookup(english, "ko", Where.command_name) is None
    assert translator.lookup(english, "ko", Where.parameter_name) is None
    assert translator.lookup(english, "fr", Where.command_description) is None  # not a ladder language
    assert translator.lookup(english, "en-US", Where.command_description) is None  # the base text
    assert translator.lookup("no such text", "ko", Where.command_description) is None


def test_an_admin_text_left_in_english_gets_no_localization(translator: CatalogTranslator) -> None:
    english = Catalogs.load().english.get("admin", "SNAPSHOT_DESCRIPTION")
    assert translator.lookup(english, "ru", Where.command_description) is None


async def test_translate_reads_the_locale_str(translator: CatalogTranslator) -> None:
    english = Catalogs.load().english.get("help", "HELP_DESCRIPTION")
    context = app_commands.TranslationContext(location=Where.command_description, data=None)
    found = await translator.translate(app_commands.locale_str(english), discord.Locale.korean, context)
    assert found == Catalogs.load().get("ko").get("help", "HELP_DESCRIPTION")
