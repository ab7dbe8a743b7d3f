"""The ladder in its five languages, through the real bot and the local Discord server.

- Full journeys (terms, setup, /profile, /help, /leaderboard, /queue, a match confirmed,
  reported and final) by players whose Discord clients are Korean, Russian, Chinese, and in the
  pseudo-locale (every letter accented, every text lengthened). Every text they see is collected
  and checked: in the pseudo-locale, an unaccented English word that is not data (a name, a map)
  is a text that bypassed the catalogs; in Korean, Russian and Chinese, an English word or
  another language's script is. The local server holds every message to Discord's limits.
- A Korean client gets Korean from the first message; a player who picks Spanish in /setup gets
  the match-found DM in Spanish; /language changes the language; the synced commands carry
  description localizations for the five Discord locales.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pytest
from journeykit import (
    LadderClock,
    board,
    journey_clock,  # noqa: F401 (the ``clock`` fixture)
    journey_options,
    record,
)

from evoladder.i18n import PSEUDO, Catalog
from evoladder.i18n.languages import ENDONYMS
from evoladder.sandbox import Message, VirtualPlayer
from evoladder.sandbox.ladder import Sandbox
from evoladder.sandbox.players import Response
from evoladder.settings import load_settings

pytestmark = pytest.mark.e2e

CONFIRM_ID = re.compile(r"^evo:match:(\d+):confirm$")
WORD = re.compile(r"[A-Za-z]{3,}")
# What never is a text of the catalogs: links, Discord markup, code spans (battle.net links,
# fixed-width rows), and command names, which stay English by design.
MARKUP = re.compile(r"https?://\S+|battlenet:://\S+|<[^<>]*>|`[^`]*`|/[a-z_]+|\.SC2Replay")
# Words that are names in every language (the game's, Discord's, the file type's): a catalog may
# keep them as they are, and the glossary says which ones do.
NAMES = {"MMR", "BattleTag", "Discord", "SC2Replay", "Evo", "Complete", "StarCraft", "Brood", "War",
         "Maru"}  # Maru: the example main id (a player's name)
HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
HAN = re.compile(r"[\u4e00-\u9fff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
OTHER_SCRIPTS = {"ko": (HAN, CYRILLIC), "ru": (HANGUL, HAN), "zh-CN": (HANGUL, CYRILLIC)}


def deps(sandbox: Sandbox) -> Any:
    """What the bot's cogs use: the catalogs, the game data, the match services."""
    return sandbox.ladder.deps


@pytest.fixture
def sandbox_options(clock: LadderClock) -> dict[str, Any]:
    """conftest's ``sandbox`` as the journeys run it, with the pseudo-locale available."""
    settings = load_settings().model_copy(update={"pseudo_locale": True})
    return {**journey_options(clock), "settings": settings}


# --- what a player sees ----------------------------------------------------------------------


def visible(message: Message | None) -> list[str]:
    """Every text of a message a person reads: content, embeds, labels, placeholders, options."""
    if message is None:
        return []
    found = [message.text]
    for button in message.buttons:
        found.append(str(button.get("label") or ""))
    for menu in message.selects:
        found.append(str(menu.get("placeholder") or ""))
        for option in menu.get("options") or []:
            found += [str(option.get("label") or ""), str(option.get("description") or "")]
    return [f for f in found if f]


def modal_visible(response: Response) -> list[str]:
    modal = response.modal
    found = [modal.title]
    for field in modal.fields:
        found += [field.label, str(field.component.get("placeholder") or "")]
    return [f for f in found if f]


