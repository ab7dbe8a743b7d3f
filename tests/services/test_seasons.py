"""Season start: preview then confirm, the closing board archived, ratings moved with history rows,
aborts given back, the pool switched, open matches finishing under their own season, and a
restart at any point leaving either the old season or the new one, never half of each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from matchkit import GAME, FakeClock, RecordingNotifier, build_stack, confirmed_match, mmr
from sqlalchemy import func, select

from evoladder.domain.errors import NotAuthorized, SeasonChanged, UnknownMapPool
from evoladder.domain.history import HistoryKind, toward_start
from evoladder.domain.rating import Outcome, rate
from evoladder.services.leaderboard import LeaderboardService
from evoladder.services.profile import ProfileService
from evoladder.services.seasons import SeasonBook, SeasonService
from evoladder.services.wiring import build_services
from evoladder.settings import load_settings
from evoladder.store.schema import season_standings_1v1
from evoladder.store.uow import Database

P1, P2, P3, P4, ADMIN = 11, 22, 33, 44, 99
Z, T = "bw_zerg", "sc2_terran"
NEW_POOL = next(code for code in GAME.seasons if code != GAME.current_season)


@dataclass
class Ladder:
    """One process: the season book loaded from the database, the services over it."""

    book: SeasonBook
    seasons: SeasonService
    leaderboard: LeaderboardService
    profiles: ProfileService


async def ladder(db: Database, clock: FakeClock, percent: int = 50) -> Ladder:
    """A (re)started process: the services ``build_services`` makes over ``db``, with the start-up
    reads production does (the season book, the leaderboard) and ``ADMIN`` as the one owner."""
    services = build_services(
        settings=load_settings(
            season_reset_percent=percent, player_cache_ttl_seconds=0, activation_required=False,
            owner_ids=frozenset({ADMIN}), report_requires_replay=False,
        ),
        db=db, clock=clock, game=GAME, notifier=lambda *_parts: RecordingNotifier(),
    )
    await services.season_book.load(db)
    await services.leaderboard.build()
    await services.roster.sync_owners(services.settings.owner_ids)
    return Ladder(services.season_book, services.seasons, services.leaderboard, services.profiles)


async def play(s: object, p1: int, p2: int, outcome: Outcome, **kw: object) -> int:
    m = await confirmed_match(s, p1, p2, **kw)  # type: ignore[arg-type]
    await s.matches.report(m.id, p1, outcome)  # type: ignore[attr-defined]
    await s.matches.report(m.id, p2, outcome)  # type: ignore[attr-defined]
    return m.id


async def last_row_equals_rating(db: Database, uid: int, race: str) -> bool:
    async with db.read() as uow:
        rows = await uow.history.for_rating(uid, race)
    return rows[-1].rating_after == (await mmr(db, uid, race)).mmr


async def test_the_whole_change_over(db: Database) -> None:
    s = build_stack(db)
    await play(s, P1, P2, Outcome.PLAYER_1)
    s.clock.advance(minutes=30)
    await play(s, P1, P2, Outcome.PLAYER_1, create_players=False)
    open_match = await confirmed_match(s, P3, P4)  # found in the closing season, finished after
    async with db.transaction() as uow:
        await uow.players.update(P1, s.clock.now(), aborts_left=1)
    s.clock.advance(minutes=5)
    old = await ladder(db, s.clock)
    closing = old.book.current
    assert closing is not None
    before = {(P1, Z): (await mmr(db, P1, Z)).mmr, (P2, T): (await mmr(db, P2, T)).mmr}

    with pytest.raises(NotAuthorized):
        await old.seasons.preview(P1)
    with pytest.raises(UnknownMapPool):
        await old.seasons.preview(ADMIN, map_pool="no_such_pool")
    plan = await old.seasons.preview(ADMIN, name="Season Two", map_pool=NEW_POOL)
    assert (plan.closing.id, plan.name, plan.map_pool, plan.percent) == (
        closing.id, "Season Two", NEW_POOL, 50
    )
    assert (plan.archived_rows, plan.ranked_rows, plan.open_matches) == (2, 2, 1)
    assert plan.moved == 2  # P1 and P2 moved away from 1500; P3 and P4 are still at it

    result = await old.seasons.start(ADMIN, plan, "end of season one")
    now = s.clock.now()
    assert result.opening.name == "Season Two" and result.opening.map_pool == NEW_POOL
    assert old.book.current == result.opening and old.book.pool is GAME.seasons[NEW_POOL]
    with pytest.raises(SeasonChanged):  # a second confirm of the same preview starts nothing
        await old.seasons.start(ADMIN, plan, "again")

    # the final board is archived as the live board stood
    past = await old.leaderboard.season_page(closing.id)
    assert [(e.discord_uid, e.global_rank, e.mmr) for e in past.page.entries] == [
        (P1, 1, before[(P1, Z)]), (P2, 2, before[(P2, T)])
    ]
    # ratings moved half way toward 1500, counters start again, history says so
    for (uid, race), value in before.items():
        row = await mmr(db, uid, race)
        assert (row.mmr, row.games_played) == (toward_start(value, 50), 0)
        async with db.read() as uow:
            last = (await uow.history.for_rating(uid, race))[-1]
        assert (last.kind, last.season_id, last.rating_before, last.rating_after, last.at) == (
            HistoryKind.SEASON_RESET, result.opening.id, value, row.mmr, now
        )
    async with db.read() as uow:
        player = await uow.players.get(P1)
        audit = await uow.admins.actions(limit=5)
    assert player is not None and player.aborts_left == 3
    assert audit[0]["action_type"] == "season_start" and audit[0]["reason"] == "end of season one"

    # the open match finishes under the season it was found in
    await s.matches.report(open_match.id, P3, Outcome.PLAYER_2)
    await s.matches.report(open_match.id, P4, Outcome.PLAYER_2)
    delta = rate(1500, 1500, Outcome.PLAYER_2).delta
    async with db.read() as uow:
        rows = await uow.history.for_match(open_match.id)
        p4_then = await uow.standings.for_player(closing.id, P4)
    assert {r.season_id for r in rows} == {closing.id}
    assert (await mmr(db, P4, T)).mmr == 1500 - delta and (await mmr(db, P4, T)).games_played == 0
    assert [(x.games_won, x.letter) for x in p4_then] == [(1, "U")]
    for uid, race in ((P1, Z), (P2, T), (P3, Z), (P4, T)):
        assert await last_row_equals_rating(db, uid, race)

    # the new season's profile starts empty; the closing one is there on request
    fresh = await ladder(db, s.clock)  # a restart: everything rebuilt from the database
    assert fresh.book.current == result.opening and fresh.book.pool is GAME.seasons[NEW_POOL]
    now_profile = await fresh.profiles.profile(P1)
    assert now_profile.overall.games == 0 and now_profile.season is None
    then = await fresh.profiles.profile(P1, season_id=closing.id)
    (zerg,) = [r for r in then.races if r.race == Z]
    assert (zerg.mmr, zerg.record.wins, zerg.global_rank, then.season) == (
        before[(P1, Z)], 2, 1, result.closing
    )
    assert result.closing.ended_at == now
    assert fresh.leaderboard.page().page.total == 0
    s.clock.advance(minutes=1)
    await play(s, P1, P2, Outcome.DRAW, create_players=False)
    assert (await fresh.profiles.profile(P1)).overall.draws == 1


async def test_a_crash_in_the_middle_of_a_season_start_changes_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = build_stack(db)
    await play(s, P1, P2, Outcome.PLAYER_1)
    first = await ladder(db, s.clock, percent=100)
    plan = await first.seasons.preview(ADMIN)
    rating = (await mmr(db, P1, Z)).mmr

    import evoladder.services.seasons as seasons_module

    async def power_cut(*_: object) -> None:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(seasons_module, "_give_aborts_back", power_cut)
    with pytest.raises(RuntimeError):
        await first.seasons.start(ADMIN, plan, "season two")
    monkeypatch.undo()

    after_crash = await ladder(db, s.clock, percent=100)  # the restart
    assert after_crash.book.current == plan.closing
    assert (await mmr(db, P1, Z)).mmr == rating
    async with db.read() as uow:
        count = select(func.count()).select_from(season_standings_1v1)
        archived = (await uow.conn.execute(count)).scalar_one()
        assert len(await uow.history.for_rating(P1, Z)) == 1
    assert archived == 0
    again = await after_crash.seasons.preview(ADMIN)
    done = await after_crash.seasons.start(ADMIN, again, "season two")
    assert (await mmr(db, P1, Z)).mmr == 1500 and done.closing.id == plan.closing.id
    assert await last_row_equals_rating(db, P1, Z)


async def test_the_archived_board_has_the_live_boards_ranks_letters_and_best_rows(db: Database) -> None:
    s = build_stack(db)
    now = s.clock.now()
    uids = [500 + i for i in range(24)]
    async with db.transaction() as uow:
        for i, uid in enumerate(uids):
            await uow.players.insert(uid, f"p{uid}", now, 202611)
            for j, race in enumerate((Z, T) if i % 3 else (Z,)):
                await uow.mmrs.get_or_create(uid, race)
                age = timedelta(days=20) if i == 5 else timedelta(minutes=i * 7 + j)  # one inactive
                await uow.mmrs.apply_result(uid, race, (i * 37 + j * 50) % 400 - 200, won=1,
                                            played_at=now - age)
        await uow.players.update(uids[7], now, is_banned=True)
    game = await ladder(db, s.clock)
    live = {(uid, race): game.leaderboard.rank_of(uid, race) for uid in uids for race in (Z, T)}
    best = {(e.discord_uid, e.race) for e in game.leaderboard.page(best_only=True).page.entries}
    closing = game.book.current
    assert closing is not None
    await game.seasons.start(ADMIN, await game.seasons.preview(ADMIN), "close")
    async with db.read() as uow:
        rows = (await uow.conn.execute(select(season_standings_1v1))).mappings().all()
    archived = {(r["discord_uid"], r["race"]): r for r in rows}
    assert len(archived) == sum(1 for v in live) - sum(1 for i in range(24) if i % 3 == 0)
    for key, rank in live.items():
        if key not in archived:
            continue
        row = archived[key]
        expected = (rank.global_rank, rank.letter) if rank else (None, "U")
        assert (row["global_rank"], row["letter"]) == expected, key
        assert bool(row["best"]) == (key in best), key


async def test_a_season_starts_on_a_ladder_where_nobody_is_ranked(db: Database) -> None:
    """A new ladder, or one where nobody played in the activity window: nothing to rank, and the
    change-over still goes through (the rated but inactive rows are archived as U)."""
    s = build_stack(db)
    now = s.clock.now()
    async with db.transaction() as uow:
        await uow.players.insert(P1, "p1", now, 202611)
        await uow.mmrs.get_or_create(P1, Z)
        await uow.mmrs.apply_result(P1, Z, 20, won=1, played_at=now - timedelta(days=30))
    game = await ladder(db, s.clock)
    plan = await game.seasons.preview(ADMIN, map_pool=NEW_POOL)
    result = await game.seasons.start(ADMIN, plan, "new season")
    assert result.plan.archived_rows == 1
    async with db.read() as uow:
        rows = (await uow.conn.execute(select(season_standings_1v1))).mappings().all()
    assert [(r["discord_uid"], r["global_rank"], r["letter"]) for r in rows] == [(P1, None, "U")]
    assert game.book.current is not None and game.book.current.map_pool == NEW_POOL
