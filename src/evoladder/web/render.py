"""Templates (Jinja2, autoescaped) and the translation hook every page text goes through."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from evoladder.game import GameData
from evoladder.web.strings import EN


class Texts:
    """``t(key, **kw)``: a page text by key, with named placeholders. A missing key shows the key
    itself (visible in a page, never a crash); a language catalog replaces ``catalog``."""

    def __init__(self, catalog: Mapping[str, str] = EN) -> None:
        self._catalog = catalog

    def __call__(self, key: str, **values: Any) -> str:
        text = self._catalog.get(key)
        if text is None:
            return key
        return text.format(**values) if values else text


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def percent(value: float | None) -> str:
    return f"{value:.1f}%" if value is not None else ""


def signed(value: int | None) -> str:
    return "" if value is None else f"{value:+d}"


def flag(code: str | None) -> str:
    """The country's flag emoji (regional indicator letters); empty for none or non-letter codes."""
    if not code or len(code) != 2 or not code.isalpha() or code.upper() in ("ZZ", "XX"):
        return ""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code.upper())


class Renderer:
    def __init__(self, game: GameData, texts: Texts, base_url: str) -> None:
        self.texts = texts
        self.env = Environment(
            loader=PackageLoader("evoladder.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        races = {code: race.name for code, race in game.races.items()}
        countries = {code: country.name for code, country in game.countries.items()}
        filters: dict[str, Callable[..., Any]] = {
            "when": when,
            "percent": percent,
            "signed": signed,
            "flag": flag,
            "race_name": lambda code: races.get(code, code or ""),
            "country_name": lambda code: countries.get(code, code or ""),
        }
        self.env.filters.update(filters)
        self.env.globals.update(t=texts, base_url=base_url, site=texts("site.name"))

    def page(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)
