"""/profile as one embed: identity, country and region, one field per race, totals, account.

Every race of the game data gets a field, in the data's order, so a player sees at a glance which
races they never played ("Not played yet") instead of wondering where a race went. Six race
fields plus five others stay well under Discord's 25 fields and 6,000 characters.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import discord

from evoladder.bot.render.accounts import country_label, when
from evoladder.bot.strings import profile as text
from evoladder.game import GameData
from evoladder.services.profile import Profile, RaceProfile
from evoladder.store.repositories.stats import Record

COLOUR = discord.Colour.teal()
RACE_LINES_CACHE_SIZE = 4096  # a few players' races each; a value is ~150 characters


def record(r: Record) -> str:
    return text.RECORD.format(wins=r.wins, losses=r.losses, draws=r.draws)


def percent(value: float | None) -> str:
    return text.NO_PERCENT if value is None else text.PERCENT.format(value=value)


def windows(recent: Mapping[int, Record]) -> str:
    return " · ".join(text.WINDOW.format(days=d, record=record(r)) for d, r in sorted(recent.items()))


def profile(p: Profile, game: GameData) -> discord.Embed:
    name = p.main_id or p.discord_username
    embed = discord.Embed(title=text.TITLE.format(name=name), colour=COLOUR)
    embed.add_field(
        name=text.IDENTITY,
        value=text.IDENTITY_LINES.format(
            mention=f"<@{p.discord_uid}>",
            battletag=p.battletag or text.NOT_SET,
            alts=", ".join(p.alt_ids) or text.NONE,
        ),
        inline=False,
    )
    region = p.region.name if p.region else text.NOT_SET
    embed.add_field(name=text.WHERE, value=f"{country_label(p.country)} · {region}", inline=False)
    for race in p.races:
        label = game.races[race.race].name if race.race in game.races else race.race
        embed.add_field(name=label, value=_race_value(race, p.ranked_total))
    embed.add_field(name=text.OVERALL, value=_overall(p), inline=False)
    embed.add_field(
        name=text.ABORTS, value=text.ABORTS_LINE.format(left=p.aborts_left, total=p.aborts_per_month)
    )
    status = text.STATUS_TEXT.get(p.status.value, p.status.value)
    state = text.STATE_TEXT.get(p.state.value, p.state.value)
    embed.add_field(name=text.STATUS, value=text.STATUS_LINE.format(status=status, state=state))
    embed.set_footer(text=text.FOOTER)
    return embed


def _race_value(race: RaceProfile, ranked_total: int) -> str:
    if not race.played:
        return text.RACE_UNPLAYED
    recent = tuple(sorted(race.recent.items()))
    return _race_lines(
        race.mmr, race.letter, race.global_rank, ranked_total, race.record, race.win_percent, recent
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


def _overall(p: Profile) -> str:
    last = when(p.last_played, "R") if p.last_played else text.NEVER
    return text.OVERALL_LINES.format(
        record=record(p.overall), percent=percent(p.overall_win_percent), windows=windows(p.recent), last=last
    )
