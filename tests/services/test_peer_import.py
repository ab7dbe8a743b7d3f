"""`evoladder import evoladderbot`: a peer-shaped database, built here from the peer's DDL, brought
over into evoladder; SQLite and PostgreSQL as sources and as targets; every trap of
``shared/peer-schema.md``; a second run changes nothing."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from accountkit import GAME, FakeClock, make_stack
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from evoladder.domain.peer_import import Issue, StateFix
from evoladder.services.history import HistoryService
from evoladder.services.peer_import import ImportReport, PeerImport, rebuild_history
from evoladder.store.peer_source import PeerSource, open_peer_source
from evoladder.store.replay_storage import DirectoryStorage
from evoladder.store.schema import (
    command_calls,
    matches_1v1,
    mmrs_1v1,
    player_action_logs,
    players,
    preferences_1v1,
    replays,
)
from evoladder.store.uow import Database
from peerdb import PeerData, write_postgres, write_sqlite

T0 = FakeClock.start  # the import's "now": 2026-11-22 12:00 UTC
A, B, C, D, E = 7001, 7002, 7003, 7004, 7005
GHOST = 7999  # in matches and ratings, not in players
KHIONE = "Khione SEL"
HOLY = next(m.name for m in GAME.season.maps if m.short_name == "Holy World")  # current season's


def day(n: float) -> datetime:
    return T0 - timedelta(days=n)


def player(uid: int, name: str | None, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "discord_uid": uid, "discord_username": f"user{uid}", "player_name": name,
        "battletag": f"{name}#123" if name else None, "country": "KR", "region": "KRJ",
        "accepted_tos": True, "accepted_tos_date": day(100), "completed_setup": name is not None,
        "completed_setup_date": day(99) if name else None, "created_at": day(100),
        "updated_at": day(1), "remaining_aborts": 3, "player_state": "idle", "is_banned": False,
        "read_quick_start_guide": True, "shield_battery_bug": False,
    }
    row.update(extra)
    return row


def match(
    mid: int, p1: int, p2: int, result: int | None, change: int, at: datetime, **extra: Any
) -> dict[str, Any]:
    reports = {None: (None, None), 0: (0, 0), 1: (1, 1), 2: (2, 2), -1: (-1, -1), -2: (1, 2)}.get(
        result, (1, 1))
    row: dict[str, Any] = {
        "id": mid, "player_1_discord_uid": p1, "player_2_discord_uid": p2,
        "player_1_race": "bw_zerg", "player_2_race": "sc2_terran", "player_1_mmr": 1500,
        "player_2_mmr": 1500, "player_1_report": reports[0], "player_2_report": reports[1],
        "match_result": result, "mmr_change": change, "map_played": KHIONE, "server_used": "USE",
        "played_at": at,
    }
    row.update(extra)
    return row


def peer_data() -> PeerData:
    """A small ladder holding every trap the peer's data is known for."""
    d = PeerData()
    d.add("players", id=1, **player(A, "Alpha", alt_player_name_1="알파", activation_code="CODE1"))
    d.add("players", id=2, **player(B, "Bravo", player_state="in_match:4"))  # match 4 is open
    d.add("players", id=3, **player(C, "Charlie", player_state="queueing", remaining_aborts=0))
    d.add("players", id=4, **player(D, "Delta", player_state="in_match:1"))  # match 1 is over
    d.add("players", id=5, **player(E, None, country="QQ", region="MARS", is_banned=True,
                                     accepted_tos=False, read_quick_start_guide=False))
    # Ratings are the truth (admin re-resolutions and adjustments: a replay does not reach them);
    # the counters drifted from the matches.
    d.add("mmrs_1v1", discord_uid=A, player_name="Alpha", race="bw_zerg", mmr=1712, games_played=99,
          games_won=60, games_lost=39, games_drawn=0, last_played=day(2))
    d.add("mmrs_1v1", discord_uid=B, player_name="Bravo", race="sc2_terran", mmr=1431, games_played=3,
          games_won=1, games_lost=2, games_drawn=0, last_played=day(2))
    d.add("mmrs_1v1", discord_uid=D, player_name="Delta", race="sc2_terran", mmr=1488, games_played=2,
          games_won=1, games_lost=1, games_drawn=0, last_played=day(3))
    d.add("mmrs_1v1", discord_uid=D, player_name="Delta", race="bw_hydralisk", mmr=1500)  # unknown race
    uploads = {"player_1_replay_path": "r/1a.SC2Replay", "player_2_replay_path": "r/1b.SC2Replay",
               "player_1_replay_time": day(10) + timedelta(minutes=30),
               "player_2_replay_time": day(10) + timedelta(minutes=31)}
    d.add("matches_1v1", **match(1, A, D, 1, 20, day(10), **uploads))
    d.add("matches_1v1", **match(2, A, B, 2, -18, day(9), map_played="Holy World"))  # a short name
    # Re-resolved by an admin: mmr_change is not the sum of what was applied.
    d.add("matches_1v1", **match(3, A, B, 1, 15, day(8), updated_at=day(7)))
    d.add("matches_1v1", **match(4, B, A, None, 0, day(0.01)))  # in progress at export
    d.add("matches_1v1", **match(5, A, D, -2, 0, day(6)))  # conflict
    d.add("matches_1v1", **match(6, C, D, -1, 0, day(5), player_1_report=-3, player_2_report=-1))  # C aborted
    d.add("matches_1v1", **match(7, A, D, 1, 12, day(4), player_2_race="bw_hydralisk"))  # unknown race
    d.add("matches_1v1", **match(8, D, B, 1, 16, day(3), map_played="Ancient Map LE"))  # not in the data
    # B did not confirm in time
    d.add("matches_1v1", **match(9, B, D, -1, 0, day(3), player_1_report=-4, player_2_report=-1))
    d.add("matches_1v1", **match(10, A, B, -1, 0, day(2), updated_at=day(1)))  # admin invalidated
    d.add("matches_1v1", **match(11, A, GHOST, -2, 0, day(1)))  # a player the peer does not have
    d.add("mmrs_1v1", discord_uid=GHOST, player_name="Ghost", race="bw_zerg", mmr=1500)
    d.add("preferences_1v1", discord_uid=A, last_chosen_races=["bw_zerg", "sc2_terran", "bw_hydralisk"],
          last_chosen_vetoes=["Khione", HOLY, "Nowhere LE"])
    d.add("player_action_logs", discord_uid=A, player_name="Alpha", setting_name="player_name",
          old_value="Alfa", new_value="Alpha", changed_at=day(50), changed_by="player")
    d.add("player_action_logs", discord_uid=A, player_name="Alpha", setting_name="country",
          old_value="US", new_value="KR", changed_at=day(40), changed_by="admin:424242")
    d.add("player_action_logs", discord_uid=C, player_name="Charlie", setting_name="remaining_aborts",
          old_value="1", new_value="3", changed_at=day(30), changed_by="system")
    for i, (uid, cmd) in enumerate([(A, "profile"), (B, "queue"), (C, "leaderboard")]):
        d.add("command_calls", discord_uid=uid, player_name=f"user{uid}", command=cmd, called_at=day(20 - i))
    replay = {
        "replay_date": day(10), "player_1_name": "Alpha", "player_2_name": "Delta",
        "player_1_race": "bw_zerg", "player_2_race": "sc2_terran", "result": 1,
        "player_1_handle": "2-S2-1-111", "player_2_handle": "2-S2-1-222", "observers": [],
        "map_name": KHIONE, "duration": 900, "game_privacy": "Normal", "game_speed": "Faster",
        "game_duration_setting": "Infinite", "locked_alliances": "Yes", "cache_handles": ["abc"],
        "uploaded_at": day(10),
    }
    d.add("replays", replay_path="r/1a.SC2Replay", replay_hash="aa" * 10, **replay)
    d.add("replays", replay_path="r/1b.SC2Replay", replay_hash="bb" * 10, **replay)
    d.add("replays", replay_path="r/orphan.SC2Replay", replay_hash="cc" * 10, **replay)  # no match
    return d


