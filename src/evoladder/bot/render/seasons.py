"""Seasons as the bot shows them: the past-season line above a board or a profile, the season
picker's choices, and the admin's season start preview and result."""

from __future__ import annotations

from collections.abc import Sequence

from discord import app_commands

from evoladder.bot.render.admin import when
from evoladder.bot.render.markdown import plain
from evoladder.i18n.text import admin as admin_text
from evoladder.i18n.text import seasons as text
from evoladder.services.seasons import SeasonInfo, SeasonStartPlan, SeasonStartResult

CHOICES_MAX = 25  # Discord's limit on autocomplete choices


def past_season_line(season: SeasonInfo) -> str:
    ended = when(season.ended_at, "D") if season.ended_at else text.ONGOING
    return text.PAST_SEASON.format(name=plain(season.name), started=when(season.started_at, "D"), ended=ended)


def past_season_choices(past: Sequence[SeasonInfo], typed: str) -> list[app_commands.Choice[int]]:
    """Closed seasons whose name contains what was typed, newest first."""
    wanted = typed.strip().casefold()
    return [
        app_commands.Choice(name=s.name[:100], value=s.id) for s in past if wanted in s.name.casefold()
    ][:CHOICES_MAX]


def season_question(plan: SeasonStartPlan, reason: str) -> str:
    return admin_text.SEASON_START_QUESTION.format(
        closing=plain(plan.closing.name), name=plain(plan.name), pool=plan.map_pool, percent=plan.percent,
        archived=plan.archived_rows, ranked=plan.ranked_rows, ratings=plan.ratings, moved=plan.moved,
        players=plan.players, open_matches=plan.open_matches, reason=reason,
    )


def season_started(result: SeasonStartResult) -> str:
    return admin_text.SEASON_START_DONE.format(
        closing=plain(result.closing.name), name=plain(result.opening.name), pool=result.opening.map_pool,
        archived=result.plan.archived_rows, history=result.history_rows,
    )
