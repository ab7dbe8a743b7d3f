"""The catalogs: every key in every language with the same placeholders, plural forms that cover
each language's CLDR categories, lengths Discord accepts, and the lookup's behaviour."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

import pytest

from evoladder.domain import errors as domain_errors
from evoladder.game.replay_parse import ParseFailureKind
from evoladder.i18n import LANGUAGES, PSEUDO, Catalogs, active_language, language_for_locale, using
from evoladder.i18n.catalog import is_plural_table, placeholders, read_raw
from evoladder.i18n.languages import cldr
from evoladder.i18n.text import common, errors, match, profile, replays

# Sections a player never sees: may stay English in the other catalogs (README.md).
ADMIN_ONLY = frozenset({"admin"})
# Sections a catalog fills from CLDR (countries): only what CLDR lacks is written by hand.
FROM_CLDR = frozenset({"countries"})

# Discord's limits, by the kind of text a key holds (its name says which).
BUTTON, OPTION, TITLE, FIELD, PLACEHOLDER, DESCRIPTION, BODY = 80, 100, 256, 1024, 150, 100, 4096


def present() -> list[str]:
    folder = resources.files("evoladder.i18n").joinpath("catalogs")
    return [lang for lang in LANGUAGES if folder.joinpath(f"{lang}.toml").is_file()]


TRANSLATED = [lang for lang in present() if lang != "en"]


def entries(raw: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(section.key, value) of every text of a raw catalog (plural tables are one value)."""
    for key, value in raw.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and not is_plural_table(value):
            if prefix:  # a table of texts by code
                yield name, value
            else:  # a section
                yield from entries(value, f"{name}.")
        else:
            yield name, value


@pytest.fixture(scope="module")
def english() -> dict[str, Any]:
    return dict(entries(read_raw("en")))


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs.load(present(), pseudo=True)


def test_all_five_languages_are_declared() -> None:
    assert LANGUAGES == ("en", "es", "ko", "ru", "zh-CN")


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_key_is_in_every_catalog_with_the_same_placeholders(
    english: dict[str, Any], language: str
) -> None:
    mine = dict(entries(read_raw(language)))
    missing = [
        k for k in english if k not in mine and k.split(".")[0] not in ADMIN_ONLY | FROM_CLDR
    ]
    assert not missing, f"{language} lacks {missing}"
    unknown = [k for k in mine if k not in english and k.split(".")[0] not in FROM_CLDR]
    assert not unknown, f"{language} has keys English does not: {unknown}"
    wrong = {
        k: (sorted(placeholders(v)), sorted(placeholders(english[k])))
        for k, v in mine.items()
        if k in english and placeholders(v) != placeholders(english[k])
    }
    assert not wrong, f"{language}: placeholders differ from English: {wrong}"
    shape = [k for k, v in mine.items() if k in english and type(v) is not type(english[k])]
    assert not shape, f"{language}: not the same kind of value as English: {shape}"


@pytest.mark.parametrize("language", present())
def test_plural_forms_cover_the_languages_cldr_categories(language: str) -> None:
    rule, _, _ = cldr(language)
    wanted = set(getattr(rule, "tags", ())) | {"other"}
    tables = [(k, v) for k, v in entries(read_raw(language)) if isinstance(v, Mapping) and is_plural_table(v)]
    assert tables, "the catalog has plural tables"
    for key, table in tables:
        assert set(table) == wanted, f"{language} {key}: forms {sorted(table)}, CLDR wants {sorted(wanted)}"
        assert all("{count" in form for form in table.values()) or key.endswith("_LABEL"), key


@pytest.mark.parametrize("language", present())
def test_texts_fit_discords_limits(language: str) -> None:
    """Fixed texts (labels, titles, placeholders, descriptions) within Discord's limits, with room
    left for what placeholders add (a label's placeholder is a count, a title's a match number)."""
    for key, value in entries(read_raw(language)):
        name = key.split(".")[-1]
        templates = [value] if isinstance(value, str) else list(
            value.values() if isinstance(value, Mapping) else value
        )
        for template in templates:
            if name.endswith("_LABEL"):
                assert len(template) <= BUTTON - 10, (language, key)
            elif name.endswith("PLACEHOLDER"):
                assert len(template) <= PLACEHOLDER - 40, (language, key)
            elif name.endswith("_DESCRIPTION") or name.endswith("_OPTION") or name.startswith("OPT_"):
                assert len(template) <= DESCRIPTION, (language, key)
            elif name.endswith("TITLE"):
                assert len(template) <= TITLE - 60, (language, key)
            elif name.endswith(("_BODY", "_INTRO")):  # an embed's description
                assert len(template) <= BODY - 500, (language, key)
            else:  # a field value or a message line
                assert len(template) <= FIELD - 100, (language, key)


def _subclasses(cls: type[Exception]) -> Iterator[type[Exception]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_typed_error_has_a_text() -> None:
    """Each error class a player can meet has its text under its class name (the ones always
    raised with a key of their own name that key instead, and are checked by their own tests)."""
    for module in ("services.replays", "services.admin_console", "services.public", "bot.cogs.replays"):
        importlib.import_module(f"evoladder.{module}")
    texts = set(read_raw("en")["errors"])
    own_key = {"ValidationError", "ReplayUnreadable"}
    missing = [
        cls.__name__ for cls in _subclasses(domain_errors.LadderError)
        if cls.__name__ not in texts | own_key and cls.__module__.startswith("evoladder.")
    ]
    assert not missing
    kinds = [f"REPLAY_UNREADABLE_{kind.name}" for kind in ParseFailureKind]
    assert all(k in texts for k in kinds)


def test_english_errors_read_as_the_classes_say() -> None:
    assert errors.NotAPlayer == domain_errors.NotAPlayer.message
    assert errors.MmrOutOfRange.format(low=0, high=5000) == domain_errors.MmrOutOfRange(0, 5000).message


def test_a_missing_key_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="common.NO_SUCH_TEXT"):
        _ = common.NO_SUCH_TEXT


