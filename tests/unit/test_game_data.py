"""The packaged game data loads, and a broken file fails naming the file and the entry."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evoladder.game import Game, GameDataError, load_game_data
from evoladder.game.loader import packaged_data_dir


def test_packaged_data_matches_the_design() -> None:
    data = load_game_data()
    assert len(data.races) == 6
    assert {r.game for r in data.races.values()} == {Game.BW, Game.SC2}
    assert len(data.regions) == 16
    assert len(data.servers) == 9
    assert len(data.server_table) == 136
    assert len(data.countries) == 251
    common = {c.code for c in data.common_countries()}
    assert len(common) == 50 and "ZZ" in common and "XX" not in common
    assert "XX" in data.countries
    assert data.current_season == "season_alpha"
    assert len(data.season.maps) == 9
    assert set(data.mod.handles) == {"AM", "EU", "AS"}


def test_server_table_is_symmetric_with_a_documented_default() -> None:
    data = load_game_data()
    assert data.server_for("EUW", "KRJ") == data.server_for("KRJ", "EUW")
    assert data.server_for("NAW", "NAW").code == "USW"
    assert data.server_for(None, "KRJ").code == data.default_server


def test_aliases_are_kept() -> None:
    assert "스1 저그" in load_game_data().races["bw_zerg"].aliases


def _broken(tmp_path: Path, name: str, edit: Callable[[Any], None]) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(packaged_data_dir(), folder)
    payload = json.loads((folder / name).read_text(encoding="utf-8"))
    edit(payload)
    (folder / name).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return folder


def _set_game(payload: Any) -> None:
    payload["seasons"]["season_alpha"][0]["game"] = "wc3"


def _drop_pair(payload: Any) -> None:
    payload["server_table"] = [r for r in payload["server_table"] if r["regions"] != ["EUW", "KRJ"]]


def _dup_race(payload: Any) -> None:
    payload["races"].append(dict(payload["races"][0]))


def _dup_country(payload: Any) -> None:
    payload["countries"].append({"code": "KR", "name": "Korea again", "common": False})


def _unknown_server(payload: Any) -> None:
    payload["server_table"][0]["server"] = "MARS"


def _missing_handles(payload: Any) -> None:
    del payload["handles"]["EU"]


def _bad_dependencies(payload: Any) -> None:
    payload["seasons"]["season_alpha"][2]["dependency_handles"] = "7f41411a"


@pytest.mark.parametrize(
    ("name", "edit", "entry"),
    [
        ("maps.json", _set_game, "season_alpha/Celestial Enclave LE"),
        ("regions.json", _drop_pair, "EUW x KRJ"),
        ("races.json", _dup_race, "bw_terran"),
        ("countries.json", _dup_country, "KR"),
        ("regions.json", _unknown_server, "MARS"),
        ("mod.json", _missing_handles, "handles.EU"),
        ("maps.json", _bad_dependencies, "season_alpha/Keres Passage SEL/dependency_handles"),
    ],
)
def test_broken_file_names_file_and_entry(
    tmp_path: Path, name: str, edit: Callable[[Any], None], entry: str
) -> None:
    with pytest.raises(GameDataError) as info:
        load_game_data(_broken(tmp_path, name, edit))
    assert info.value.file == name
    assert entry in str(info.value)


def test_dependency_handles_are_optional_and_absent_means_unknown(tmp_path: Path) -> None:
    def drop(payload: Any) -> None:
        for maps in payload["seasons"].values():
            for m in maps:
                m.pop("dependency_handles", None)

    data = load_game_data(_broken(tmp_path, "maps.json", drop))
    assert all(m.dependency_handles is None for s in data.seasons.values() for m in s.maps)
    assert load_game_data().map_named("Keres Passage SEL") is not None


# The live ladder's pool. season_1 is its older pool: Death Valley, Pylon and Subsequence instead
# of Celestial Enclave, Mothership and Ruby Rock.
SEASON_ALPHA = {
    "Celestial Enclave LE",
    "[SC:Evo] Holy World (홀리월드)",
    "Keres Passage SEL",
    "Khione SEL",
    "Mothership LE",
    "[SC:Evo] Radeon (라데온)",
    "Ruby Rock LE",
    "[SC:Evo] Sylphid (실피드)",
    "[SC:Evo] Vermeer (버미어)",
}


def test_the_current_season_is_season_alpha_with_its_maps() -> None:
    data = load_game_data()
    assert data.current_season == "season_alpha"
    assert {m.name for m in data.season.maps} == SEASON_ALPHA
    assert set(data.seasons) == {"season_alpha", "season_1"}  # season_beta is an empty placeholder
    # The map file carries 홀리월드 ("world"); season_1's 홀리울드 was a typo of the source.
    holy = [m.name for s in data.seasons.values() for m in s.maps if m.short_name == "Holy World"]
    assert holy == ["[SC:Evo] Holy World (홀리월드)"] * 2
    assert data.map_named("[SC:Evo] Holy World (홀리울드)") is None


def test_the_current_season_is_named_not_found_by_position(tmp_path: Path) -> None:
    def older_pool_first(payload: Any) -> None:
        payload["seasons"] = dict(reversed(list(payload["seasons"].items())))

    data = load_game_data(_broken(tmp_path, "maps.json", older_pool_first))
    assert data.current_season == "season_alpha"
    assert {m.name for m in data.season.maps} == SEASON_ALPHA


def test_unknown_and_known_dependencies_are_told_apart() -> None:
    data = load_game_data()
    unknown = {"Celestial Enclave", "Holy World", "Mothership", "Ruby Rock"}
    for m in data.season.maps:
        assert (m.dependency_handles is None) == (m.short_name in unknown), m.name
    sylphid = data.map_named("[SC:Evo] Sylphid (실피드)")
    assert sylphid is not None and sylphid.dependency_handles == frozenset()


def test_invalid_json_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(packaged_data_dir(), folder)
    (folder / "races.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(GameDataError, match="races.json: .*not valid JSON"):
        load_game_data(folder)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(packaged_data_dir(), folder)
    (folder / "countries.json").unlink()
    with pytest.raises(GameDataError, match="countries.json: .*not found"):
        load_game_data(folder)


def test_the_packaged_data_is_what_the_tool_derives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tools/derive_game_data.py, run on the shared facts and replays, writes the packaged files."""
    from replayfiles import shared_dir

    shared = shared_dir()
    if shared is None or not (shared / "game-data").is_dir():
        pytest.skip("../shared not found; set EVOLADDER_SHARED_DIR")
    tool = Path(__file__).resolve().parents[2] / "tools" / "derive_game_data.py"
    spec = importlib.util.spec_from_file_location("derive_game_data", tool)
    assert spec is not None and spec.loader is not None
    derive = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "derive_game_data", derive)  # its dataclasses look it up
    spec.loader.exec_module(derive)
    monkeypatch.setattr(derive, "OUT", tmp_path)
    args = ["derive", str(shared / "game-data"), "--replays", str(shared / "replays")]
    assert derive.main(args) == 0
    for name in ("maps.json", "mod.json", "races.json", "regions.json", "countries.json"):
        written = json.loads((tmp_path / name).read_text(encoding="utf-8"))
        packaged = json.loads((packaged_data_dir() / name).read_text(encoding="utf-8"))
        assert written == packaged, name
    assert derive.main([*args, "--current-season", "season_beta"]) == 1  # a placeholder: refused
