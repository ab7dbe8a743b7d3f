"""Load and validate the game data files.

Validation happens once, at start-up: a broken file must stop the bot with a message that names the
file and the entry, never surface later as a KeyError in the middle of a match.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from evoladder.game.models import (
    Country,
    Game,
    GameData,
    GameRegion,
    MapInfo,
    Mod,
    Race,
    Region,
    Season,
    Server,
    frozen_map,
)

FILES = ("races.json", "maps.json", "regions.json", "mod.json", "countries.json")


class GameDataError(ValueError):
    """A data file is missing, malformed or inconsistent; the message names file and entry."""

    def __init__(self, file: str, entry: str, problem: str) -> None:
        super().__init__(f"game data {file}: {entry}: {problem}")
        self.file = file
        self.entry = entry
        self.problem = problem


def packaged_data_dir() -> Path:
    return Path(str(resources.files("evoladder.game") / "data"))


def load_game_data(directory: Path | None = None) -> GameData:
    """Load the game data from ``directory`` (default: the files packaged with evoladder)."""
    folder = directory or packaged_data_dir()
    raw = {name: _read(folder, name) for name in FILES}
    races = _races(raw["races.json"])
    seasons, current = _seasons(raw["maps.json"])
    regions, game_regions, servers, table, default = _regions(raw["regions.json"])
    mod = _mod(raw["mod.json"], game_regions)
    countries = _countries(raw["countries.json"])
    for season in seasons.values():
        for m in season.maps:
            missing = set(game_regions) - set(m.links)
            if missing:
                raise GameDataError("maps.json", f"{season.code}/{m.name}", f"no link for {sorted(missing)}")
    return GameData(
        races=frozen_map(races),
        seasons=frozen_map(seasons),
        current_season=current,
        regions=frozen_map(regions),
        game_regions=frozen_map(game_regions),
        servers=frozen_map(servers),
        server_table=frozen_map(table),
        default_server=default,
        mod=mod,
        countries=frozen_map(countries),
    )


def _read(folder: Path, name: str) -> Any:
    path = folder / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GameDataError(name, "(file)", f"not found in {folder}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GameDataError(name, "(file)", f"not valid JSON: {exc}") from None


def _field(file: str, entry: str, obj: Any, key: str, kind: type = str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise GameDataError(file, entry, f"missing field {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
        raise GameDataError(file, entry, f"field {key!r} must be a non-empty {kind.__name__}")
    return value


def _unique(file: str, codes: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise GameDataError(file, code, f"duplicate {what} code")
        seen.add(code)


def _races(data: Any) -> dict[str, Race]:
    f = "races.json"
    entries = _field(f, "(root)", data, "races", list)
    _unique(f, (_field(f, f"races[{i}]", r, "code") for i, r in enumerate(entries)), "race")
    races = {}
    for r in entries:
        code = r["code"]
        if not code.startswith(("bw_", "sc2_")):
            raise GameDataError(f, code, "a race code starts with bw_ or sc2_")
        races[code] = Race(
            code=code,
            name=_field(f, code, r, "name"),
            short_name=_field(f, code, r, "short_name"),
            aliases=tuple(r.get("aliases", ())),
        )
    if not any(r.game is Game.BW for r in races.values()) or not any(
        r.game is Game.SC2 for r in races.values()
    ):
        raise GameDataError(f, "(root)", "needs at least one BW race and one SC2 race")
    return races


def _seasons(data: Any) -> tuple[dict[str, Season], str]:
    f = "maps.json"
    raw_seasons = _field(f, "(root)", data, "seasons", dict)
    current = _field(f, "(root)", data, "current_season")
    seasons = {}
    for code, entries in raw_seasons.items():
        maps = []
        names = [_field(f, f"{code}[{i}]", m, "name") for i, m in enumerate(entries)]
        _unique(f, (f"{code}/{n}" for n in names), "map")
        for m in entries:
            entry = f"{code}/{m['name']}"
            game = _field(f, entry, m, "game")
            if game not in {g.value for g in Game}:
                raise GameDataError(f, entry, f"unknown game {game!r} (bw or sc2)")
            maps.append(
                MapInfo(
                    name=m["name"],
                    short_name=_field(f, entry, m, "short_name"),
                    author=_field(f, entry, m, "author"),
                    game=Game(game),
                    links=frozen_map(_field(f, entry, m, "links", dict)),
                    dependency_handles=_dependencies(f, entry, m),
                )
            )
        if not maps:
            raise GameDataError(f, code, "a season needs at least one map")
        seasons[code] = Season(code=code, maps=tuple(maps))
    if current not in seasons:
        raise GameDataError(f, current, "current_season is not one of the seasons")
    return seasons, current


def _regions(
    data: Any,
) -> tuple[dict[str, Region], dict[str, GameRegion], dict[str, Server], dict[frozenset[str], str], str]:
    f = "regions.json"
    res = _field(f, "(root)", data, "residential_regions", list)
    grs = _field(f, "(root)", data, "game_regions", list)
    srv = _field(f, "(root)", data, "game_servers", list)
    _unique(f, (_field(f, "residential_regions", r, "code") for r in res), "region")
    _unique(f, (_field(f, "game_regions", g, "code") for g in grs), "game region")
    _unique(f, (_field(f, "game_servers", s, "code") for s in srv), "server")
    game_regions = {g["code"]: GameRegion(g["code"], _field(f, g["code"], g, "name")) for g in grs}
    regions = {
        r["code"]: Region(r["code"], _field(f, r["code"], r, "name"), r.get("globe_emote", ""))
        for r in res
    }
    servers = {}
    for s in srv:
        gr = _field(f, s["code"], s, "region_code")
        if gr not in game_regions:
            raise GameDataError(f, s["code"], f"unknown game region {gr!r}")
        servers[s["code"]] = Server(s["code"], _field(f, s["code"], s, "name"),
                                    _field(f, s["code"], s, "short_name"), gr)
    table = _server_table(f, data, regions, servers)
    default = _field(f, "(root)", data, "default_server")
    if default not in servers:
        raise GameDataError(f, default, "default_server is not a known server")
    return regions, game_regions, servers, table, default


def _server_table(
    f: str, data: Any, regions: dict[str, Region], servers: dict[str, Server]
) -> dict[frozenset[str], str]:
    table: dict[frozenset[str], str] = {}
    for i, row in enumerate(_field(f, "(root)", data, "server_table", list)):
        pair = row.get("regions") if isinstance(row, dict) else None
        entry = f"server_table[{i}] {pair}"
        if not isinstance(pair, list) or len(pair) != 2:
            raise GameDataError(f, entry, "regions must be a list of two region codes")
        for code in pair:
            if code not in regions:
                raise GameDataError(f, entry, f"unknown region {code!r}")
        server = _field(f, entry, row, "server")
        if server not in servers:
            raise GameDataError(f, entry, f"unknown server {server!r}")
        key = frozenset(pair)
        if key in table:
            raise GameDataError(f, entry, "duplicate region pair")
        table[key] = server
    codes = sorted(regions)
    for i, a in enumerate(codes):
        for b in codes[i:]:
            if frozenset((a, b)) not in table:
                raise GameDataError(f, f"{a} x {b}", "region pair missing from server_table")
    return table


def _mod(data: Any, game_regions: dict[str, GameRegion]) -> Mod:
    f = "mod.json"
    handles: dict[str, frozenset[str]] = {}
    artmod: dict[str, frozenset[str]] = {}
    for key, target in (("handles", handles), ("artmod_handles", artmod)):
        per_region = _field(f, "(root)", data, key, dict)
        for gr in game_regions:
            target[gr] = _handle_list(f, f"{key}.{gr}", per_region.get(gr))
        if key == "handles" and any(not v for v in target.values()):
            raise GameDataError(f, key, "every game region needs its main handle set")
    return Mod(
        name=_field(f, "(root)", data, "name"),
        author=_field(f, "(root)", data, "author"),
        links=frozen_map(_field(f, "(root)", data, "links", dict)),
        handles=frozen_map(handles),
        artmod_handles=frozen_map(artmod),
    )


def _dependencies(file: str, entry: str, raw: dict[str, Any]) -> frozenset[str] | None:
    """A map's dependency handles; absent or ``null`` means unknown, ``[]`` known to be none."""
    values = raw.get("dependency_handles")
    if values is None:
        return None
    return _handle_list(file, f"{entry}/dependency_handles", values)


def _handle_list(file: str, entry: str, values: Any) -> frozenset[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise GameDataError(file, entry, "must be a list of handle strings")
    return frozenset(values)


def _countries(data: Any) -> dict[str, Country]:
    f = "countries.json"
    entries = _field(f, "(root)", data, "countries", list)
    _unique(f, (_field(f, f"countries[{i}]", c, "code") for i, c in enumerate(entries)), "country")
    return {
        c["code"]: Country(c["code"], _field(f, c["code"], c, "name"), bool(c.get("common", False)))
        for c in entries
    }
