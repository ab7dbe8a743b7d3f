"""A replay held against its match: one check per rule, slots by race, the outcome, the names."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from evoladder.domain.replays import (
    MESSAGES,
    CheckId,
    LobbySettings,
    MatchFacts,
    ModVerdict,
    ParsedReplay,
    PlayerIds,
    PlayerResult,
    ReplayPlayer,
    verify,
)
from replayfiles import parse_file

OFFICIAL = ModVerdict(official=True, region="EU")
T0 = datetime(2025, 11, 3, 22, 0, tzinfo=UTC)


def player(name: str, race: str, result: PlayerResult, *, ai: bool = False) -> ReplayPlayer:
    return ReplayPlayer(name, race, race, result, "" if ai else "2-S2-1-1", ai, None)


def game(*players: ReplayPlayer, **changes: object) -> ParsedReplay:
    base = ParsedReplay(
        hash="ab" * 64, size_bytes=1, map_name="[SC:Evo] Radeon (라데온)", players=players,
        observers=(), start_time=T0, end_time=T0 + timedelta(minutes=12), duration_seconds=720.0,
        release="5.0.15.95299", server_region="eu",
        settings=LobbySettings("Normal", "Faster", "Infinite", "Yes"), cache_handles=(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def facts(**changes: object) -> MatchFacts:
    base = MatchFacts(
        player_1_race="bw_zerg", player_2_race="sc2_terran", map_name="[SC:Evo] Radeon (라데온)",
        start_time=T0 + timedelta(minutes=3),
        player_1_ids=PlayerIds("Huntedswarm", ("헌티드",)), player_2_ids=PlayerIds("Fartbreath"),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


BW_WINS = (player("헌티드", "bw_zerg", PlayerResult.WIN), player("FartBreath", "sc2_terran",
                                                                PlayerResult.LOSS))


def test_a_clean_game_passes_every_check_and_reports_for_both() -> None:
    report = verify(game(*BW_WINS), facts(), OFFICIAL)
    assert [c.id for c in report.checks] == list(CheckId)
    assert all(c.passed for c in report.checks), [c.message for c in report.checks]
    assert report.outcome == 1 and report.critical_ok and report.can_report
    assert [p.name if p else None for p in report.slot_players] == ["헌티드", "FartBreath"]
    assert report.slot_ids == ("헌티드", "Fartbreath")  # alt id; case-insensitive main id


def test_slots_follow_the_races_whoever_hosted() -> None:
    swapped = (BW_WINS[1], BW_WINS[0])
    report = verify(game(*swapped), facts(), OFFICIAL)
    assert report.outcome == 1
    lost = (replace(BW_WINS[0], result=PlayerResult.LOSS), replace(BW_WINS[1], result=PlayerResult.WIN))
    assert verify(game(*lost), facts(), OFFICIAL).outcome == 2
    tie = tuple(replace(p, result=PlayerResult.TIE) for p in BW_WINS)
    assert verify(game(*tie), facts(), OFFICIAL).outcome == 0
    unknown = tuple(replace(p, result=PlayerResult.UNKNOWN) for p in BW_WINS)
    report = verify(game(*unknown), facts(), OFFICIAL)
    assert report.outcome is None and report.critical_ok and not report.can_report


def test_critical_checks_lock_reporting_and_warnings_do_not() -> None:
    report = verify(game(*BW_WINS, map_name="Khione SEL"), facts(), OFFICIAL)
    assert [c.id for c in report.failed_critical] == [CheckId.MAP]
    assert not report.critical_ok and not report.can_report
    assert "Khione SEL" in report.check(CheckId.MAP).message
    warned = game(*BW_WINS, observers=("Coach",),
                  settings=LobbySettings("No Match History", "Fast", "20 Minutes", "No"))
    report = verify(warned, facts(), OFFICIAL)
    assert report.critical_ok and report.can_report
    assert {c.id for c in report.warnings} == {
        CheckId.NO_OBSERVERS, CheckId.PRIVACY, CheckId.SPEED, CheckId.DURATION,
        CheckId.LOCKED_ALLIANCES,
    }
    assert "Coach" in report.check(CheckId.NO_OBSERVERS).message


def test_the_mod_verdict_is_critical() -> None:
    report = verify(game(*BW_WINS), facts(), ModVerdict(False, "EU", unexpected=("x",)))
    assert [c.id for c in report.failed_critical] == [CheckId.MOD]


def test_wrong_races_give_no_slots_and_no_outcome() -> None:
    wrong = (replace(BW_WINS[0], race="bw_protoss"), BW_WINS[1])
    report = verify(game(*wrong), facts(), OFFICIAL)
    assert not report.check(CheckId.RACES).passed
    assert report.slot_players == (None, None) and report.outcome is None


def test_start_time_window_is_ten_minutes_either_way_and_only_a_warning() -> None:
    for minutes, ok in ((10, True), (-10, True), (11, False), (-11, False)):
        report = verify(game(*BW_WINS), facts(start_time=T0 + timedelta(minutes=minutes)), OFFICIAL)
        assert report.check(CheckId.START_TIME).passed is ok, minutes
        assert report.critical_ok and report.can_report is ok


def test_ai_and_a_mirror_match_assigned_by_ids() -> None:
    mirror = facts(player_1_race="sc2_zerg", player_2_race="sc2_zerg",
                   player_1_ids=PlayerIds("Alpha"), player_2_ids=PlayerIds("Beta"))
    players = (player("Beta", "sc2_zerg", PlayerResult.WIN),
               player("Alpha", "sc2_zerg", PlayerResult.LOSS, ai=True))
    report = verify(game(*players), mirror, OFFICIAL)
    assert not report.check(CheckId.NO_AI).passed
    assert report.outcome == 2 and report.slot_ids == ("Alpha", "Beta")


def test_the_standard_games_against_matching_facts() -> None:
    ever_dream = parse_file("standard-1v1/Ocrucius_vs_Rairden_EverDream.SC2Replay")
    match = MatchFacts("sc2_zerg", "sc2_terran", "Ever Dream LE", ever_dream.start_time,
                       PlayerIds("Rairden"), PlayerIds("Ocrucius", ("JiaanN",)))
    report = verify(ever_dream, match, OFFICIAL)
    assert all(c.passed for c in report.checks), [c.message for c in report.checks if not c.passed]
    assert report.outcome == 1 and report.slot_ids == ("Rairden", "JiaanN")
    flipped = replace(match, player_1_race="sc2_terran", player_2_race="sc2_zerg",
                      player_1_ids=match.player_2_ids, player_2_ids=match.player_1_ids)
    assert verify(ever_dream, flipped, OFFICIAL).outcome == 2
    kairos = parse_file("standard-1v1/Alouette_vs_PXP_KairosJunction.SC2Replay")
    pvp = MatchFacts("sc2_protoss", "sc2_protoss", "Kairos Junction LE", kairos.start_time,
                     PlayerIds("PXP"), PlayerIds("Alouette"))
    assert verify(kairos, pvp, OFFICIAL).outcome == 2


def test_the_coop_game_fails_exactly_two_players() -> None:
    coop = parse_file("standard-1v1/coop_OblivionExpress_not1v1.SC2Replay")
    match = MatchFacts("sc2_terran", "sc2_zerg", "Oblivion Express", coop.start_time,
                       PlayerIds("daniel"), PlayerIds("TalvNNN"))
    report = verify(coop, match, OFFICIAL)
    failed = {c.id for c in report.checks if not c.passed}
    assert failed == {CheckId.TWO_PLAYERS, CheckId.NO_AI, CheckId.RACES, CheckId.NAMES}
    assert "7 players" in report.check(CheckId.TWO_PLAYERS).message
    assert report.outcome is None and not report.can_report


def test_a_one_player_mod_replay_fails_races_and_two_players() -> None:
    solo = parse_file("[SCEvo] Radeon (라데온) (Official EU).SC2Replay")
    report = verify(solo, facts(start_time=solo.start_time), OFFICIAL)
    failed = {c.id for c in report.checks if not c.passed}
    assert failed == {CheckId.TWO_PLAYERS, CheckId.RACES, CheckId.PRIVACY, CheckId.NAMES}


def test_report_serialises_and_every_message_key_is_used() -> None:
    report = verify(game(*BW_WINS), facts(), OFFICIAL)
    data = report.to_dict()
    assert data["outcome"] == 1 and data["can_report"] is True
    assert len(data["checks"]) == len(CheckId)
    for check_id in CheckId:
        if check_id is not CheckId.MOD:
            assert f"{check_id.value}.ok" in MESSAGES and f"{check_id.value}.fail" in MESSAGES


def test_names_must_be_both_players_ids_for_the_replay_to_report() -> None:
    # case-insensitive and after NFKC: fullwidth letters are the same id
    fullwidth = (replace(BW_WINS[0], name="ＨＵＮＴＥＤＳＷＡＲＭ"), BW_WINS[1])
    report = verify(game(*fullwidth), facts(), OFFICIAL)
    assert report.names_match and report.can_report and report.check(CheckId.NAMES).passed
    one_stranger = (replace(BW_WINS[0], name="Stranger"), BW_WINS[1])
    report = verify(game(*one_stranger), facts(), OFFICIAL)
    assert report.critical_ok and report.outcome == 1
    assert not report.names_match and not report.names_unknown and not report.can_report
    assert not report.check(CheckId.NAMES).passed and not report.check(CheckId.NAMES).critical
    strangers = (replace(BW_WINS[0], name="Stranger"), replace(BW_WINS[1], name="Other"))
    report = verify(game(*strangers), facts(), OFFICIAL)
    assert report.names_unknown and not report.can_report and report.critical_ok
    assert report.to_dict()["names_unknown"] is True
    assert "Stranger" in report.check(CheckId.NAMES).message


def test_an_unverified_mod_keeps_reporting_open_but_never_reports_by_itself() -> None:
    unverified = ModVerdict(False, "EU", unexpected=("x",), unverified=True)
    report = verify(game(*BW_WINS), facts(), unverified)
    assert report.critical_ok and report.check(CheckId.MOD).passed
    assert report.outcome == 1 and not report.can_report
    assert report.to_dict()["mod_unverified"] is True
