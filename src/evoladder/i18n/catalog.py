"""One language's catalog: its texts by section and key, its plural rule, its number format.

A catalog is a TOML file (``catalogs/<language>.toml``). Sections are the bot's features
(``[match]``, ``[queue]``...), keys are the names the code reads (``FOUND_TITLE``). A value is

- a string: a ``str.format`` template with named placeholders;
- a plural table: ``{ one = "...", other = "..." }``, keyed by CLDR plural categories, chosen by
  the placeholder named ``count``;
- a table of strings (texts by code: a status, a report code) or an array of strings (lines).

Everything is converted once at load into plain Python objects, so a lookup at run time is a dict
access and rendering is ``str.format``: the English template is a ``str``; a template whose
numbers are written differently in the language (``1.234,5`` in Spanish, ``1 234,5`` in Russian)
is a :class:`Numbers` (a ``str`` whose ``format`` writes those numbers the language's way); a plural
table is a :class:`Plural` (a ``str``, the ``other`` form, whose ``format`` picks the form). None
of them costs more than one ``str.format`` plus, for numbers and plurals, one small step.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Any

PLURAL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})
PLURAL_SELECTOR = "count"
_INT_KEY = re.compile(r"-?[0-9]+")
_FORMATTER = string.Formatter()


@dataclass(frozen=True, slots=True)
class NumberFormat:
    """How a language writes numbers (CLDR symbols): ``group`` between thousands, ``decimal``
    before the fraction, and ``min_grouping``: Spanish writes 1234 but 12.345 (CLDR's minimum
    grouping digits 2), so groups appear only from ``10 ** (3 + min_grouping - 1)``."""

    group: str = ","
    decimal: str = "."
    min_grouping: int = 1

    @property
    def is_english(self) -> bool:
        return self.group == "," and self.decimal == "." and self.min_grouping == 1

    def format(self, value: object, spec: str) -> str:
        """``value`` formatted by the English ``spec`` (``,``, ``.1f``, ``,d``...), then written
        with this language's symbols."""
        text = format(value, spec)
        grouped_from = 10 ** (3 + self.min_grouping - 1)
        if self.min_grouping > 1 and isinstance(value, int | float) and abs(value) < grouped_from:
            text = text.replace(",", "")
        return text.translate({ord(","): self.group, ord("."): self.decimal})


def _numeric_fields(template: str) -> tuple[tuple[str, str], ...]:
    """The placeholders of ``template`` whose spec writes a grouped or decimal number."""
    found: list[tuple[str, str]] = []
    for _, name, spec, _ in _FORMATTER.parse(template):
        if name and spec and ("," in spec or spec.endswith(("f", "%", "e", "g"))):
            found.append((name, spec))
    return tuple(found)


class Numbers(str):
    """A template whose numeric placeholders the language writes with its own symbols."""

    _fields: tuple[tuple[str, str], ...]
    _plain: str
    _numbers: NumberFormat

    @classmethod
    def of(cls, template: str, numbers: NumberFormat) -> str:
        fields = _numeric_fields(template)
        if not fields or numbers.is_english:
            return template
        made = cls(template)
        made._fields = fields
        plain = template
        for name, spec in fields:
            plain = plain.replace("{" + name + ":" + spec + "}", "{" + name + "}")
        made._plain = plain
        made._numbers = numbers
        return made

    def format(self, *args: object, **kwargs: Any) -> str:
        for name, spec in self._fields:
            if name in kwargs:
                kwargs[name] = self._numbers.format(kwargs[name], spec)
        return self._plain.format(*args, **kwargs)


class Plural(str):
    """A plural table: as a ``str`` it is the ``other`` form; ``format`` picks the form that
    the language's CLDR rule gives for the ``count`` placeholder."""

    forms: Mapping[str, str]
    _rule: Callable[[int | float], str]

    @classmethod
    def of(cls, forms: Mapping[str, str], rule: Callable[[int | float], str]) -> Plural:
        made = cls(forms["other"])
        made.forms = MappingProxyType(dict(forms))
        made._rule = rule
        return made

    def format(self, *args: object, **kwargs: Any) -> str:
        count = kwargs.get(PLURAL_SELECTOR)
        forms = self.forms
        if not isinstance(count, int | float):
            return forms["other"].format(*args, **kwargs)
        return forms.get(self._rule(count), forms["other"]).format(*args, **kwargs)


