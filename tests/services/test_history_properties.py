"""The history's invariants under any sequence of what moves a rating: matches (agreed or in
conflict), admin resolutions and re-resolutions, and admin adjustments.

After every sequence: each rating equals the last row of its history, every rating's rows chain
(each starts where the previous ended, the first at the start rating), and the rows of each
match sum to zero.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict

from accountkit import make_stack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matchkit import add_player, build_stack, confirmed_match
from sqlalchemy import select

from evoladder.domain.errors import LadderError
from evoladder.domain.match_state import Resolution
from evoladder.domain.rating import START_MMR, Outcome
from evoladder.store.engine import create_engine
from evoladder.store.schema import mmrs_1v1, rating_history_1v1
from evoladder.store.uow import Database

BW, SC2 = "bw_zerg", "sc2_terran"
PLAYERS = 4
ADMIN = 900_000_000_000_000_002  # accountkit's admin

play = st.tuples(
    st.just("play"), st.integers(0, PLAYERS - 1), st.integers(0, PLAYERS - 1),
    st.sampled_from([Outcome.PLAYER_1, Outcome.PLAYER_2, Outcome.DRAW]),
    st.booleans(),  # True: the second player reports the other way (a conflict)
)
resolve = st.tuples(st.just("resolve"), st.integers(0, 30), st.sampled_from(list(Resolution)))
adjust = st.tuples(
    st.just("adjust"), st.integers(0, PLAYERS - 1), st.sampled_from([BW, SC2]), st.integers(900, 2200)
)
operations = st.lists(st.one_of(play, play, resolve, adjust), min_size=1, max_size=14)
_batches = itertools.count(1)


async def check_history_scenario(url: str, ops: list[tuple[object, ...]]) -> None:
    db = Database(create_engine(url, pool_min=1, pool_max=4))
    try:
        base = next(_batches) * 100
        uids = [base + i for i in range(PLAYERS)]
        s = build_stack(db)
        admin = make_stack(db).admin
        async with db.transaction() as uow:
            if await uow.admins.role_of(ADMIN) is None:
                await uow.admins.put(ADMIN, "admin", None, s.clock.now())
        for uid in uids:
            await add_player(db, uid, now=s.clock.now())
        matches: list[int] = []
        for op in ops:
            s.clock.advance(minutes=7)
            try:
                if op[0] == "play":
                    _, a, b, outcome, disagree = op
                    if a == b:
                        continue
                    m = await confirmed_match(s, uids[a], uids[b], create_players=False)  # type: ignore[index]
                    matches.append(m.id)
                    other = Outcome.PLAYER_2 if outcome is not Outcome.PLAYER_2 else Outcome.PLAYER_1
                    await s.matches.report(m.id, m.player_1, outcome)  # type: ignore[arg-type]
                    await s.matches.report(m.id, m.player_2, other if disagree else outcome)  # type: ignore[arg-type]
                elif op[0] == "resolve" and matches:
                    _, index, resolution = op
                    match_id = matches[index % len(matches)]  # type: ignore[operator]
                    await s.matches.admin_resolve(match_id, resolution, ADMIN, "checked")  # type: ignore[arg-type]
                elif op[0] == "adjust":
                    _, who, race, value = op
                    await admin.adjust_mmr(ADMIN, uids[who], race, value, "fix")  # type: ignore[index, arg-type]
            except LadderError:
                continue  # a refused step (same resolution twice...) changes nothing
        await _check(db, uids)
    finally:
        await db.close()


async def _check(db: Database, uids: list[int]) -> None:
    h = rating_history_1v1.c
    async with db.read() as uow:
        r = mmrs_1v1.c
        ratings = (await uow.conn.execute(
            select(r.discord_uid, r.race, r.mmr).where(r.discord_uid.in_(uids))
        )).all()
        rows = (await uow.conn.execute(
            select(h.discord_uid, h.race, h.match_id, h.rating_before, h.rating_after)
            .where(h.discord_uid.in_(uids)).order_by(h.id)
        )).all()
    chains: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    per_match: dict[int, int] = defaultdict(int)
    for uid, race, match_id, before, after in rows:
        chains[(uid, race)].append((before, after))
        if match_id is not None:
            per_match[match_id] += after - before
    for uid, race, mmr in ratings:
        chain = chains[(uid, race)]
        if not chain:
            assert mmr == START_MMR, (uid, race)
            continue
        assert chain[-1][1] == mmr, (uid, race, chain)
        assert chain[0][0] == START_MMR
        assert all(prev[1] == nxt[0] for prev, nxt in itertools.pairwise(chain)), chain
    assert all(total == 0 for total in per_match.values()), per_match


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_every_rating_ends_at_its_last_history_row_and_every_match_sums_to_zero(
    db_url: str, ops: list[tuple[object, ...]]
) -> None:
    asyncio.run(check_history_scenario(db_url, ops))