PG_ENV = "EVOLADDER_TEST_PG_URL"


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


@pytest.fixture(params=["peer_sqlite", "peer_postgres"])
def peer_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def peer_spec(peer_kind: str, tmp_path: Path) -> Iterator[str]:
    """The peer database (as the CLI's SOURCE argument) holding ``peer_data()``."""
    data = peer_data()
    if peer_kind == "peer_sqlite":
        yield str(write_sqlite(tmp_path / "evoladderbot.db", data))
        return
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL not available: set {PG_ENV} (make test does)")
    name = f"peer_{uuid.uuid4().hex[:12]}"

    async def admin(statement: str) -> None:
        conn = await asyncpg.connect(_dsn(url))
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    asyncio.run(write_postgres(_dsn(url, name), data))
    yield _dsn(url, name)
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def source(peer_spec: str) -> AsyncIterator[PeerSource]:
    src = open_peer_source(peer_spec)
    yield src
    await src.close()


async def run_import(db: Database, source: PeerSource, **kwargs: Any) -> ImportReport:
    importer = PeerImport(db=db, clock=FakeClock(), game=GAME, history=rebuild_history, **kwargs)
    return await importer.run(source)


async def rows(db: Database, table: Any, *order: Any) -> list[dict[str, Any]]:
    async with db.read() as uow:
        result = await uow.conn.execute(select(table).order_by(*(order or (table.c.id,))))
        return [dict(r) for r in result.mappings()]