@dataclass(frozen=True, slots=True)
class Catalog:
    """One language's texts, ready to render. Built by :func:`load`, never changed after."""

    language: str
    sections: Mapping[str, Mapping[str, Any]]
    plural: Callable[[int | float], str]
    numbers: NumberFormat = field(default_factory=NumberFormat)

    def section(self, name: str) -> Mapping[str, Any]:
        return self.sections[name]

    def get(self, section: str, key: str, default: str | None = None) -> Any:
        found = self.sections.get(section)
        if found is None:
            return default
        return found.get(key, default)

    def number(self, value: int | float, spec: str = ",") -> str:
        """A number written this language's way (``spec`` as in ``format``: ``","``, ``".1f"``)."""
        return self.numbers.format(value, spec)


def english_plural(n: int | float) -> str:
    """CLDR's English rule (the fallback when Babel is not asked): one for exactly 1."""
    return "one" if n == 1 else "other"


def read_raw(language: str) -> dict[str, Any]:
    """The catalog file of ``language`` as TOML data (no conversion)."""
    source = resources.files("evoladder.i18n").joinpath("catalogs", f"{language}.toml")
    with source.open("rb") as fh:
        return tomllib.load(fh)


def build(
    language: str,
    raw: Mapping[str, Any],
    *,
    plural: Callable[[int | float], str],
    numbers: NumberFormat,
    fallback: Catalog | None = None,
) -> Catalog:
    """``raw`` (TOML data) converted into a :class:`Catalog`; keys missing in ``raw`` come from
    ``fallback`` (English), so a catalog that lacks a key still shows something readable."""
    sections: dict[str, Mapping[str, Any]] = {}
    for name, entries in raw.items():
        if not isinstance(entries, Mapping):
            raise ValueError(f"{language}: [{name}] must be a table")
        sections[name] = {key: _convert(value, plural, numbers) for key, value in entries.items()}
    if fallback is not None:
        for name, entries in fallback.sections.items():
            mine = sections.setdefault(name, {})
            for key, value in entries.items():
                mine.setdefault(key, value)  # type: ignore[attr-defined]
    frozen = MappingProxyType({n: MappingProxyType(dict(e)) for n, e in sections.items()})
    return Catalog(language, frozen, plural, numbers)


def _convert(value: object, plural: Callable[[int | float], str], numbers: NumberFormat) -> Any:
    if isinstance(value, str):
        return Numbers.of(value, numbers)
    if isinstance(value, list):
        return tuple(_convert(v, plural, numbers) for v in value)
    if isinstance(value, Mapping):
        if is_plural_table(value):
            return Plural.of({k: Numbers.of(v, numbers) for k, v in value.items()}, plural)
        return MappingProxyType({_table_key(k): _convert(v, plural, numbers) for k, v in value.items()})
    raise ValueError(f"unsupported catalog value {value!r}")


def is_plural_table(value: Mapping[str, Any]) -> bool:
    return "other" in value and set(value) <= PLURAL_CATEGORIES


def _table_key(key: str) -> object:
    """Tables of texts by code (report codes are integers, a missing one NULL) keep the code's type."""
    if _INT_KEY.fullmatch(key):
        return int(key)
    if key == "none":
        return None
    return key


def placeholders(value: object) -> frozenset[str]:
    """The named placeholders a catalog value uses (all forms of a plural, all lines)."""
    names: set[str] = set()
    for template in iter_templates(value):
        names.update(name.split(".")[0].split("[")[0] for _, name, _, _ in _FORMATTER.parse(template) if name)
    return frozenset(names)


def iter_templates(value: object) -> Iterator[str]:
    """Every template string inside a raw or converted catalog value."""
    if isinstance(value, Plural):
        yield from value.forms.values()
    elif isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from iter_templates(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from iter_templates(v)
