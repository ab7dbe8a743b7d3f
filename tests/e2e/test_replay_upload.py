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
The sandbox is conftest's; ``report_requires_replay`` (off, as the sandbox runs) is a fixture a
test parametrizes to lock the result menu until a replay passed the checks (production's default).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from journeykit import LadderClock, closed_card, lead, race, register, titled, with_text

from evoladder.domain.errors import ReportLocked
from evoladder.domain.match_state import MatchState, MatchStatus
from evoladder.domain.rating import Outcome, rate
from evoladder.domain.replays import ParsedReplay
from evoladder.game.loader import packaged_data_dir
from evoladder.i18n.text import checks as checks_text
from evoladder.i18n.text import errors as errors_text
from evoladder.i18n.text import match as match_text
from evoladder.i18n.text import replays as text
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
def report_requires_replay() -> bool:
    """Whether the result menu waits for a replay that passed the checks (a test parametrizes it)."""
    return False


@pytest.fixture
def sandbox_options(replay_file: Path, tmp_path: Path, report_requires_replay: bool) -> dict[str, Any]:
    parsed = parse_file(replay_file)
    settings = load_settings(
        game_data_dir=game_data_with_standard_mod(tmp_path / "game", parsed),
        replay_storage=str(tmp_path / "replays"),
        report_requires_replay=report_requires_replay,
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


def details_of(match_id: int) -> Callable[[Message], bool]:
    """The match message once both confirmed (its title names the match and the races)."""
    return titled(lead(match_text.DETAILS_TITLE, match_id=match_id))


def replay_status(who: str, outcome: str) -> str:
    """The match message's line for a replay that passed every check and shows ``outcome``."""
    return text.STATUS_LINE.format(
        mark=text.CHECK_PASS, who=who,
        summary=text.SUMMARY_JOIN.join([text.STATUS_PASSED, text.STATUS_SHOWS.format(outcome=outcome)]),
    )


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
    card_a = await alice.wait_for_dm(details_of(match.id), include_existing=True)
    await bob.wait_for_dm(details_of(match.id), include_existing=True)
    clock = sandbox.ladder.services.clock
    assert isinstance(clock, LadderClock)
    clock.set(parsed.end_time + timedelta(minutes=1))  # the game was played; now the upload

    await alice.upload(replay_file)  # the loser hands in the replay

    details = await alice.wait_for_dm(titled(text.TITLE.format(match_id=match.id)))
    shown = fields(details)
    assert shown[text.FIELD_MATCHUP] == text.MATCHUP_SEPARATOR.join([
        text.MATCHUP_PLAYER.format(name="JiaanN", race=race("sc2_terran")),
        text.MATCHUP_PLAYER.format(name="Rairden", race=race("sc2_zerg")),
    ])
    assert shown[text.FIELD_RESULT] == text.RESULT_WINNER.format(name="Rairden")
    assert shown[text.FIELD_MAP] == "Ever Dream LE"
    assert shown[text.FIELD_DURATION] == text.DURATION.format(minutes=18, seconds=31)
    assert shown[text.FIELD_OBSERVERS] == text.NO_OBSERVERS
    assert shown[text.FIELD_START] == f"<t:{int(parsed.start_time.timestamp())}:f>"
    checks = shown[text.FIELD_CHECKS].splitlines()
    assert len(checks) == 12 and all(line.startswith(text.CHECK_PASS) for line in checks), checks
    mod_ok = checks_text.get("mod.ok", "").format(region="EU")
    assert text.CHECK_LINE.format(mark=text.CHECK_PASS, message=mod_ok) in checks
    reported = text.EFFECT_REPORTED.format(outcome=match_text.OUTCOME_LOST)
    assert reported in details.embeds[0]["description"]

    lost = lead(match_text.RESULT_FINAL, match_id=match.id, outcome=match_text.OUTCOME_LOST)
    await alice.wait_for_dm(with_text(lost))
    won = lead(match_text.RESULT_FINAL, match_id=match.id, outcome=match_text.OUTCOME_WON)
    await bob.wait_for_dm(with_text(won))
    await bob.wait_for_dm(
        with_text(text.OPPONENT_REPORTED.format(match_id=match.id, outcome=match_text.OUTCOME_WON))
    )

    delta = rate(1500, 1500, Outcome.PLAYER_2).delta
    async with sandbox.ladder.services.db.read() as uow:
        loser, winner = await uow.mmrs.get(alice.id, "sc2_terran"), await uow.mmrs.get(bob.id, "sc2_zerg")
        final = await uow.matches.get(match.id)
    assert loser is not None and winner is not None and final is not None
    assert (loser.mmr, winner.mmr) == (1500 + delta, 1500 - delta)
    assert final.status is MatchStatus.FINAL and final.result == Outcome.PLAYER_2

    # The match message (the same message, closed now) carries the replay status for each player.
    mine = replay_status(text.STATUS_YOURS, match_text.OUTCOME_LOST)
    card = await alice.wait_for_dm(lambda m: fields(m).get(text.STATUS_FIELD) == mine, include_existing=True)
    assert card.id == card_a.id and closed_card(match.id, match_text.STATUS_FINAL)(card)
    theirs = replay_status(text.STATUS_THEIRS, match_text.OUTCOME_WON)
    await bob.wait_for_dm(lambda m: fields(m).get(text.STATUS_FIELD) == theirs, include_existing=True)


async def test_a_file_that_is_not_a_replay_is_answered(sandbox: Sandbox) -> None:
    alice = sandbox.player("alice")
    await register(sandbox, alice, "JiaanN")
    await alice.send_dm("here", attachments=[("notes.txt", b"hello")])
    answer = await alice.wait_for_dm(lambda m: m.author_id == sandbox.discord.bot_user.id)
    assert answer.content == errors_text.NotAReplayName
    await alice.upload(("game.SC2Replay", b"MPQ\x1b" + bytes(64)))  # a replay's name and magic
    answer = await alice.wait_for_dm(lambda m: m.author_id == sandbox.discord.bot_user.id)
    assert answer.content == errors_text.NoMatchForReplay


def result_menu(message: Message) -> dict[str, object]:
    menu = next(s for s in message.selects if str(s.get("custom_id", "")).endswith(":result"))
    return dict(menu)


@pytest.mark.parametrize("report_requires_replay", [True])
async def test_the_result_menu_unlocks_once_a_replay_passed_the_critical_checks(
    sandbox: Sandbox, replay_file: Path
) -> None:
    parsed = parse_file(replay_file)
    alice, bob = sandbox.player("alice"), sandbox.player("bob")
    await register(sandbox, alice, "Someone")  # not a name in the file: it cannot report by itself
    await register(sandbox, bob, "Rairden")
    match = await confirmed_match(sandbox, alice, bob, parsed)
    card = await alice.wait_for_dm(details_of(match.id), include_existing=True)
    menu = result_menu(card)
    assert menu["disabled"] is True and menu["placeholder"] == match_text.RESULT_LOCKED_PLACEHOLDER
    assert fields(card)[match_text.FIELD_RESULT_LOCKED] == match_text.RESULT_LOCKED
    with pytest.raises(ReportLocked):  # what a stale client's report would be told
        await sandbox.ladder.services.matches.report(match.id, alice.id, Outcome.PLAYER_2)

    clock = sandbox.ladder.services.clock
    assert isinstance(clock, LadderClock)
    clock.set(parsed.end_time + timedelta(minutes=1))
    await alice.upload(replay_file)
    details = await alice.wait_for_dm(titled(text.TITLE.format(match_id=match.id)))
    assert text.EFFECT_NAMES in details.embeds[0]["description"]

    unlocked = await alice.wait_for_dm(
        lambda m: m.id == card.id and not result_menu(m).get("disabled"), include_existing=True
    )
    assert match_text.FIELD_RESULT_LOCKED not in fields(unlocked)
    assert result_menu(unlocked)["placeholder"] == match_text.RESULT_PLACEHOLDER
    question = await alice.select(match_text.RESULT_PLACEHOLDER, ["2"], unlocked)
    answer = await alice.click(match_text.REPORT_CONFIRM_LABEL, question.message)
    assert answer.content.startswith(lead(match_text.REPORTED_WAITING, match_id=match.id))
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
        sandbox.admin_log, with_text(lead(match_text.ADMIN_REPLAY_FLAGGED, match_id=match.id))
    )
    assert match_text.FLAG_NAMES_UNKNOWN.format(names="JiaanN, Rairden") in post.text
    assert (await sandbox.ladder.services.matches.get(match.id)).status is MatchStatus.CONFIRMED
