"""The wave with its writes, on SQLite and PostgreSQL; the epoch-aligned loop; a queue across restarts."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from matchkit import GAME, FakeClock, Stack, add_player, build_stack, player_state
from sqlalchemy import select

from evoladder.domain.errors import InMatch, LadderError
from evoladder.domain.match_state import MatchState, MatchStatus
from evoladder.domain.rating import Outcome
from evoladder.services.events import MatchFound
from evoladder.services.matches import JobKind
from evoladder.services.matchmaker import Made, Matchmaker
from evoladder.store.engine import create_engine
from evoladder.store.repositories.matches import WaveMatch, WaveWrite
from evoladder.store.schema import outbox
from evoladder.store.uow import Database

SEASON = [m.name for m in GAME.season.maps]


async def queue(
    s: Stack,
    uid: int,
    bw: str | None,
    sc2: str | None,
    *,
    mmr: dict[str, int] | None = None,
    region: str | None = "EUW",
    vetoes: Sequence[str] = (),
) -> None:
    await add_player(s.db, uid, region=region, mmr=mmr)
    await s.queue.join(uid, bw, sc2, vetoes)


async def waits_of(db: Database) -> dict[int, int]:
    async with db.read() as uow:
        return {e.discord_uid: e.waits for e in await uow.queue.all()}


async def only_match(s: Stack, match_ids: Sequence[int]) -> MatchState:
    (match_id,) = match_ids
    return await s.matches.get(match_id)


async def test_a_wave_creates_the_match_and_everything_around_it(db: Database) -> None:
    s = build_stack(db)
    await queue(s, 2, None, "sc2_protoss", mmr={"sc2_protoss": 1580}, region="NAE", vetoes=SEASON[:4])
    await queue(s, 1, "bw_terran", None, mmr={"bw_terran": 1540}, region="EUW", vetoes=SEASON[4:8])
    s.notifier.clear()
    report = await s.matchmaker.run_wave()
    assert (report.queued, report.matched_players, report.matched_share, report.exact) == (2, 2, 1.0, True)
    match = await only_match(s, report.match_ids)
    assert (match.player_1, match.race_1, match.mmr_1) == (1, "bw_terran", 1540)  # slot 1: the BW side
    assert (match.player_2, match.race_2, match.mmr_2) == (2, "sc2_protoss", 1580)
    assert match.status is MatchStatus.FOUND and match.map_name == SEASON[8]  # the only map not vetoed
    assert match.server == GAME.server_for("EUW", "NAE").code
    # No match-wide deadline: each player's runs from the delivery of their message (the recording
    # notifier delivers on hand-off, so both were armed at once, with their reminders and deadlines).
    assert match.confirm_deadline is None
    deadline = match.played_at + s.timings.confirm_timeout
    assert (match.confirm_deadline_1, match.confirm_deadline_2) == (deadline, deadline)
    assert await player_state(db, 1) == ("in_match", match.id, 3)
    assert await player_state(db, 2) == ("in_match", match.id, 3)
    assert await waits_of(db) == {}
    async with db.read() as uow:
        jobs = sorted((j.kind, j.discord_uid) for j in await uow.jobs.pending(match.id))
        assert await uow.outbox.pending_count() == 0
    assert jobs == [
        (JobKind.CONFIRM_DEADLINE, 1), (JobKind.CONFIRM_DEADLINE, 2),
        (JobKind.CONFIRM_REMINDER, 1), (JobKind.CONFIRM_REMINDER, 2),
    ]
    found = s.notifier.of(MatchFound)
    within = s.timings.confirm_timeout
    assert found == [  # nothing about the opponent: only the player's own race
        MatchFound(1, match.id, "bw_terran", None, 3, within),
        MatchFound(2, match.id, "sc2_protoss", None, 3, within),
    ]
    assert s.read_models.players[-2:] == [1, 2]


async def test_missing_region_gets_the_default_server(db: Database) -> None:
    s = build_stack(db)
    await queue(s, 1, "bw_zerg", None, region=None)
    await queue(s, 2, None, "sc2_zerg", region="KRJ")
    match = await only_match(s, (await s.matchmaker.run_wave()).match_ids)
    assert match.server == GAME.default_server


async def test_unmatched_entries_wait_and_their_window_grows(db: Database) -> None:
    s = build_stack(db)
    await queue(s, 1, "bw_zerg", None, mmr={"bw_zerg": 1500})
    await queue(s, 2, None, "sc2_zerg", mmr={"sc2_zerg": 1760})  # gap 260: needs waits >= 4 (100+50*4=300)
    waves = 0
    while True:
        waves += 1
        report = await s.matchmaker.run_wave()
        if report.match_ids:
            break
        assert await waits_of(db) == {1: waves, 2: waves}
    # wave k sees waits k (stored k-1, plus the wave's own): window(3) = 250 < 260 <= window(4) = 300
    assert waves == 4


async def test_two_race_player_alone_is_never_matched_with_themselves(db: Database) -> None:
    s = build_stack(db)
    await queue(s, 1, "bw_zerg", "sc2_zerg")
    report = await s.matchmaker.run_wave()
    assert report.match_ids == () and await waits_of(db) == {1: 1}
    await queue(s, 2, "bw_protoss", None)
    match = await only_match(s, (await s.matchmaker.run_wave()).match_ids)
    assert (match.player_1, match.player_2, match.race_2) == (2, 1, "sc2_zerg")


async def test_banned_players_are_not_paired(db: Database) -> None:
    s = build_stack(db)
    await queue(s, 1, "bw_zerg", None)
    await queue(s, 2, None, "sc2_zerg")
    async with db.transaction() as uow:
        await uow.players.update(2, s.clock.now(), is_banned=True)
    report = await s.matchmaker.run_wave()
    assert (report.queued, report.match_ids) == (1, ())


class LeavesMidWave(Matchmaker):
    """Someone leaves after the wave read the queue and before it writes."""

    leaver: int = 0
    joiner: int = 0
    stack: Stack | None = None

    async def _write(
        self, rows: list[WaveMatch], wave_at: datetime, read_at: datetime
    ) -> tuple[list[Made], int]:
        assert self.stack is not None
        await self.stack.queue.leave(self.leaver)
        if self.joiner:  # and someone else joins: the wave did not see them
            self.stack.clock.advance(seconds=1)
            await queue(self.stack, self.joiner, "bw_protoss", None)
        return await super()._write(rows, wave_at, read_at)


async def test_a_player_who_left_during_the_wave_is_not_matched(db: Database) -> None:
    s = build_stack(db)
    mm = LeavesMidWave(
        db=db, clock=s.clock, game=GAME, read_models=s.read_models, notifier=s.notifier, timings=s.timings
    )
    mm.leaver, mm.joiner, mm.stack = 2, 9, s
    for uid, bw, sc2 in ((1, "bw_zerg", None), (2, None, "sc2_zerg"), (3, "bw_terran", None)):
        await queue(s, uid, bw, sc2)
    await queue(s, 4, None, "sc2_terran")
    report = await mm.run_wave()
    assert report.dropped_pairs == 1 and len(report.match_ids) == 1
    assert await player_state(db, 2) == ("idle", None, 3)
    partner = 1 if (await player_state(db, 1))[0] == "queueing" else 3
    assert await waits_of(db) == {partner: 1, 9: 0}


class RequeuesMidWave(Matchmaker):
    """Someone leaves and queues again with another race while the wave is being solved."""

    stack: Stack | None = None

    async def _write(
        self, rows: list[WaveMatch], wave_at: datetime, read_at: datetime
    ) -> tuple[list[Made], int]:
        assert self.stack is not None
        await self.stack.queue.leave(2)
        await self.stack.queue.join(2, None, "sc2_terran")
        return await super()._write(rows, wave_at, read_at)


async def test_a_player_who_requeued_with_another_race_is_not_matched_with_the_old_one(
    db: Database,
) -> None:
    s = build_stack(db)
    mm = RequeuesMidWave(
        db=db, clock=s.clock, game=GAME, read_models=s.read_models, notifier=s.notifier, timings=s.timings
    )
    mm.stack = s
    await queue(s, 1, "bw_zerg", None)
    await queue(s, 2, None, "sc2_zerg")
    report = await mm.run_wave()
    assert (report.dropped_pairs, report.match_ids) == (1, ())
    assert await player_state(db, 2) == ("queueing", None, 3)
    async with db.read() as uow:
        entry = await uow.queue.get(2)
    assert entry is not None and entry.sc2_race == "sc2_terran"
    assert await waits_of(db) == {1: 1, 2: 1}  # both joined by the time the wave read the queue


async def test_wave_timestamps_compare_with_stored_ones(db: Database) -> None:
    """The wave writes its timestamps straight through the driver: they must be stored as every
    other write stores them (on SQLite, text compared as text), or range queries miss them."""
    s = build_stack(db)
    await queue(s, 1, "bw_zerg", None)
    await queue(s, 2, None, "sc2_zerg")
    match = await only_match(s, (await s.matchmaker.run_wave()).match_ids)
    assert match.played_at == s.clock.now() and match.played_at.microsecond == 0
    async with db.read() as uow:
        assert await uow.matches.players_since(match.played_at) == {1, 2}
        due = await uow.jobs.due(match.played_at + s.timings.confirm_reminder_after)
        since = outbox.c.created_at >= match.played_at
        told = await uow.conn.execute(select(outbox.c.discord_uid).where(since))
        assert sorted(uid for (uid,) in told) == [1, 2]
    reminders = [(JobKind.CONFIRM_REMINDER, match.id, uid) for uid in (1, 2)]
    assert [(j.kind, j.match_id, j.discord_uid) for j in due] == reminders


async def test_a_wave_stores_every_map_name_as_written(db: Database) -> None:
    """The wave's rows reach the database packed (one JSON array on SQLite, one array per column
    on PostgreSQL): names with quotes, commas, braces, a backslash, the word NULL or non-ASCII
    letters come back exactly as written, each on its own match."""
    s = build_stack(db)
    names = ['Nul"l, {x} \\ "NULL"', "NULL", "Ölfeld 한국 {}", ""]
    rows: list[WaveMatch] = []
    for k, name in enumerate(names):
        bw, sc2 = 10 + 2 * k, 11 + 2 * k
        await queue(s, bw, "bw_zerg", None)
        await queue(s, sc2, None, "sc2_zerg")
        rows.append((bw, sc2, "bw_zerg", "sc2_zerg", 1500 + k, 1400, name, "EUW"))
    now = s.clock.now()
    async with db.transaction() as uow:
        ids = await uow.matches.create_wave(WaveWrite(rows, now, now, now))
    stored = [await s.matches.get(i) for i in ids if i is not None]
    assert [(m.player_1, m.map_name, m.mmr_1) for m in stored] == [
        (row[0], row[6], row[4]) for row in rows
    ]


async def test_no_immediate_rematch_when_another_pairing_exists(db: Database) -> None:
    s = build_stack(db)
    await queue(s, 1, "bw_zerg", None)
    await queue(s, 2, None, "sc2_zerg")
    first = await only_match(s, (await s.matchmaker.run_wave()).match_ids)
    for uid in (1, 2):
        await s.matches.confirm(first.id, uid)
    for uid in (1, 2):
        await s.matches.report(first.id, uid, Outcome.DRAW)
    await s.queue.join(1, "bw_zerg", None)
    await s.queue.join(2, None, "sc2_zerg")
    await queue(s, 3, "bw_zerg", None)
    await queue(s, 4, None, "sc2_zerg")
    report = await s.matchmaker.run_wave()
    pairs = {(m.player_1, m.player_2) for m in [await s.matches.get(i) for i in report.match_ids]}
    assert pairs == {(1, 4), (3, 2)}


async def test_a_wave_racing_a_leave_from_another_process(db_url: str) -> None:
    """Leave (process B) and the wave (process A) at once: matched or left, never half of each."""
    a = build_stack(Database(create_engine(db_url)))
    b = build_stack(Database(create_engine(db_url)), a.clock)
    try:
        for n in range(4):
            base = 100 * (n + 1)
            await queue(a, base + 1, "bw_zerg", None)
            await queue(a, base + 2, None, "sc2_zerg")
            wave, left = await asyncio.gather(
                a.matchmaker.run_wave(), b.queue.leave(base + 2), return_exceptions=True
            )
            assert not isinstance(wave, BaseException)
            one, two = await player_state(a.db, base + 1), await player_state(a.db, base + 2)
            if isinstance(left, BaseException):
                assert isinstance(left, InMatch)
                assert one[0] == two[0] == "in_match" and one[1] == two[1]
            else:
                assert wave.match_ids == () and two[0] == "idle" and one[0] == "queueing"
                await a.queue.leave(base + 1)
            assert not isinstance(left, LadderError) or isinstance(left, InMatch)
    finally:
        await a.db.close()
        await b.db.close()


async def test_the_loop_runs_waves_on_epoch_multiples(db: Database) -> None:
    """Built by hand like the stack's matchmaker, with one difference ``build_services`` has no
    seam for: a ``sleep`` that moves the clock, so waves follow each other at once."""
    clock = FakeClock(datetime(2026, 11, 22, 12, 0, 10, tzinfo=UTC))
    waves: list[float] = []
    s = build_stack(db, clock)

    async def fake_sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)  # time passes instantly
        waves.append(clock.now().timestamp())
        if len(waves) == 3:
            mm.request_stop()

    mm = Matchmaker(  # the stack's matchmaker, except that time passes instantly between waves
        db=db, clock=clock, game=GAME, read_models=s.read_models, notifier=s.notifier, timings=s.timings,
        sleep=fake_sleep,
    )
    await queue(s, 1, "bw_zerg", None)
    await mm.start()
    await mm.until_stopped()
    assert all(t % 45 == 0 for t in waves) and waves[1] - waves[0] == 45
    assert mm.last_report is not None and mm.last_report.wave_at.timestamp() == waves[1]
    assert await waits_of(db) == {1: 2}  # two waves ran; the stop came during the third sleep


async def test_the_queue_survives_a_restart(db_url: str) -> None:
    clock = FakeClock()
    first = build_stack(Database(create_engine(db_url)), clock)
    await queue(first, 1, "bw_zerg", None, mmr={"bw_zerg": 1500})
    await queue(first, 2, None, "sc2_zerg", mmr={"sc2_zerg": 1720})  # too far apart for now
    await first.matchmaker.run_wave()
    await first.db.close()

    second = build_stack(Database(create_engine(db_url)), clock)
    try:
        assert await waits_of(second.db) == {1: 1, 2: 1}
        assert (await second.queue.searching(1)).waits == 1
        await second.matchmaker.run_wave()  # window(2) = 200 < 220
        report = await second.matchmaker.run_wave()  # window(3) = 250 >= 220
        assert len(report.match_ids) == 1
        assert len(second.notifier.of(MatchFound)) == 2
    finally:
        await second.db.close()


async def test_two_matchmakers_racing_never_double_book(db_url: str) -> None:
    """Only one matchmaker should run, but two at the same instant must still be harmless."""
    a = build_stack(Database(create_engine(db_url)), seed=1)
    b = build_stack(Database(create_engine(db_url)), a.clock, seed=2)
    try:
        for uid in range(1, 21):
            await queue(a, uid, "bw_zerg" if uid % 2 else None, None if uid % 2 else "sc2_zerg")
        one, two = await asyncio.gather(a.matchmaker.run_wave(), b.matchmaker.run_wave())
        assert len(one.match_ids) + len(two.match_ids) == 10
        async with a.db.read() as uow:
            matches = [await uow.matches.get(i) for i in (*one.match_ids, *two.match_ids)]
            remaining = await uow.queue.uids()
        seen = [uid for m in matches if m is not None for uid in m.players]
        assert sorted(seen) == list(range(1, 21)) and remaining == []
        for m in matches:
            assert m is not None
            for uid in m.players:
                assert await player_state(a.db, uid) == ("in_match", m.id, 3)
        found = a.notifier.of(MatchFound) + b.notifier.of(MatchFound)
        assert sorted(f.discord_uid for f in found) == list(range(1, 21))
    finally:
        await a.db.close()
        await b.db.close()