class Seen:
    """Every text shown to the journey's players, in order, with where it was seen."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []

    def add(self, where: str, response: Response | Message) -> Any:
        if isinstance(response, Message):
            self.texts += [(where, t) for t in visible(response)]
            return response
        if response.opened is not None:
            self.texts += [(where, t) for t in modal_visible(response)]
        elif response.reply is not None:
            self.texts += [(where, t) for t in visible(response.message)]
        return response

    def everything(self, players: Iterable[VirtualPlayer]) -> list[tuple[str, str]]:
        found = list(self.texts)
        for player in players:
            for message in player.messages:
                found += [(f"{player.name} message {message.id}", t) for t in visible(message)]
        return found


def data_words(sandbox: Sandbox, extra: Iterable[str]) -> tuple[set[str], list[str]]:
    """Words and whole strings that are data, not text: map names, the players' names."""
    game = deps(sandbox).game
    strings = [m.name for s in game.seasons.values() for m in s.maps]
    strings += [m.short_name for s in game.seasons.values() for m in s.maps]
    strings += [game.mod.name, *ENDONYMS.values(), *extra]  # languages are offered by their own names
    words = {w for s in strings for w in WORD.findall(s)}
    return words, sorted(strings, key=len, reverse=True)


def leaks(texts: list[tuple[str, str]], allowed: set[str], data: list[str], language: str) -> list[str]:
    """Texts holding an English word that is not data (or, for ko/ru/zh, another script)."""
    found = []
    for where, text in texts:
        plain = MARKUP.sub(" ", text)
        for item in data:
            plain = plain.replace(item, " ")
        words = [w for w in WORD.findall(plain) if w not in allowed]
        scripts = [p.pattern for p in OTHER_SCRIPTS.get(language, ()) if p.search(plain)]
        if words or scripts:
            found.append(f"{where}: {text!r} -> {words or scripts}")
    return found


# --- the journey -----------------------------------------------------------------------------


def t(catalog: Catalog, section: str, key: str) -> str:
    value = catalog.get(section, key)
    assert isinstance(value, str), (section, key)
    return value


def select_with(message: Message, value: str) -> str:
    for menu in message.selects:
        if any(o.get("value") == value for o in menu.get("options") or []):
            return str(menu["custom_id"])
    raise AssertionError(f"no select offers {value!r} on message {message.id}: {visible(message)}")


async def sign_up(player: VirtualPlayer, catalog: Catalog, main_id: str, seen: Seen) -> None:
    """/termsofservice, Accept, /setup through the form, as the player sees it in their language."""
    terms = seen.add("terms", await player.slash("termsofservice"))
    assert terms.embeds[0]["title"] == t(catalog, "accounts", "TERMS_TITLE")
    seen.add("accepted", await player.click(t(catalog, "accounts", "ACCEPT_LABEL"), terms.message))
    seen.add("setup modal", await player.slash("setup"))
    typed = {"main_id": main_id, "battletag": f"{main_id}#1234"}
    step = seen.add("setup form", await player.submit_modal(typed))
    step = seen.add("country", await player.select(select_with(step.message, "FR"), ["FR"], step.message))
    step = seen.add("region", await player.select(select_with(step.message, "EUW"), ["EUW"], step.message))
    seen.add("saved", await player.click(t(catalog, "accounts", "CONFIRM_LABEL"), step.message))


async def queue_for(player: VirtualPlayer, catalog: Catalog, race: str, seen: Seen) -> None:
    view = seen.add("queue", await player.slash("queue")).message
    ack = t(catalog, "queue", "GUIDE_ACK_LABEL")
    if view.button(ack) is not None:
        view = seen.add("queue view", await player.click(ack, view)).message
    view = seen.add("race", await player.select(select_with(view, race), [race], view)).message
    seen.add("searching", await player.click(t(catalog, "queue", "JOIN_LABEL"), view))


async def found_dm(player: VirtualPlayer) -> Message:
    return await player.wait_for_dm(
        lambda m: any(CONFIRM_ID.match(str(b.get("custom_id", ""))) for b in m.buttons), include_existing=True
    )


