"""The command guard over the cached player record, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from accountkit import ADMIN, Stack, register, started_stack

from evoladder.domain.errors import (
    AlreadyQueued,
    Banned,
    InMatch,
    LadderError,
    NotActivated,
    NotQueued,
    SetupIncomplete,
    TermsNotAccepted,
)
from evoladder.domain.players import PlayerState
from evoladder.store.uow import Database

UID = 222_222_222_222_222_222


@pytest.fixture
async def stack(db: Database) -> Stack:
    return await started_stack(db)


async def set_state(s: Stack, uid: int, state: PlayerState) -> None:
    """What the queue and match services do: write the state, then tell the read models."""
    async with s.db.transaction() as uow:
        await uow.players.update(uid, s.clock.now(), state=state)
    s.read_models.player_changed(uid)


async def expect(s: Stack, error: type[LadderError], command: str, uid: int = UID) -> None:
    with pytest.raises(error) as caught:
        await s.guard.check(uid, f"user{uid}", command)
    assert caught.value.message == error.message and caught.value.message


async def test_first_contact_creates_the_record_and_terms_come_first(stack: Stack) -> None:
    player = await stack.guard.check(UID, "newbie", "termsofservice")
    assert player.discord_uid == UID and player.discord_username == "newbie"
    for command in ("help", "prune"):
        await stack.guard.check(UID, "newbie", command)
    for command in ("profile", "leaderboard", "setup", "setcountry", "activate", "some_new_command"):
        with pytest.raises(TermsNotAccepted) as err:
            await stack.guard.check(UID, "newbie", command)
        assert err.value.message == "Please accept the terms of service first with /termsofservice."
    await stack.accounts.accept_terms(UID)
    # The cached record said "no terms"; the accept invalidated it, so the next click passes.
    await stack.guard.check(UID, "newbie", "profile")


async def test_queue_needs_setup(stack: Stack) -> None:
    await stack.accounts.ensure_player(UID, f"user{UID}")
    await stack.accounts.accept_terms(UID)
    await expect(stack, SetupIncomplete, "queue")
    await stack.accounts.complete_setup(UID, "Maru", "Maru#1234", [], "KR", "KRJ")
    await stack.guard.check(UID, f"user{UID}", "queue")


async def test_activation_gates_the_queue_only_when_enabled(db: Database) -> None:
    gated = await started_stack(db, activation_required=True)
    await register(gated, UID, "Maru")
    await expect(gated, NotActivated, "queue")
    await gated.guard.check(UID, f"user{UID}", "profile")  # only the queue is gated
    code = (await gated.admin.create_activation_codes(ADMIN, 1, "tester")).codes[0]
    await gated.accounts.redeem_activation_code(UID, code)
    await gated.guard.check(UID, f"user{UID}", "queue")

    open_ladder = await started_stack(db, activation_required=False)
    await register(open_ladder, UID + 1, "Serral")
    await open_ladder.guard.check(UID + 1, f"user{UID + 1}", "queue")


async def test_state_must_allow_the_action(stack: Stack) -> None:
    await register(stack, UID, "Maru")
    await expect(stack, NotQueued, "queue.cancel")
    await set_state(stack, UID, PlayerState.QUEUEING)
    await expect(stack, AlreadyQueued, "queue")
    await stack.guard.check(UID, f"user{UID}", "queue.cancel")
    await set_state(stack, UID, PlayerState.IN_MATCH)
    await expect(stack, InMatch, "queue")
    await expect(stack, InMatch, "queue.cancel")
    await stack.guard.check(UID, f"user{UID}", "match")
    await stack.guard.check(UID, f"user{UID}", "profile")


async def test_a_ban_reaches_the_guard_at_once(stack: Stack) -> None:
    await register(stack, UID, "Maru")
    await stack.guard.check(UID, f"user{UID}", "queue")
    hits = stack.cache.stats().hits
    await stack.guard.check(UID, f"user{UID}", "match")
    assert stack.cache.stats().hits == hits + 1  # served from the cache
    await stack.admin.ban(ADMIN, UID, "smurfing")
    for command in ("queue", "match", "profile", "termsofservice"):
        await expect(stack, Banned, command)
    assert stack.bans.banned == [UID]  # the queue service is told, to drop a queue entry
    await stack.admin.unban(ADMIN, UID, "appeal accepted")
    await stack.guard.check(UID, f"user{UID}", "queue")


async def test_the_guard_reads_the_cache_until_the_ttl_without_invalidation(stack: Stack) -> None:
    """Proof the cache is used: a write that skips the read models stays unseen until the TTL."""
    await register(stack, UID, "Maru")
    await stack.guard.check(UID, f"user{UID}", "queue")
    async with stack.db.transaction() as uow:
        await uow.players.update(UID, stack.clock.now(), is_banned=True)
    await stack.guard.check(UID, f"user{UID}", "queue")  # still the cached record
    stack.ticker.t += 900
    await expect(stack, Banned, "queue")


async def test_ttl_zero_reads_the_database_every_time(db: Database) -> None:
    s = await started_stack(db, ttl=0)
    await register(s, UID, "Maru")
    for _ in range(3):
        await s.guard.check(UID, f"user{UID}", "queue")
    stats = s.cache.stats()
    assert (stats.hits, stats.cached_players) == (0, 0) and stats.misses >= 3


async def test_a_new_discord_username_is_stored_through_the_guard(stack: Stack) -> None:
    await register(stack, UID, "Maru")
    await stack.guard.check(UID, f"user{UID}", "profile")
    player = await stack.guard.check(UID, "마루_new", "profile")
    assert player.discord_username == "마루_new"
    assert (await stack.accounts.get_player(UID)).discord_username == "마루_new"
    async with stack.db.read() as uow:
        last = (await uow.players.action_logs(UID))[-1]
    expected = ("discord_username", "마루_new", "system")
    assert (last["field"], last["new_value"], last["changed_by"]) == expected
