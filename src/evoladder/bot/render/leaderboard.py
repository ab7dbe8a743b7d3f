"""One leaderboard page as an embed: 40 rows in the description, filters and position as fields.

Each row is ``global rank, rank letter, race, MMR`` in inline code (so the numbers line up in
every client) followed by the flag and the name. Ranks are always the global ones: a filtered
board shows "#312" for the 312th player of the whole ladder, which is what players compare.

Sizes: Discord allows 4,096 characters in a description and 6,000 in all of a message's embeds.
A row is at most about 75 characters (names are cut at ``NAME_MAX`` and escaped), so 40 rows take
about 3,000; ``fit`` still trims the longest names if a page ever came out too long, because a
400 from Discord would leave the player with no board at all.

These are plain functions of their inputs. A board shown again while nothing on it changed is
not rendered again: the cog keeps the embed in the leaderboard service's renderings, per page
object (:mod:`evoladder.services.renderings`), under :func:`board_key`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import discord

from evoladder.bot.render.accounts import flag
from evoladder.domain.leaderboard import Entry, LeaderboardFilter
from evoladder.game import GameData
from evoladder.i18n import active_language, names
from evoladder.i18n.text import leaderboard as text
from evoladder.services.leaderboard import LeaderboardView

COLOUR = discord.Colour.gold()
NAME_MAX = 16
DESCRIPTION_MAX = 4096
EMBED_MAX = 6000


def discord_length(value: str) -> int:
    """Characters as Discord counts them (UTF-16 code units: a flag emoji counts 4)."""
    return len(value.encode("utf-16-le")) // 2


def short_race(game: GameData, race: str) -> str:
    found = game.races.get(race)
    return found.short_name if found else race[:3]


def race_name(game: GameData, race: str) -> str:
    return names.race(game.races.get(race), race)


def cell_name(name: str, limit: int = NAME_MAX) -> str:
    """A name safe inside the row: cut to ``limit``, markdown escaped, no line breaks."""
    flat = " ".join(name.split())
    cut = flat if len(flat) <= limit else flat[: limit - 1] + "…"
    return discord.utils.escape_markdown(discord.utils.escape_mentions(cut))


def row(entry: Entry, game: GameData, viewer_uid: int | None, name_max: int = NAME_MAX) -> str:
    return (text.ROW_YOU if entry.discord_uid == viewer_uid else text.ROW).format(
        rank=f"#{entry.global_rank}",
        letter=entry.letter,
        race=short_race(game, entry.race),
        mmr=entry.mmr,
        flag=flag(entry.country),
        name=cell_name(entry.name, name_max),
    )


def header() -> str:
    return text.HEADER.format(
        rank=text.HEADER_RANK,
        letter=text.HEADER_LETTER,
        race=text.HEADER_RACE,
        mmr=text.HEADER_MMR,
        player=text.HEADER_PLAYER,
    )


def rows_text(entries: Sequence[Entry], game: GameData, viewer_uid: int | None) -> str:
    """The description: header and rows, within Discord's 4,096 characters."""
    if not entries:
        return text.EMPTY
    top = header()
    return fit(lambda limit: "\n".join([top, *(row(e, game, viewer_uid, limit) for e in entries)]))


def fit(build: Callable[[int], str], limit: int = DESCRIPTION_MAX) -> str:
    """``build(name_max)`` with the longest names Discord accepts (it tries shorter names next)."""
    for name_max in (NAME_MAX, 12, 8, 4):
        value = build(name_max)
        if discord_length(value) <= limit:
            return value
    return build(1)[: limit - 1] + "…"


def filters_text(flt: LeaderboardFilter, game: GameData) -> str:
    parts = []
    if flt.races:
        shown = [names.race(r, code) for code, r in game.races.items() if code in flt.races]
        parts.append(text.FILTER_RACES.format(races=", ".join(shown)))
    if flt.countries:
        labels = [
            f"{flag(code)} {names.country(game.countries[code]) if code in game.countries else code}"
            for code in sorted(flt.countries)
        ]
        parts.append(text.FILTER_COUNTRIES.format(countries=", ".join(labels)))
    if flt.letter:
        parts.append(text.FILTER_RANK.format(letter=flt.letter))
    if flt.best_only:
        parts.append(text.FILTER_BEST)
    return "\n".join(parts) or text.FILTERS_NONE


def board_key(view: LeaderboardView, viewer_uid: int | None) -> Hashable:
    """Everything :func:`board` reads besides the page object and the game data (the language
    too): with the page, the key of the board's embed in the leaderboard service's renderings."""
    return ("discord.board", view.filters, view.viewer, viewer_uid, active_language())


def board(view: LeaderboardView, game: GameData, viewer_uid: int | None) -> discord.Embed:
    """The page's embed: rows, filters, the viewer's position and the page count."""
    page = view.page
    embed = discord.Embed(
        title=text.TITLE, description=rows_text(page.entries, game, viewer_uid), colour=COLOUR
    )
    embed.add_field(name=text.FILTERS, value=filters_text(view.filters, game)[:1024], inline=False)
    if view.viewer is not None:
        you = text.YOU_AT.format(
            position=view.viewer.position, page=view.viewer.page, race=race_name(game, view.viewer.race)
        )
    else:
        you = text.YOU_ABSENT
    embed.add_field(name=text.YOU, value=you, inline=False)
    embed.set_footer(
        text=text.FOOTER.format(page=page.page, pages=page.pages, total=page.total, ranked=page.ranked_total)
    )
    return embed