async def full_journey(sandbox: Sandbox, locale: str) -> tuple[list[tuple[str, str]], Catalog]:
    """Two players with ``locale`` clients, from the terms to a final result; what they saw."""
    catalogs = deps(sandbox).catalogs
    catalog = catalogs.for_locale(locale)
    seen = Seen()
    alice = sandbox.player("alice", locale=locale)
    bob = sandbox.player("bob", locale=locale)
    await sign_up(alice, catalog, "Alice", seen)
    await sign_up(bob, catalog, "Bobby", seen)
    for command in ("profile", "help", "leaderboard"):
        seen.add(command, await alice.slash(command))
    await queue_for(alice, catalog, "bw_zerg", seen)
    await queue_for(bob, catalog, "sc2_terran", seen)

    wave = await deps(sandbox).matchmaker.run_wave()
    [match_id] = wave.match_ids
    await board(sandbox).refresh()
    found_a, found_b = await found_dm(alice), await found_dm(bob)
    assert found_a.embeds[0]["title"] == t(catalog, "match", "FOUND_TITLE").format(match_id=match_id)
    seen.add("confirmed", await alice.click(f"evo:match:{match_id}:confirm", found_a))
    seen.add("confirmed", await bob.click(f"evo:match:{match_id}:confirm", found_b))
    for player in (alice, bob):
        details = await player.wait_for_dm(
            lambda m: m.select(f"evo:match:{match_id}:result") is not None, include_existing=True
        )
        seen.add("details", details)
        asked = seen.add("report", await player.select(f"evo:match:{match_id}:result", ["1"], details))
        seen.add("reported", await player.click(f"evo:match:{match_id}:report:1", asked.message))
    state = await deps(sandbox).matches.get(match_id)
    assert state.status.value == "final"
    final = t(catalog, "match", "STATUS_FINAL")
    await alice.wait_for_dm(lambda m: final in m.text, include_existing=True)
    seen.add("profile after", await alice.slash("profile"))
    assert (await record(sandbox, alice.id)).language == catalogs.language_for(locale)
    return seen.everything((alice, bob)), catalog


def test_the_leak_check_finds_what_it_must() -> None:
    """The check itself: an English word, another script, and what is allowed."""
    texts = [("a", "⟦Ṁáŧçĥ~⟧ Confirm"), ("b", "매치 #1 · Alice · `battlenet:://x` <t:1:R> /queue"),
             ("c", "매치 Матч")]
    found = leaks(texts, {"Alice"}, [], "ko")
    assert len(found) == 2 and "Confirm" in found[0] and "u0400" in found[1]


@pytest.mark.parametrize("locale", ["ko", "ru", "zh-CN"])
async def test_a_korean_a_russian_and_a_chinese_player_see_only_their_language(
    sandbox: Sandbox, locale: str
) -> None:
    texts, catalog = await full_journey(sandbox, locale)
    allowed, data = data_words(sandbox, ["Alice", "Bobby", "Alice#1234", "Bobby#1234"])
    found = leaks(texts, allowed | NAMES, data, catalog.language)
    assert not found, "\n".join(found)
    assert texts  # the journey saw something


async def test_the_pseudo_locale_journey_shows_no_text_from_outside_the_catalogs(sandbox: Sandbox) -> None:
    texts, catalog = await full_journey(sandbox, PSEUDO)
    assert catalog.language == PSEUDO
    allowed, data = data_words(sandbox, ["Alice", "Bobby", "Alice#1234", "Bobby#1234"])
    found = leaks(texts, allowed, data, PSEUDO)
    assert not found, "\n".join(found)


async def test_a_korean_client_gets_korean_from_the_first_message(sandbox: Sandbox) -> None:
    catalogs = deps(sandbox).catalogs
    minji = sandbox.player("minji", locale="ko")
    first = await minji.slash("termsofservice")
    assert first.embeds[0]["title"] == "이용 약관"
    assert first.message.button("동의") is not None and first.message.button("거부") is not None
    assert (await record(sandbox, minji.id)).language == "ko"
    # the guard answers in Korean too, before the terms are accepted
    refused = await minji.slash("profile")
    assert refused.content == catalogs.get("ko").get("errors", "TermsNotAccepted")


@pytest.mark.parametrize(("locale", "language"), [("es-419", "es"), ("es-ES", "es"), ("fr", "en")])
async def test_the_first_contact_stores_the_clients_language(
    sandbox: Sandbox, locale: str, language: str
) -> None:
    player = sandbox.player("pablo", locale=locale)
    await player.slash("termsofservice")
    assert (await record(sandbox, player.id)).language == language


