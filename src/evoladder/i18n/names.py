"""The game's own words in the current language: races, countries, regions, servers.

The game data names them in English and stays the source of what exists; the catalogs give each
language's name by code (races as the game shows them, regions and servers in the catalogs,
countries from CLDR). A code a catalog does not know keeps the data's name, so a community with
its own game data still renders. Map names are not here: a map published on battle.net has one
name, the one every client's lobby shows, so maps keep the data's name in every language.
"""

from __future__ import annotations

from collections.abc import Mapping

from evoladder.game.models import Country, Race, Region
from evoladder.i18n import Catalogs
from evoladder.i18n.native_names import NATIVE_NAMES
from evoladder.i18n.text import countries, races, regions, servers


def race(found: Race | None, code: str) -> str:
    """The race ``code`` as the game shows it in this language (the code itself when unknown)."""
    return races.get(code, found.name if found is not None else code)


def country(found: Country) -> str:
    return countries.get(found.code, found.name)


def country_code(code: str, default: str) -> str:
    return countries.get(code, default)


def region(found: Region) -> str:
    return regions.get(found.code, found.name)



def server(code: str, default: str) -> str:
    return servers.get(code, default)


def search_names(catalogs: Catalogs | None) -> Mapping[str, tuple[str, ...]]:
    """Country names players may type, by code: the native names plus each catalog's names."""
    found: dict[str, list[str]] = {code: list(n) for code, n in NATIVE_NAMES.items()}
    if catalogs is not None:
        for language in catalogs.languages:
            for code, name in catalogs.get(language).sections.get("countries", {}).items():
                listed = found.setdefault(str(code), [])
                if name not in listed:
                    listed.append(str(name))
    return {code: tuple(n) for code, n in found.items()}
