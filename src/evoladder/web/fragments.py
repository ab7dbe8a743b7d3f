"""The leaderboard page's two big parts, built in Python and kept: a row's HTML by the row, and
the filter form by the filters.

Why not in the template: a board page is 40 rows and a form of ~60 options, and Jinja spends
about 40 us a row on attribute lookups, escaping and filter calls (measured: ~6.7 ms a page on
the loaded bench machine against a budget of 2 ms for the whole request). The same rows appear
on many pages (the top of each filter, a player's row in every list it sits in) and the form
depends only on the filters, so both are kept (``LRU``) and a page is mostly a join of strings
already made. Countries show as their codes with the name as a tooltip, not as flag emoji:
those need a colour emoji font that many hosts lack (boxes instead) and Windows shows as two
letters anyway. Every text still comes from the one translation hook (``Texts``), and every value
is escaped (``markupsafe.escape``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence

from markupsafe import Markup, escape

from evoladder.game.models import Country, Race
from evoladder.i18n import active_language, names
from evoladder.services.public import BoardQuery, BoardRow, PublicSeason
from evoladder.web.render import Texts

ROW_CACHE_SIZE = 20_000
FORM_CACHE_SIZE = 2_000


class LRU:
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Markup] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], Markup]) -> Markup:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
            return found
        value = make()
        self._items[key] = value
        if len(self._items) > self._size:
            self._items.popitem(last=False)
        return value


class BoardFragments:
    def __init__(
        self,
        texts: Texts,
        races: Mapping[str, Race],
        countries: Mapping[str, Country],
        common: Sequence[str],
        letters: Sequence[str],
    ) -> None:
        self._t = texts
        self._races = races
        self._countries = countries
        self._common = common
        self._letters = letters
        self._rows = LRU(ROW_CACHE_SIZE)
        self._forms = LRU(FORM_CACHE_SIZE)

    def rows(self, rows: Sequence[BoardRow]) -> Markup:
        language = active_language()  # names and texts are the request's language's
        return Markup("\n").join(
            self._rows.get((language, row), lambda row=row: self._row(row)) for row in rows  # type: ignore[misc]
        )

    def _row(self, row: BoardRow) -> Markup:
        p = row.player
        name = escape(p.name)
        if p.ladder_id:
            name = Markup(f'<a href="/players/{p.ladder_id}">{name}</a>')
        country = p.country or ""
        found = self._countries.get(country)
        country_name = names.country(found) if found is not None else country
        race_name = names.race(self._races.get(row.race), row.race)
        return Markup(
            f'<tr data-ladder-id="{p.ladder_id or ""}"><td>{row.position}</td><td>{row.global_rank}</td>'
            f'<td class="letter l-{escape(row.letter)}">{escape(row.letter)}</td>'
            f"<td>{escape(race_name)}</td>"
            f'<td title="{escape(country_name)}">{escape(country)}</td>'
            f'<td class="name">{name}</td><td class="num">{row.mmr}</td></tr>'
        )

    def form(
        self, query: BoardQuery, season: PublicSeason | None, seasons: Sequence[PublicSeason], page: int,
        pages: int,
    ) -> Markup:
        # The seasons are in the key: a season start changes the picker's options.
        key = (active_language(), query.races, query.countries, query.letter, query.best_only, season,
               tuple(seasons), page, pages)
        return self._forms.get(key, lambda: self._form(query, season, seasons, page, pages))

    def _form(
        self, query: BoardQuery, season: PublicSeason | None, seasons: Sequence[PublicSeason], page: int,
        pages: int,
    ) -> Markup:
        t = self._t

        def on(flag_: bool, word: str) -> str:
            return f" {word}" if flag_ else ""

        parts = [f'<form class="filters" method="get" action="/leaderboard">'
                 f"<fieldset><legend>{escape(t('board.races'))}</legend>"]
        for code, race in self._races.items():
            name = names.race(race, code)
            parts.append(f'<label><input type="checkbox" name="race" value="{escape(code)}"'
                         f'{on(code in query.races, "checked")}> {escape(name)}</label>')
        parts.append(f"</fieldset><label>{escape(t('board.countries'))} "
                     '<select name="country" multiple size="4">')
        common = sorted((names.country(self._countries[c]), c) for c in self._common)
        for name, code in common:
            parts.append(f'<option value="{escape(code)}"{on(code in query.countries, "selected")}>'
                         f"{escape(name)}</option>")
        parts.append(f'<option value="ZZ"{on("ZZ" in query.countries, "selected")}>'
                     f"{escape(t('board.country_other'))}</option></select></label>")
        parts.append(f'<label>{escape(t("board.letter"))} <select name="letter">'
                     f'<option value="">{escape(t("board.letter_any"))}</option>')
        for letter in self._letters:
            chosen = on(query.letter == letter, "selected")
            parts.append(f'<option value="{letter}"{chosen}>{letter}</option>')
        parts.append(f'</select></label><label>{escape(t("board.season"))} <select name="season">')
        for option in seasons:
            chosen = on(season is not None and option.id == season.id, "selected")
            label = t("board.season_current" if option.current else "board.season_final", name=option.name)
            parts.append(f'<option value="{option.id}"{chosen}>{escape(label)}</option>')
        parts.append(
            f'</select></label><label><input type="checkbox" name="best" value="1"'
            f'{on(query.best_only, "checked")}> {escape(t("board.best_only"))}</label>'
            f'<label>{escape(t("board.go"))} <input type="number" name="page" min="1" max="{pages}" '
            f'value="{page}" inputmode="numeric"></label>'
            f'<button type="submit">{escape(t("board.apply"))}</button> '
            f'<a href="/leaderboard">{escape(t("board.reset"))}</a></form>'
        )
        return Markup("".join(parts))
