"""Validation of a player's in-game identity (the /setup form).

Rules, one message each (messages in ``MESSAGES`` so they can be translated):
- main id: 3 to 12 Latin letters (the StarCraft II character name the ladder shows and matches
  replays against; Latin so every player can type it into a lobby search);
- BattleTag: ``name#digits``, the name 3 to 12 letters or digits in any script, not starting
  with a digit, the code 3 to 6 digits (Blizzard's format);
- alternative ids: at most 2, each 3 to 12 letters or digits in any script (Korean, Chinese,
  Cyrillic names are common on this ladder);
- all ids distinct, compared without case.
Surrounding whitespace is trimmed; blank alternative ids are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from evoladder.domain.errors import ValidationError

MAX_ALT_IDS = 2
MAIN_ID = re.compile(r"[A-Za-z]{3,12}")
BATTLETAG = re.compile(r"(?P<name>[^\W\d_][^\W_]{2,11})#(?P<code>[0-9]{3,6})")
ALT_ID = re.compile(r"[^\W_]{3,12}")

MESSAGES = {
    "main_id": "Your main id must be 3 to 12 Latin letters (A-Z), with no spaces, digits or symbols.",
    "battletag": "Your BattleTag must look like Name#1234: a name of 3 to 12 letters or digits "
    "(not starting with a digit), then # and 3 to 6 digits.",
    "alt_ids": "An alternative id must be 3 to 12 letters or digits (any alphabet), "
    "with no spaces or symbols.",
    "alt_count": f"You can give at most {MAX_ALT_IDS} alternative ids.",
    "distinct": "Your main id and alternative ids must all be different.",
}


@dataclass(frozen=True, slots=True)
class Identity:
    main_id: str
    battletag: str
    alt_ids: tuple[str, ...]


def _clean(value: str) -> str:
    return unicodedata.normalize("NFC", value.strip())


def validate_main_id(value: str) -> str:
    cleaned = _clean(value)
    if not MAIN_ID.fullmatch(cleaned):
        raise ValidationError("main_id", MESSAGES["main_id"])
    return cleaned


def validate_battletag(value: str) -> str:
    cleaned = _clean(value)
    if not BATTLETAG.fullmatch(cleaned):
        raise ValidationError("battletag", MESSAGES["battletag"])
    return cleaned


def validate_alt_ids(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    cleaned = tuple(c for c in (_clean(v) for v in values) if c)
    if len(cleaned) > MAX_ALT_IDS:
        raise ValidationError("alt_ids", MESSAGES["alt_count"])
    for alt in cleaned:
        if not ALT_ID.fullmatch(alt):
            raise ValidationError("alt_ids", MESSAGES["alt_ids"])
    return cleaned


def validate_identity(main_id: str, battletag: str, alt_ids: list[str] | tuple[str, ...]) -> Identity:
    """Check every rule; the first broken rule raises ``ValidationError`` with its message."""
    main = validate_main_id(main_id)
    tag = validate_battletag(battletag)
    alts = validate_alt_ids(alt_ids)
    folded = [i.casefold() for i in (main, *alts)]
    if len(set(folded)) != len(folded):
        raise ValidationError("alt_ids", MESSAGES["distinct"])
    return Identity(main, tag, alts)
