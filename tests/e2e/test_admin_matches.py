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
from journeykit import lead, race, register, result_final
from sqlalchemy import insert

from evoladder.domain.errors import AlreadyResolved, MatchNotFound
from evoladder.domain.players import PlayerState
from evoladder.domain.rating import Outcome, rating_delta
from evoladder.domain.replays import CheckId
from evoladder.i18n.text import admin as text
from evoladder.i18n.text import errors as errors_text
from evoladder.i18n.text import match as match_text
from evoladder.sandbox import VirtualPlayer
from evoladder.sandbox.ladder import Sandbox
from evoladder.store.schema import replays

pytestmark = pytest.mark.e2e

STATUS = text.table("STATUS_TEXT")
REPORTS = text.table("REPORT_TEXT")
TIMELINE = text.table("TIMELINE")
OUTCOMES = text.table("OUTCOME_CHOICES")


def replay_field(index: int, uploader: str) -> str:
    return text.FIELD_REPLAY.format(index=index, uploader=uploader)


def resolve_ratings(p1: str, shift_1: int, p2: str, shift_2: int) -> str:
    """The resolve question's ratings line, up to its explanation."""
    return lead(text.RESOLVE_RATINGS, p1=p1, shift_1=shift_1, p2=p2, shift_2=shift_2)


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
    assert card["title"] == text.MATCH_TITLE.format(match_id=conflict.id, status=STATUS["conflict"])
    assert lead(text.MATCH_HEADER, map=conflict.map_name) in card["description"]
    one = field(reply, text.FIELD_SLOT.format(slot=1, side=text.SIDE_BW))
    two = field(reply, text.FIELD_SLOT.format(slot=2, side=text.SIDE_SC2))
    name, at_start, _confirmed, reported = text.SLOT_VALUE.splitlines()  # one line each
    assert lead(name, name="Alice") in one and at_start.format(race=race("bw_zerg"), mmr=1500) in one
    assert reported.format(report=REPORTS[1]) in one
    assert lead(name, name="Bob") in two and race("sc2_terran") in two
    assert reported.format(report=REPORTS[2]) in two
    assert field(reply, text.FIELD_RESULT) == text.RESULT_CONFLICT
    timeline = field(reply, text.FIELD_TIMELINE)
    for step in (
        TIMELINE["played_at"],
        TIMELINE["confirmed_1_at"],
        TIMELINE["confirmed_at"],
        TIMELINE["reported_2_at"],
        TIMELINE["finalized_at"].format(status=STATUS["conflict"]),
    ):
        assert step in timeline, step
    first, second = field(reply, replay_field(1, "Alice")), field(reply, replay_field(2, "Bob"))
    assert text.REPLAY_ATTACHED in first
    assert text.CHECK_LINE.format(mark=text.CHECK_PASS, message="Races match the match") in first
    assert text.CHECK_LINE.format(mark=text.CHECK_WARN, message="Game speed was Normal") in second
    assert text.CHECK_LINE.format(mark=text.CHECK_FAIL, message="Not the official mod") in second
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
    replay = field(reply, replay_field(1, "Alice"))
    assert text.REPLAY_MISSING in replay and text.REPLAY_UNCHECKED in replay and reply.attachments == []


