"""/profile as one embed: identity, country and region, one field per race, totals, account.

Every race of the game data gets a field, in the data's order, so a player sees at a glance which
races they never played ("Not played yet") instead of wondering where a race went. Six race
fields plus five others stay well under Discord's 25 fields and 6,000 characters.

A plain function of its inputs. A profile shown again while nothing on it changed is not rendered
again: the cog keeps the embed in the profile service's renderings, per profile object
(:mod:`evoladder.services.renderings`), under :func:`embed_key` (the language is part of it).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import datetime

import discord

from evoladder.bot.render.accounts import country_label, when
from evoladder.domain.records import Record
from evoladder.game import GameData
from evoladder.i18n import active_language, names
from evoladder.i18n.text import profile as text
from evoladder.services.profile import Profile, RaceProfile

COLOUR = discord.Colour.teal()


def record(r: Record) -> str:
    return text.RECORD.format(wins=r.wins, losses=r.losses, draws=r.draws)


def percent(value: float | None) -> str:
    return text.NO_PERCENT if value is None else text.PERCENT.format(value=value)


def windows(recent: Mapping[int, Record]) -> str:
    return " · ".join(text.WINDOW.format(days=d, record=record(r)) for d, r in sorted(recent.items()))


def embed_key() -> Hashable:
    """The key of the profile's embed in the profile service's renderings: the embed depends on
    the profile object and on the language it is rendered in."""
    return ("discord.profile", active_language())


def profile(p: Profile, game: GameData) -> discord.Embed:
    """The profile's embed."""
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
        _overall(p.overall, p.overall_win_percent, p.recent, p.last_played),
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
    rank = (
        text.RACE_GLOBAL.format(rank=race.global_rank, total=ranked_total)
        if race.global_rank is not None
        else text.RACE_UNRANKED
    )
    mmr = race.mmr if race.mmr is not None else "—"
    return "\n".join(
        (
            text.RACE_MMR.format(mmr=mmr, letter=race.letter, rank=rank),
            text.RACE_RECORD.format(record=record(race.record), percent=percent(race.win_percent)),
            text.RACE_RECENT.format(windows=windows(race.recent)),
        )
    )


def _overall(
    total: Record, win_percent: float | None, recent: Mapping[int, Record], last_played: datetime | None
) -> str:
    last = when(last_played, "R") if last_played else text.NEVER
    return text.OVERALL_LINES.format(
        record=record(total), percent=percent(win_percent), windows=windows(recent), last=last
    )
