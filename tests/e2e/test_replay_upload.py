"""Replay upload end to end: a player drops the file in the bot's DM -> checklist -> auto-report -> MMR.

Through the local Discord server with the real bot, services, worker pool and a directory storage.
The file is a real standard StarCraft II 1v1 (``standard-1v1/Ocrucius_vs_Rairden_EverDream``:
JiaanN, SC2 Terran, loses to Rairden, SC2 Zerg, on Ever Dream LE). Two things are shaped around it,
since no real SC: Evo 1v1 file exists:

- the game data is the packaged one except that the EU "mod" is the standard game that file loaded
  (its handles before the map), so the unchanged mod check passes it;
- the match is written as a wave writes one (row, players in match, confirmation jobs) with the
  file's races and map, because Ever Dream LE is not in the season pool, and confirmed through the
  match service three minutes before the game started; the ladder's clock is the file's time.

Everything after that is what players see. No sleeps: each step waits for what a player receives.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from journeykit import LadderClock, register

from evoladder.domain.errors import ReportLocked
from evoladder.domain.match_state import MatchState, MatchStatus
from evoladder.domain.rating import Outcome, rate
from evoladder.domain.replays import ParsedReplay
from evoladder.game.loader import packaged_data_dir
from evoladder.i18n.text import match as match_text
from evoladder.sandbox import Message, VirtualPlayer
from evoladder.sandbox.ladder import Sandbox
from evoladder.services.matches import confirmation_jobs
from evoladder.settings import load_settings
from evoladder.store.repositories.matches import match_to_row
from replayfiles import parse_file

pytestmark = pytest.mark.e2e

REPLAY = "standard-1v1/Ocrucius_vs_Rairden_EverDream.SC2Replay"


def game_data_with_standard_mod(target: Path, parsed: ParsedReplay) -> Path:
    """The packaged game data, with the EU mod handles replaced by what ``parsed`` loaded."""
    shutil.copytree(packaged_data_dir(), target, ignore=shutil.ignore_patterns("__pycache__"))
    mod = json.loads((target / "mod.json").read_text(encoding="utf-8"))
    mod["handles"]["EU"] = list(parsed.cache_handles[:-1])
    (target / "mod.json").write_text(json.dumps(mod), encoding="utf-8")
    return target


@pytest.fixture
def replay_file(shared: Path) -> Path:
    return shared / "replays" / REPLAY


@pytest.fixture
def sandbox_options(replay_file: Path, tmp_path: Path) -> dict[str, Any]:
    parsed = parse_file(replay_file)
    settings = load_settings(
        game_data_dir=game_data_with_standard_mod(tmp_path / "game", parsed),
        replay_storage=str(tmp_path / "replays"),
    )
    clock = LadderClock(parsed.start_time - timedelta(minutes=3))
    return {"settings": settings, "clock": clock, "background": False}


async def confirmed_match(
    sandbox: Sandbox, p1: VirtualPlayer, p2: VirtualPlayer, parsed: ParsedReplay
) -> MatchState:
    """The file's match (races in its players' order, its map), made and confirmed now."""
    deps = sandbox.ladder.services
    now = deps.clock.now()
    first, second = parsed.players
    assert first.race and second.race
    state = MatchState(
        id=0, player_1=p1.id, player_2=p2.id, race_1=first.race, race_2=second.race, mmr_1=1500,
        mmr_2=1500, status=MatchStatus.FOUND, report_1=None, report_2=None, result=None, mmr_change=None,
        map_name=parsed.map_name, server="EUC", played_at=now,
        confirm_deadline=now + deps.matches.timings.confirm_timeout, confirmed_1_at=None,
        confirmed_2_at=None, confirmed_at=None, report_deadline=None, reported_1_at=None,
        reported_2_at=None, finalized_at=None, resolved_by=None, wave_at=now, version=1,
    )
    async with deps.db.transaction() as uow:
        (match_id,) = await uow.matches.insert_many([match_to_row(state)])
        state = replace(state, id=match_id)
        await uow.matches.put_players_in_matches([(p1.id, match_id), (p2.id, match_id)], now)
        await uow.jobs.add_many(confirmation_jobs(state, deps.matches.timings))
    await deps.matches.confirm(match_id, p1.id)
    return await deps.matches.confirm(match_id, p2.id)


def titled(prefix: str) -> Callable[[Message], bool]:
    return lambda m: bool(m.embeds) and str(m.embeds[0].get("title", "")).startswith(prefix)


def fields(message: Message) -> dict[str, str]:
    if not message.embeds:
        return {}
    return {f["name"]: f["value"] for f in message.embeds[0].get("fields", [])}


async def test_upload_checklist_auto_report_and_mmr(sandbox: Sandbox, replay_file: Path) -> None:
    parsed = parse_file(replay_file)
    alice, bob = sandbox.player("alice"), sandbox.player("bob")  # JiaanN (loses), Rairden (wins)
    await register(sandbox, alice, "JiaanN")
    await register(sandbox, bob, "Rairden")
    match = await confirmed_match(sandbox, alice, bob, parsed)
    card_a = await alice.wait_for_dm(titled(f"Match #{match.id}:"), include_existing=True)
    await bob.wait_for_dm(titled(f"Match #{match.id}:"), include_existing=True)
    clock = sandbox.ladder.services.clock
    assert isinstance(clock, LadderClock)
    clock.set(parsed.end_time + timedelta(minutes=1))  # the game was played; now the upload

    await alice.upload(replay_file)  # the loser hands in the replay

    details = await alice.wait_for_dm(titled(f"Replay of match #{match.id}"))
    shown = fields(details)
    assert shown["Matchup"] == "**JiaanN** (SC2 Terran) vs **Rairden** (SC2 Zerg)"
    assert shown["Result"] == "Rairden won" and shown["Map"] == "Ever Dream LE"
    assert shown["Duration"] == "18m 31s" and shown["Observers"] == "none"
    assert shown["Started"] == f"<t:{int(parsed.start_time.timestamp())}:f>"
    checks = shown["Checks"].splitlines()
    assert len(checks) == 12 and all(line.startswith("✅") for line in checks), checks
    assert "Official SC: Evo Complete mod (EU)" in shown["Checks"]
    assert "reported the result for both players: **you lost**" in details.embeds[0]["description"]

    await alice.wait_for_dm(lambda m: f"Match #{match.id} is final: **you lost**" in m.text)
    await bob.wait_for_dm(lambda m: f"Match #{match.id} is final: **you won**" in m.text)
    told = await bob.wait_for_dm(lambda m: "Your opponent uploaded the replay" in m.text)
    assert "**you won**" in told.text

    delta = rate(1500, 1500, Outcome.PLAYER_2).delta
    async with sandbox.ladder.services.db.read() as uow:
        loser, winner = await uow.mmrs.get(alice.id, "sc2_terran"), await uow.mmrs.get(bob.id, "sc2_zerg")
        final = await uow.matches.get(match.id)
    assert loser is not None and winner is not None and final is not None
    assert (loser.mmr, winner.mmr) == (1500 + delta, 1500 - delta)
    assert final.status is MatchStatus.FINAL and final.result == Outcome.PLAYER_2

    # The match message (the same message, closed now) carries the replay status for each player.
    mine = "✅ Your replay: all checks passed, shows you lost"
    card = await alice.wait_for_dm(lambda m: fields(m).get("Replays") == mine, include_existing=True)
    assert card.id == card_a.id and "final" in str(card.embeds[0]["title"])
    theirs = "✅ Your opponent's replay: all checks passed, shows you won"
    await bob.wait_for_dm(lambda m: fields(m).get("Replays") == theirs, include_existing=True)


async def test_a_file_that_is_not_a_replay_is_answered(sandbox: Sandbox) -> None:
    alice = sandbox.player("alice")
    await register(sandbox, alice, "JiaanN")
    await alice.send_dm("here", attachments=[("notes.txt", b"hello")])
    answer = await alice.wait_for_dm(lambda m: m.author_id == sandbox.discord.bot_user.id)
    assert answer.content == "Only StarCraft II replay files (.SC2Replay) are accepted here."
    await alice.upload(("game.SC2Replay", b"MPQ\x1b" + bytes(64)))  # a replay's name and magic
    answer = await alice.wait_for_dm(lambda m: m.author_id == sandbox.discord.bot_user.id)
    assert "no match to attach this replay to" in answer.content


@pytest.fixture
async def locked_sandbox(replay_file: Path, tmp_path: Path) -> AsyncIterator[Sandbox]:
    """The same, with the result menu locked until a replay passed the checks (production's default)."""
    parsed = parse_file(replay_file)
    settings = load_settings(
        game_data_dir=game_data_with_standard_mod(tmp_path / "game", parsed),
        replay_storage=str(tmp_path / "replays"),
        report_requires_replay=True,
    )
    clock = LadderClock(parsed.start_time - timedelta(minutes=3))
    async with Sandbox(settings=settings, clock=clock, background=False) as sb:
        yield sb
        assert not sb.discord.violations, sb.discord.violations.describe()


def result_menu(message: Message) -> dict[str, object]:
    menu = next(s for s in message.selects if str(s.get("custom_id", "")).endswith(":result"))
    return dict(menu)


async def test_the_result_menu_unlocks_once_a_replay_passed_the_critical_checks(
    locked_sandbox: Sandbox, replay_file: Path
) -> None:
    sandbox, parsed = locked_sandbox, parse_file(replay_file)
    alice, bob = sandbox.player("alice"), sandbox.player("bob")
    await register(sandbox, alice, "Someone")  # not a name in the file: it cannot report by itself
    await register(sandbox, bob, "Rairden")
    match = await confirmed_match(sandbox, alice, bob, parsed)
    card = await alice.wait_for_dm(titled(f"Match #{match.id}:"), include_existing=True)
    menu = result_menu(card)
    assert menu["disabled"] is True and menu["placeholder"] == match_text.RESULT_LOCKED_PLACEHOLDER
    assert fields(card)[match_text.FIELD_RESULT_LOCKED] == match_text.RESULT_LOCKED
    with pytest.raises(ReportLocked):  # what a stale client's report would be told
        await sandbox.ladder.services.matches.report(match.id, alice.id, Outcome.PLAYER_2)

    clock = sandbox.ladder.services.clock
    assert isinstance(clock, LadderClock)
    clock.set(parsed.end_time + timedelta(minutes=1))
    await alice.upload(replay_file)
    details = await alice.wait_for_dm(titled(f"Replay of match #{match.id}"))
    assert "not both players' ladder ids" in details.embeds[0]["description"]

    unlocked = await alice.wait_for_dm(
        lambda m: m.id == card.id and not result_menu(m).get("disabled"), include_existing=True
    )
    assert match_text.FIELD_RESULT_LOCKED not in fields(unlocked)
    assert result_menu(unlocked)["placeholder"] == match_text.RESULT_PLACEHOLDER
    question = await alice.select(match_text.RESULT_PLACEHOLDER, ["2"], unlocked)
    answer = await alice.click(match_text.REPORT_CONFIRM_LABEL, question.message)
    assert f"You reported match #{match.id}" in answer.content
    bob_card = await bob.wait_for_dm(
        lambda m: m.id != card.id and bool(m.selects) and not result_menu(m).get("disabled"),
        include_existing=True,
    )
    assert match_text.FIELD_RESULT_LOCKED not in fields(bob_card)


async def test_a_replay_of_strangers_is_flagged_in_the_admin_log(sandbox: Sandbox, replay_file: Path) -> None:
    parsed = parse_file(replay_file)
    alice, bob = sandbox.player("alice"), sandbox.player("bob")
    await register(sandbox, alice, "Someone")
    await register(sandbox, bob, "Else")
    match = await confirmed_match(sandbox, alice, bob, parsed)
    clock = sandbox.ladder.services.clock
    assert isinstance(clock, LadderClock)
    clock.set(parsed.end_time + timedelta(minutes=1))
    await alice.upload(replay_file)
    post = await sandbox.discord.wait_for_channel_message(
        sandbox.admin_log, lambda m: f"Replay of match #{match.id}" in m.text
    )
    assert "neither player's id" in post.text and "JiaanN" in post.text and "Rairden" in post.text
    assert (await sandbox.ladder.services.matches.get(match.id)).status is MatchStatus.CONFIRMED
