"""/admin on matches: the match file (with replays and checklists) and resolve on every kind of match.

Resolve is checked where it matters most: on a conflict (MMR moves, both players and the admin log
are told), on a finalized match (the applied change is reversed and the new one applied, and a
later game of the same player keeps its effect), and on an open match (the players are released).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from adminkit import (
    admin_sandbox_options,  # noqa: F401 (the ``sandbox_options`` fixture)
    audit,
    check,
    field,
    match,
    played,
    player_record,
    rating,
    services,
    store_replay,
    with_text,
)
from journeykit import register
from sqlalchemy import insert

from evoladder.domain.errors import AlreadyResolved, MatchNotFound
from evoladder.domain.players import PlayerState
from evoladder.domain.rating import Outcome, rating_delta
from evoladder.domain.replays import CheckId
from evoladder.i18n.text import admin as text
from evoladder.sandbox import VirtualPlayer
from evoladder.sandbox.ladder import Sandbox
from evoladder.store.schema import replays

pytestmark = pytest.mark.e2e


async def players(sandbox: Sandbox, *names: str) -> list[VirtualPlayer]:
    made = []
    for name in names:
        player = sandbox.player(name.lower())
        await register(sandbox, player, name)
        made.append(player)
    return made


async def test_match_file_shows_players_reports_timeline_and_replays_with_checklists(
    sandbox: Sandbox,
) -> None:
    root = sandbox.owners[0]
    alice, bob = await players(sandbox, "Alice", "Bob")
    conflict = await played(sandbox, alice, bob, Outcome.PLAYER_1, Outcome.PLAYER_2)
    at = datetime(2026, 11, 22, 13, 0, tzinfo=UTC)
    good = b"replay of alice" * 100
    await store_replay(
        sandbox,
        conflict.id,
        alice.id,
        good,
        [
            check(CheckId.RACES, True, "Races match the match: BW Zerg vs SC2 Terran.", critical=True),
            check(CheckId.SPEED, True, "Game speed: Faster."),
        ],
        at,
    )
    odd = b"replay of bob"
    await store_replay(
        sandbox,
        conflict.id,
        bob.id,
        odd,
        [
            check(CheckId.SPEED, False, "Game speed was Normal; it should be Faster."),
            check(
                CheckId.MOD,
                False,
                "Not the official mod: the replay loaded 1 unknown file.",
                critical=True,
            ),
        ],
        at,
    )

    reply = (await root.slash("admin match", match_id=conflict.id)).message
    card = reply.embeds[0]
    assert card["title"] == f"Match #{conflict.id} · conflict"
    assert f"Map **{conflict.map_name}**" in card["description"]
    one, two = field(reply, "Player 1 (BW side)"), field(reply, "Player 2 (SC2 side)")
    assert "**Alice**" in one and "BW Zerg · 1500 MMR at start" in one and "Report: player 1 won" in one
    assert "**Bob**" in two and "SC2 Terran" in two and "Report: player 2 won" in two
    assert field(reply, text.FIELD_RESULT) == text.RESULT_CONFLICT
    timeline = field(reply, text.FIELD_TIMELINE)
    for step in (
        "match found",
        "player 1 confirmed",
        "details revealed",
        "player 2 reported",
        "closed (conflict)",
    ):
        assert step in timeline, step
    first, second = field(reply, "Replay 1 · from Alice"), field(reply, "Replay 2 · from Bob")
    assert "attached" in first and "✅ Races match the match" in first
    assert "⚠️ Game speed was Normal" in second and "❌ Not the official mod" in second
    files = {a.filename: a.data for a in reply.attachments}
    assert sorted(files.values()) == sorted([good, odd])
    assert all(name.startswith(f"match{conflict.id}-") and name.endswith(".SC2Replay") for name in files)

    missing = await root.slash("admin match", match_id=9999)
    assert missing.content == MatchNotFound.message


async def test_match_file_lists_a_replay_whose_file_is_gone(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    alice, bob = await players(sandbox, "Alice", "Bob")
    found = await match(sandbox, alice, bob)
    no_replays = (await root.slash("admin match", match_id=found.id)).message
    assert field(no_replays, text.FIELD_REPLAYS) == text.NO_REPLAYS and no_replays.attachments == []

    await store_replay(
        sandbox, found.id, alice.id, b"soon gone", [], datetime(2026, 11, 22, tzinfo=UTC), file=False
    )
    reply = (await root.slash("admin match", match_id=found.id)).message
    replay = field(reply, "Replay 1 · from Alice")
    assert text.REPLAY_MISSING in replay and text.REPLAY_UNCHECKED in replay and reply.attachments == []


async def test_resolving_a_conflict_moves_mmr_and_tells_both_players(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    alice, bob = await players(sandbox, "Alice", "Bob")
    conflict = await played(sandbox, alice, bob, Outcome.PLAYER_1, Outcome.PLAYER_2)

    question = await root.slash(
        "admin resolve", match_id=conflict.id, outcome="player_1", reason="replay shows it"
    )
    assert f"Resolve match #{conflict.id} as: Player 1 (BW side) wins?" in question.content
    assert "Now: conflict" in question.content and "Ratings: Alice +20, Bob -20" in question.content
    done = await root.click("Confirm", question.message)
    assert done.content == text.RESOLVE_DONE.format(
        match_id=conflict.id, status="final", result=" (player 1 won, MMR change +20 / -20)"
    )
    assert (await rating(sandbox, alice.id, "bw_zerg")).mmr == 1520
    assert (await rating(sandbox, bob.id, "sc2_terran")).mmr == 1480

    told = await alice.wait_for_dm(with_text(f"Match #{conflict.id} is final"), include_existing=True)
    assert "you won" in told.text and "1520 (+20)" in told.text
    await bob.wait_for_dm(with_text("1480 (-20)"), include_existing=True)
    await sandbox.discord.wait_for_channel_message(
        sandbox.admin_log, with_text(f"Match #{conflict.id} final")
    )

    file = (await root.slash("admin match", match_id=conflict.id)).message
    assert "Alice won (player 1)" in field(file, text.FIELD_RESULT)
    assert f"Last decided by **root** ({root.mention})" in field(file, text.FIELD_RESULT)
    assert "resolve_match by" in field(file, text.FIELD_TIMELINE) and "replay shows it" in field(
        file, text.FIELD_TIMELINE
    )
    [row] = await audit(sandbox)
    assert (row["action_type"], row["target_match_id"], row["reason"]) == (
        "resolve_match",
        conflict.id,
        "replay shows it",
    )
    assert (row["details"]["from_status"], row["details"]["new_delta"]) == ("conflict", 20)


async def test_re_resolving_a_final_match_reverses_it_and_later_games_keep_their_effect(
    sandbox: Sandbox,
) -> None:
    root = sandbox.owners[0]
    alice, bob, carol = await players(sandbox, "Alice", "Bob", "Carol")
    first = await played(sandbox, alice, bob, Outcome.PLAYER_1, Outcome.PLAYER_1)  # Alice 1520, Bob 1480
    later = await played(sandbox, alice, carol, Outcome.PLAYER_1, Outcome.PLAYER_1)  # Alice gains again
    gained = rating_delta(1520, 1500, Outcome.PLAYER_1)
    assert later.mmr_change == gained and (await rating(sandbox, alice.id, "bw_zerg")).mmr == 1520 + gained

    question = await root.slash(
        "admin resolve", match_id=first.id, outcome="player_2", reason="Alice was smurfing"
    )
    assert "Now: Alice won (player 1) · MMR change applied: Alice +20, Bob -20" in question.content
    assert "Ratings: Alice -40, Bob +40" in question.content
    await root.click("Confirm", question.message)

    assert (await rating(sandbox, alice.id, "bw_zerg")).mmr == 1500 - 20 + gained  # not reset to 1500
    assert (await rating(sandbox, bob.id, "sc2_terran")).mmr == 1520
    assert (await rating(sandbox, carol.id, "sc2_terran")).mmr == 1500 - gained  # untouched
    alice_row = await rating(sandbox, alice.id, "bw_zerg")
    assert (alice_row.games_won, alice_row.games_lost) == (1, 1)
    changed = await alice.wait_for_dm(with_text("An admin changed the result"), include_existing=True)
    assert "you lost" in changed.text and "Alice was smurfing" in changed.text and "(-40)" in changed.text

    same = await root.slash("admin resolve", match_id=first.id, outcome="player_2", reason="again")
    assert same.content == AlreadyResolved.message and same.message.buttons == []
    rows = await audit(sandbox)
    assert [(r["action_type"], r["details"]["old_delta"], r["details"]["new_delta"]) for r in rows] == [
        ("resolve_match", 20, -20)
    ]


async def test_resolving_an_open_match_releases_the_players_and_invalidate_reverses(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    alice, bob = await players(sandbox, "Alice", "Bob")
    found = await match(sandbox, alice, bob)
    assert (await player_record(sandbox, alice.id)).state is PlayerState.IN_MATCH

    question = await root.slash("admin resolve", match_id=found.id, outcome="player_2", reason="alice left")
    assert "Now: open (no result yet)" in question.content and "Alice -20, Bob +20" in question.content
    await root.click("Confirm", question.message)
    assert (await services(sandbox).matches.get(found.id)).status.value == "final"
    for p in (alice, bob):
        assert (await player_record(sandbox, p.id)).state is PlayerState.IDLE
    assert (await rating(sandbox, bob.id, "sc2_terran")).mmr == 1520

    voided = await root.slash(
        "admin resolve", match_id=found.id, outcome="invalidate", reason="wrong map played"
    )
    assert "Ratings: Alice +20, Bob -20" in voided.content
    done = await root.click("Confirm", voided.message)
    assert done.content == text.RESOLVE_DONE.format(match_id=found.id, status="invalidated", result="")
    assert (await rating(sandbox, alice.id, "bw_zerg")).mmr == 1500
    assert (await rating(sandbox, bob.id, "sc2_terran")).mmr == 1500
    await bob.wait_for_dm(
        with_text(f"An admin invalidated match #{found.id} (wrong map played)"), include_existing=True
    )
    assert [r["reason"] for r in await audit(sandbox)] == ["alice left", "wrong map played"]


async def test_admin_matches_lists_conflicts_then_open_matches_with_their_age(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    alice, bob, carol, dave = await players(sandbox, "Alice", "Bob", "Carol", "Dave")
    conflict = await played(sandbox, alice, bob, Outcome.PLAYER_1, Outcome.PLAYER_2)
    found = await match(sandbox, carol, dave)
    board = (await root.slash("admin matches")).message
    [card] = board.embeds
    assert card["title"] == text.MATCHES_TITLE.format(total=2)
    lines = str(card["description"]).splitlines()
    assert lines[0].startswith(f"**#{conflict.id}** · conflict · **Alice**")
    assert lines[1].startswith(f"**#{found.id}** · waiting for confirmation · **Carol**")
    assert all(" · 0m (<t:" in line for line in lines)  # the age, and when the match was made
    assert card["footer"]["text"] == text.MATCHES_FOOTER.format(page=1, pages=1)
    refused = await alice.slash("admin matches")
    assert "not allowed" in refused.content


async def test_an_admin_records_an_unverified_file_as_the_maps_dependency(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    alice, bob = await players(sandbox, "Alice", "Bob")
    state = await match(sandbox, alice, bob)
    handle = "ab" * 32
    checks = {
        "checks": [
            check(CheckId.MAP, True, f"Map: {state.map_name}.", critical=True).to_dict(),
            check(CheckId.MOD, True, "Mod not verified", critical=True).to_dict(),
        ],
        "critical_ok": True,
        "mod": {"official": False, "region": "EU", "unverified": True,
                "unexpected": [f"https://eu-s2-depot.classic.blizzard.com/{handle}.s2ma"]},
    }
    async with services(sandbox).db.transaction() as uow:
        await uow.conn.execute(insert(replays).values(
            match_id=state.id, uploader_uid=alice.id, hash="cd" * 64,
            storage_key=f"2026/01/{state.id}/{'cd' * 64}.SC2Replay", size_bytes=10,
            uploaded_at=datetime(2026, 1, 1, tzinfo=UTC), map_name=state.map_name, critical_ok=True,
            checks=checks,
        ))
    file = (await root.slash("admin match", match_id=state.id)).message
    assert "/admin map_dependency" in field(file, "Replay 1")

    question = await root.slash("admin map_dependency", match_id=state.id, reason="official lobby")
    assert f"dependencies of **{state.map_name}**" in question.content and handle in question.content
    done = await root.click("Confirm", question.message)
    assert done.content == text.MAP_DEPENDENCY_DONE.format(count=1, map=state.map_name)
    [row] = await audit(sandbox)
    assert (row["action_type"], row["target_match_id"], row["reason"]) == (
        "map_dependency", state.id, "official lobby"
    )
    assert row["details"] == {"map": state.map_name, "handles": [handle]}
    again = await root.slash("admin map_dependency", match_id=state.id, reason="twice")
    assert "No replay of match" in again.content  # recorded already: nothing to confirm