def step(report: ImportReport, name: str) -> Any:
    return next(s for s in report.steps if s.name == name)


def issue(report: ImportReport, where: str, what: str) -> int:
    return report.issues.counts[f"{where}: {what}"]


async def test_import_brings_the_ladder_over_with_its_codes_mapped(db: Database, source: PeerSource) -> None:
    report = await run_import(db, source)

    by_uid = {p["discord_uid"]: p for p in await rows(db, players)}
    assert set(by_uid) == {A, B, C, D, E}
    # Nobody stays queueing or in a match: the queue was in memory, match 4 is closed, match 1 over.
    assert {p["state"] for p in by_uid.values()} == {"idle"}
    assert all(p["current_match_id"] is None for p in by_uid.values())
    assert report.state_fixes == {StateFix.OPEN_MATCH: 1, StateFix.QUEUEING: 1, StateFix.STALE: 1}
    a = by_uid[A]
    assert (a["main_id"], a["battletag"], a["alt_ids"], a["country"], a["region"]) == (
        "Alpha", "Alpha#123", ["알파"], "KR", "KRJ")
    assert a["terms_accepted_at"] == day(100) and a["completed_setup_date"] == day(99)
    assert a["activated_at"] is not None and a["quickstart_acknowledged_at"] is not None
    e = by_uid[E]
    assert (e["country"], e["region"], e["is_banned"], e["terms_accepted_at"], e["completed_setup_date"]) == (
        None, None, True, None, None)
    # Aborts: C aborted once this month (match 6), whatever the peer's stale counter said.
    assert (by_uid[C]["aborts_left"], by_uid[C]["aborts_period"]) == (2, 202611)
    assert by_uid[A]["aborts_left"] == 3

    # Ratings and counters exactly as the peer had them; the unknown race is left out.
    ratings = {(r["discord_uid"], r["race"]): r for r in await rows(db, mmrs_1v1)}
    assert set(ratings) == {(A, "bw_zerg"), (B, "sc2_terran"), (D, "sc2_terran")}
    assert (ratings[(A, "bw_zerg")]["mmr"], ratings[(A, "bw_zerg")]["games_played"]) == (1712, 99)
    assert ratings[(A, "bw_zerg")]["last_played"] == day(2)

    ms = {m["id"]: m for m in await rows(db, matches_1v1)}
    assert set(ms) == {1, 2, 3, 4, 5, 6, 8, 9, 10, 11}  # 7 has an unknown race
    assert [ms[i]["status"] for i in (1, 2, 3, 5, 6, 9, 10)] == [
        "final", "final", "final", "conflict", "aborted", "abandoned", "invalidated"]
    assert (ms[4]["status"], ms[4]["match_result"], ms[4]["player_1_report"], ms[4]["player_2_report"],
            ms[4]["mmr_change"]) == ("abandoned", -1, -1, -1, 0)
    assert (ms[3]["mmr_change"], ms[3]["finalized_at"]) == (15, day(7))
    assert ms[1]["finalized_at"] == day(10) + timedelta(minutes=31)
    assert ms[2]["map_played"] == HOLY  # the current season's map of that short name
    assert ms[8]["map_played"] == "Ancient Map LE"  # kept under its name, counted
    assert ms[1]["server_choice"] == "USE" and ms[1]["played_at"] == day(10)

    prefs = await rows(db, preferences_1v1)
    assert [(p["discord_uid"], p["last_chosen_races"], p["last_chosen_vetoes"]) for p in prefs] == [
        (A, ["bw_zerg", "sc2_terran"], [KHIONE, HOLY])]
    logs = await rows(db, player_action_logs, player_action_logs.c.changed_at)  # (ids: clean rows first)
    assert [(g["field"], g["changed_by"], g["changed_by_uid"], g["changed_at"]) for g in logs] == [
        ("main_id", "player", None, day(50)), ("country", "admin", 424242, day(40)),
        ("aborts_left", "system", None, day(30))]
    calls = await rows(db, command_calls)
    assert [(c["discord_uid"], c["command"], c["called_at"]) for c in calls] == [
        (A, "profile", day(20)), (B, "queue", day(19)), (C, "leaderboard", day(18))]
    assert len({c["call_id"] for c in calls}) == 3

    reps = await rows(db, replays)
    assert [(r["match_id"], r["uploader_uid"], r["hash"], r["size_bytes"]) for r in reps] == [
        (1, A, "aa" * 10, 0), (1, D, "bb" * 10, 0)]
    assert reps[0]["uploaded_at"] == day(10) + timedelta(minutes=30)
    assert reps[0]["storage_key"].startswith("2026/11/1/aaaa")
    assert reps[0]["checks"]["peer"]["toon_handles"] == ["2-S2-1-111", "2-S2-1-222"]

    # What could not be mapped is counted, not fatal.
    assert issue(report, "mmrs_1v1", Issue.UNKNOWN_RACE) == 1
    assert issue(report, "matches_1v1", Issue.UNKNOWN_RACE) == 1
    assert issue(report, "matches_1v1.map_played", Issue.UNKNOWN_MAP) == 1
    assert issue(report, "players.country", Issue.UNKNOWN_COUNTRY) == 1
    assert issue(report, "players.region", Issue.UNKNOWN_REGION) == 1
    assert issue(report, "preferences_1v1", Issue.UNKNOWN_VETO) == 1
    assert issue(report, "replays", Issue.REPLAY_WITHOUT_MATCH) == 1
    assert issue(report, "mmrs_1v1", Issue.UNKNOWN_PLAYER) == 1
    assert issue(report, "matches_1v1", Issue.UNKNOWN_PLAYER_KEPT) == 1
    assert (step(report, "matches_1v1").read, step(report, "matches_1v1").written,
            step(report, "matches_1v1").left_out) == (11, 10, 1)
    assert any("admins: not imported" in n for n in report.notices)
    assert report.changed


