"""Typed, immutable views of the game data.

Everything game-specific is data (DESIGN section 2); these types are what the rest of the code
sees once the files are loaded and validated, so nobody else parses JSON or trusts a raw string.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

OTHER_COUNTRY = "ZZ"  # the common list's "Other" entry


class Game(StrEnum):
    """The two games of the mod; a BW race only meets an SC2 race."""

    BW = "bw"
    SC2 = "sc2"


@dataclass(frozen=True, slots=True)
class Race:
    code: str
    name: str
    short_name: str
    aliases: tuple[str, ...]

    @property
    def game(self) -> Game:
        return Game.BW if self.code.startswith("bw_") else Game.SC2


@dataclass(frozen=True, slots=True)
class MapInfo:
    name: str
    short_name: str
    author: str
    game: Game
    links: Mapping[str, str]  # game region code (AM/EU/AS) -> battle.net link
    # The files the map itself loads between the mod and the map file (depot URLs, one per region
    # depot; the mod verdict compares content hashes). ``None``: unknown (no Official replay of the
    # map was read), which the mod verdict treats differently from "known to load none" (empty).
    dependency_handles: frozenset[str] | None = None

    def link_for(self, game_region: str) -> str:
        return self.links[game_region]


@dataclass(frozen=True, slots=True)
class Season:
    code: str
    maps: tuple[MapInfo, ...]

    def map_named(self, name: str) -> MapInfo | None:
        return next((m for m in self.maps if m.name == name), None)


@dataclass(frozen=True, slots=True)
class Region:
    """A residential region a player lives in."""

    code: str
    name: str
    globe: str


@dataclass(frozen=True, slots=True)
class GameRegion:
    """A battle.net region (Americas, Europe, Asia): where links and mod handles live."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Server:
    code: str
    name: str
    short_name: str
    game_region: str


@dataclass(frozen=True, slots=True)
class Mod:
    name: str
    author: str
    links: Mapping[str, str]
    handles: Mapping[str, frozenset[str]]
    artmod_handles: Mapping[str, frozenset[str]]


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    name: str
    common: bool


@dataclass(frozen=True, slots=True)
class GameData:
    """All game facts, validated. Built once by the composition root and shared read-only."""

    races: Mapping[str, Race]
    seasons: Mapping[str, Season]
    current_season: str
    regions: Mapping[str, Region]
    game_regions: Mapping[str, GameRegion]
    servers: Mapping[str, Server]
    server_table: Mapping[frozenset[str], str]
    default_server: str
    mod: Mod
    countries: Mapping[str, Country]

    @property
    def season(self) -> Season:
        return self.seasons[self.current_season]

    def map_named(self, name: str) -> MapInfo | None:
        """The map called ``name`` in the current season, else in any season (first listed)."""
        found = self.season.map_named(name)
        if found is not None:
            return found
        return next((m for s in self.seasons.values() if (m := s.map_named(name)) is not None), None)

    def races_of(self, game: Game) -> tuple[Race, ...]:
        return tuple(r for r in self.races.values() if r.game is game)

    def server_for(self, region_a: str | None, region_b: str | None) -> Server:
        """The server for two residential regions; a missing region gives the default server.

        A player who never set a region (or whose region left the data) still gets a match: the
        documented fallback is ``default_server`` from regions.json (US East, the most central).
        """
        if region_a is None or region_b is None:
            return self.servers[self.default_server]
        code = self.server_table.get(frozenset((region_a, region_b)), self.default_server)
        return self.servers[code]

    def common_countries(self) -> tuple[Country, ...]:
        return tuple(c for c in self.countries.values() if c.common)

    def outside_common(self) -> frozenset[str]:
        """Every country code outside the common list, plus ``OTHER_COUNTRY`` itself: what
        "Other" means in a leaderboard filter (players expect the countries not listed, not only
        those who picked "Other")."""
        return frozenset(c.code for c in self.countries.values() if not c.common) | {OTHER_COUNTRY}


K = TypeVar("K")
V = TypeVar("V")


def frozen_map(items: Mapping[K, V]) -> Mapping[K, V]:
    """A read-only mapping, so shared game data cannot be changed by accident."""
    return MappingProxyType(dict(items))
