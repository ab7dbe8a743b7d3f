"""A season change-over as the people do it: the admin previews and confirms /admin season_start,
then players read the closed season's board and their standing in it with the ``season`` option,
while the live board starts empty."""

from __future__ import annotations

import re

from adminkit import (
    admin_sandbox_options,  # noqa: F401 (the ``sandbox_options`` fixture)
    field,
    played,
    rating,
)
from adminkit import services as deps
from journeykit import lead, matching, register

from evoladder.domain.rating import Outcome
from evoladder.i18n.text import admin as admin_text
from evoladder.sandbox.ladder import Sandbox


async def test_an_admin_starts_a_season_and_players_read_the_closed_one(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    alice, bob = sandbox.player("alice"), sandbox.player("bob")
    await register(sandbox, alice, "Alice")
    await register(sandbox, bob, "Bob")
    await played(sandbox, alice, bob, Outcome.PLAYER_1, Outcome.PLAYER_1)
    won = (await rating(sandbox, alice.id, "bw_zerg")).mmr
    closing = deps(sandbox).seasons.current()
    assert closing is not None
    pools = [c["value"] for c in await root.autocomplete("admin season_start", "map_pool", "", reason="x")]
    assert closing.map_pool in pools

    question = await root.slash(
        "admin season_start", reason="summer break", season_name="Season Two", percent=100
    )
    _, closes, starts, *_ = admin_text.SEASON_START_QUESTION.splitlines()
    assert matching(closes, archived=2, ranked=2).search(question.content)
    assert matching(starts, name="Season Two").search(question.content)
    assert admin_text.REASON_LINE.format(reason="summer break") in question.content
    done = await root.click(admin_text.CONFIRM_LABEL, question.message)
    assert done.content.startswith(lead(admin_text.SEASON_START_DONE, name="Season Two"))
    assert done.message.buttons == []
    assert (await rating(sandbox, alice.id, "bw_zerg")).mmr == 1500

    live = await alice.slash("leaderboard")
    assert "Alice" not in live.embeds[0].get("description", "")
    choices = await alice.autocomplete("leaderboard", "season", "")
    assert [c["value"] for c in choices] == [closing.id]
    past = await alice.slash("leaderboard", season=closing.id)
    assert past.content.startswith(f"**{closing.name}**")
    board = str(past.embeds[0])
    assert "Alice" in board and "Bob" in board and str(won) in board

    mine = await alice.slash("profile", season=closing.id)
    assert closing.name in mine.content and str(won) in str(mine.embeds[0])
    now = await alice.slash("profile")
    # As a number of its own: the live embed's Discord timestamps (<t:...>) may contain the digits.
    assert now.content in ("", None) and not re.search(rf"(?<!\d){won}(?!\d)", str(now.embeds[0]))


async def test_admin_player_lists_sc2_accounts_and_who_else_used_them(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    alice, mallory = sandbox.player("alice"), sandbox.player("mallory")
    await register(sandbox, alice, "Alice")
    await register(sandbox, mallory, "Mallory")
    now = deps(sandbox).clock.now()
    async with deps(sandbox).db.transaction() as uow:
        await uow.toon_handles.record(alice.id, "2-S2-1-111", now)
        await uow.toon_handles.record(alice.id, "2-S2-1-222", now)
        await uow.toon_handles.record(mallory.id, "2-S2-1-222", now)
    reply = await root.slash("admin player", username="Alice")
    accounts = field(reply.message, admin_text.FIELD_ACCOUNTS)
    first, second = accounts.split("\n")
    assert first.startswith(lead(admin_text.ACCOUNT_LINE, handle="2-S2-1-111", replays=1))
    assert "Mallory" not in first
    assert second.startswith("`2-S2-1-222`")
    assert second.endswith(admin_text.ACCOUNT_SHARED.format(others=f"Mallory (<@{mallory.id}>)"))
