"""The set-based import (SQLite file into an SQLite ladder: ``store/peer_attach.py``; PostgreSQL
into PostgreSQL: ``store/peer_staged.py``) writes what the domain's rules write row by row.
The same peer database, holding every trap of the peer's data and odd values of every column the
SQL reads, is imported both ways into two fresh ladders; the tables (but the ladder's own ids),
the counts of what could not be mapped, and each step's counts must agree, and a second run must
change nothing."""

from __future__ import annotations

import os
import random
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from accountkit import GAME, FakeClock
from sqlalchemy import select
from sqlalchemy.engine import make_url
from test_peer_import import GHOST, HOLY, KHIONE, A, B, C, D, day, match, peer_data, player

from evoladder.services.peer_import import ImportReport, PeerImport, rebuild_history
from evoladder.store.bulk_import import first_of_each_key
from evoladder.store.engine import create_engine
from evoladder.store.peer_attach import AttachedResult
from evoladder.store.peer_source import open_peer_source
from evoladder.store.peer_staged import StagedPeer
from evoladder.store.schema import (
    command_calls,
    matches_1v1,
    mmrs_1v1,
    player_action_logs,
    players,
    preferences_1v1,
    rating_history_1v1,
    replays,
)
from evoladder.store.uow import Database
from peerdb import POSTGRES_DDL, SQLITE_DDL, PeerData, write_postgres, write_sqlite

TABLES = (players, mmrs_1v1, matches_1v1, preferences_1v1, player_action_logs, command_calls, replays,
          rating_history_1v1)
OWN_IDS = {"players", "mmrs_1v1", "preferences_1v1", "player_action_logs", "command_calls", "replays",
           "rating_history_1v1"}
# Values of each column the clean test reads, clean and odd, as the peer's SQLite files may hold them.
TIMES: list[Any] = ["2026-10-01T10:00:00", "2026-10-01 10:00:00+00:00",
         "2026-10-01 12:00:00+02:00", "2026-02-30 10:00:00", "2024-02-29 23:59:59", "2026-10-01 10:00:00.25",
         "1999-12-31 23:59:59", "2026-10-01 24:00:00", "yesterday", "", " 2026-10-01 10:00:00", 1790000000]


# The same for a PostgreSQL peer, whose columns are typed (what its driver accepts).
PG_TIMES: list[Any] = [datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC), datetime(2000, 1, 1, tzinfo=UTC),
                       datetime(2026, 10, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))), None]


