"""Account answers as embeds and text: terms, the /setup draft, /setcountry, /activate, /prune.

Also the small pieces other renderers share: a country's flag and label, and the pages of common
countries that fit Discord's 25 options per select.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import discord

from evoladder.game import GameData
from evoladder.game.models import Country, Region
from evoladder.i18n import names
from evoladder.i18n.languages import ENDONYMS
from evoladder.i18n.text import accounts as text
from evoladder.i18n.text import language as language_text

COLOUR = discord.Colour.blurple()
DONE_COLOUR = discord.Colour.green()
SELECT_OPTIONS_MAX = 25  # Discord's limit of options in one select
OTHER_CODE = "ZZ"  # the common list's "Other", listed last
NO_FLAG = "🏳️"  # no country, or a code that is not a real one (XX Nonrepresenting)
OTHER_FLAG = "🌐"
_REGIONAL_A = 0x1F1E6
TimestampStyle = Literal["f", "F", "d", "D", "t", "T", "R"]


def flag(code: str | None) -> str:
    """The flag emoji of an ISO 3166 code (two regional indicator letters)."""
    if code == OTHER_CODE:
        return OTHER_FLAG
    if code is None or len(code) != 2 or not code.isascii() or not code.isalpha() or code == "XX":
        return NO_FLAG
    return "".join(chr(_REGIONAL_A + ord(letter) - ord("A")) for letter in code.upper())


def country_label(country: Country | None) -> str:
    if country is None:
        return f"{NO_FLAG} {text.COUNTRY_NONE}"
    return f"{flag(country.code)} {names.country(country)}"


def country_pages(game: GameData) -> list[tuple[Country, ...]]:
    """The common countries by name, "Other" last, cut into selects of 25 options.

    The design's 49 common countries + Other make exactly two pages; a community whose data
    lists more gets more pages (the views show the first two: Discord allows five rows).
    """
    common = sorted((c for c in game.common_countries() if c.code != OTHER_CODE), key=lambda c: c.name)
    other = [c for c in game.common_countries() if c.code == OTHER_CODE]
    ordered = [*common, *other]
    return [tuple(ordered[i : i + SELECT_OPTIONS_MAX]) for i in range(0, len(ordered), SELECT_OPTIONS_MAX)]


def when(moment: datetime, style: TimestampStyle = "f") -> str:
    """A Discord timestamp: shown in each reader's language and time zone."""
    return discord.utils.format_dt(moment, style)


# --- /termsofservice ---------------------------------------------------------------------------


def terms(urls: Sequence[str], accepted_at: datetime | None, declined_at: datetime | None) -> discord.Embed:
    links = "\n".join(text.TERMS_LINK.format(url=u) for u in urls)
    embed = discord.Embed(
        title=text.TERMS_TITLE, description=text.TERMS_BODY.format(links=links), colour=COLOUR
    )
    if accepted_at is not None:
        status = text.TERMS_STATUS_ACCEPTED.format(when=when(accepted_at)) + "\n" + text.TERMS_NEXT
    elif declined_at is not None:
        status = text.TERMS_STATUS_DECLINED.format(when=when(declined_at))
    else:
        status = text.TERMS_STATUS_NONE
    embed.add_field(name=text.TERMS_STATUS, value=status, inline=False)
    return embed


# --- /setup ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetupDraftView:
    """What the /setup preview shows: the typed identity and the picks so far."""

    main_id: str
    battletag: str
    alt_ids: tuple[str, ...]
    country: Country | None
    region: Region | None
    language: str | None = None  # the ladder language picked (a code of evoladder.i18n.LANGUAGES)

    @property
    def complete(self) -> bool:
        return self.country is not None and self.region is not None


def setup_draft(draft: SetupDraftView) -> discord.Embed:
    title, body = (
        (text.SETUP_PREVIEW_TITLE, text.SETUP_PREVIEW_BODY)
        if draft.complete
        else (text.SETUP_PICK_TITLE, text.SETUP_PICK_BODY)
    )
    embed = discord.Embed(title=title, description=body, colour=COLOUR)
    embed.add_field(name=text.SETUP_MAIN_ID, value=draft.main_id)
    embed.add_field(name=text.SETUP_BATTLETAG, value=draft.battletag)
    embed.add_field(name=text.SETUP_ALT_IDS, value=", ".join(draft.alt_ids) or text.SETUP_NONE)
    country = country_label(draft.country) if draft.country else text.SETUP_NOT_CHOSEN
    region = names.region(draft.region) if draft.region else text.SETUP_NOT_CHOSEN
    embed.add_field(name=text.SETUP_COUNTRY, value=country)
    embed.add_field(name=text.SETUP_REGION, value=region)
    if draft.language is not None:
        embed.add_field(name=language_text.SETUP_LANGUAGE, value=ENDONYMS.get(draft.language, draft.language))
    return embed


def setup_saved(draft: SetupDraftView, changed: Iterable[str], first: bool) -> discord.Embed:
    names = [text.table("SETUP_FIELD_NAMES")[f] for f in changed if f in text.table("SETUP_FIELD_NAMES")]
    if first:
        body = text.SETUP_SAVED_FIRST
    elif names:
        body = text.SETUP_SAVED_CHANGED.format(fields=", ".join(names))
    else:
        body = text.SETUP_SAVED_SAME
    embed = setup_draft(draft)
    embed.title, embed.description, embed.colour = text.SETUP_SAVED_TITLE, body, DONE_COLOUR
    return embed


def setup_invalid(message: str) -> str:
    return text.SETUP_INVALID.format(message=message)


# --- /setcountry, /prune -------------------------------------------------------------------------


def setcountry_preview(new: Country, old: Country | None) -> str:
    return text.SETCOUNTRY_PREVIEW.format(new=country_label(new), old=country_label(old))


def setcountry_done(new: Country) -> str:
    return text.SETCOUNTRY_DONE.format(new=country_label(new))


def prune_result(deleted: int, more: bool, keep_hours: int) -> str:
    line = (
        text.PRUNE_DONE.format(count=deleted, hours=keep_hours)
        if deleted
        else text.PRUNE_NOTHING.format(hours=keep_hours)
    )
    return line + (text.PRUNE_MORE if more else "")
