"""The pseudo-locale: English with accented letters, lengthened, bracketed.

A test renders whole journeys in it: any visible text still in plain ASCII English did not come
from a catalog. Placeholders, markdown, Discord markup (``<t:…:R>``, ``<@…>``) and code spans
(backticks: fixed-width table rows) are left as they are, so the texts render like the real ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "áƀçđéƒĝĥíĵķĺɱñóþǫŕšŧúṽŵẋýžÁƁÇĐÉƑĜĤÍĴĶĹṀÑÓÞǪŔŠŦÚṼŴẊÝŽ",
)
# what must stay as written: placeholders, code spans, Discord markup, URLs, emoji shortcodes
_KEEP = re.compile(r"\{[^{}]*\}|`[^`]*`|<[^<>]*>|https?://\S+")
_LETTER = re.compile(r"[A-Za-z]")


def pseudo_text(template: str) -> str:
    """``template`` pseudo-localized (unchanged when it has no letter outside what is kept)."""
    parts: list[str] = []
    last = 0
    letters = 0
    for kept in _KEEP.finditer(template):
        chunk = template[last : kept.start()]
        letters += len(_LETTER.findall(chunk))
        parts.append(chunk.translate(_ACCENTED))
        parts.append(kept.group())
        last = kept.end()
    tail = template[last:]
    letters += len(_LETTER.findall(tail))
    parts.append(tail.translate(_ACCENTED))
    if not letters:
        return template
    padding = "~" * max(1, letters // 3)  # about a third longer, as German or Russian often are
    return "⟦" + "".join(parts) + padding + "⟧"


def pseudo_raw(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A whole raw (TOML) catalog pseudo-localized, value by value."""
    return {key: _pseudo_value(value) for key, value in raw.items()}


def _pseudo_value(value: object) -> Any:
    if isinstance(value, str):
        return pseudo_text(value)
    if isinstance(value, list):
        return [_pseudo_value(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _pseudo_value(v) for k, v in value.items()}
    return value
