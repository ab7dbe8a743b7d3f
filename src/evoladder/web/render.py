"""Templates (Jinja2, autoescaped) and the translation hook every page text goes through.

Texts come from the ``[web]`` section of the language catalogs (:mod:`evoladder.i18n`), in the
language of the request (:func:`evoladder.web.app.Site.language_of`: ``?lang=``, then the
``lang`` cookie, then ``Accept-Language``), which the middleware makes the active catalog of
the request's task. Race and country names come from the catalogs too (``evoladder.i18n.names``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from evoladder.game import GameData
from evoladder.i18n import names
from evoladder.i18n.text import web

if TYPE_CHECKING:
    from jinja2 import Environment


def web_key(key: str) -> str:
    """``board.title`` -> ``BOARD_TITLE`` (``report.-1`` -> ``REPORT_M1``): the catalog's key."""
    return key.upper().replace(".", "_").replace("-", "M")


class Texts:
    """``t(key, **kw)``: a page text by key in the request's language, named placeholders. A key
    the catalogs lack shows the key itself (visible in a page, never a crash)."""

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}  # a page asks ~160 texts: the key's spelling, made once

    def __call__(self, key: str, **values: Any) -> str:
        found = self._keys.get(key)
        if found is None:
            found = self._keys[key] = web_key(key)
        text = web.get(found, "")
        if not text:
            return key
        return text.format(**values) if values else text


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def percent(value: float | None) -> str:
    return f"{value:.1f}%" if value is not None else ""


def signed(value: int | None) -> str:
    return "" if value is None else f"{value:+d}"


class Renderer:
    """The pages' templates. Jinja2 (~2 MB resident with its compiled templates) is imported and
    its environment made when the first page is rendered, not at start-up: a process whose site
    nobody visits does not carry it, and the first visitor pays a few milliseconds once."""

    def __init__(self, game: GameData, texts: Texts, base_url: str) -> None:
        self.texts = texts
        self._game = game
        self._base_url = base_url
        self._env: Environment | None = None

    @property
    def env(self) -> Environment:
        if self._env is None:
            self._env = self._environment()
        return self._env

    def _environment(self) -> Environment:
        from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

        env = Environment(
            loader=PackageLoader("evoladder.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        races, countries = self._game.races, self._game.countries

        def race_name(code: str | None) -> str:
            return names.race(races.get(code or ""), code or "") if code else ""

        def country_name(code: str | None) -> str:
            found = countries.get(code or "")
            return names.country(found) if found is not None else (code or "")

        filters: dict[str, Callable[..., Any]] = {
            "when": when,
            "percent": percent,
            "signed": signed,
            "race_name": race_name,
            "country_name": country_name,
        }
        env.filters.update(filters)
        env.globals.update(t=self.texts, base_url=self._base_url, site="evoladder")
        return env

    def page(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)