async def test_a_second_run_changes_nothing_and_says_so(db: Database, source: PeerSource) -> None:
    first = await run_import(db, source)
    before = {t.name: await rows(db, t) for t in (players, mmrs_1v1, matches_1v1, preferences_1v1,
                                                   player_action_logs, command_calls, replays)}
    second = await run_import(db, source)
    after = {t.name: await rows(db, t) for t in (players, mmrs_1v1, matches_1v1, preferences_1v1,
                                                  player_action_logs, command_calls, replays)}
    assert after == before
    assert first.changed and not second.changed and second.written == 0
    assert step(second, "players").already == 5
    assert step(second, "matches_1v1").read == 0 and step(second, "matches_1v1").earlier == 11
    assert step(second, "command_calls").earlier == 3


async def test_new_matches_continue_after_the_imported_ids(db: Database, source: PeerSource) -> None:
    await run_import(db, source)
    async with db.transaction() as uow:
        new_id = (await uow.conn.execute(insert(matches_1v1).values(
            player_1_discord_uid=A, player_2_discord_uid=B, player_1_race="bw_zerg",
            player_2_race="sc2_terran", player_1_mmr=1500, player_2_mmr=1500, map_played=KHIONE,
            server_choice="USE", status="found", played_at=T0, version=1,
        ).returning(matches_1v1.c.id))).scalar_one()
    assert new_id == 12


