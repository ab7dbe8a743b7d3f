"""Replay uploads as messages: the details embed, the opponent's notice, the match's status lines.

Pure: each function takes the replay service's plain results (plus the game data for race names)
and returns text or a :class:`~evoladder.bot.reply.Reply`. Results read from the viewer's side
("you won"), whichever slot they had: the replay's winner is mapped through the match's races by
the service, so the slot is known.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import discord

from evoladder.bot.render.match import outcome_for, race_name
from evoladder.bot.reply import Reply, Track
from evoladder.domain.match_state import MatchState
from evoladder.domain.rating import Outcome
from evoladder.domain.replays import (
    MESSAGES,
    START_TOLERANCE,
    Check,
    CheckId,
    PlayerResult,
    ReplayPlayer,
)
from evoladder.game import GameData
from evoladder.i18n.text import checks as checks_text
from evoladder.i18n.text import replays as text
from evoladder.services.replays import MatchReplay, ReplayEffect, UploadResult

REPLAY_MESSAGE = "replay"  # bot_messages.kind of the details embed (/prune removes it later)
FIELD_MAX = 1024
PASSED_COLOUR = discord.Colour.green()
WARNING_COLOUR = discord.Colour.orange()
FAILED_COLOUR = discord.Colour.red()


# --- the details embed -------------------------------------------------------------------------


def details(result: UploadResult, game: GameData) -> Reply:
    """The answer to an upload: what the file shows, its checklist and what it did to the match."""
    parsed, report = result.parsed, result.report
    embed = discord.Embed(
        title=text.TITLE.format(match_id=result.match.id),
        description=effect_text(result),
        colour=colour(report.checks),
    )
    embed.add_field(name=text.FIELD_MATCHUP, value=clip(matchup(parsed.players, game)), inline=False)
    embed.add_field(name=text.FIELD_RESULT, value=clip(winner_line(parsed.players)))
    embed.add_field(name=text.FIELD_MAP, value=clip(parsed.map_name or MESSAGES["unknown"]))
    embed.add_field(name=text.FIELD_START, value=discord.utils.format_dt(parsed.start_time, "f"))
    embed.add_field(name=text.FIELD_DURATION, value=duration(parsed.duration_seconds))
    embed.add_field(name=text.FIELD_OBSERVERS, value=clip(", ".join(parsed.observers) or text.NO_OBSERVERS))
    embed.add_field(name=text.FIELD_CHECKS, value=clip(checklist(report.checks)), inline=False)
    record = result.record
    embed.set_footer(text=text.FOOTER.format(hash=record.hash[:12], size=size(record.size_bytes)))
    return Reply(embeds=(embed,), track=Track(REPLAY_MESSAGE, result.match.id))


def effect_text(result: UploadResult) -> str:
    """What the upload did, from the uploader's side."""
    match, effect = result.match, result.effect
    outcome = _outcome_text(result.outcome, result.uploader_slot)
    if effect is ReplayEffect.REPORTED:
        return text.EFFECT_REPORTED.format(outcome=outcome)
    if effect is ReplayEffect.CONFLICT:
        return text.EFFECT_CONFLICT.format(outcome=outcome, match_id=match.id)
    if effect is ReplayEffect.AGREES:
        return text.EFFECT_AGREES.format(outcome=outcome, match_id=match.id)
    if effect is ReplayEffect.LOCKED:
        locked = checks_text.get("critical.locked", MESSAGES["critical.locked"])
        return text.EFFECT_LOCKED.format(locked=locked)
    if effect is ReplayEffect.UNVERIFIED:
        if result.report.mod.unverified:
            return text.EFFECT_MOD_UNVERIFIED
        if not result.report.names_match:
            return text.EFFECT_NAMES
        if not result.report.check(CheckId.START_TIME).passed:
            minutes = int(START_TOLERANCE.total_seconds() // 60)
            return text.EFFECT_UNVERIFIED_TIME.format(minutes=minutes)
        return text.EFFECT_UNVERIFIED_WINNER
    if match.is_open:  # the reporting deadline passed while the file was on its way
        return text.EFFECT_REPORTING_CLOSED.format(match_id=match.id)
    status = text.table("MATCH_STATUS").get(match.status.value, match.status.value)
    return text.EFFECT_EVIDENCE.format(match_id=match.id, status=status)


def matchup(players: Sequence[ReplayPlayer], game: GameData) -> str:
    if not players:
        return text.NO_PLAYERS
    return text.MATCHUP_SEPARATOR.join(
        text.MATCHUP_PLAYER.format(name=p.name, race=_race(p, game)) for p in players
    )


def winner_line(players: Sequence[ReplayPlayer]) -> str:
    winners = [p.name for p in players if p.result is PlayerResult.WIN]
    if len(winners) == 1:
        return text.RESULT_WINNER.format(name=winners[0])
    if players and all(p.result is PlayerResult.TIE for p in players):
        return text.RESULT_TIE
    return text.RESULT_UNKNOWN


def checklist(checks: Iterable[Check]) -> str:
    """One line per check: passed, warning (a non-critical failure) or failed (critical)."""
    return "\n".join(text.CHECK_LINE.format(mark=mark(c), message=check_text(c)) for c in checks)


def check_text(check: Check) -> str:
    """A checklist line in the reader's language (a row stored before lines had keys: English)."""
    template = checks_text.get(check.key, "") if check.key else ""
    if not template:
        return check.message
    try:
        return template.format(**check.fields)
    except (KeyError, IndexError, ValueError):
        return check.message


def mark(check: Check) -> str:
    if check.passed:
        return text.CHECK_PASS
    return text.CHECK_FAIL if check.critical else text.CHECK_WARN


def colour(checks: Sequence[Check]) -> discord.Colour:
    if any(c.critical and not c.passed for c in checks):
        return FAILED_COLOUR
    if any(not c.passed for c in checks):
        return WARNING_COLOUR
    return PASSED_COLOUR


def duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return text.DURATION.format(minutes=minutes, seconds=secs)


def size(size_bytes: int) -> str:
    return f"{size_bytes / 1024:.0f} KB" if size_bytes < 1024 * 1024 else f"{size_bytes / 1024 / 1024:.1f} MB"


def clip(value: str, limit: int = FIELD_MAX) -> str:
    """An embed field value within Discord's limit (player names and map names come from files)."""
    value = value or MESSAGES["none"]
    return value if len(value) <= limit else value[: limit - len(text.TRUNCATED)] + text.TRUNCATED


# --- what the opponent is told -----------------------------------------------------------------


def opponent_notice(result: UploadResult) -> str | None:
    """The DM the uploader's opponent gets when the replay reported or disputed the result."""
    if result.effect not in (ReplayEffect.REPORTED, ReplayEffect.CONFLICT):
        return None
    opponent_slot = 3 - result.uploader_slot
    outcome = _outcome_text(result.outcome, opponent_slot)
    template = text.OPPONENT_REPORTED if result.effect is ReplayEffect.REPORTED else text.OPPONENT_CONFLICT
    return template.format(match_id=result.match.id, outcome=outcome)


# --- the match message's status field ----------------------------------------------------------


def status_text(replays: Sequence[MatchReplay], match: MatchState, viewer_uid: int) -> str:
    """One line per stored replay of the match, as ``viewer_uid`` reads it."""
    viewer_slot = match.slot_of(viewer_uid)
    lines = [_status_line(r, viewer_uid, viewer_slot) for r in replays]
    return clip("\n".join(lines))


def _status_line(replay: MatchReplay, viewer_uid: int, viewer_slot: int) -> str:
    who = text.STATUS_YOURS if replay.record.uploader_uid == viewer_uid else text.STATUS_THEIRS
    parts = [_checks_summary(replay)]
    if replay.can_report and replay.outcome is not None:
        parts.append(text.STATUS_SHOWS.format(outcome=_outcome_text(Outcome(replay.outcome), viewer_slot)))
    return text.STATUS_LINE.format(mark=_status_mark(replay), who=who, summary=text.SUMMARY_JOIN.join(parts))


def _checks_summary(replay: MatchReplay) -> str:
    if replay.failed_critical:
        check_names = text.table("CHECK_NAMES")
        names = ", ".join(check_names.get(c.id.value, c.id.value) for c in replay.failed_critical)
        return text.STATUS_CRITICAL.format(checks=names)
    if replay.warnings:
        return text.STATUS_WARNINGS.format(count=len(replay.warnings))
    return text.STATUS_PASSED


def _status_mark(replay: MatchReplay) -> str:
    if not replay.critical_ok:
        return text.CHECK_FAIL
    if replay.warnings or not replay.can_report:
        return text.CHECK_WARN
    return text.CHECK_PASS


# --- helpers -------------------------------------------------------------------------------------


def _race(player: ReplayPlayer, game: GameData) -> str:
    if player.race:
        return race_name(game, player.race)
    return player.race_name or text.UNKNOWN_RACE


def _outcome_text(outcome: Outcome | None, slot: int) -> str:
    return outcome_for(outcome, slot) if outcome is not None else MESSAGES["unknown"]

