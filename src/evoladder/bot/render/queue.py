"""/queue as embeds: the quick-start guide, the queue view, the searching view and their ends.

Pure: results of :mod:`evoladder.services.queue` (plus the game data for display names) in,
``discord.Embed`` out. The components (``components/queue.py``) put these beside their buttons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import discord

from evoladder.domain.players import ABORTS_PER_MONTH
from evoladder.game import GameData
from evoladder.i18n import names
from evoladder.i18n.text import queue as text
from evoladder.services.queue import QueueStatus, SearchingView

GUIDE_COLOUR = discord.Colour.blurple()
QUEUE_COLOUR = discord.Colour.blurple()
SEARCHING_COLOUR = discord.Colour.teal()
MATCHED_COLOUR = discord.Colour.gold()
CLOSED_COLOUR = discord.Colour.dark_grey()


@dataclass(frozen=True, slots=True)
class GuideFacts:
    """The numbers the guide quotes, from the settings (so the guide never contradicts them)."""

    max_vetoes: int
    wave_interval: int
    confirm_timeout: int
    aborts_per_month: int = ABORTS_PER_MONTH


def discord_time(moment: datetime, style: str = "R") -> str:
    """A Discord timestamp (``R``: "in 30 seconds"), localized and kept current by each client."""
    return discord.utils.format_dt(moment, style)  # type: ignore[arg-type]


def race_name(game: GameData, code: str | None) -> str:
    if code is None:
        return text.NOT_PLAYING
    return names.race(game.races.get(code), code)


def map_label(game: GameData, name: str) -> str:
    """The short name players know a map by (the full name is what the service stores)."""
    found = game.map_named(name)
    return found.short_name if found else name


def vetoes_line(game: GameData, vetoes: Sequence[str]) -> str:
    return ", ".join(map_label(game, v) for v in vetoes) if vetoes else text.NO_VETOES


def races_line(game: GameData, bw_race: str | None, sc2_race: str | None) -> str:
    return " · ".join(race_name(game, r) for r in (bw_race, sc2_race) if r is not None)


# --- before joining ------------------------------------------------------------------------------


def guide(facts: GuideFacts) -> discord.Embed:
    return discord.Embed(
        title=text.GUIDE_TITLE,
        description=text.GUIDE_BODY.format(
            max_vetoes=facts.max_vetoes,
            interval=facts.wave_interval,
            confirm=facts.confirm_timeout,
            aborts=facts.aborts_per_month,
        ),
        colour=GUIDE_COLOUR,
    )


def queue_view(
    game: GameData, bw_race: str | None, sc2_race: str | None, vetoes: Sequence[str], max_vetoes: int
) -> discord.Embed:
    """The choices as they stand; a hint when Join cannot be pressed yet."""
    intro = text.VIEW_INTRO.format(max_vetoes=max_vetoes)
    if bw_race is None and sc2_race is None:
        intro = f"{intro}\n**{text.NEED_A_RACE}**"
    embed = discord.Embed(title=text.VIEW_TITLE, description=intro, colour=QUEUE_COLOUR)
    embed.add_field(name=text.FIELD_BW, value=race_name(game, bw_race))
    embed.add_field(name=text.FIELD_SC2, value=race_name(game, sc2_race))
    embed.add_field(name=text.FIELD_VETOES, value=vetoes_line(game, vetoes), inline=False)
    return embed


def queue_closed() -> discord.Embed:
    return discord.Embed(
        title=text.VIEW_CLOSED_TITLE, description=text.VIEW_CLOSED_BODY, colour=CLOSED_COLOUR
    )


# --- while searching -----------------------------------------------------------------------------


def searching(entry: SearchingView, status: QueueStatus, game: GameData) -> discord.Embed:
    """The searching view: the player's choices, the next wave and how busy the ladder is.

    ``status`` may be newer than ``entry.status`` (the searching messages are refreshed with the
    queue's current facts while the entry itself does not change).
    """
    next_wave = discord_time(status.next_wave_at)
    embed = discord.Embed(
        title=text.SEARCHING_TITLE,
        description=text.SEARCHING_BODY.format(next_wave=next_wave),
        colour=SEARCHING_COLOUR,
    )
    embed.add_field(name=text.FIELD_RACES, value=races_line(game, entry.bw_race, entry.sc2_race))
    embed.add_field(name=text.FIELD_VETOES, value=vetoes_line(game, entry.vetoes))
    embed.add_field(
        name=text.FIELD_NEXT_WAVE, value=f"{next_wave} ({discord_time(status.next_wave_at, 'T')})"
    )
    embed.add_field(name=text.FIELD_ACTIVE, value=str(status.active_players))
    embed.add_field(name=text.FIELD_IN_PROGRESS, value=str(status.matches_in_progress))
    counts = status.counts
    embed.add_field(
        name=text.FIELD_QUEUED,
        value=text.QUEUED_LINE.format(total=counts.total, bw=counts.bw, sc2=counts.sc2),
        inline=False,
    )
    embed.add_field(name=text.FIELD_SINCE, value=discord_time(entry.joined_at))
    return embed


def left_queue() -> discord.Embed:
    return discord.Embed(title=text.LEFT_TITLE, description=text.LEFT_BODY, colour=CLOSED_COLOUR)


def no_longer_queued() -> discord.Embed:
    """The player left the queue another way (an admin, a ban, another message's Cancel)."""
    return discord.Embed(title=text.GONE_TITLE, description=text.GONE_BODY, colour=CLOSED_COLOUR)


def matched(match_id: int) -> discord.Embed:
    body = text.MATCHED_BODY.format(match_id=match_id)
    return discord.Embed(title=text.MATCHED_TITLE, description=body, colour=MATCHED_COLOUR)
