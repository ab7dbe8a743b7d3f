"""/profile on SQLite and PostgreSQL: identity, per-race statistics from the matches, status."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from accountkit import ADMIN, Stack, rated, register, started_stack
from sqlalchemy import insert

from evoladder.domain.errors import PlayerNotFound
from evoladder.domain.rating import Outcome, rate
from evoladder.domain.records import Record
from evoladder.services.profile import AccountStatus, Profile, RaceProfile
from evoladder.store.schema import matches_1v1
from evoladder.store.uow import Database, UnitOfWork

BASE = 555_555_555_555_555_000
RACES = ("bw_terran", "bw_zerg", "bw_protoss", "sc2_terran", "sc2_zerg", "sc2_protoss")


@pytest.fixture
async def stack(db: Database) -> Stack:
    return await started_stack(db)


def match_row(
    p1: int, p2: int, r1: str, r2: str, result: int | None, at: datetime, delta: int
) -> dict[str, object]:
    status = {None: "confirmed", 0: "final", 1: "final", 2: "final", -1: "aborted", -2: "conflict"}[result]
    return {
        "player_1_discord_uid": p1, "player_2_discord_uid": p2, "player_1_race": r1, "player_2_race": r2,
        "player_1_mmr": 1500, "player_2_mmr": 1500, "match_result": result,
        "mmr_change": delta if result in (0, 1, 2) else None, "map_played": "Khione SEL",
        "server_choice": "USE", "status": status, "played_at": at,
        "finalized_at": at if result is not None else None, "version": 1,
    }


async def record_match(
    uow: UnitOfWork, p1: int, p2: int, r1: str, r2: str, result: int | None, at: datetime
) -> None:
    """A match row and, for a final result, the counters a finalize would move (zero-sum MMR)."""
    delta = 0
    if result in (0, 1, 2):
        a = await uow.mmrs.get_or_create(p1, r1)
        b = await uow.mmrs.get_or_create(p2, r2)
        delta = rate(a.mmr, b.mmr, Outcome(result)).delta
        won1, lost1, drawn = int(result == 1), int(result == 2), int(result == 0)
        await uow.mmrs.apply_result(p1, r1, delta, won=won1, lost=lost1, drawn=drawn, played_at=at)
        await uow.mmrs.apply_result(p2, r2, -delta, won=lost1, lost=won1, drawn=drawn, played_at=at)
    # A finished match as the match service leaves it (its repository inserts new matches only).
    await uow.conn.execute(insert(matches_1v1), [match_row(p1, p2, r1, r2, result, at, delta)])


@dataclass
class Expected:
    """W-L-D per (player, race) and window, counted by brute force from the generated matches."""

    now: datetime
    totals: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    windows: dict[tuple[int, str, int], list[int]] = field(default_factory=dict)
    last: dict[tuple[int, str], datetime] = field(default_factory=dict)

    def add(self, uid: int, race: str, outcome: int, at: datetime) -> None:  # outcome: 0 win, 1 loss, 2 draw
        self.totals.setdefault((uid, race), [0, 0, 0])[outcome] += 1
        for days in (14, 30, 90):
            if at >= self.now - timedelta(days=days):
                self.windows.setdefault((uid, race, days), [0, 0, 0])[outcome] += 1
        self.last[(uid, race)] = max(at, self.last.get((uid, race), at))


async def test_counters_and_matches_agree_after_many_random_matches(stack: Stack) -> None:
    rng = random.Random(20261122)
    players = [BASE + i for i in range(8)]
    for i, uid in enumerate(players):
        await register(stack, uid, f"Player{'abcdefgh'[i]}")
    now = stack.clock.now()
    expected = Expected(now)
    ages = sorted((rng.uniform(0, 120) for _ in range(400)), reverse=True)  # oldest first
    async with stack.db.transaction() as uow:
        for age in ages:
            p1, p2 = rng.sample(players, 2)
            r1, r2 = rng.choice(RACES[:3]), rng.choice(RACES[3:])
            result = rng.choice([0, 1, 1, 2, 2, None, -1, -2])
            at = now - timedelta(days=age)
            await record_match(uow, p1, p2, r1, r2, result, at)
            if result in (0, 1, 2):
                one, two = {1: (0, 1), 2: (1, 0), 0: (2, 2)}[result]
                expected.add(p1, r1, one, at)
                expected.add(p2, r2, two, at)
    async with stack.db.read() as uow:
        rows = [r for uid in players for r in await uow.mmrs.for_player(uid)]
    stack.read_models.mmr_changed(rows)

    for uid in players:
        profile = await stack.profiles.profile(uid)
        assert [r.race for r in profile.races] == list(RACES)
        for race in profile.races:
            want = expected.totals.get((uid, race.race), [0, 0, 0])
            assert (race.record.wins, race.record.losses, race.record.draws) == tuple(want)
            assert race.counters == race.record  # counters never drifted from the matches
            for days in (14, 30, 90):
                w = expected.windows.get((uid, race.race, days), [0, 0, 0])
                assert (race.recent[days].wins, race.recent[days].losses, race.recent[days].draws) == tuple(w)
            assert race.last_played == expected.last.get((uid, race.race))
            assert race.played == (sum(want) > 0)
            if race.record.games:
                assert race.win_percent == pytest.approx(100 * race.record.wins / race.record.games)
        overall = sum((r.record for r in profile.races), Record())
        assert profile.overall == overall
        mine = [t for (u, _r), t in expected.last.items() if u == uid]
        assert profile.last_played == max(mine, default=None)


async def test_profile_shows_identity_ranks_and_never_played_races(stack: Stack) -> None:
    uid = BASE
    await register(stack, uid, "Maru", country="CI", region="AFR", alt_ids=("테란왕", "Зерг"))
    await register(stack, uid + 1, "Rival", country="KR")
    await rated(stack, uid + 1, "sc2_terran", 100)
    await rated(stack, uid, "sc2_terran", 30, won=2, lost=1)
    profile = await stack.profiles.profile(uid)
    assert (profile.main_id, profile.battletag, profile.alt_ids) == ("Maru", "Maru#1234", ("테란왕", "Зерг"))
    assert profile.country is not None and profile.country.name == "Côte d'Ivoire"
    assert profile.region is not None and profile.region.code == "AFR"
    terran = next(r for r in profile.races if r.race == "sc2_terran")
    assert (terran.mmr, terran.global_rank, terran.counters) == (1530, 2, Record(2, 1, 0))
    assert terran.letter in "SABCDEF"
    zerg = next(r for r in profile.races if r.race == "bw_zerg")
    assert (zerg.played, zerg.mmr, zerg.letter, zerg.global_rank, zerg.win_percent) == (
        False, None, "U", None, None
    )
    assert zerg.recent == {14: Record(), 30: Record(), 90: Record()}
    assert profile.aborts_left == 3 and profile.aborts_per_month == 3
    assert profile.status is AccountStatus.ACTIVE and profile.ranked_total == 2


async def test_status_follows_the_account(stack: Stack) -> None:
    uid = BASE
    await stack.accounts.ensure_player(uid, "new")
    assert (await stack.profiles.profile(uid)).status is AccountStatus.TERMS_PENDING
    await stack.accounts.accept_terms(uid)
    assert (await stack.profiles.profile(uid)).status is AccountStatus.SETUP_PENDING
    await stack.accounts.complete_setup(uid, "Maru", "Maru#1234", [], "KR", "KRJ")
    assert (await stack.profiles.profile(uid)).status is AccountStatus.ACTIVE
    await stack.admin.ban(ADMIN, uid, "test")
    assert (await stack.profiles.profile(uid)).status is AccountStatus.BANNED
    with pytest.raises(PlayerNotFound):
        await stack.profiles.profile(BASE + 99)


async def test_activation_pending_shows_when_the_ladder_needs_it(db: Database) -> None:
    s = await started_stack(db, activation_required=True)
    await register(s, BASE, "Maru")
    assert (await s.profiles.profile(BASE)).status is AccountStatus.ACTIVATION_PENDING


async def final_match(
    stack: Stack, p1: int, p2: int, result: int, at: datetime, *, announce: bool = True
) -> None:
    """A final match between ``p1`` (bw_zerg) and ``p2`` (sc2_terran); announced to the read models
    after the commit as the match service does, unless ``announce`` is False."""
    async with stack.db.transaction() as uow:
        await record_match(uow, p1, p2, "bw_zerg", "sc2_terran", result, at)
    async with stack.db.read() as uow:
        rows = [*await uow.mmrs.for_player(p1), *await uow.mmrs.for_player(p2)]
    if announce:
        stack.read_models.mmr_changed(rows)


def zerg(profile: Profile) -> RaceProfile:
    return next(r for r in profile.races if r.race == "bw_zerg")


async def test_statistics_come_from_memory_until_a_write_announces_a_change(stack: Stack) -> None:
    await register(stack, BASE, "Maru")
    await register(stack, BASE + 1, "Rival")
    now = stack.clock.now()
    await final_match(stack, BASE, BASE + 1, 1, now - timedelta(days=1))
    assert zerg(await stack.profiles.profile(BASE)).record == Record(1, 0, 0)
    # A row written behind the read models' back is not seen: the profile is served from memory...
    await final_match(stack, BASE, BASE + 1, 1, now - timedelta(days=1), announce=False)
    assert zerg(await stack.profiles.profile(BASE)).record == Record(1, 0, 0)
    # ...and every writer announces its commit, which drops the entry: the next view reads again.
    await final_match(stack, BASE, BASE + 1, 2, now - timedelta(days=1))
    race = zerg(await stack.profiles.profile(BASE))
    assert race.record == Record(2, 1, 0) and race.counters == race.record
    stack.read_models.player_changed(BASE)  # a state change (queue, ban, abort) drops it too
    assert zerg(await stack.profiles.profile(BASE)).record == Record(2, 1, 0)
    assert stack.read_models.stats.hits == 1  # the one view between two announcements


async def test_windows_move_with_time_without_any_write(stack: Stack) -> None:
    await register(stack, BASE, "Maru")
    await register(stack, BASE + 1, "Rival")
    start = stack.clock.now()
    await final_match(stack, BASE, BASE + 1, 1, start - timedelta(days=13))
    await final_match(stack, BASE, BASE + 1, 2, start - timedelta(days=29, hours=12))
    first = zerg(await stack.profiles.profile(BASE))
    assert first.recent == {14: Record(1, 0, 0), 30: Record(1, 1, 0), 90: Record(1, 1, 0)}
    stack.clock.advance(hours=11)  # both matches still inside their windows: served from memory
    hits = stack.read_models.stats.hits
    assert zerg(await stack.profiles.profile(BASE)).recent == first.recent
    assert stack.read_models.stats.hits == hits + 1
    stack.clock.advance(hours=2)  # the older match leaves the 30-day window
    assert zerg(await stack.profiles.profile(BASE)).recent == {
        14: Record(1, 0, 0), 30: Record(1, 0, 0), 90: Record(1, 1, 0)
    }
    stack.clock.advance(hours=12)  # the 13-day-old match leaves the 14-day window
    later = zerg(await stack.profiles.profile(BASE))
    assert later.recent == {14: Record(), 30: Record(1, 0, 0), 90: Record(1, 1, 0)}
    assert later.record == Record(1, 1, 0)


async def test_a_read_racing_a_write_is_not_kept(stack: Stack) -> None:
    """Statistics read before a commit must not be stored after that commit's announcement."""
    await register(stack, BASE, "Maru")
    await register(stack, BASE + 1, "Rival")
    at = stack.clock.now() - timedelta(days=1)
    await final_match(stack, BASE, BASE + 1, 1, at)
    real = stack.db.snapshot

    async def snapshot_then_a_result_lands(*args: object, **kwargs: object) -> object:
        rows = await real(*args, **kwargs)  # type: ignore[arg-type]
        await final_match(stack, BASE, BASE + 1, 1, at)  # commits and announces after our read
        return rows

    stack.db.snapshot = snapshot_then_a_result_lands  # type: ignore[method-assign,assignment]
    try:
        assert zerg(await stack.profiles.profile(BASE)).record == Record(1, 0, 0)
    finally:
        stack.db.snapshot = real  # type: ignore[method-assign]
    assert zerg(await stack.profiles.profile(BASE)).record == Record(2, 0, 0)


