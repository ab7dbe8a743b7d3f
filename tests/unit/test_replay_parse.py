"""Parsing real replays: fields, the ladder's race codes, lobby settings; bad bytes never raise.

Parsing runs in-process here (the parse function itself); the worker pool is tested in
``tests/integration/test_replay_pool.py``.
"""

from __future__ import annotations

import hashlib
import pickle
from datetime import UTC, datetime

import pytest

from evoladder.game import load_game_data
from evoladder.game.replay_parse import (
    LobbySettings,
    ParsedReplay,
    ParseFailure,
    ParseFailureKind,
    PlayerResult,
    looks_like_replay,
    parse_replay,
    replay_hash,
)
from replayfiles import parse_file, races, replay_dir


def test_every_real_file_parses_with_the_mod_races_as_ladder_codes() -> None:
    files = sorted(replay_dir().glob("*.SC2Replay"))
    assert len(files) == 24
    for path in files:
        replay = parse_file(path.name)
        assert [(p.race, p.race_name) for p in replay.players] == [("bw_zerg", "BW Zerg")]
        assert replay.release == "5.0.15.95299"
        assert replay.cache_handles and all(h.endswith(".s2ma") for h in replay.cache_handles)
        assert replay.start_time.tzinfo is UTC and replay.end_time >= replay.start_time
        assert replay.hash == hashlib.blake2b(path.read_bytes()).hexdigest()


def test_map_names_in_the_mod_replays_are_the_data_names() -> None:
    # every season's: Death Valley is in season_1 only
    pool = {m.name for s in load_game_data().seasons.values() for m in s.maps}
    for path in sorted(replay_dir().glob("*.SC2Replay")):
        assert parse_file(path.name).map_name in pool, path.name


def test_a_mod_replay_in_full() -> None:
    replay = parse_file("[SCEvo] Radeon (라데온) (Official KR).SC2Replay")
    assert replay.map_name == "[SC:Evo] Radeon (라데온)"
    (player,) = replay.players
    assert (player.name, player.toon_handle, player.result, player.is_ai) == (
        "FartBreath", "3-S2-1-4885881", PlayerResult.WIN, False)
    assert replay.observers == ()
    assert replay.server_region == "kr"
    assert replay.settings == LobbySettings("No Match History", "Faster", "Infinite", "Yes")
    assert replay.start_time == datetime(2025, 11, 3, 23, 5, 40, tzinfo=UTC)
    assert replay.duration_seconds == 2.0


def test_the_standard_1v1_games() -> None:
    ever_dream = parse_file("standard-1v1/Ocrucius_vs_Rairden_EverDream.SC2Replay")
    assert ever_dream.map_name == "Ever Dream LE"
    assert [(p.name, p.race, p.result) for p in ever_dream.players] == [
        ("JiaanN", "sc2_terran", PlayerResult.LOSS),
        ("Rairden", "sc2_zerg", PlayerResult.WIN),
    ]
    assert ever_dream.settings == LobbySettings("Normal", "Faster", "Infinite", "Yes")
    assert ever_dream.duration_seconds == 1111.0
    assert ever_dream.start_time == datetime(2020, 7, 29, 2, 55, 5, tzinfo=UTC)
    kairos = parse_file("standard-1v1/Alouette_vs_PXP_KairosJunction.SC2Replay")
    assert kairos.map_name == "Kairos Junction LE"
    assert [(p.name, p.race, p.result) for p in kairos.players] == [
        ("Alouette", "sc2_protoss", PlayerResult.WIN),
        ("PXP", "sc2_protoss", PlayerResult.LOSS),
    ]
    assert not any(p.is_ai for p in kairos.players + ever_dream.players)


def test_the_coop_game_has_seven_players_five_of_them_ai() -> None:
    coop = parse_file("standard-1v1/coop_OblivionExpress_not1v1.SC2Replay")
    assert len(coop.players) == 7
    assert sum(p.is_ai for p in coop.players) == 5
    assert all(p.result is PlayerResult.UNKNOWN for p in coop.players)
    assert any(p.race is None and p.race_name == "Terran Tychus" for p in coop.players)


