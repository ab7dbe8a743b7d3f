"""Hostile ids and text in the admin tools and /setup: a clear error, nothing written, no crash.

Each case here once reached the database and crashed it (superscript digits through
``str.isdigit``, ids past 2^63, NUL on PostgreSQL) or let a player hide behind a blank or
look-alike id.
"""

from __future__ import annotations

import pytest
from accountkit import ADMIN, OWNER, Stack, register, started_stack

from evoladder.domain.errors import ControlCharacters, DiscordIdOutOfRange, ValidationError
from evoladder.store.uow import Database

P1 = 333_333_333_333_333_331
P2 = 333_333_333_333_333_332


@pytest.fixture
async def stack(db: Database) -> Stack:
    s = await started_stack(db)
    await register(s, P1, "Maru", country="KR")
    return s


async def audit_count(s: Stack) -> int:
    async with s.db.read() as uow:
        return len(await uow.admins.actions(limit=1000))


@pytest.mark.parametrize("query", ["²", "³³³", f"<@{P1}²>"])
async def test_superscript_digits_are_a_name_that_matches_nobody(stack: Stack, query: str) -> None:
    assert await stack.admin.lookup(ADMIN, query) == []


@pytest.mark.parametrize("query", [str(2**63), f"<@{2**64}>", "9" * 25])
async def test_an_id_past_the_database_range_is_refused_clearly(stack: Stack, query: str) -> None:
    with pytest.raises(DiscordIdOutOfRange):
        await stack.admin.lookup(ADMIN, query)


async def test_a_nul_in_a_search_is_refused(stack: Stack) -> None:
    with pytest.raises(ControlCharacters):
        await stack.admin.lookup(ADMIN, "Ma\x00ru")


async def test_a_nul_in_a_reason_is_refused_and_nothing_is_written(stack: Stack) -> None:
    before = await audit_count(stack)
    with pytest.raises(ControlCharacters):
        await stack.admin.ban(ADMIN, P1, "cheating\x00")
    with pytest.raises(ControlCharacters):
        await stack.admin.add_admin(OWNER, P2, "trusted\x00")
    with pytest.raises(ControlCharacters):
        await stack.admin.adjust_mmr(ADMIN, P1, "bw_zerg", 1600, "\x00")
    assert await audit_count(stack) == before
    async with stack.db.read() as uow:
        player = await uow.players.get(P1)
        assert player is not None and not player.is_banned
        assert await uow.admins.role_of(P2) is None
        assert await uow.mmrs.get(P1, "bw_zerg") is None


async def test_a_nul_in_a_batch_name_is_refused(stack: Stack) -> None:
    with pytest.raises(ControlCharacters):
        await stack.admin.unused_codes(ADMIN, "2026\x00")


async def test_setup_refuses_a_blank_alternative_id_and_keeps_the_old_identity(stack: Stack) -> None:
    with pytest.raises(ValidationError, match="invisible"):
        await stack.accounts.complete_setup(P1, "Maru", "Maru#1234", ["\u3164\u3164\u3164"], "KR", "KRJ")
    with pytest.raises(ValidationError, match="different"):
        await stack.accounts.complete_setup(P1, "Alice", "Alice#1234", ["ａｌｉｃｅ"], "KR", "KRJ")
    async with stack.db.read() as uow:
        player = await uow.players.get(P1)
    assert player is not None
    assert (player.main_id, player.alt_ids) == ("Maru", ())