async def test_an_imported_player_is_what_profile_shows(db: Database, source: PeerSource) -> None:
    await run_import(db, source)
    stack = make_stack(db)
    await stack.leaderboard.build()
    profile = await stack.profiles.profile(A)
    zerg = next(r for r in profile.races if r.race == "bw_zerg")
    assert zerg.mmr == 1712  # mmrs_1v1 as it was
    assert zerg.counters.games == 99  # the peer's counters, beside the record
    # The record from the imported matches: won 1 and 3, lost 2 (conflict, abort and the
    # invalidated one do not count; 7 was left out).
    assert (zerg.record.wins, zerg.record.losses, zerg.record.draws) == (2, 1, 0)
    assert profile.main_id == "Alpha" and profile.state.value == "idle"
    # The history is rebuilt from the imported matches, and a baseline row reaches the rating the
    # peer stored (its matches alone do not explain 1712), so the chart ends where /profile is.
    chart = await HistoryService(db=db, game=GAME).chart(A, "bw_zerg")
    assert [p.rating for p in chart.points] == [1520, 1502, 1517, 1712]
    report = await run_import(db, source)  # a second run rebuilds nothing and changes nothing
    assert [p.rating for p in (await HistoryService(db=db, game=GAME).chart(A, "bw_zerg")).points] == [
        1520, 1502, 1517, 1712
    ]
    assert not any(s.written for s in report.steps if s.name == "rating_history")


async def test_replay_files_come_over_into_the_storage(
    db: Database, source: PeerSource, tmp_path: Path
) -> None:
    folder = tmp_path / "peer-replays"
    (folder / "r").mkdir(parents=True)
    data = b"MPQ\x1b" + b"replay one" * 100
    (folder / "r" / "1a.SC2Replay").write_bytes(data)  # 1b is missing from the folder
    storage = DirectoryStorage(tmp_path / "store")
    report = await run_import(db, source, storage=storage, replays_dir=folder)

    reps = await rows(db, replays)
    digest = hashlib.blake2b(data).hexdigest()
    assert [(r["hash"], r["size_bytes"]) for r in reps] == [(digest, len(data)), ("bb" * 10, 0)]
    assert await storage.get(reps[0]["storage_key"]) == data
    assert issue(report, "replays", Issue.REPLAY_FILE_MISSING) == 1
    assert any("1 found" in n and "1 stored" in n for n in report.notices)


