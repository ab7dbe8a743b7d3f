"""The queue: choices and their validation, one entry per player, leave, admin removal, view facts."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from matchkit import GAME, add_player, build_stack, confirmed_match, player_state, seed_match, services_of

from evoladder.domain.errors import (
    AlreadyQueued,
    Banned,
    DeclineInMatch,
    InMatch,
    LadderError,
    NotQueued,
    PlayerNotFound,
    ReasonRequired,
    ValidationError,
)
from evoladder.domain.match_state import MatchStatus
from evoladder.domain.players import PlayerState
from evoladder.domain.rating import Outcome
from evoladder.services.events import MatchAborted, RemovedFromQueue
from evoladder.services.queue import BanCascade
from evoladder.store.engine import create_engine
from evoladder.store.uow import Database

P, Q, R, ADMIN = 501, 502, 503, 9
SEASON = [m.name for m in GAME.season.maps]


async def entry_of(db: Database, uid: int) -> object:
    async with db.read() as uow:
        return await uow.queue.get(uid)


async def test_options_offer_races_maps_and_last_choices(db: Database) -> None:
    s = build_stack(db)
    await add_player(db, P)
    first = await s.queue.options(P)
    assert first.bw_races == ("bw_terran", "bw_zerg", "bw_protoss")
    assert first.sc2_races == ("sc2_terran", "sc2_zerg", "sc2_protoss")
    assert first.maps == tuple(SEASON) and first.max_vetoes == 4
    assert (first.last_bw_race, first.last_sc2_race, first.last_vetoes) == (None, None, ())
    await s.queue.join(P, "bw_protoss", None, ["Khione", SEASON[0]])
    await s.queue.leave(P)
    again = await s.queue.options(P)
    assert (again.last_bw_race, again.last_sc2_race) == ("bw_protoss", None)
    assert again.last_vetoes == ("Khione SEL", SEASON[0])  # short names are stored as full names


async def test_join_writes_the_entry_the_state_and_the_view(db: Database) -> None:
    s = build_stack(db)
    await add_player(db, P)
    await add_player(db, Q)
    view = await s.queue.join(P, "bw_zerg", "sc2_zerg", ["Mothership LE"])
    await s.queue.join(Q, None, "sc2_terran")
    assert (view.bw_race, view.sc2_race) == ("bw_zerg", "sc2_zerg")
    assert (view.vetoes, view.waits) == (("Mothership LE",), 0)
    assert await player_state(db, P) == ("queueing", None, 3)
    assert s.read_models.players == [P, Q]
    status = (await s.queue.searching(Q)).status
    assert (status.counts.total, status.counts.bw, status.counts.sc2, status.counts.both) == (2, 1, 2, 1)
    assert status.next_wave_at > s.clock.now()
    assert status.next_wave_at.timestamp() % 45 == 0
    assert status.next_wave_at - s.clock.now() <= timedelta(seconds=45)
    assert status.active_players == 2


@pytest.mark.parametrize(
    ("bw", "sc2", "vetoes", "field"),
    [
        (None, None, [], "races"),
        ("", "", [], "races"),
        ("sc2_zerg", None, [], "bw_race"),
        (None, "bw_terran", [], "sc2_race"),
        ("bw_murloc", None, [], "bw_race"),
        ("bw_zerg", None, ["Not A Map"], "vetoes"),
        ("bw_zerg", None, SEASON[:5], "vetoes"),
    ],
)
async def test_bad_choices_are_refused_and_nothing_is_written(
    db: Database, bw: str | None, sc2: str | None, vetoes: list[str], field: str
) -> None:
    s = build_stack(db)
    await add_player(db, P)
    with pytest.raises(ValidationError) as info:
        await s.queue.join(P, bw, sc2, vetoes)
    assert info.value.field == field and info.value.message
    assert await entry_of(db, P) is None
    assert await player_state(db, P) == ("idle", None, 3)
    assert (await s.queue.options(P)).last_vetoes == ()


async def test_duplicate_vetoes_count_once(db: Database) -> None:
    s = build_stack(db)
    await add_player(db, P)
    view = await s.queue.join(P, "bw_zerg", None, [*SEASON[:4], SEASON[0], "Khione"][:5])
    assert len(view.vetoes) == 4


async def test_one_entry_per_player(db: Database) -> None:
    s = build_stack(db)
    await add_player(db, P)
    await s.queue.join(P, "bw_zerg", None)
    with pytest.raises(AlreadyQueued):
        await s.queue.join(P, None, "sc2_zerg")
    assert (await s.queue.searching(P)).bw_race == "bw_zerg"


async def test_who_cannot_join(db: Database) -> None:
    s = build_stack(db)
    with pytest.raises(PlayerNotFound):
        await s.queue.join(P, "bw_zerg", None)
    match = await confirmed_match(s, Q, R)
    with pytest.raises(InMatch):
        await s.queue.join(Q, "bw_zerg", None)
    await add_player(db, P)
    async with db.transaction() as uow:
        await uow.players.update(P, s.clock.now(), is_banned=True)
    with pytest.raises(Banned):
        await s.queue.join(P, "bw_zerg", None)
    assert match.status is MatchStatus.CONFIRMED


async def test_leave_and_join_again(db: Database) -> None:
    s = build_stack(db)
    await add_player(db, P)
    with pytest.raises(NotQueued):
        await s.queue.leave(P)
    await s.queue.join(P, "bw_zerg", None)
    await s.queue.leave(P)
    assert await entry_of(db, P) is None and await player_state(db, P) == ("idle", None, 3)
    with pytest.raises(NotQueued):
        await s.queue.searching(P)
    await s.queue.join(P, "bw_terran", None)


async def test_admin_remove_is_audited_and_told(db: Database) -> None:
    s = build_stack(db)
    await add_player(db, P)
    await s.queue.join(P, "bw_zerg", None)
    with pytest.raises(ReasonRequired):
        await s.queue.remove(P, by_admin=ADMIN, reason=" ")
    assert await s.queue.remove(P, by_admin=ADMIN, reason="afk for an hour")
    assert await player_state(db, P) == ("idle", None, 3)
    assert s.notifier.of(RemovedFromQueue) == [RemovedFromQueue(P, ADMIN, "afk for an hour")]
    async with db.read() as uow:
        (row,) = await uow.admins.actions(target_player_uid=P)
    assert (row["action_type"], row["admin_discord_uid"]) == ("remove_queue", ADMIN)
    assert row["reason"] == "afk for an hour"
    assert not await s.queue.remove(P, by_admin=ADMIN, reason="again")


async def test_clear_removes_and_tells_everyone(db: Database) -> None:
    s = build_stack(db)
    for uid in (P, Q, R):
        await add_player(db, uid)
        await s.queue.join(uid, "bw_zerg", None)
    removed = await s.queue.clear(by_admin=ADMIN, reason="maintenance")
    assert sorted(removed) == [P, Q, R]
    assert sorted(e.discord_uid for e in s.notifier.of(RemovedFromQueue)) == [P, Q, R]
    assert (await s.queue.status()).counts.total == 0
    for uid in (P, Q, R):
        assert await player_state(db, uid) == ("idle", None, 3)
    async with db.read() as uow:
        (row,) = await uow.admins.actions()
    assert (row["action_type"], row["details"]) == ("clear_queue", {"removed": 3})


async def test_a_ban_takes_the_player_out_of_queue_and_match(db: Database) -> None:
    s = build_stack(db)
    cascade = BanCascade(queue=s.queue, matches=s.matches)
    await add_player(db, P)
    await s.queue.join(P, "bw_zerg", None)
    await cascade.player_banned(P)
    assert await entry_of(db, P) is None
    assert s.notifier.of(RemovedFromQueue) == [RemovedFromQueue(P, None, "banned")]
    match = await confirmed_match(s, Q, R)
    await cascade.player_banned(R)
    assert (await s.matches.get(match.id)).status is MatchStatus.ABORTED
    assert s.notifier.of(MatchAborted)[0].reason == "banned"
    async with db.read() as uow:
        assert await uow.admins.actions() == []  # the ban is audited by the accounts service


async def test_join_remembers_the_last_opponent_and_recent_maps(db: Database) -> None:
    s = build_stack(db)
    match = await confirmed_match(s, P, Q)
    await s.matches.report(match.id, P, Outcome.PLAYER_1)
    await s.matches.report(match.id, Q, Outcome.PLAYER_1)
    await s.queue.join(P, "bw_zerg", None)
    async with db.read() as uow:
        entry = await uow.queue.get(P)
    assert entry is not None
    assert (entry.last_opponent, entry.recent_maps) == (Q, (match.map_name,))


async def test_active_players_counts_queue_matches_and_commands(db: Database) -> None:
    s = build_stack(db)
    await confirmed_match(s, P, Q)  # matched just now
    await add_player(db, R)
    await s.queue.join(R, "bw_zerg", None)
    async with db.transaction() as uow:
        await uow.command_calls.insert_many(
            [
                {"call_id": "a", "discord_uid": 777, "command": "profile", "called_at": s.clock.now()},
                {"call_id": "b", "discord_uid": P, "command": "queue", "called_at": s.clock.now()},
                {"call_id": "c", "discord_uid": 888, "command": "profile",
                 "called_at": s.clock.now() - timedelta(minutes=16)},
            ]
        )
    assert (await s.queue.status()).active_players == 4  # P, Q, R, 777
    s.clock.advance(minutes=16)
    assert (await s.queue.status()).active_players == 1  # only R, still queued


async def test_a_double_click_on_join_from_two_processes(db_url: str) -> None:
    a = build_stack(Database(create_engine(db_url)))
    b = build_stack(Database(create_engine(db_url)), a.clock)
    try:
        await add_player(a.db, P)
        results = await asyncio.gather(
            a.queue.join(P, "bw_zerg", None), b.queue.join(P, None, "sc2_zerg"), return_exceptions=True
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        assert len(errors) == 1 and isinstance(errors[0], LadderError)
        assert (await a.queue.status()).counts.total == 1
    finally:
        await a.db.close()
        await b.db.close()


async def test_the_queue_status_counts_matches_in_progress(db: Database) -> None:
    s = build_stack(db)
    assert (await s.queue.status()).matches_in_progress == 0
    first = await confirmed_match(s, P, Q)  # confirmed: in progress
    await seed_match(db, R, 444)  # found, waiting for confirmations: in progress
    assert (await s.queue.status()).matches_in_progress == 2
    await s.matches.report(first.id, P, Outcome.PLAYER_1)
    await s.matches.report(first.id, Q, Outcome.PLAYER_1)  # final: over
    assert (await s.queue.status()).matches_in_progress == 1


# --- declining the terms never traps a player behind the guard -----------------------------


async def test_declining_the_terms_while_queued_leaves_the_queue(db: Database) -> None:
    s = build_stack(db)
    accounts = services_of(s).accounts
    await add_player(db, P)
    await s.queue.join(P, "bw_zerg", None)
    declined = await accounts.decline_terms(P)
    assert declined.terms_accepted_at is None and declined.state is PlayerState.IDLE
    assert await entry_of(db, P) is None and await player_state(db, P) == ("idle", None, 3)
    await add_player(db, Q)
    await s.queue.join(Q, None, "sc2_zerg")
    assert (await s.matchmaker.run_wave()).match_ids == ()  # nobody is matched with a player who left


async def test_declining_the_terms_in_a_match_is_refused_until_it_is_over(db: Database) -> None:
    s = build_stack(db)
    accounts = services_of(s).accounts
    match = await confirmed_match(s, P, Q)
    with pytest.raises(DeclineInMatch) as info:
        await accounts.decline_terms(P)
    assert "match" in info.value.message
    async with db.read() as uow:
        player = await uow.players.get(P)
    assert player is not None and player.terms_accepted_at is not None  # nothing changed
    await s.matches.report(match.id, P, Outcome.DRAW)
    await s.matches.report(match.id, Q, Outcome.DRAW)
    assert (await accounts.decline_terms(P)).terms_accepted_at is None  # free again: allowed
