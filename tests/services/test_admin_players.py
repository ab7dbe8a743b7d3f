"""The admin's player tools on SQLite and PostgreSQL: every write audited with its reason."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from accountkit import ADMIN, OWNER, Stack, rated, register, started_stack

from evoladder.domain.errors import (
    AbortCountOutOfRange,
    AlreadyBanned,
    CodeCountOutOfRange,
    LadderError,
    MmrOutOfRange,
    NotAnAdmin,
    NotAuthorized,
    NotBanned,
    OwnerIsFixed,
    ReasonRequired,
    TargetPlayerNotFound,
    UnknownRace,
)
from evoladder.domain.players import month_key
from evoladder.services.events import AdminChangedPlayer
from evoladder.store.uow import Database

P1 = 333_333_333_333_333_331
P2 = 333_333_333_333_333_332


@pytest.fixture
async def stack(db: Database) -> Stack:
    s = await started_stack(db)
    await register(s, P1, "Maru", country="KR")
    await register(s, P2, "Serral", country="FI", region="EUE")
    return s


async def audit_rows(s: Stack) -> list[tuple[str, int, int | None, str]]:
    async with s.db.read() as uow:
        rows = await uow.admins.actions(limit=1000)
    out = [(r["action_type"], r["admin_discord_uid"], r["target_player_uid"], r["reason"]) for r in rows]
    return out[::-1]


async def test_snapshot_counts_the_ladder_and_shows_cache_stats(stack: Stack) -> None:
    await rated(stack, P1, "bw_zerg", 20)
    await stack.guard.check(P1, f"user{P1}", "profile")
    await stack.guard.check(P1, f"user{P1}", "profile")
    snap = await stack.admin.snapshot(ADMIN)
    assert (snap.players.total, snap.players.setup_complete, snap.players.banned) == (2, 2, 0)
    assert (snap.players.queueing, snap.players.in_match, snap.players.terms_accepted) == (0, 0, 2)
    assert snap.ranked_rows == 1 and snap.admins == 2
    assert snap.cache.cached_players == 1 and snap.cache.hits == 1 and snap.cache.ttl_seconds == 900
    assert snap.cache.hit_rate_percent == pytest.approx(50.0)
    with pytest.raises(NotAuthorized):
        await stack.admin.snapshot(P1)


async def test_lookup_by_id_mention_username_or_main_id(stack: Stack) -> None:
    await rated(stack, P1, "sc2_terran", 30)
    for query in (str(P1), f"<@{P1}>", f"<@!{P1}>", f"USER{P1}", "maru", " Maru "):
        found = await stack.admin.lookup(ADMIN, query)
        assert [f.player.discord_uid for f in found] == [P1], query
    hit = (await stack.admin.lookup(ADMIN, "maru"))[0]
    assert [r.race for r in hit.ratings] == ["sc2_terran"]
    rank = hit.ranks["sc2_terran"]
    assert rank is not None and rank.global_rank == 1
    assert hit.aborts_left == 3
    assert await stack.admin.lookup(ADMIN, "nobody") == []
    assert await stack.admin.lookup(ADMIN, "12345") == []


async def test_lookup_finds_battletags_whole_or_by_their_name(stack: Stack) -> None:
    async with stack.db.read() as uow:
        tag = (await uow.players.get(P1)).battletag  # type: ignore[union-attr]
    assert tag is not None and "#" in tag
    for query in (tag, tag.upper(), tag.split("#")[0] + "#" + tag.split("#")[1]):
        assert [f.player.discord_uid for f in await stack.admin.lookup(ADMIN, query)] == [P1], query
    async with stack.db.transaction() as uow:
        await uow.players.update(P2, stack.clock.now(), battletag="Serral_x%#777")
    # the name part of a tag finds it; LIKE wildcards in the query are plain characters
    assert [f.player.discord_uid for f in await stack.admin.lookup(ADMIN, "serral_x%")] == [P2]
    assert await stack.admin.lookup(ADMIN, "serral_") == []
    assert await stack.admin.lookup(ADMIN, "%") == []


async def test_adjust_mmr_is_audited_and_moves_the_leaderboard(stack: Stack) -> None:
    await rated(stack, P1, "bw_zerg", 20)
    await rated(stack, P2, "bw_zerg", 40)
    assert stack.leaderboard.rank_of(P1, "bw_zerg").global_rank == 2  # type: ignore[union-attr]
    change = await stack.admin.adjust_mmr(ADMIN, P1, "bw_zerg", 2000, "compensation for a bugged match")
    assert (change.before, change.after) == (1520, 2000)
    assert stack.leaderboard.rank_of(P1, "bw_zerg").global_rank == 1  # type: ignore[union-attr]
    async with stack.db.read() as uow:
        row = await uow.mmrs.get(P1, "bw_zerg")
        action = (await uow.admins.actions())[0]
    assert row is not None and row.mmr == 2000 and row.games_won == 1
    assert action["details"] == {"race": "bw_zerg", "before": 1520, "after": 2000}
    assert action["reason"] == "compensation for a bugged match"


async def test_ban_and_unban_are_audited_and_hide_the_player_from_the_board(stack: Stack) -> None:
    await rated(stack, P1, "bw_zerg", 20)
    await rated(stack, P2, "bw_zerg", 10)
    banned = await stack.admin.ban(ADMIN, P1, "cheating")
    assert banned.is_banned and banned.ban_reason == "cheating"
    board = stack.leaderboard.page(P2)
    assert [e.discord_uid for e in board.page.entries] == [P2]
    assert board.viewer is not None and board.viewer.position == 1
    with pytest.raises(AlreadyBanned):
        await stack.admin.ban(ADMIN, P1, "again")
    await stack.admin.unban(OWNER, P1, "cleared")
    assert [e.discord_uid for e in stack.leaderboard.page().page.entries] == [P1, P2]
    with pytest.raises(NotBanned):
        await stack.admin.unban(ADMIN, P1, "again")
    assert await audit_rows(stack) == [("ban", ADMIN, P1, "cheating"), ("unban", OWNER, P1, "cleared")]
    async with stack.db.read() as uow:
        logs = [(r["field"], r["changed_by"], r["changed_by_uid"]) for r in await uow.players.action_logs(P1)]
    assert ("is_banned", "admin", ADMIN) in logs and ("is_banned", "admin", OWNER) in logs


async def test_reset_aborts_gives_back_the_month(stack: Stack) -> None:
    async with stack.db.transaction() as uow:
        now = stack.clock.now()
        await uow.players.update(P1, now, aborts_left=0, aborts_period=month_key(now))
    stack.read_models.player_changed(P1)
    assert await stack.accounts.aborts_left(P1) == 0
    player = await stack.admin.reset_aborts(ADMIN, P1, "server crash ate his games")
    assert player.aborts_left == 3
    assert await stack.accounts.aborts_left(P1) == 3
    assert (await audit_rows(stack))[-1] == ("reset_aborts", ADMIN, P1, "server crash ate his games")


async def test_reset_aborts_takes_a_count(stack: Stack) -> None:
    player = await stack.admin.reset_aborts(ADMIN, P1, "two aborts lost to a disconnect", 5)
    assert player.aborts_left == 5 and await stack.accounts.aborts_left(P1) == 5
    await stack.admin.reset_aborts(ADMIN, P1, "back to none", 0)
    assert await stack.accounts.aborts_left(P1) == 0
    for bad in (-1, 11):
        with pytest.raises(AbortCountOutOfRange):
            await stack.admin.reset_aborts(ADMIN, P1, "out of range", bad)
    assert await stack.accounts.aborts_left(P1) == 0  # a refused count wrote nothing
    async with stack.db.read() as uow:
        action = (await uow.admins.actions())[0]
    assert action["details"] == {"count": 0}


async def test_the_player_is_told_of_every_admin_change_with_the_reason(stack: Stack) -> None:
    await rated(stack, P1, "bw_zerg", 20)
    await stack.admin.ban(ADMIN, P1, "smurfing")
    await stack.admin.unban(ADMIN, P1, "appeal accepted")
    await stack.admin.adjust_mmr(ADMIN, P1, "bw_zerg", 1600, "bugged match")
    await stack.admin.reset_aborts(ADMIN, P1, "disconnects", 2)
    told = stack.notifier.of(AdminChangedPlayer)
    assert [(e.discord_uid, e.action, e.reason) for e in told] == [
        (P1, "ban", "smurfing"), (P1, "unban", "appeal accepted"),
        (P1, "adjust_mmr", "bugged match"), (P1, "reset_aborts", "disconnects"),
    ]
    assert (told[2].race, told[2].before, told[2].after) == ("bw_zerg", 1520, 1600)
    assert told[3].aborts_left == 2
    with pytest.raises(AlreadyBanned):
        await _ban_twice(stack)
    assert len(stack.notifier.of(AdminChangedPlayer)) == 5  # the refused second ban told nobody


async def _ban_twice(stack: Stack) -> None:
    await stack.admin.ban(ADMIN, P2, "first")
    await stack.admin.ban(ADMIN, P2, "second")


async def test_only_owners_manage_admins_and_owners_are_fixed(stack: Stack) -> None:
    with pytest.raises(NotAuthorized):
        await stack.admin.add_admin(ADMIN, P1, "helper")
    await stack.admin.add_admin(OWNER, P1, "new moderator")
    assert (await stack.admin.list_admins(P1))[P1] == "admin"
    await stack.admin.snapshot(P1)  # the new admin can use the tools at once
    with pytest.raises(OwnerIsFixed):
        await stack.admin.remove_admin(OWNER, OWNER, "oops")
    with pytest.raises(OwnerIsFixed):
        await stack.admin.add_admin(OWNER, OWNER, "demote myself")
    await stack.admin.remove_admin(OWNER, P1, "stepped down")
    with pytest.raises(NotAuthorized):
        await stack.admin.snapshot(P1)
    with pytest.raises(NotAnAdmin):
        await stack.admin.remove_admin(OWNER, P2, "never was")
    assert await audit_rows(stack) == [
        ("add_admin", OWNER, P1, "new moderator"), ("remove_admin", OWNER, P1, "stepped down")
    ]


Call = Callable[[Stack], Awaitable[Any]]
BAD_ADMIN_CALLS: list[tuple[str, Call, type[LadderError]]] = [
    ("empty reason", lambda s: s.admin.ban(ADMIN, P1, "   "), ReasonRequired),
    ("long reason", lambda s: s.admin.ban(ADMIN, P1, "x" * 501), ReasonRequired),
    ("mmr reason", lambda s: s.admin.adjust_mmr(ADMIN, P1, "bw_zerg", 1600, ""), ReasonRequired),
    ("unknown race", lambda s: s.admin.adjust_mmr(ADMIN, P1, "bw_ultralisk", 1600, "r"), UnknownRace),
    ("mmr too high", lambda s: s.admin.adjust_mmr(ADMIN, P1, "bw_zerg", 10_001, "r"), MmrOutOfRange),
    ("mmr negative", lambda s: s.admin.adjust_mmr(ADMIN, P1, "bw_zerg", -1, "r"), MmrOutOfRange),
    ("no such player", lambda s: s.admin.adjust_mmr(ADMIN, 42, "bw_zerg", 1600, "r"), TargetPlayerNotFound),
    ("ban no player", lambda s: s.admin.ban(ADMIN, 42, "r"), TargetPlayerNotFound),
    ("zero codes", lambda s: s.admin.create_activation_codes(ADMIN, 0, "r"), CodeCountOutOfRange),
    ("many codes", lambda s: s.admin.create_activation_codes(ADMIN, 501, "r"), CodeCountOutOfRange),
    ("not admin", lambda s: s.admin.ban(P2, P1, "I don't like him"), NotAuthorized),
    ("admin reason", lambda s: s.admin.add_admin(OWNER, P1, ""), ReasonRequired),
]
MESSAGES = {
    ReasonRequired: "Please give a reason; every admin action is audited.",
    UnknownRace: "That race does not exist on this ladder.",
    MmrOutOfRange: "The MMR must be a whole number from 0 to 10000.",
    TargetPlayerNotFound: "No player matches that Discord id or name.",
    CodeCountOutOfRange: "You can create 1 to 500 activation codes at a time.",
    NotAuthorized: "You are not allowed to do that.",
}


@pytest.mark.parametrize(("case", "call", "error"), BAD_ADMIN_CALLS, ids=[c[0] for c in BAD_ADMIN_CALLS])
async def test_every_admin_rule_shows_its_message_and_writes_nothing(
    stack: Stack, case: str, call: Call, error: type[LadderError]
) -> None:
    before = await stack.accounts.get_player(P1)
    with pytest.raises(error) as caught:
        await call(stack)
    assert caught.value.message == MESSAGES[error], case
    assert await stack.accounts.get_player(P1) == before
    assert await audit_rows(stack) == []
    async with stack.db.read() as uow:
        assert await uow.mmrs.for_player(P1) == []
        assert (await uow.admins.roles()).get(P1) is None