def trap_data(pg: bool = False) -> PeerData:
    """peer_data() plus rows of which about half are clean and the rest take odd values in
    some columns (seeded), so both ways of mapping are taken for every table. ``pg``: only
    values of the columns' types (a PostgreSQL peer), the odd ones given by ``pg_odd``."""
    rng = random.Random(11)
    d = peer_data()
    d.add("players", id=6, **player(7006, "Foxtrot"))
    uids = [A, B, C, D, 7006, GHOST]

    def pick(clean: list[Any], odd: list[Any], pg_odd: list[Any] | None = None) -> Any:
        return rng.choice(clean if rng.random() < 0.95 else (pg_odd if pg and pg_odd is not None else odd))

    def when(optional: bool = False) -> Any:
        moment = day(rng.randint(1, 50) + rng.random())
        if pg:
            whole = moment.replace(microsecond=0)
            return pick([moment, whole, *([None, None] if optional else [])], PG_TIMES)
        text = moment.replace(tzinfo=None).isoformat(" ")  # microseconds or none
        return pick([text, text[:19], *([None, None] if optional else [])], TIMES)

    servers, maps = ["USE", "EUC"], [KHIONE, HOLY]
    for mid in range(20, 140):
        p1, p2 = rng.sample(uids, 2)
        result = pick([0, 1, 2, -1, -2, None], [7, "1"], [7])
        d.add("matches_1v1", **match(
            mid, pick([p1], [str(p1), float(p1), p2], [p2]), p2, 1,
            pick([0, 12, -9], [None, "5"], [None]), day(1),
            match_result=result, played_at=when(),
            player_1_report=pick([None, 0, 1, 2, -1, -3, -4], [5, 1.0], [5]),
            player_2_report=pick([None, 0, 1, 2, -1, -3], [9]),
            player_1_race=pick(["bw_zerg", "sc2_protoss"], ["zerg"]),
            player_1_mmr=pick([1500, 1620], ["1500", None], [None]),
            map_played=pick(maps, ["Holy World", "khione sel", "Nowhere LE", None]),
            server_used=pick(servers, ["XX1", None]),
            updated_at=pick([None, None, None, when()], TIMES, PG_TIMES),
            player_1_replay_path=f"r/{mid}.SC2Replay" if mid % 2 else None,
            player_1_replay_time=when(optional=True),
            player_2_replay_path="r/shared.SC2Replay" if mid in (21, 23) else None,  # two matches, one file
            player_2_replay_time=when(optional=True),
        ))
    replay = {
        "player_1_name": "Alpha", "player_2_name": "Delta", "player_1_race": "bw_zerg",
        "player_2_race": "sc2_terran", "player_1_handle": "2-S2-1-111", "player_2_handle": None,
        "game_privacy": "Normal", "game_speed": "Faster", "game_duration_setting": "Infinite",
        "locked_alliances": "Yes",
    }
    # The same file for two matches (one hash), the later match's record first: the first record
    # keeps the hash, whichever way the rows go.
    d.add("replays", replay_path="r/139.SC2Replay", replay_hash=f"{21:020x}", replay_date=day(3),
          uploaded_at=day(3), result=1, duration=900, observers=[], cache_handles=[], map_name=KHIONE,
          **replay)
    for mid in [*range(21, 139, 2), 0]:
        d.add("replays", replay_path=f"r/{mid}.SC2Replay" if mid else "r/shared.SC2Replay",
              replay_hash=pick([f"{mid:020x}"], [f"{mid:020X}", f"  {mid:020x}", "not-hex", "ab"]),
              replay_date=when(optional=True), uploaded_at=when(optional=True),
              result=pick([1, 2, 0, None], ["x"], [None]), duration=pick([900, None], ["long"], [None]),
              observers=pick([[], ["obs"], None, ""], ["[broken", '{"a": 1}', '["a\\"b", 1]', '["\u00e9"]']),
              cache_handles=pick([["abc"], [], None], ["nope"]),
              map_name=pick([*maps, None], ["khione sel", "Nowhere LE"]), **replay)
    for _ in range(40):
        d.add("player_action_logs", discord_uid=pick(uids, ["7001"], [GHOST]), player_name="x",
              setting_name=pick(["country", "player_name", "remaining_aborts"], ["", None, "x" * 40]),
              old_value=pick([None, "US"], [3], ["3"]), new_value=pick(["KR", None], [4], ["4"]),
              changed_at=when(),
              changed_by=pick(["player", "system", None], ["admin:42", " player", "robot"]))
        d.add("command_calls", discord_uid=pick(uids, ["7001"], [GHOST]), player_name="x",
              command=pick(["profile", "queue", ""], ["c" * 70, None, 5], ["c" * 70, None, "5"]),
              called_at=when())
    return d


async def _import(
    target: str, peer: str, *, set_based: bool
) -> tuple[ImportReport, ImportReport, Database]:
    db = Database(create_engine(target))
    importer = PeerImport(db=db, clock=FakeClock(), game=GAME, history=rebuild_history, set_based=set_based)
    source = open_peer_source(peer)
    try:
        return await importer.run(source), await importer.run(source), db
    finally:
        await source.close()


