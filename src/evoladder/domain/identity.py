"""Validation of a player's in-game identity (the /setup form).

Rules, one message each (English in ``MESSAGES``; players read the catalogs' ``IDENTITY_*``):
- main id: 3 to 12 Latin letters (the StarCraft II character name the ladder shows and matches
  replays against; Latin so every player can type it into a lobby search);
- BattleTag: ``name#digits``, the name 3 to 12 letters or digits in any script, not starting
  with a digit, the code 3 to 6 digits (Blizzard's format);
- alternative ids: at most 2, each 3 to 12 letters or digits in any script (Korean, Chinese,
  Cyrillic names are common on this ladder);
- all ids distinct, compared after NFKC and case folding, so a fullwidth or mathematical
  look-alike ("ａｌｉｃｅ", "𝖆𝖑𝖎𝖈𝖊") of one of the player's ids is the same id;
- no invisible letters: the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0) are letters to
  Unicode, so the letter rules accept them, yet they render blank: an id made of them shows up
  empty to opponents and admins, and one with a filler inside cannot be told from the same id
  without it. Any id or BattleTag name holding one is refused.
Surrounding whitespace is trimmed; blank alternative ids are dropped.

Discord ids typed by people (admin lookups, ``/profile player:``) are parsed here too: ASCII
digits only (``str.isdigit`` also accepts "²", which ``int`` then rejects) and within the
database's signed 64-bit range, so an oversized id gets a clear answer instead of reaching SQL.
Free text that reaches the database (reasons, searches, codes) must hold no control characters:
PostgreSQL cannot store NUL at all, and the others only hide text from readers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from evoladder.domain.errors import ControlCharacters, DiscordIdOutOfRange, ValidationError

MAX_ALT_IDS = 2
MAIN_ID = re.compile(r"[A-Za-z]{3,12}")
BATTLETAG = re.compile(r"(?P<name>[^\W\d_][^\W_]{2,11})#(?P<code>[0-9]{3,6})")
ALT_ID = re.compile(r"[^\W_]{3,12}")
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
DISCORD_ID_MAX = 2**63 - 1
"""The largest id the database's signed BIGINT holds (Discord's snowflakes stay far below it)."""
_ASCII_DIGITS = re.compile(r"[0-9]+")

MESSAGES = {
    "main_id": "Your main id must be 3 to 12 Latin letters (A-Z), with no spaces, digits or symbols.",
    "battletag": "Your BattleTag must look like Name#1234: a name of 3 to 12 letters or digits "
    "(not starting with a digit), then # and 3 to 6 digits.",
    "alt_ids": "An alternative id must be 3 to 12 letters or digits (any alphabet), "
    "with no spaces or symbols.",
    "alt_count": f"You can give at most {MAX_ALT_IDS} alternative ids.",
    "distinct": "Your main id and alternative ids must all be different.",
    "invisible": "Your ids can't contain invisible filler characters (such as the Hangul filler): "
    "other players would see a blank name.",
}


@dataclass(frozen=True, slots=True)
class Identity:
    main_id: str
    battletag: str
    alt_ids: tuple[str, ...]


def _clean(value: str) -> str:
    return unicodedata.normalize("NFC", value.strip())


def _visible(field: str, value: str) -> str:
    if not INVISIBLE_LETTERS.isdisjoint(value):
        raise ValidationError(field, MESSAGES["invisible"], key="IDENTITY_INVISIBLE")
    return value


def same_id_key(value: str) -> str:
    """What two ids are compared by: NFKC (look-alike forms to their plain letters), then casefold."""
    return unicodedata.normalize("NFKC", value).casefold()


def validate_main_id(value: str) -> str:
    cleaned = _clean(value)
    if not MAIN_ID.fullmatch(cleaned):
        raise ValidationError("main_id", MESSAGES["main_id"], key="IDENTITY_MAIN_ID")
    return cleaned


def validate_battletag(value: str) -> str:
    cleaned = _clean(value)
    if not BATTLETAG.fullmatch(cleaned):
        raise ValidationError("battletag", MESSAGES["battletag"], key="IDENTITY_BATTLETAG")
    return _visible("battletag", cleaned)


def validate_alt_ids(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    cleaned = tuple(c for c in (_clean(v) for v in values) if c)
    if len(cleaned) > MAX_ALT_IDS:
        raise ValidationError("alt_ids", MESSAGES["alt_count"], key="IDENTITY_ALT_COUNT", max=MAX_ALT_IDS)
    for alt in cleaned:
        if not ALT_ID.fullmatch(alt):
            raise ValidationError("alt_ids", MESSAGES["alt_ids"], key="IDENTITY_ALT_IDS")
        _visible("alt_ids", alt)
    return cleaned


def validate_identity(main_id: str, battletag: str, alt_ids: list[str] | tuple[str, ...]) -> Identity:
    """Check every rule; the first broken rule raises ``ValidationError`` with its message."""
    main = validate_main_id(main_id)
    tag = validate_battletag(battletag)
    alts = validate_alt_ids(alt_ids)
    folded = [same_id_key(i) for i in (main, *alts)]
    if len(set(folded)) != len(folded):
        raise ValidationError("alt_ids", MESSAGES["distinct"], key="IDENTITY_DISTINCT")
    return Identity(main, tag, alts)


def parse_discord_id(value: str) -> int | None:
    """A Discord id typed as ASCII digits, or ``None`` when ``value`` is not one (a name, then).

    Digits beyond the database's range raise ``DiscordIdOutOfRange``: the person meant an id, and
    a clear answer beats "no player matches".
    """
    if not _ASCII_DIGITS.fullmatch(value):
        return None
    number = int(value)
    if not 0 < number <= DISCORD_ID_MAX:
        raise DiscordIdOutOfRange()
    return number


def require_plain_text(field: str, value: str) -> str:
    """``value`` unchanged when it holds no control character (tab and line breaks allowed) and
    no lone surrogate; ``ControlCharacters`` otherwise, before anything reaches the database."""
    for char in value:
        if char in "\t\n\r":
            continue
        if unicodedata.category(char) in ("Cc", "Cs"):
            raise ControlCharacters(field)
    return value
