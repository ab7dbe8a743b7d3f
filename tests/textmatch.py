"""Texts as the bot renders them, for assertions: the catalogs' templates, filled or matched.

Tests assert what players read through the same catalog keys the bot renders
(``evoladder.i18n.text``), never copies of the English words. Most texts a test knows whole and
formats itself; these two helpers are for the ones it knows only in part: a deadline written as
a Discord timestamp of the moment it was sent (``lead``), or counts and timings it cannot predict
(``matching``). Shared by ``tests/e2e`` (through ``journeykit``) and ``tests/bot``.
"""

from __future__ import annotations

import re
import string

__all__ = ["lead", "matching"]


def lead(template: str, **values: object) -> str:
    """``template`` filled with ``values`` up to its first placeholder not given: the part of a
    text a test can know (a deadline is a Discord timestamp of the moment it was written).

    ``lead(text.OPPONENT_REPORTED, match_id=7, outcome="player 1 won")`` is
    "Your opponent reported match #7: **player 1 won**. Please report too before ".
    """
    out = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        out.append(literal)
        if name is None:
            continue
        if name not in values:
            break
        field = "{0" + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        out.append(field.format(values[name]))
    return "".join(out)


def matching(template: str, **values: object) -> re.Pattern[str]:
    """A pattern for a line ``template`` renders: ``values`` filled in, every other placeholder a
    named group of any text (for counts and timings a test cannot know exactly); the match ends
    at the end of a line."""
    out = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        out.append(re.escape(literal))
        if name is None:
            continue
        if name in values:
            field = "{0" + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            out.append(re.escape(field.format(values[name])))
        else:
            out.append(f"(?P<{name}>.+?)")
    return re.compile("".join(out) + "$", re.MULTILINE)