async def _tables(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    async with db.read() as uow:
        for table in TABLES:
            rows = [dict(r) for r in (await uow.conn.execute(select(table))).mappings()]
            if table.name in OWN_IDS:
                for r in rows:
                    del r["id"]
            out[table.name] = sorted((tuple(sorted(r.items())) for r in rows), key=repr)
    return out


def _steps(report: ImportReport) -> list[tuple[Any, ...]]:
    # A replay record two matches point at is read once in SQL and once per match row by row.
    return [(s.name, s.written, s.already) + ((s.read, s.left_out) if s.name != "replays" else ())
            for s in report.steps]


@asynccontextmanager
async def _postgres(template: str | None = None) -> AsyncIterator[str]:
    """A throwaway database on the test server (a copy of ``template`` when given): its URL."""
    url = os.environ.get("EVOLADDER_TEST_PG_URL")
    if not url:
        pytest.skip("PostgreSQL not available: set EVOLADDER_TEST_PG_URL (make test does)")
    name = f"peer_sql_{uuid.uuid4().hex[:12]}"
    server = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_the_sql_import_writes_what_the_rules_write_row_by_row(
    backend: str, sqlite_template: Path, tmp_path: Path
) -> None:
    # Without NOT NULL: an old file or a hand edit may hold a NULL anywhere.
    peer = str(write_sqlite(tmp_path / "peer.db", trap_data(), ddl=SQLITE_DDL.replace(" NOT NULL", "")))
    results = {}
    for set_based in (True, False):
        target = tmp_path / f"ladder_{set_based}.db"
        shutil.copyfile(sqlite_template, target)
        first, second, db = await _import(f"sqlite+aiosqlite:///{target}", peer, set_based=set_based)
        try:
            results[set_based] = (first, second, await _tables(db))
        finally:
            await db.close()
    _assert_same(results)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_the_staged_import_writes_what_the_rules_write_row_by_row_on_postgresql(
    backend: str, pg_template: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    staged: list[str] = []
    run = StagedPeer.run

    async def spy(self: StagedPeer, table: str, *args: Any) -> AttachedResult | None:
        done = await run(self, table, *args)
        if done is not None and done.clean:
            staged.append(table)
        return done

    monkeypatch.setattr(StagedPeer, "run", spy)
    results = {}
    async with _postgres() as peer_url:
        peer = make_url(peer_url).set(drivername="postgresql").render_as_string(hide_password=False)
        await write_postgres(peer, trap_data(pg=True), ddl=POSTGRES_DDL.replace(" NOT NULL", ""))
        for set_based in (True, False):
            async with _postgres(pg_template) as target:
                first, second, db = await _import(target, peer, set_based=set_based)
                try:
                    results[set_based] = (first, second, await _tables(db))
                finally:
                    await db.close()
    assert staged == ["matches_1v1", "player_action_logs", "command_calls", "replays"]  # in SQL, mostly
    _assert_same(results)


def _assert_same(
    results: dict[bool, tuple[ImportReport, ImportReport, dict[str, list[tuple[Any, ...]]]]],
) -> None:
    sql_first, sql_second, sql_tables = results[True]
    rule_first, rule_second, rule_tables = results[False]
    assert sql_tables == rule_tables
    assert sql_first.issues.counts == rule_first.issues.counts
    assert _steps(sql_first) == _steps(rule_first)
    assert not sql_second.changed and not rule_second.changed
    assert sum(len(v) for v in sql_tables.values()) > 150  # the data did go over
    assert len(sql_tables["replays"]) > 10 and len(sql_tables["matches_1v1"]) > 50


def test_an_empty_postgresql_table_takes_the_first_row_of_each_unique_key_as_on_conflict_would() -> None:
    # Straight COPY into an empty table has no conflict clause: the writer drops repeats itself,
    # across batches too (``seen`` is the step's).
    seen: set[tuple[Any, ...]] = set()
    first = first_of_each_key(mmrs_1v1, ("discord_uid", "race", "mmr"),
                              [(1, "bw_zerg", 1500), (1, "sc2_zerg", 1600), (1, "bw_zerg", 1700)], seen)
    second = first_of_each_key(mmrs_1v1, ("discord_uid", "race", "mmr"),
                               [(1, "sc2_zerg", 1), (2, "bw_zerg", 1)], seen)
    assert first == [(1, "bw_zerg", 1500), (1, "sc2_zerg", 1600)]
    assert second == [(2, "bw_zerg", 1)]
    calls = first_of_each_key(command_calls, ("call_id", "command"), [("elb-1", "a"), ("elb-1", "b")], set())
    assert calls == [("elb-1", "a")]
