"""Property test of the wave *with its writes*, on random queues, through the real database.

The pairing itself is property-tested in the domain; this checks what the service writes around it
for any queue: one match per matched player, BW side in slot 1, snapshots equal to the queued
ratings, every pair inside a window, players moved and entries removed exactly for the matched,
waits counted for everyone else, and one "match found" outbox row per matched player (no job rows:
confirmation time starts at delivery).

The ``Matchmaker`` is built on its own with recording read models and notifier, on purpose: only
the wave's writes are under test, and Hypothesis runs many queues, each on a fresh database.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matchkit import GAME, T0, FakeClock, RecordingNotifier, RecordingReadModels
from sqlalchemy import delete, insert, select

from evoladder.domain.matchmaking import window
from evoladder.services.matchmaker import Matchmaker
from evoladder.store.schema import matches_1v1, mmrs_1v1, outbox, players, queue_entries, scheduled_jobs
from evoladder.store.uow import Database

BW = ["bw_terran", "bw_zerg", "bw_protoss"]
SC2 = ["sc2_terran", "sc2_zerg", "sc2_protoss"]

entry = st.tuples(
    st.sampled_from([*BW, None]),
    st.sampled_from([*SC2, None]),
    st.integers(1100, 1900),
    st.integers(1100, 1900),
    st.integers(0, 5),
).filter(lambda e: e[0] is not None or e[1] is not None)


async def _load(db: Database, queue: list[tuple[str | None, str | None, int, int, int]]) -> None:
    people: list[dict[str, Any]] = []
    ratings: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for n, (bw, sc2, bw_mmr, sc2_mmr, waits) in enumerate(queue):
        uid = 1000 + n
        people.append({
            "discord_uid": uid, "discord_username": f"p{uid}", "alt_ids": [], "is_banned": False,
            "aborts_left": 3, "aborts_period": 202611, "state": "queueing", "created_at": T0,
            "updated_at": T0, "version": 1, "region": "EUW",
        })
        for race, mmr in ((bw, bw_mmr), (sc2, sc2_mmr)):
            if race is not None:
                ratings.append({"discord_uid": uid, "race": race, "mmr": mmr, "games_played": 0,
                                "games_won": 0, "games_lost": 0, "games_drawn": 0})
        entries.append({"discord_uid": uid, "bw_race": bw, "sc2_race": sc2, "vetoes": [], "waits": waits,
                        "joined_at": T0, "recent_maps": []})
    async with db.transaction() as uow:
        for table in (outbox, scheduled_jobs, matches_1v1, queue_entries, mmrs_1v1, players):
            await uow.conn.execute(delete(table))
        for table, rows in ((players, people), (mmrs_1v1, ratings), (queue_entries, entries)):
            if rows:
                await uow.conn.execute(insert(table), rows)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(queue=st.lists(entry, max_size=24), seed=st.integers(0, 1000))
async def test_wave_writes_are_consistent_for_any_queue(
    db: Database, queue: list[tuple[str | None, str | None, int, int, int]], seed: int
) -> None:
    await _load(db, queue)
    mm = Matchmaker(  # on its own (no scheduler): the wave's writes and announcements only
        db=db, clock=FakeClock(), game=GAME, read_models=RecordingReadModels(), notifier=RecordingNotifier(),
        rng=random.Random(seed),
    )
    report = await mm.run_wave()
    by_uid = {1000 + n: e for n, e in enumerate(queue)}
    async with db.read() as uow:
        matches = [await uow.matches.get(i) for i in report.match_ids]
        remaining = {e.discord_uid: e.waits for e in await uow.queue.all()}
        people = await uow.players.get_many(by_uid)
        jobs = await uow.jobs.pending()
        told = (await uow.conn.execute(select(outbox.c.kind, outbox.c.match_id, outbox.c.discord_uid))).all()
    seen: list[int] = []
    for m in matches:
        assert m is not None and m.player_1 != m.player_2
        bw, sc2 = by_uid[m.player_1], by_uid[m.player_2]
        assert (m.race_1, m.race_2) == (bw[0], sc2[1])  # slot 1 is the BW side
        assert (m.mmr_1, m.mmr_2) == (bw[2], sc2[3])
        assert abs(m.mmr_1 - m.mmr_2) <= max(window(bw[4] + 1), window(sc2[4] + 1))
        for uid in m.players:
            assert (people[uid].state.value, people[uid].current_match_id) == ("in_match", m.id)
        seen += m.players
        assert sorted((uid for kind, mid, uid in told if mid == m.id and kind == "match_found")) == sorted(
            m.players
        )
    assert len(seen) == len(set(seen)) == report.matched_players
    assert set(remaining) == set(by_uid) - set(seen)
    for uid, waits in remaining.items():
        assert waits == by_uid[uid][4] + 1
        assert people[uid].state.value == "queueing"
    assert jobs == [] and len(told) == 2 * len(matches)
