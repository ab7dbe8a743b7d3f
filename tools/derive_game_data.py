"""Derive evoladder's packaged game data from the shared fact files.

The project owns its copy of the game data (``src/evoladder/game/data``); this script is how that
copy was made from ``../shared/game-data`` and how it is refreshed when the facts change. It is a
developer tool: nothing at run time reads the shared folder.

Decisions recorded here (they shape the packaged files):
- The current season is the last season listed in ``maps.json`` that has maps (``season_1``).
  Seasons whose entries are blank (``season_beta``) are dropped.
- A map's game (bw/sc2) comes from the source when present; otherwise maps whose name starts with
  ``[SC:Evo]`` are Brood War maps and the rest StarCraft II maps (the rule that holds for every map
  of the season that does state it).
- The region x region table names servers by their short name; the packaged table uses server codes.
- Links are keyed by game region (AM, EU, AS) instead of ``am_link`` style keys.

Usage: ``python tools/derive_game_data.py [SHARED_GAME_DATA_DIR]``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "src" / "evoladder" / "game" / "data"
GAME_REGIONS = ("AM", "EU", "AS")


def _load(src: Path, name: str) -> Any:
    return json.loads((src / name).read_text(encoding="utf-8"))


def _links(entry: dict[str, Any], suffix: str) -> dict[str, Any]:
    return {g: entry[f"{g.lower()}_{suffix}"] for g in GAME_REGIONS}


def _maps(src: Path) -> dict[str, Any]:
    seasons: dict[str, list[dict[str, Any]]] = {}
    for season, entries in _load(src, "maps.json")["maps"].items():
        maps = []
        for m in entries:
            if not m["name"].strip():
                continue
            game = m.get("game") or ("bw" if m["name"].startswith("[SC:Evo]") else "sc2")
            maps.append(
                {
                    "name": m["name"],
                    "short_name": m["short_name"],
                    "author": m["author"],
                    "game": game,
                    "links": _links(m, "link"),
                }
            )
        if maps:
            seasons[season] = maps
    current = list(seasons)[-1]
    return {"current_season": current, "seasons": seasons}


def _regions(src: Path) -> dict[str, Any]:
    data = _load(src, "regions.json")
    by_short = {s["short_name"]: s["code"] for s in data["game_servers"]}
    table = [
        {"regions": [row["region_1"], row["region_2"]], "server": by_short[row["mapping"]]}
        for row in _load(src, "cross_table.json")
    ]
    return {
        "residential_regions": data["residential_regions"],
        "game_regions": data["game_regions"],
        "game_servers": data["game_servers"],
        "default_server": "USE",
        "server_table": table,
    }


def _mod(src: Path) -> dict[str, Any]:
    m = _load(src, "mods.json")
    return {
        "name": m["name"],
        "author": m["author"],
        "links": _links(m, "link"),
        "handles": _links(m, "handles"),
        "artmod_handles": _links(m, "artmod_handles"),
    }


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "game-data"
    OUT.mkdir(parents=True, exist_ok=True)
    outputs = {
        "races.json": _load(src, "races.json"),
        "maps.json": _maps(src),
        "regions.json": _regions(src),
        "mod.json": _mod(src),
        "countries.json": {"countries": _load(src, "countries.json")},
    }
    for name, payload in outputs.items():
        text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
        (OUT / name).write_text(text, encoding="utf-8")
        print(f"wrote {OUT / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
