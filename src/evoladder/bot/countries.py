"""Country search as players type it: /setcountry and the /leaderboard country option.

The accounts service searches the 251 English names and codes (case- and accent-insensitive).
Players of this ladder also type their country in Korean, Chinese or Cyrillic, so the native
names of :mod:`evoladder.i18n.native_names` are searched too, folded the same way (``fold``:
NFKD, marks removed, casefolded, which also splits Hangul syllables into letters, so a
half-typed syllable already matches). Those matches follow the service's, and their choice shows
the name that matched: "South Korea (대한민국)".

An autocomplete option is only a suggestion: Discord sends whatever the player left in the box.
``resolve`` accepts a code, an exact English or native name, or a text that names exactly one
country; anything else is ``UnknownCountry`` (its message asks to pick a suggestion).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from discord import app_commands

from evoladder.bot.render.accounts import flag
from evoladder.domain.errors import UnknownCountry
from evoladder.game import GameData
from evoladder.game.models import Country
from evoladder.i18n import Catalogs, names
from evoladder.i18n.text import accounts as text
from evoladder.services.accounts import AccountService, fold

CHOICES_MAX = 25  # Discord's limit of autocomplete choices
CHOICE_NAME_MAX = 100


@dataclass(frozen=True, slots=True)
class CountryMatch:
    country: Country
    native: str | None = None  # the native name that matched, when it was one

    def choice(self) -> app_commands.Choice[str]:
        name = names.country(self.country)
        if self.native and self.native != name:
            name = text.CHOICE_NATIVE.format(name=name, native=self.native)
        return app_commands.Choice(
            name=f"{flag(self.country.code)} {name}"[:CHOICE_NAME_MAX], value=self.country.code
        )


class CountrySearch:
    def __init__(
        self,
        accounts: AccountService,
        game: GameData,
        native_names: Mapping[str, tuple[str, ...]] | None = None,
        catalogs: Catalogs | None = None,
    ) -> None:
        """``native_names`` default: :data:`NATIVE_NAMES` plus every loaded catalog's country
        names (CLDR's, in each language the ladder speaks)."""
        if native_names is None:
            native_names = names.search_names(catalogs)
        self._accounts = accounts
        self._game = game
        # (folded name, name, code), folded once: the cog builds one search for its lifetime
        self._native = tuple((fold(n), n, code) for code, names in native_names.items() for n in names)

    def matches(self, query: str, limit: int = CHOICES_MAX) -> list[CountryMatch]:
        """English names and codes first (the service's order), then native names."""
        found = [CountryMatch(c) for c in self._accounts.search_countries(query, limit)]
        seen = {m.country.code for m in found}
        for code, name in self._native_hits(fold(query)):
            if len(found) >= limit:
                break
            if code not in seen and code in self._game.countries:
                seen.add(code)
                found.append(CountryMatch(self._game.countries[code], name))
        return found[:limit]

    def choices(self, query: str) -> list[app_commands.Choice[str]]:
        return [m.choice() for m in self.matches(query[:CHOICE_NAME_MAX])]

    def resolve(self, value: str) -> Country:
        """The country a submitted option names (see the module docs)."""
        typed = value.strip()
        if typed.upper() in self._game.countries:
            return self._game.countries[typed.upper()]
        wanted = fold(typed)
        matches = self.matches(typed)
        exact = [m for m in matches if wanted in (fold(m.country.name), fold(m.native or ""))]
        if len(exact) == 1 or (not exact and len(matches) == 1):
            return (exact or matches)[0].country
        raise UnknownCountry()

    def _native_hits(self, query: str) -> Iterator[tuple[str, str]]:
        if not query:
            return
        # prefixes first, then anywhere in the name
        for prefix in (True, False):
            for folded, name, code in self._native:
                hit = (
                    folded.startswith(query) if prefix else (query in folded and not folded.startswith(query))
                )
                if hit:
                    yield code, name
