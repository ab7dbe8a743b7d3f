"""``evoladder replay inspect``: fields, the mod verdict and errors per file; the exit code."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from evoladder.game import load_game_data
from evoladder.game.replay_inspect import inspect
from evoladder.settings import load_settings
from replayfiles import find_replay_dir


@pytest.fixture
def replays() -> Path:
    found = find_replay_dir()
    if found is None:
        pytest.skip("../shared/replays not found beside the checkout; set EVOLADDER_SHARED_DIR")
    return found


def run(paths: list[str], as_json: bool) -> tuple[int, str]:
    out = io.StringIO()
    code = inspect(paths, as_json, out, game_data=load_game_data(), settings=load_settings())
    return code, out.getvalue()


def test_text_report_of_an_official_and_a_fake_replay(replays: Path) -> None:
    official = replays / "[SCEvo] Sylphid (실피드) (Official EU).SC2Replay"
    fake = replays / "[SCEvo] Sylphid (실피드) (Fake EU).SC2Replay"
    code, text = run([str(official), str(fake)], False)
    assert code == 0
    first, second = text.strip().split("\n\n")
    assert first.startswith(str(official))
    assert "[SC:Evo] Sylphid (실피드) (in the current pool)" in first
    assert "Huntedswarm  BW Zerg -> bw_zerg  win  2-S2-1-5450450" in first
    assert "privacy No Match History, speed Faster, duration Infinite, locked alliances Yes" in first
    assert "mod        official, region EU" in first
    assert "NOT official" in second and "unexpected https://eu-s2-depot" in second
    assert "dbd216039162661e" in second


def test_the_map_dependencies_come_from_the_packaged_data(replays: Path) -> None:
    # Khione SEL loads 658e520a between the mod and the map: allowed because maps.json lists it.
    official = replays / "Khione SEL (Official KR).SC2Replay"
    fake = replays / "Khione SEL (Fake EU).SC2Replay"
    code, text = run([str(official), str(fake)], True)
    assert code == 0
    docs = [json.loads(line)["mod"] for line in text.splitlines()]
    assert docs[0] == {"official": True, "region": "AS", "unexpected": [], "missing": [],
                       "unverified": False}
    assert not docs[1]["official"] and len(docs[1]["unexpected"]) == 1
    assert "dbd216039162661e" in docs[1]["unexpected"][0]


def test_json_lines_and_a_failing_exit_code_for_a_broken_file(
    replays: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.SC2Replay"
    broken.write_bytes((replays / "Khione SEL (Official NA).SC2Replay").read_bytes()[:300])
    game = replays / "standard-1v1" / "Ocrucius_vs_Rairden_EverDream.SC2Replay"
    code, text = run([str(game), str(broken), str(tmp_path / "missing.SC2Replay")], True)
    assert code == 1
    docs = [json.loads(line) for line in text.splitlines()]
    assert [d["path"] for d in docs] == [str(game), str(broken), str(tmp_path / "missing.SC2Replay")]
    assert docs[0]["error"] is None
    assert [p["race"] for p in docs[0]["parsed"]["players"]] == ["sc2_terran", "sc2_zerg"]
    assert docs[0]["mod"] == {"official": False, "region": None, "unexpected": [], "missing": [],
                              "unverified": False}
    assert docs[1]["parsed"] is None and docs[1]["error"]["kind"] == "corrupt"
    assert docs[2]["error"]["kind"] == "unavailable" and "cannot read" in docs[2]["error"]["detail"]


def test_a_directory_stands_for_its_replays(replays: Path) -> None:
    code, text = run([str(replays / "standard-1v1")], True)
    assert code == 0
    assert len(text.splitlines()) == 3


def test_nothing_to_inspect_is_a_failure(tmp_path: Path) -> None:
    code, text = run([str(tmp_path)], False)
    assert code == 1 and "no replay files" in text
