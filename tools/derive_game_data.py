"""Derive evoladder's packaged game data from the shared fact files and the real Official replays.

The project owns its copy of the game data (``src/evoladder/game/data``); this script is how that
copy was made from ``../shared/game-data`` (and ``../shared/replays``) and how it is refreshed when
the facts change. It is a developer tool: nothing at run time reads the shared folder.

Decisions recorded here (they shape the packaged files):
- The current season is named, never found by position: ``CURRENT_SEASON`` (``season_alpha``,
  the pool the live ladder runs; ``--current-season`` overrides it). The shared ``maps.json``
  lists ``season_alpha``, ``season_beta`` and ``season_1`` in that order, and ``season_1`` is the
  *older* pool, so "the last season with maps" would pick the wrong one. The script stops when the
  named season is missing or has no maps. Seasons whose entries are blank (``season_beta``, a
  placeholder) are dropped.
- A map's game (bw/sc2) comes from the source when present; otherwise maps whose name starts with
  ``[SC:Evo]`` are Brood War maps and the rest StarCraft II maps (the rule that holds for every map
  of the season that does state it).
- The region x region table names servers by their short name; the packaged table uses server codes.
- Links are keyed by game region (AM, EU, AS) instead of ``am_link`` style keys.
- Map names are kept as the source spells them, with one correction (``MAP_NAME_FIXES``): the
  source spells Holy World ``[SC:Evo] Holy World (홀리월드)`` in season_alpha and ``[SC:Evo] Holy
  World (홀리울드)`` in season_1. 월드 is "world"; 울드 is a typo that the live ladder fixed after
  real replays of the map failed the (exact) map check. The map file carries season_alpha's
  spelling, so every season is written with it.
- A map's ``dependency_handles`` is ``null`` when no Official replay of the map was read: its
  dependencies are **unknown**, which is not the same as ``[]`` (known to load none, e.g.
  Sylphid). The mod verdict treats the two differently (``evoladder.domain.replays``).

The mod's cache handles: the Official replays are the ground truth
-------------------------------------------------------------------
The shared ``mods.json`` lists the handles of an **older release** of SC: Evo Complete. The real
replays in ``../shared/replays`` (release 5.0.15.95299, six maps x EU/KR/NA) were played with the
current published mod, and their handles differ: of the 9 AM/EU main handles only 3 are still
loaded, of the 16 AS ones only 1 is in the old list of 9. A ladder checks what players run, so the
**main handle sets are taken from the Official replays**, not from mods.json. The old release's
handles are deliberately left out of the main set: a replay of the old release is not the current
mod (and a main set that also held the old files could never be complete, since the verdict needs
all of a region's main handles). The rest of mods.json (name, author, links, art mods) is kept as
the base; art-mod handles found in the replays are added to it. When the mod is updated, record
fresh Official replays (one per region on maps whose first file after the mod differs, see below)
and run this script again.

How a replay's handle list is read (``evoladder.domain.replays`` documents the verdict that uses
it). The handles are depot URLs in load order, each file after the files it depends on::

    [Blizzard's built-in files] [the mod's main chain] [map dependencies] [art mods] [map file]

- Built-in files (Core, Liberty, Swarm, Void, the patch's mod): the longest prefix, compared by
  content hash, that the Official replays of **all** regions share. They are the same files in
  every region, while the mod's chain starts with a different file in AS than in AM/EU.
- The mod's main chain of a region: what follows, up to the end of the longest prefix that all
  Official replays **of that region** share. This needs replays of maps whose first file after the
  chain differs (here Keres Passage/Death Valley load ``7f41411a..``, Khione/Radeon/Vermeer
  ``658e520a..``, Sylphid an art mod first); it comes out as 9 files for AM and EU and 16 for AS.
- The map file is the last handle (the same file on every depot).
- Between the chain and the map file: the map's own dependencies, then the art mods. A handle is an
  art mod when it is in the shared art-mod lists (of any region: the KR Sylphid replay loads the
  AM/EU art mod ``6062b70f..`` from the KR depot) or loads after one; anything before the first art
  mod is a dependency of the map. A new art mod found that way (``9a34fa22..`` for AM/EU,
  ``bc2da927..`` for AS) must be loaded by every replay of its region that loads art mods, or the
  script stops: it could be a map's dependency instead.
- A map's dependencies must be the same files in every region; they are written to ``maps.json``
  as ``dependency_handles`` with one URL per region depot they were seen on (the hash is what the
  verdict compares). A map with no Official replay gets ``null``: its dependencies are unknown,
  and the script warns. The ladder then judges an unknown handle on that map "mod unverified"
  (never auto-reported, flagged to admins) until an admin records the handle as the map's
  dependency from ``/admin match``, or an Official replay of the map is added here.

Only Official replays are read (``*(Official <EU|KR|NA>).SC2Replay``; KR is game region AS, NA is
AM); the Fake ones carry an unofficial extra file right after the chain and must never shape the
data.

Usage: ``python tools/derive_game_data.py [SHARED_GAME_DATA_DIR] [--replays DIR]``
(defaults: ``../shared/game-data`` and ``../shared/replays`` next to the repository)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sc2reader

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "evoladder" / "game" / "data"
SHARED = ROOT.parent / "shared"
GAME_REGIONS = ("AM", "EU", "AS")
# The region in an Official replay's file name, and the battle.net region the replay records.
FILE_REGION = {"NA": "AM", "EU": "EU", "KR": "AS"}
CURRENT_SEASON = "season_alpha"
# Misspellings in the shared maps.json -> the name the map file really carries (see the docstring).
MAP_NAME_FIXES = {"[SC:Evo] Holy World (홀리울드)": "[SC:Evo] Holy World (홀리월드)"}
REPLAY_REGION = {"us": "AM", "eu": "EU", "kr": "AS"}
OFFICIAL_NAME = re.compile(r"\(Official (?P<region>[A-Z]{2})\)\.SC2Replay$", re.IGNORECASE)
HANDLE = re.compile(
    r"^https://(?P<depot>[a-z]+)-s2-depot\.classic\.blizzard\.com/(?P<sha>[0-9a-f]{64})\.s2ma$"
)


class DerivationError(Exception):
    """The replays do not support a derivation; the message says which file or handle."""


def _load(src: Path, name: str) -> Any:
    return json.loads((src / name).read_text(encoding="utf-8"))


def _links(entry: dict[str, Any], suffix: str) -> dict[str, Any]:
    return {g: entry[f"{g.lower()}_{suffix}"] for g in GAME_REGIONS}


def _parts(handle: str) -> re.Match[str]:
    match = HANDLE.match(handle)
    if match is None:
        raise DerivationError(f"not a depot URL of the known form: {handle!r}")
    return match


def sha(handle: str) -> str:
    """The content hash of a depot URL."""
    return _parts(handle)["sha"]


# -- reading the Official replays ------------------------------------------------------------------


@dataclass(frozen=True)
class Replay:
    name: str
    region: str  # game region: AM, EU, AS
    map_name: str
    release: str
    handles: tuple[str, ...]

    @property
    def hashes(self) -> tuple[str, ...]:
        return tuple(sha(h) for h in self.handles)


def read_official_replays(folder: Path) -> list[Replay]:
    paths = sorted(p for p in folder.glob("*.SC2Replay") if OFFICIAL_NAME.search(p.name))
    if not paths:
        raise DerivationError(f"no '*(Official <region>).SC2Replay' file in {folder}")
    replays = []
    for path in paths:
        tag = OFFICIAL_NAME.search(path.name)
        assert tag is not None
        raw = sc2reader.load_replay(str(path), load_level=1)
        region = REPLAY_REGION.get(str(raw.region).lower())
        if region is None or FILE_REGION.get(tag["region"].upper()) != region:
            raise DerivationError(f"{path.name}: the name says {tag['region']}, the replay {raw.region!r}")
        details = raw.raw_data.get("replay.details") or {}
        init = raw.raw_data.get("replay.initData") or {}
        handles = details.get("cache_handles") or (init.get("game_description") or {}).get(
            "cache_handles", []
        )
        replay = Replay(
            path.name, region, str(raw.map_name), str(raw.release_string), tuple(str(h) for h in handles)
        )
        for h in replay.handles:
            if _parts(h)["depot"] != str(raw.region).lower():
                raise DerivationError(f"{path.name}: {h} is not on the replay's own depot")
        replays.append(replay)
    releases = {r.release for r in replays}
    if len(releases) != 1:
        raise DerivationError(f"the Official replays mix releases {sorted(releases)}")
    missing = set(GAME_REGIONS) - {r.region for r in replays}
    if missing:
        raise DerivationError(f"no Official replay for game region(s) {sorted(missing)}")
    return replays


def _common_prefix(sequences: Iterable[Sequence[str]]) -> int:
    seqs = list(sequences)
    length = min(len(s) for s in seqs)
    for i in range(length):
        if len({s[i] for s in seqs}) != 1:
            return i
    return length


@dataclass(frozen=True)
class ReplayFacts:
    """What the Official replays say: per region the main chain and art mods, per map the deps."""

    release: str
    builtin: tuple[str, ...]  # hashes
    main: dict[str, list[str]]  # game region -> URLs in load order
    art: dict[str, list[str]]  # game region -> art-mod URLs seen, in order of first sight
    map_deps: dict[str, list[str]]  # map name -> URLs (one per region depot), AM, EU, AS order
    maps_seen: dict[str, set[str]]  # map name -> regions with an Official replay


def derive_from_replays(replays: list[Replay], known_art: set[str]) -> ReplayFacts:
    builtin_len = _common_prefix(r.hashes for r in replays)
    builtin = replays[0].hashes[:builtin_len]
    main: dict[str, list[str]] = {}
    art: dict[str, list[str]] = {g: [] for g in GAME_REGIONS}
    deps_by_map: dict[str, dict[str, list[str]]] = {}
    art_loaders: dict[str, list[Replay]] = {g: [] for g in GAME_REGIONS}
    for region in GAME_REGIONS:
        own = [r for r in replays if r.region == region]
        if len({r.map_name for r in own}) < 2:
            raise DerivationError(f"{region}: the mod's chain needs Official replays of two or more maps")
        end = _common_prefix(r.handles for r in own)
        chain = list(own[0].handles[builtin_len:end])
        if not chain:
            raise DerivationError(f"{region}: nothing between the built-in files and the map")
        if any(sha(h) in known_art for h in chain):
            raise DerivationError(f"{region}: a known art mod is inside the derived chain {chain}")
        main[region] = chain
        for r in own:
            if len(r.handles) <= end:
                raise DerivationError(f"{r.name}: no map file after the mod's chain")
            between = r.handles[end:-1]
            first_art = next((i for i, h in enumerate(between) if sha(h) in known_art), len(between))
            deps = list(between[:first_art])
            deps_by_map.setdefault(r.map_name, {})[region] = deps
            for h in between[first_art:]:
                if sha(h) not in {sha(a) for a in art[region]}:
                    art[region].append(h)
            if first_art < len(between):
                art_loaders[region].append(r)
    for region in GAME_REGIONS:
        for h in art[region]:
            if sha(h) in known_art:
                continue
            lacking = [r.name for r in art_loaders[region] if sha(h) not in r.hashes]
            if lacking:
                raise DerivationError(
                    f"{region}: {h} loads after the art mods but not in {lacking}; is it an art "
                    "mod or a map's dependency? Decide and record it in the shared data."
                )
    map_deps: dict[str, list[str]] = {}
    for name, per_region in deps_by_map.items():
        hash_sets = {region: [sha(h) for h in hs] for region, hs in per_region.items()}
        if len({tuple(v) for v in hash_sets.values()}) != 1:
            raise DerivationError(f"map {name!r}: its dependencies differ by region: {hash_sets}")
        map_deps[name] = [h for region in GAME_REGIONS for h in per_region.get(region, [])]
    return ReplayFacts(
        release=replays[0].release,
        builtin=builtin,
        main=main,
        art=art,
        map_deps=map_deps,
        maps_seen={name: set(per_region) for name, per_region in deps_by_map.items()},
    )


# -- the packaged files ----------------------------------------------------------------------------


def _maps(src: Path, facts: ReplayFacts, current: str = CURRENT_SEASON) -> dict[str, Any]:
    seasons: dict[str, list[dict[str, Any]]] = {}
    names: set[str] = set()
    for season, entries in _load(src, "maps.json")["maps"].items():
        maps = []
        for m in entries:
            if not m["name"].strip():
                continue
            name = MAP_NAME_FIXES.get(m["name"], m["name"])
            names.add(name)
            game = m.get("game") or ("bw" if name.startswith("[SC:Evo]") else "sc2")
            maps.append(
                {
                    "name": name,
                    "short_name": m["short_name"],
                    "author": m["author"],
                    "game": game,
                    "links": _links(m, "link"),
                    "dependency_handles": facts.map_deps.get(name),
                }
            )
        if maps:
            seasons[season] = maps
    unknown = sorted(set(facts.map_deps) - names)
    if unknown:
        raise DerivationError(f"Official replays of maps that maps.json does not list: {unknown}")
    if current not in seasons:
        raise DerivationError(f"the current season {current!r} is not in maps.json or has no maps")
    for name in sorted(names - set(facts.map_deps)):
        pool = " (current season)" if any(m["name"] == name for m in seasons[current]) else ""
        print(
            f"warning: no Official replay of {name!r}{pool}: its dependency handles are unknown, "
            "written as null",
            file=sys.stderr,
        )
    for name, regions in sorted(facts.maps_seen.items()):
        if set(regions) != set(GAME_REGIONS):
            print(f"warning: {name!r} has Official replays only for {sorted(regions)}", file=sys.stderr)
    # The current season first, so a reader of the file sees the live pool at the top.
    ordered = {current: seasons[current], **{k: v for k, v in seasons.items() if k != current}}
    return {"current_season": current, "seasons": ordered}


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


def _known_art(src: Path) -> set[str]:
    return {sha(h) for hs in _links(_load(src, "mods.json"), "artmod_handles").values() for h in hs}


def _mod(src: Path, facts: ReplayFacts) -> dict[str, Any]:
    m = _load(src, "mods.json")
    old = _links(m, "handles")
    art = _links(m, "artmod_handles")
    for region in GAME_REGIONS:
        listed = {sha(h) for h in art[region]}
        art[region] = [*art[region], *(h for h in facts.art[region] if sha(h) not in listed)]
        kept = {sha(h) for h in old[region]} & {sha(h) for h in facts.main[region]}
        print(
            f"{region}: main handles {len(facts.main[region])} from the replays "
            f"({len(kept)} of mods.json's {len(old[region])} still loaded), "
            f"art mods {len(art[region])}"
        )
    return {
        "name": m["name"],
        "author": m["author"],
        "links": _links(m, "link"),
        "handles": facts.main,
        "artmod_handles": art,
    }


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "source",
        nargs="?",
        type=Path,
        default=SHARED / "game-data",
        help="the shared game-data folder (default: %(default)s)",
    )
    parser.add_argument(
        "--replays",
        type=Path,
        default=SHARED / "replays",
        help="folder with the Official replays (default: %(default)s)",
    )
    parser.add_argument(
        "--current-season",
        default=CURRENT_SEASON,
        help="the season the live ladder runs (default: %(default)s)",
    )
    return parser.parse_args(argv[1:])


def main(argv: list[str]) -> int:
    args = _parse_args(argv)
    src: Path = args.source
    try:
        replays = read_official_replays(args.replays)
        facts = derive_from_replays(replays, _known_art(src))
        print(
            f"{len(replays)} Official replays, release {facts.release}, "
            f"{len(facts.builtin)} built-in files before the mod"
        )
        outputs = {
            "races.json": _load(src, "races.json"),
            "maps.json": _maps(src, facts, args.current_season),
            "regions.json": _regions(src),
            "mod.json": _mod(src, facts),
            "countries.json": {"countries": _load(src, "countries.json")},
        }
    except DerivationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    for name, payload in outputs.items():
        text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
        (OUT / name).write_text(text, encoding="utf-8")
        print(f"wrote {OUT / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
