"""The pure rules that map EvoLadderBot's values to evoladder's (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from evoladder.domain.match_state import MatchStatus
from evoladder.domain.peer_import import (
    BrokenValue,
    Issue,
    Issues,
    StateFix,
    aborts_by_player,
    changed_by,
    map_match,
    match_status,
    parse_bool,
    parse_json_list,
    parse_time,
    state_fix,
)
from evoladder.domain.players import ChangedBy
from evoladder.game import load_game_data
from evoladder.services.peer_import import vocabulary

VOCAB = vocabulary(load_game_data())
NOON = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-22 12:00:00", NOON),  # SQLite text without an offset: UTC
        ("2026-11-22T12:00:00", NOON),
        ("2026-11-22T12:00:00Z", NOON),
        ("2026-11-22 14:00:00+02:00", NOON),
        ("2026-11-22 07:00:00-0500", NOON),
        ("2026-11-22 12:00:00.250000", NOON + timedelta(milliseconds=250)),
        (" 2026-11-22 12:00:00 ", NOON),
        (NOON, NOON),  # PostgreSQL: aware already
        (datetime(2026, 11, 22, 12, 0), NOON),  # naive: UTC
        (datetime(2026, 11, 22, 13, 0, tzinfo=timezone(timedelta(hours=1))), NOON),
        (NOON.timestamp(), NOON),  # Unix seconds
        (None, None),
        ("", None),
    ],
)
def test_timestamps_in_every_form_the_peer_holds(raw: object, expected: datetime | None) -> None:
    got = parse_time(raw)
    assert got == expected
    assert got is None or got.tzinfo is UTC


@pytest.mark.parametrize(
    "raw", ["not a date", "2026-13-45 99:99", "1970-01-01 00:00:00", "0000-00-00", 0, [1]]
)
def test_broken_timestamps_are_refused(raw: object) -> None:
    with pytest.raises(BrokenValue):
        parse_time(raw)


@pytest.mark.parametrize(("raw", "expected"), [(True, True), (0, False), (1, True), ("true", True),
                                                ("0", False), ("f", False), (None, False)])
def test_booleans(raw: object, expected: bool) -> None:
    assert parse_bool(raw) is expected


def test_broken_boolean_and_json() -> None:
    with pytest.raises(BrokenValue):
        parse_bool("maybe")
    with pytest.raises(BrokenValue):
        parse_json_list("[not json")
    with pytest.raises(BrokenValue):
        parse_json_list('{"a": 1}')
    assert parse_json_list('["bw_zerg"]') == ["bw_zerg"]
    assert parse_json_list(None) == []


def test_player_states_and_why_they_become_idle() -> None:
    open_ids = frozenset({4})
    assert state_fix("idle", open_ids) is None
    assert state_fix(None, open_ids) is None
    assert state_fix("queueing", open_ids) == StateFix.QUEUEING
    assert state_fix("in_match:4", open_ids) == StateFix.OPEN_MATCH
    assert state_fix("in_match:5", open_ids) == StateFix.STALE
    assert state_fix("in_match:x", open_ids) == StateFix.STALE
    assert state_fix("dancing", open_ids) == StateFix.UNKNOWN


def test_match_status_from_the_peer_codes() -> None:
    assert match_status(None, (None, None), False) is MatchStatus.ABANDONED  # open: closed
    assert match_status(1, (1, 1), True) is MatchStatus.FINAL  # re-resolved, still final
    assert match_status(0, (0, 0), False) is MatchStatus.FINAL
    assert match_status(-2, (1, 2), False) is MatchStatus.CONFLICT
    assert match_status(-1, (-3, -1), False) is MatchStatus.ABORTED
    assert match_status(-1, (-4, -1), False) is MatchStatus.ABANDONED
    assert match_status(-1, (-1, -1), True) is MatchStatus.INVALIDATED


def test_changed_by() -> None:
    assert changed_by("player") == (ChangedBy.PLAYER, None)
    assert changed_by(None) == (ChangedBy.PLAYER, None)
    assert changed_by("system") == (ChangedBy.SYSTEM, None)
    assert changed_by("admin:123") == (ChangedBy.ADMIN, 123)
    assert changed_by("admin") == (ChangedBy.ADMIN, None)
    assert changed_by("bot") is None


def test_aborts_are_counted_in_the_current_month_only() -> None:
    rows = [
        (1, -3, 2, -1, "2026-11-03 10:00:00"),
        (1, -3, 3, -1, "2026-11-20 10:00:00"),
        (2, -1, 1, -3, "2026-10-31 23:59:59"),  # last month
        (3, -1, 2, -3, "broken"),
    ]
    assert aborts_by_player(rows, NOON) == {1: 2}


def _match(**overrides: object) -> tuple[object, ...]:
    row: dict[str, object] = {
        "id": 9, "p1": 1, "p2": 2, "r1": "bw_zerg", "r2": "sc2_terran", "m1": 1500, "m2": 1520,
        "rep1": 1, "rep2": 1, "result": 1, "change": 21, "map": "Khione SEL", "server": "USE",
        "played": "2026-11-20 10:00:00", "admin": None, "up1": None, "up2": None,
    }
    row.update(overrides)
    return tuple(row.values())


def test_a_clean_match_and_the_odd_ones() -> None:
    issues = Issues()
    m = map_match(_match(), VOCAB, issues)
    assert m is not None and (m.status, m.match_result, m.mmr_change) == ("final", 1, 21)
    assert m.finalized_at == m.played_at == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert issues.total() == 0

    text_ids = map_match(_match(p1="1", p2="2", result="1", change="21"), VOCAB, issues)
    assert text_ids is not None and (text_ids.player_1_discord_uid, text_ids.match_result) == (1, 1)
    odd_report = map_match(_match(rep1=9), VOCAB, issues)
    assert odd_report is not None and odd_report.player_1_report is None
    assert issues.counts["matches_1v1: " + Issue.UNKNOWN_REPORT] == 1
    unknown_server = map_match(_match(server="MOON1234567"), VOCAB, issues)
    assert unknown_server is not None and unknown_server.server_choice == "MOON1234"
    assert map_match(_match(p2=None), VOCAB, issues) is None
    assert issues.counts["matches_1v1: " + Issue.MISSING_PLAYER_FIELD] == 1
