"""The mod verdict through the packaged game data: every Official replay is official in its region,
every Fake one is not.

The real files were recorded with SC: Evo Complete for release 5.0.15. The packaged main handle
sets, art mods and the maps' dependency handles are derived from the Official replays by
``tools/derive_game_data.py`` (the shared mods.json lists an older release of the mod, see the
script's docstring); these tests hold the packaged data against all 24 files.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from evoladder.domain.replays import ModVerdict, ParsedReplay, handle_hash, mod_verdict
from evoladder.game import load_game_data
from evoladder.game.models import GameData, Mod
from evoladder.game.replay_inspect import replay_mod_verdict
from replayfiles import find_replay_dir, parse_file

DEPOT = {"AM": "us", "EU": "eu", "AS": "kr"}
FILE_REGION = {"EU": "EU", "KR": "AS", "NA": "AM"}
FAKE_EXTRA = "dbd216039162661ed3ff2b120512bdcf52e22d1d3f5cfaefab1ed77ecc72cf18"
# The maps' own dependencies (not the mod's): Keres Passage SEL and Death Valley load 7f41411a
# (Blizzard's ladder maps of 2019 and 2020 load it too); Khione SEL, Radeon and Vermeer 658e520a.
KERES_DEP = "7f41411aa597f4b46440d42a563348bf53822d2a68112f0104f9b891f6f05ae1"
KHIONE_DEP = "658e520aa5deb48866dc2b21b023daa9a291be4cf22fd9d785ca67f178132a87"
# Art mods the BW maps load besides the ones of the shared mods.json (found in the replays).
NEW_ART = {
    "AM": "9a34fa229d4cfecf7b0a7e2d1d569c04d788536b10b8c51c29f20671f680e3b7",
    "EU": "9a34fa229d4cfecf7b0a7e2d1d569c04d788536b10b8c51c29f20671f680e3b7",
    "AS": "bc2da9277ed9b7125043e9f90405e16b937cff47f5b7366d0037e2a9aa5e8203",
}


def _url(region: str, digest: str) -> str:
    return f"https://{DEPOT[region]}-s2-depot.classic.blizzard.com/{digest}.s2ma"


@cache
def game_data() -> GameData:
    return load_game_data()


def packaged_mod() -> Mod:
    return game_data().mod


def main_hashes(region: str) -> list[str]:
    return sorted(handle_hash(h) for h in packaged_mod().handles[region])


def mod_files(kind: str) -> list[Path]:
    folder = find_replay_dir()
    return sorted(folder.glob(f"*({kind} *).SC2Replay")) if folder else []


def _params(kind: str) -> list[object]:
    files = mod_files(kind)
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(reason="../shared/replays not found; "
                                                                "set EVOLADDER_SHARED_DIR"))]
    return [pytest.param(f, id=f.name) for f in files]


def file_region(path: Path) -> str:
    return FILE_REGION[path.stem.rsplit(" ", 1)[1].rstrip(")")]


def test_the_real_files_are_there() -> None:
    if find_replay_dir() is None:
        pytest.skip("../shared/replays not found; set EVOLADDER_SHARED_DIR")
    assert len(mod_files("Official")) == 18
    assert len(mod_files("Fake")) == 6


# -- the packaged data ------------------------------------------------------------------------------

# Main handles of the older release listed by the shared mods.json that the current release no
# longer loads: a replay carrying them is not the current mod, so they are not in the main sets.
OLD_RELEASE_ONLY = (
    "ce14502f0c8ec287e90e8886d1b1fc9395662f2f0742a5975cc250acc0f64610",
    "6f1a32b5609436d978823a42ac1fe1d07614ca52483a2d617db6ea4daa951495",
    "0c6f9f96dff2e8828a5022b9c00f62f3284cdc0fea6f3fefe0fb614ad1c67c2b",
)


def test_packaged_main_sets_are_the_current_release() -> None:
    mod = packaged_mod()
    assert {r: len(hs) for r, hs in mod.handles.items()} == {"AM": 9, "EU": 9, "AS": 16}
    for region, handles in mod.handles.items():
        assert all(h.startswith(f"https://{DEPOT[region]}-s2-depot.") for h in handles), region
        assert not {handle_hash(h) for h in handles} & set(OLD_RELEASE_ONLY), region
    shared = set(main_hashes("AM")) & set(main_hashes("EU"))
    assert len(shared) == 7  # AM and EU differ in two files of their own


def test_packaged_art_mods_include_the_ones_found_in_the_replays() -> None:
    for region, digest in NEW_ART.items():
        assert _url(region, digest) in packaged_mod().artmod_handles[region]


@pytest.mark.parametrize(
    ("short_name", "deps"),
    [
        ("Keres Passage", {KERES_DEP}),
        ("Death Valley", {KERES_DEP}),
        ("Khione", {KHIONE_DEP}),
        ("Radeon", {KHIONE_DEP}),
        ("Vermeer", {KHIONE_DEP}),
        ("Sylphid", set()),
    ],
)
def test_packaged_maps_know_their_dependencies(short_name: str, deps: set[str]) -> None:
    entries = [m for s in game_data().seasons.values() for m in s.maps if m.short_name == short_name]
    assert entries
    for m in entries:
        assert {handle_hash(h) for h in m.dependency_handles} == deps, m.name
        # one URL per region depot the dependency was seen on, in the packaged URL style
        assert {h.split("/")[2] for h in m.dependency_handles} == (
            {f"{d}-s2-depot.classic.blizzard.com" for d in DEPOT.values()} if deps else set()
        )


# -- the real files through the packaged data ------------------------------------------------------


@pytest.mark.parametrize("path", _params("Official"))
def test_official_replays_are_official_in_their_region(path: Path) -> None:
    verdict = replay_mod_verdict(parse_file(path), game_data())
    assert verdict == ModVerdict(official=True, region=file_region(path))


@pytest.mark.parametrize("path", _params("Fake"))
def test_fake_replays_are_not_official_and_name_the_extra_handle(path: Path) -> None:
    verdict = replay_mod_verdict(parse_file(path), game_data())
    assert not verdict.official
    assert verdict.region == "EU"
    assert [handle_hash(h) for h in verdict.unexpected] == [FAKE_EXTRA]
    assert verdict.missing == ()


@pytest.mark.parametrize("path", _params("Official"))
def test_without_the_map_dependencies_only_maps_without_any_pass(path: Path) -> None:
    # Documents why map_handles exist: from the handles alone a map's dependency looks exactly
    # like a fake mod's extra file. Sylphid loads no such dependency; the other maps do.
    verdict = mod_verdict(parse_file(path).cache_handles, packaged_mod())
    assert verdict.official == ("Sylphid" in path.name)
    assert {handle_hash(h) for h in verdict.unexpected} <= {KERES_DEP, KHIONE_DEP}


def test_a_map_is_allowed_its_own_dependencies_only() -> None:
    folder = find_replay_dir()
    if folder is None:
        pytest.skip("../shared/replays not found; set EVOLADDER_SHARED_DIR")
    keres = parse_file(folder / "Keres Passage SEL (Official EU).SC2Replay")
    as_khione = replay_mod_verdict(replace(keres, map_name="Khione SEL"), game_data())
    assert not as_khione.official
    assert [handle_hash(h) for h in as_khione.unexpected] == [KERES_DEP]
    # a map the data does not know (or knows no dependencies of) allows none
    unknown = replay_mod_verdict(replace(keres, map_name="Not A Map"), game_data())
    assert [handle_hash(h) for h in unknown.unexpected] == [KERES_DEP]


def test_standard_replays_carry_no_mod() -> None:
    folder = find_replay_dir()
    if folder is None:
        pytest.skip("../shared/replays not found; set EVOLADDER_SHARED_DIR")
    for path in sorted((folder / "standard-1v1").glob("*.SC2Replay")):
        verdict = replay_mod_verdict(parse_file(path), game_data())
        assert verdict == ModVerdict(official=False, region=None), path.name


# -- the rule on synthetic handle lists ------------------------------------------------------------

BASE = ["6de41503", "421c8aa0", "66093832", "d92dfc48", "a8257442"]
MAP = "10438532"


def eu(*digests: str) -> list[str]:
    return [_url("EU", d) for d in digests]


def test_the_built_in_files_before_the_chain_are_allowed_whatever_the_patch() -> None:
    handles = eu("ffff0001", "ffff0002", *main_hashes("EU"), MAP)
    assert mod_verdict(handles, packaged_mod()) == ModVerdict(True, "EU")


def test_a_file_inside_the_chain_is_unexpected() -> None:
    chain = main_hashes("EU")
    handles = eu(*BASE, *chain[:4], "beef0001", *chain[4:], MAP)
    verdict = mod_verdict(handles, packaged_mod())
    assert verdict == ModVerdict(False, "EU", unexpected=(_url("EU", "beef0001"),))


def test_an_incomplete_chain_names_the_region_and_the_missing_handles() -> None:
    chain = main_hashes("EU")
    verdict = mod_verdict(eu(*BASE, *chain[1:], MAP), packaged_mod())
    assert verdict == ModVerdict(False, "EU", missing=(_url("EU", chain[0]),))
    assert "missing" in verdict.describe()


def test_art_mods_are_recognised_from_any_depot() -> None:
    art = NEW_ART["EU"]
    handles = [*(_url("AS", h) for h in main_hashes("AS")), _url("AS", art), MAP]
    assert mod_verdict(handles, packaged_mod()) == ModVerdict(True, "AS")


def test_map_handles_accept_urls_or_bare_hashes() -> None:
    handles = eu(*BASE, *main_hashes("EU"), "cafe0001", MAP)
    assert not mod_verdict(handles, packaged_mod()).official
    assert mod_verdict(handles, packaged_mod(), ["cafe0001"]).official
    assert mod_verdict(handles, packaged_mod(), [_url("AM", "cafe0001")]).official


def test_no_handles_at_all() -> None:
    assert mod_verdict([], packaged_mod()) == ModVerdict(False, None)
    assert "did not use" in ModVerdict(False, None).describe()


# -- maps whose dependencies are unknown ------------------------------------------------------------

UNKNOWN_DEPS_MAP = "Mothership LE"  # in the current pool, no Official replay of it was read


def _real(name: str) -> ParsedReplay:
    folder = find_replay_dir()
    if folder is None:
        pytest.skip("../shared/replays not found; set EVOLADDER_SHARED_DIR")
    return parse_file(folder / name)


def test_an_official_replay_on_a_map_with_unknown_dependencies_is_unverified_not_fake() -> None:
    keres = _real("Keres Passage SEL (Official EU).SC2Replay")
    verdict = replay_mod_verdict(replace(keres, map_name=UNKNOWN_DEPS_MAP), game_data())
    assert not verdict.official and verdict.unverified and verdict.passes
    assert [handle_hash(h) for h in verdict.unexpected] == [KERES_DEP]
    assert "not verified" in verdict.describe()


def test_a_fake_on_a_map_with_unknown_dependencies_cannot_be_told_apart() -> None:
    fake = _real("Keres Passage SEL (Fake EU).SC2Replay")
    verdict = replay_mod_verdict(replace(fake, map_name=UNKNOWN_DEPS_MAP), game_data())
    assert verdict.unverified and verdict.passes
    # on its own map, whose dependencies are known, the same file is not official (exact rule)
    exact = replay_mod_verdict(fake, game_data())
    assert not exact.official and not exact.unverified and not exact.passes


def test_recorded_dependencies_make_the_rule_exact_for_that_map() -> None:
    keres = replace(_real("Keres Passage SEL (Official EU).SC2Replay"), map_name=UNKNOWN_DEPS_MAP)
    fake = replace(_real("Keres Passage SEL (Fake EU).SC2Replay"), map_name=UNKNOWN_DEPS_MAP)
    recorded = [_url("AM", KERES_DEP)]  # recorded from another depot: compared by hash
    assert replay_mod_verdict(keres, game_data(), recorded) == ModVerdict(True, "EU")
    verdict = replay_mod_verdict(fake, game_data(), recorded)
    assert not verdict.official and not verdict.unverified
    assert [handle_hash(h) for h in verdict.unexpected] == [FAKE_EXTRA]


def test_a_file_inside_the_chain_stays_critical_on_a_map_with_unknown_dependencies() -> None:
    chain = main_hashes("EU")
    handles = eu(*BASE, *chain[:4], "beef0001", *chain[4:], MAP)
    verdict = mod_verdict(handles, packaged_mod(), None)
    assert not verdict.official and not verdict.unverified and not verdict.passes
    # the same extra file after the chain could be the map's own
    after = mod_verdict(eu(*BASE, *chain, "beef0001", MAP), packaged_mod(), None)
    assert after.unverified and after.unexpected == (_url("EU", "beef0001"),)


def test_incomplete_or_missing_mod_is_critical_whatever_the_map() -> None:
    chain = main_hashes("EU")
    assert not mod_verdict(eu(*BASE, *chain[1:], MAP), packaged_mod(), None).passes
    assert not mod_verdict([], packaged_mod(), None).passes
    assert mod_verdict(eu(*BASE, *chain, MAP), packaged_mod(), None) == ModVerdict(True, "EU")
