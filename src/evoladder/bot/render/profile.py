"""/profile as one embed: identity, country and region, one field per race, totals, account.

Every race of the game data gets a field, in the data's order, so a player sees at a glance which
races they never played ("Not played yet") instead of wondering where a race went. Six race
fields plus five others stay well under Discord's 25 fields and 6,000 characters.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache

import discord

from evoladder.bot.render.accounts import country_label, when
from evoladder.bot.render.same import Same
from evoladder.domain.records import Record
from evoladder.game import GameData
from evoladder.i18n import active_language, names
from evoladder.i18n.text import profile as text
from evoladder.services.profile import Profile, RaceProfile

COLOUR = discord.Colour.teal()
RACE_LINES_CACHE_SIZE = 4096  # a few players' races each; a value is ~150 characters
EMBED_CACHE_SIZE = 1024  # the most recently viewed profiles (an embed is ~2 KB)


def record(r: Record) -> str:
    return text.RECORD.format(wins=r.wins, losses=r.losses, draws=r.draws)


def percent(value: float | None) -> str:
    return text.NO_PERCENT if value is None else text.PERCENT.format(value=value)


def windows(recent: Mapping[int, Record]) -> str:
    return " · ".join(text.WINDOW.format(days=d, record=record(r)) for d, r in sorted(recent.items()))


def profile(p: Profile, game: GameData) -> discord.Embed:
    """The profile's embed. The profile service hands out the very same ``Profile`` object while
    nothing it shows changed, so the embed is kept per profile object (``EMBED_CACHE_SIZE`` most
    recent) and shared: callers send it as it is and never change it."""
    return _profile(Same(p), Same(game), active_language())


@lru_cache(maxsize=EMBED_CACHE_SIZE)
def _profile(same_profile: Same, same_game: Same, language: str) -> discord.Embed:
    p: Profile = same_profile.value  # type: ignore[assignment]
    game: GameData = same_game.value  # type: ignore[assignment]
    identity = text.IDENTITY_LINES.format(
        mention=f"<@{p.discord_uid}>",
        battletag=p.battletag or text.NOT_SET,
        alts=", ".join(p.alt_ids) or text.NONE,
    )
    region = names.region(p.region) if p.region else text.NOT_SET
    races = tuple(
        (names.race(game.races.get(race.race), race.race),
         _race_value(race, p.ranked_total))
        for race in p.races
    )
    return _embed(
        text.TITLE.format(name=p.main_id or p.discord_username),
        identity,
        f"{country_label(p.country)} · {region}",
        races,
        _overall(
            p.overall, p.overall_win_percent, tuple(sorted(p.recent.items())), p.last_played, language
        ),
        text.ABORTS_LINE.format(left=p.aborts_left, total=p.aborts_per_month),
        text.STATUS_LINE.format(
            status=text.table("STATUS_TEXT").get(p.status.value, p.status.value),
            state=text.table("STATE_TEXT").get(p.state.value, p.state.value),
        ),
    )


def _embed(
    title: str,
    identity: str,
    where: str,
    races: tuple[tuple[str, str], ...],
    overall: str,
    aborts: str,
    status: str,
) -> discord.Embed:
    embed = discord.Embed(title=title, colour=COLOUR)
    embed.add_field(name=text.IDENTITY, value=identity, inline=False)
    embed.add_field(name=text.WHERE, value=where, inline=False)
    for label, value in races:
        embed.add_field(name=label, value=value)
    embed.add_field(name=text.OVERALL, value=overall, inline=False)
    embed.add_field(name=text.ABORTS, value=aborts)
    embed.add_field(name=text.STATUS, value=status)
    embed.set_footer(text=text.FOOTER)
    return embed


def _race_value(race: RaceProfile, ranked_total: int) -> str:
    if not race.played:
        return text.RACE_UNPLAYED
    recent = tuple(sorted(race.recent.items()))
    return _race_lines(
        race.mmr, race.letter, race.global_rank, ranked_total, race.record, race.win_percent, recent,
        active_language(),
    )


@lru_cache(maxsize=RACE_LINES_CACHE_SIZE)
def _race_lines(
    mmr: int | None,
    letter: str,
    global_rank: int | None,
    ranked_total: int,
    all_time: Record,
    win_percent: float | None,
    recent: tuple[tuple[int, Record], ...],
    language: str,
) -> str:
    """A played race's three lines, from exactly the values they show (the cache key): a dozen
    format calls per race that come out the same on every view until something shown changes."""
    rank = (
        text.RACE_GLOBAL.format(rank=global_rank, total=ranked_total)
        if global_rank is not None
        else text.RACE_UNRANKED
    )
    return "\n".join(
        (
            text.RACE_MMR.format(mmr=mmr if mmr is not None else "—", letter=letter, rank=rank),
            text.RACE_RECORD.format(record=record(all_time), percent=percent(win_percent)),
            text.RACE_RECENT.format(windows=windows(dict(recent))),
        )
    )


@lru_cache(maxsize=RACE_LINES_CACHE_SIZE)
def _overall(
    total: Record,
    win_percent: float | None,
    recent: tuple[tuple[int, Record], ...],
    last_played: datetime | None,
    language: str,
) -> str:
    last = when(last_played, "R") if last_played else text.NEVER
    return text.OVERALL_LINES.format(
        record=record(total), percent=percent(win_percent), windows=windows(dict(recent)), last=last
    )