def test_race_lookup_knows_names_aliases_and_the_unmodded_names() -> None:
    lookup = races()
    assert lookup.resolve("BW Zerg") == "bw_zerg"
    assert lookup.resolve("  bw   zerg ") == "bw_zerg"
    assert lookup.resolve("스1 저그") == "bw_zerg"
    assert lookup.resolve("SC1星灵") == "bw_protoss"
    assert lookup.resolve("Zerg") == "sc2_zerg"
    assert lookup.resolve("저그") == "sc2_zerg"
    assert lookup.resolve("Терраны") == "sc2_terran"
    assert lookup.resolve("T1") == "bw_terran"
    assert lookup.resolve("Random") is None
    assert pickle.loads(pickle.dumps(lookup)) == lookup


def test_a_parsed_replay_survives_pickle_and_json_round_trips() -> None:
    replay = parse_file("standard-1v1/Ocrucius_vs_Rairden_EverDream.SC2Replay")
    assert pickle.loads(pickle.dumps(replay)) == replay
    assert ParsedReplay.from_dict(replay.to_dict()) == replay


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"", ParseFailureKind.EMPTY),
        (b"PK\x03\x04 a zip file", ParseFailureKind.NOT_A_REPLAY),
        (b"MPQ\x1b", ParseFailureKind.CORRUPT),
        (b"MPQ\x1b" + bytes(range(256)) * 8, ParseFailureKind.CORRUPT),
    ],
    ids=["empty", "not-mpq", "header-only", "mpq-garbage"],
)
def test_bad_bytes_are_a_typed_failure(data: bytes, kind: ParseFailureKind) -> None:
    outcome = parse_replay(data, races())
    assert isinstance(outcome, ParseFailure)
    assert outcome.kind is kind
    assert outcome.message  # a sentence for the player


def test_truncated_files_are_a_typed_failure() -> None:
    data = (replay_dir() / "Khione SEL (Official EU).SC2Replay").read_bytes()
    for size in (16, 1024, len(data) // 2, len(data) - 1):
        outcome = parse_replay(data[:size], races())
        assert isinstance(outcome, ParseFailure | ParsedReplay)  # never raises
        if isinstance(outcome, ParseFailure):
            assert outcome.kind is ParseFailureKind.CORRUPT and outcome.detail


def test_hash_and_magic_helpers() -> None:
    assert replay_hash(b"x") == hashlib.blake2b(b"x").hexdigest()
    assert len(replay_hash(b"")) == 128
    assert looks_like_replay(b"MPQ\x1b...") and not looks_like_replay(b"MPQ\x1a")


def test_replay_text_is_cleaned_of_nul_and_control_characters() -> None:
    from evoladder.game.replay_parse import clean_text

    assert clean_text("Khione\x00 SEL\x07") == "Khione SEL"
    assert clean_text("\x1b[31m헌티드\x7f\x85") == "[31m헌티드"
    assert clean_text("\ud800lone") == "lone"  # a lone surrogate cannot be stored either
    kept = "[SC:Evo] Radeon (라데온)\u3000ｆｕｌｌ"
    assert clean_text(kept) == kept  # any script, wide spaces and letters stay


def test_memory_exhaustion_is_found_through_sc2readers_wrapping() -> None:
    import zlib

    from sc2reader.exceptions import MPQError

    from evoladder.game.replay_parse import out_of_memory

    def open_archive() -> None:
        try:
            raise MemoryError()
        except MemoryError as exc:  # what sc2reader does around mpyq
            raise MPQError("Unable to construct the MPQArchive", exc) from None

    with pytest.raises(MPQError) as wrapped:
        open_archive()
    assert out_of_memory(wrapped.value)
    assert out_of_memory(zlib.error("Error -4 while decompressing data: insufficient memory"))
    assert not out_of_memory(MPQError("Invalid file header.", ValueError("bad magic")))