async def test_a_profile_is_reused_until_something_it_shows_changes(stack: Stack) -> None:
    await register(stack, BASE, "Maru")
    await register(stack, BASE + 1, "Rival")
    await register(stack, BASE + 2, "Third")
    now = stack.clock.now()
    await final_match(stack, BASE, BASE + 1, 1, now - timedelta(days=1))
    first = await stack.profiles.profile(BASE)
    assert await stack.profiles.profile(BASE) is first  # nothing changed: the same object
    # Another player's game moves the board (a new ranked row): ranks are re-read, a new profile.
    await rated(stack, BASE + 2, "sc2_zerg", 5)
    moved = await stack.profiles.profile(BASE)
    assert moved is not first and moved.ranked_total == first.ranked_total + 1
    # The player's own change (a country) drops the cached record: built again, showing it.
    await stack.accounts.set_country(BASE, "DE")
    assert (await stack.profiles.profile(BASE)).country.code == "DE"  # type: ignore[union-attr]
    # A new month gives the aborts back without any write: the month is part of what is compared.
    before = await stack.profiles.profile(BASE)
    stack.clock.advance(days=40)
    assert await stack.profiles.profile(BASE) is not before


async def test_a_long_history_is_counted_whole(stack: Stack) -> None:
    """Statistics come from all of a player's matches, never from a truncated history: with more
    matches than any plausible cap (a profile built from the newest 1,000 would be the field's
    failure), the oldest ones still count, in the totals and in the 90-day window."""
    await register(stack, BASE, "Maru")
    await register(stack, BASE + 1, "Rival")
    now = stack.clock.now()
    # 1,500 losses 100-60 days ago, then 1,200 wins in the last 10 days: a cap at the newest
    # 1,000 (or 2,000) would show no loss at all (or lose 700 of them).
    old = [(2, now - timedelta(days=60, minutes=i)) for i in range(1_500)]
    new = [(1, now - timedelta(days=10) + timedelta(minutes=i)) for i in range(1_200)]
    async with stack.db.transaction() as uow:
        await uow.conn.execute(
            insert(matches_1v1),
            [match_row(BASE, BASE + 1, "bw_zerg", "sc2_terran", result, at, 20) for result, at in old + new],
        )
        await uow.mmrs.get_or_create(BASE, "bw_zerg")
        await uow.mmrs.apply_result(BASE, "bw_zerg", 0, won=1_200, lost=1_500, played_at=new[-1][1])
    stack.read_models.player_changed(BASE)

    race = zerg(await stack.profiles.profile(BASE))
    assert race.record == Record(1_200, 1_500, 0)
    assert race.recent[90] == Record(1_200, 1_500, 0)
    assert race.recent[14] == race.recent[30] == Record(1_200, 0, 0)
    assert race.win_percent == pytest.approx(100 * 1_200 / 2_700)