async def test_resolving_a_conflict_moves_mmr_and_tells_both_players(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    alice, bob = await players(sandbox, "Alice", "Bob")
    conflict = await played(sandbox, alice, bob, Outcome.PLAYER_1, Outcome.PLAYER_2)

    question = await root.slash(
        "admin resolve", match_id=conflict.id, outcome="player_1", reason="replay shows it"
    )
    asked = text.RESOLVE_QUESTION.format(match_id=conflict.id, outcome=OUTCOMES["player_1"])
    assert asked in question.content
    assert text.RESOLVE_NOW.format(status=text.RESULT_CONFLICT) in question.content
    assert resolve_ratings("Alice", +20, "Bob", -20) in question.content
    done = await root.click(text.CONFIRM_LABEL, question.message)
    result = text.RESOLVE_RESULT.format(result=REPORTS[1], shift=+20, neg=-20)
    assert done.content == text.RESOLVE_DONE.format(
        match_id=conflict.id, status=STATUS["final"], result=result
    )
    assert (await rating(sandbox, alice.id, "bw_zerg")).mmr == 1520
    assert (await rating(sandbox, bob.id, "sc2_terran")).mmr == 1480

    won = result_final(conflict.id, match_text.OUTCOME_WON, "bw_zerg", 1520, +20)
    await alice.wait_for_dm(with_text(won), include_existing=True)
    lost = result_final(conflict.id, match_text.OUTCOME_LOST, "sc2_terran", 1480, -20)
    await bob.wait_for_dm(with_text(lost), include_existing=True)
    await sandbox.discord.wait_for_channel_message(
        sandbox.admin_log, with_text(lead(match_text.ADMIN_FINAL, match_id=conflict.id))
    )

    file = (await root.slash("admin match", match_id=conflict.id)).message
    assert text.RESULT_WINNER.format(name="Alice", slot=1) in field(file, text.FIELD_RESULT)
    decided = text.RESOLVED_BY.format(admin=f"**root** ({root.mention})")
    assert decided in field(file, text.FIELD_RESULT)
    assert text.ACTION_TIMELINE.format(
        action="resolve_match", admin=f"**root** ({root.mention})", reason="replay shows it"
    ) in field(file, text.FIELD_TIMELINE)
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
    now = text.RESULT_WINNER.format(name="Alice", slot=1) + text.MMR_CHANGE.format(
        p1="Alice", p2="Bob", shift=+20, neg=-20
    ).replace("\n", " · ")
    assert text.RESOLVE_NOW.format(status=now) in question.content
    assert resolve_ratings("Alice", -40, "Bob", +40) in question.content
    await root.click(text.CONFIRM_LABEL, question.message)

    assert (await rating(sandbox, alice.id, "bw_zerg")).mmr == 1500 - 20 + gained  # not reset to 1500
    assert (await rating(sandbox, bob.id, "sc2_terran")).mmr == 1520
    assert (await rating(sandbox, carol.id, "sc2_terran")).mmr == 1500 - gained  # untouched
    alice_row = await rating(sandbox, alice.id, "bw_zerg")
    assert (alice_row.games_won, alice_row.games_lost) == (1, 1)
    changed = match_text.RESULT_CHANGED.format(
        match_id=first.id, outcome=match_text.OUTCOME_LOST, reason="Alice was smurfing", race=race("bw_zerg"),
        after=1500 - 20 + gained, shift=-40,
    )
    await alice.wait_for_dm(with_text(changed), include_existing=True)

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
    assert text.RESOLVE_NOW.format(status=text.RESULT_OPEN) in question.content
    assert resolve_ratings("Alice", -20, "Bob", +20) in question.content
    await root.click(text.CONFIRM_LABEL, question.message)
    assert (await services(sandbox).matches.get(found.id)).status.value == "final"
    for p in (alice, bob):
        assert (await player_record(sandbox, p.id)).state is PlayerState.IDLE
    assert (await rating(sandbox, bob.id, "sc2_terran")).mmr == 1520

    voided = await root.slash(
        "admin resolve", match_id=found.id, outcome="invalidate", reason="wrong map played"
    )
    assert resolve_ratings("Alice", +20, "Bob", -20) in voided.content
    done = await root.click(text.CONFIRM_LABEL, voided.message)
    assert done.content == text.RESOLVE_DONE.format(
        match_id=found.id, status=STATUS["invalidated"], result=""
    )
    assert (await rating(sandbox, alice.id, "bw_zerg")).mmr == 1500
    assert (await rating(sandbox, bob.id, "sc2_terran")).mmr == 1500
    await bob.wait_for_dm(
        with_text(match_text.INVALIDATED.format(match_id=found.id, reason="wrong map played")),
        include_existing=True,
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
    line = text.MATCHES_LINE
    assert lines[0].startswith(lead(line, match_id=conflict.id, status=STATUS["conflict"]) + "**Alice**")
    assert lines[1].startswith(lead(line, match_id=found.id, status=STATUS["found"]) + "**Carol**")
    assert all(" · 0m (<t:" in line for line in lines)  # the age, and when the match was made
    assert card["footer"]["text"] == text.MATCHES_FOOTER.format(page=1, pages=1)
    refused = await alice.slash("admin matches")
    assert refused.content == errors_text.NotAuthorized


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
    assert "/admin map_dependency" in field(file, replay_field(1, "Alice"))

    question = await root.slash("admin map_dependency", match_id=state.id, reason="official lobby")
    asked = text.MAP_DEPENDENCY_QUESTION.format(count=1, map=state.map_name, match_id=state.id)
    assert asked in question.content and handle in question.content
    done = await root.click(text.CONFIRM_LABEL, question.message)
    assert done.content == text.MAP_DEPENDENCY_DONE.format(count=1, map=state.map_name)
    [row] = await audit(sandbox)
    assert (row["action_type"], row["target_match_id"], row["reason"]) == (
        "map_dependency", state.id, "official lobby"
    )
    assert row["details"] == {"map": state.map_name, "handles": [handle]}
    again = await root.slash("admin map_dependency", match_id=state.id, reason="twice")
    assert again.content == errors_text.NothingToRecord.format(match_id=state.id)  # nothing left to record