async def test_broken_values_in_an_sqlite_file_are_counted_not_fatal(db: Database, tmp_path: Path) -> None:
    d = PeerData()
    d.add("players", id=1, **player(A, "Alpha", created_at="not a date", updated_at="2026-11-01 10:00:00",
                                     is_banned="maybe"))
    d.add("players", id=2, **player(B, "Bravo", created_at="1970-01-01 00:00:00", updated_at=None))
    d.add("matches_1v1", **match(1, A, B, 1, 20, day(3)))
    d.add("matches_1v1", **match(2, A, B, 1, 20, day(3), played_at="2026-13-45 99:99"))
    d.add("matches_1v1", **match(3, A, B, 7, 20, day(3)))  # unknown result code
    d.add("matches_1v1", **match(4, A, A, 1, 20, day(3)))  # against themselves
    d.add("player_action_logs", discord_uid=A, player_name="Alpha", setting_name="country",
          old_value="US", new_value="KR", changed_at="yesterday", changed_by="moderator")
    d.add("preferences_1v1", discord_uid=A, last_chosen_races="[not json", last_chosen_vetoes=None)
    src = open_peer_source(str(write_sqlite(tmp_path / "broken.db", d)))
    try:
        report = await run_import(db, src)
    finally:
        await src.close()

    by_uid = {p["discord_uid"]: p for p in await rows(db, players)}
    assert by_uid[A]["created_at"] == datetime(2026, 11, 1, 10, tzinfo=UTC)  # fell back to updated_at
    assert by_uid[A]["is_banned"] is False
    assert by_uid[B]["created_at"] == T0  # epoch zero is broken; nothing else: the import's time
    assert [m["id"] for m in await rows(db, matches_1v1)] == [1]
    assert await rows(db, player_action_logs) == []
    assert issue(report, "players.created_at", Issue.BROKEN_TIME) == 2
    assert issue(report, "players.is_banned", Issue.BROKEN_BOOL) == 1
    assert issue(report, "matches_1v1.played_at", Issue.BROKEN_TIME) == 1
    assert issue(report, "matches_1v1", Issue.UNKNOWN_RESULT) == 1
    assert issue(report, "matches_1v1", Issue.SELF_MATCH) == 1
    assert issue(report, "player_action_logs.changed_at", Issue.BROKEN_TIME) == 1
    assert issue(report, "preferences_1v1.last_chosen_races", Issue.BROKEN_JSON) == 1
    assert report.issues.examples["matches_1v1.played_at: " + Issue.BROKEN_TIME] == ["'2026-13-45 99:99'"]


async def test_an_old_sqlite_file_without_some_tables_and_columns(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    import sqlite3

    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE players (id INTEGER PRIMARY KEY, discord_uid INTEGER, discord_username TEXT, "
        "player_name TEXT, created_at TIMESTAMP);"
        "INSERT INTO players VALUES (1, 7001, 'old', 'Oldie', '2025-01-02 03:04:05');"
    )
    conn.commit()
    conn.close()
    src = open_peer_source(str(path))
    try:
        report = await run_import(db, src)
    finally:
        await src.close()
    assert [(p["discord_uid"], p["main_id"], p["state"]) for p in await rows(db, players)] == [
        (7001, "Oldie", "idle")]
    assert any(n.startswith("matches_1v1: not in the source") for n in report.notices)
    async with db.read() as uow:
        assert (await uow.conn.execute(select(func.count()).select_from(matches_1v1))).scalar_one() == 0


def test_cli_shows_progress_the_report_and_then_that_nothing_changed(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from evoladder.cli import main

    peer = write_sqlite(tmp_path / "evoladderbot.db", peer_data())
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["import", "evoladderbot", str(peer)]) == 0
    out = capsys.readouterr().out
    assert "matches_1v1: 11 of 11 (100%)" in out  # progress
    assert "matches_1v1          11 read, 10 written, 1 left out" in out
    assert "mmrs_1v1: unknown race code" in out and "'bw_hydralisk'" in out
    assert "note: admins: not imported" in out
    assert "1 was queueing" in out
    assert out.rstrip().endswith("rows written")

    assert main(["import", "evoladderbot", str(peer)]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("everything in the source was already imported (nothing changed)")

    assert main(["import", "evoladderbot", str(tmp_path / "missing.db")]) == 2
    assert "no such SQLite file" in capsys.readouterr().err