async def test_after_choosing_spanish_in_setup_the_match_found_dm_is_in_spanish(sandbox: Sandbox) -> None:
    catalogs = deps(sandbox).catalogs
    english, spanish = catalogs.get("en"), catalogs.get("es")
    seen = Seen()
    alice = sandbox.player("alice")  # an English client
    terms = await alice.slash("termsofservice")
    await alice.click(t(english, "accounts", "ACCEPT_LABEL"), terms.message)
    await alice.slash("setup")
    step = await alice.submit_modal({"main_id": "Alice", "battletag": "Alice#1234"})
    picked = await alice.select(select_with(step.message, "es"), ["es"], step.message)
    # the form is shown in Spanish at once, and saved with Confirm
    assert picked.embeds[0]["title"] == t(spanish, "accounts", "SETUP_PICK_TITLE")
    step = await alice.select(select_with(picked.message, "FR"), ["FR"], picked.message)
    step = await alice.select(select_with(step.message, "EUW"), ["EUW"], step.message)
    saved = await alice.click(t(spanish, "accounts", "CONFIRM_LABEL"), step.message)
    assert saved.embeds[0]["title"] == t(spanish, "accounts", "SETUP_SAVED_TITLE")
    assert (await record(sandbox, alice.id)).language == "es"

    bob = sandbox.player("bob")
    await sign_up(bob, english, "Bobby", seen)
    await queue_for(alice, spanish, "bw_zerg", seen)
    await queue_for(bob, english, "sc2_terran", seen)
    [match_id] = (await deps(sandbox).matchmaker.run_wave()).match_ids
    found_a, found_b = await found_dm(alice), await found_dm(bob)
    assert found_a.embeds[0]["title"] == t(spanish, "match", "FOUND_TITLE").format(match_id=match_id)
    assert found_a.button(t(spanish, "match", "CONFIRM_LABEL")) is not None
    assert found_b.embeds[0]["title"] == t(english, "match", "FOUND_TITLE").format(match_id=match_id)


async def test_language_changes_the_language_of_the_answers_and_of_the_dms(sandbox: Sandbox) -> None:
    catalogs = deps(sandbox).catalogs
    ivan = sandbox.player("ivan")
    changed = await ivan.slash("language", language="ru")
    assert changed.content == catalogs.get("ru").get("language", "CHANGED")
    assert (await record(sandbox, ivan.id)).language == "ru"
    terms = await ivan.slash("termsofservice")
    assert terms.embeds[0]["title"] == catalogs.get("ru").get("accounts", "TERMS_TITLE")
    back = await ivan.slash("language", language="en")
    assert back.content == catalogs.get("en").get("language", "CHANGED")


async def test_synced_commands_carry_description_localizations(sandbox: Sandbox) -> None:
    catalogs = deps(sandbox).catalogs
    commands = {c.name: c for c in sandbox.discord.state.commands_for(None)}
    locales = {"es-419": "es", "es-ES": "es", "ko": "ko", "ru": "ru", "zh-CN": "zh-CN"}
    for name in ("termsofservice", "setup", "setcountry", "activate", "profile", "leaderboard", "queue",
                 "prune", "help", "language"):
        definition = commands[name].definition
        localized = definition.get("description_localizations") or {}
        assert set(localized) == set(locales), (name, localized)
        assert "name_localizations" not in definition or not definition["name_localizations"]
        for locale, language in locales.items():
            english = definition["description"]
            assert localized[locale] != english
            assert len(localized[locale]) <= 100
            assert localized[locale] in _all_texts(catalogs.get(language))
    leaderboard = commands["leaderboard"].definition
    race = next(o for o in leaderboard["options"] if o["name"] == "race")
    assert race["description_localizations"]["ko"] == catalogs.get("ko").get("leaderboard", "RACE_OPTION")


def _all_texts(catalog: Catalog) -> set[str]:
    return {v for section in catalog.sections.values() for v in section.values() if isinstance(v, str)}