def test_plural_tables_pick_the_form_by_count(catalogs: Catalogs) -> None:
    with using(catalogs.english):
        assert replays.STATUS_WARNINGS.format(count=1) == "1 warning"
        assert replays.STATUS_WARNINGS.format(count=2) == "2 warnings"


def test_the_language_is_the_tasks_own_and_restored(catalogs: Catalogs) -> None:
    assert active_language() == "en"
    with using(catalogs.get(PSEUDO)):
        assert active_language() == PSEUDO
        assert catalogs.english.get("match", "FOUND_TITLE") != match.FOUND_TITLE
    assert active_language() == "en"
    assert match.FOUND_TITLE == "Match found: #{match_id}"


def test_tables_keep_the_codes_type(catalogs: Catalogs) -> None:
    with using(catalogs.english):
        assert match.table("REPORT_TEXT")[-4] == "no confirm"
        assert profile.table("STATE_TEXT")["idle"] == "not queueing"


@pytest.mark.parametrize(
    ("locale", "language"),
    [("es-419", "es"), ("es-ES", "es"), ("ko", "ko"), ("ru", "ru"), ("zh-CN", "zh-CN"),
     ("en-US", "en"), ("en-GB", "en"), ("zh-TW", "en"), ("fr", "en"), (None, "en"), ("", "en")],
)
def test_discord_locales_map_to_ladder_languages(locale: str | None, language: str) -> None:
    assert language_for_locale(locale) == language


def test_the_pseudo_locale_accents_and_lengthens_but_keeps_placeholders(catalogs: Catalogs) -> None:
    with using(catalogs.get(PSEUDO)):
        title = match.FOUND_TITLE.format(match_id=42)
        assert "42" in title and "Match" not in title and title.startswith("⟦")
        assert len(title) > len("Match found: #42")
        assert common.DM_ONLY.count("{command}") == 2


def test_endonyms_name_every_language() -> None:
    from evoladder.i18n.languages import ENDONYMS

    assert set(ENDONYMS) == set(LANGUAGES)


@pytest.mark.parametrize("language", present())
def test_the_replay_field_has_one_name_in_the_match_card_and_the_upload(language: str) -> None:
    """An upload replaces the match card's replay field by its name: both must be the same."""
    raw = read_raw(language)
    assert raw["replays"]["STATUS_FIELD"] == raw["match"]["FIELD_REPLAYS"]


def test_the_checklist_keys_are_the_domains() -> None:
    from evoladder.domain.replays import MESSAGES

    assert set(read_raw("en")["checks"]) == set(MESSAGES)


def test_numbers_are_written_the_languages_way(catalogs: Catalogs) -> None:
    from evoladder.i18n.text import leaderboard

    counts = {"page": 2, "pages": 3, "total": 12345, "ranked": 1234567}
    with using(catalogs.english):
        assert "12,345 rows" in leaderboard.FOOTER.format(**counts)
    with using(catalogs.get("es")):
        assert "12.345 filas" in leaderboard.FOOTER.format(**counts)
    with using(catalogs.get("ru")):
        assert "строк: 12\u00a0345" in leaderboard.FOOTER.format(**counts)
        assert profile.PERCENT.format(value=52.25) == "52,2 % побед"
    with using(catalogs.get("ko")):
        assert "12,345줄" in leaderboard.FOOTER.format(**counts)


@pytest.mark.parametrize(
    ("count", "form"),
    [(1, "предупреждение"), (2, "предупреждения"), (5, "предупреждений"), (11, "предупреждений"),
     (21, "предупреждение"), (22, "предупреждения")],
)
def test_russian_counts_take_one_few_and_many(catalogs: Catalogs, count: int, form: str) -> None:
    with using(catalogs.get("ru")):
        assert replays.STATUS_WARNINGS.format(count=count) == f"{count} {form}"


def test_korean_and_chinese_have_one_form(catalogs: Catalogs) -> None:
    with using(catalogs.get("ko")):
        assert replays.STATUS_WARNINGS.format(count=1) == "경고 1개"
    with using(catalogs.get("zh-CN")):
        assert replays.STATUS_WARNINGS.format(count=3) == "3 个警告"


def test_country_names_come_from_cldr_and_the_ladders_own(catalogs: Catalogs) -> None:
    from evoladder.i18n.text import countries

    with using(catalogs.get("ko")):
        assert countries.get("FR", "France") == "프랑스" and countries.get("ZZ", "Other") == "기타"
    with using(catalogs.get("ru")):
        assert countries.get("DE", "Germany") == "Германия"
    with using(catalogs.english):
        assert countries.get("FR", "France") == "France"  # English: the game data's names


def test_texts_arriving_in_english_are_found_in_each_language(catalogs: Catalogs) -> None:
    english = catalogs.english.get("profile", "PROFILE_DESCRIPTION")
    assert catalogs.translate(english, "ru") == catalogs.get("ru").get("profile", "PROFILE_DESCRIPTION")
    assert catalogs.translate("not a catalog text", "ru") is None
