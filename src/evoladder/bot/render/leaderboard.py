"""One leaderboard page as an embed: 40 rows in the description, filters and position as fields.

Each row is ``global rank, rank letter, race, MMR`` in inline code (so the numbers line up in
every client) followed by the flag and the name. Ranks are always the global ones: a filtered
board shows "#312" for the 312th player of the whole ladder, which is what players compare.

Sizes: Discord allows 4,096 characters in a description and 6,000 in all of a message's embeds.
A row is at most about 75 characters (names are cut at ``NAME_MAX`` and escaped), so 40 rows take
about 3,000; ``fit`` still trims the longest names if a page ever came out too long, because a
400 from Discord would leave the player with no board at all.

Cost. Formatting a row (flag, markdown and mention escaping of the name, the padded cells) is
most of a board's rendering, and the same rows are shown again and again (the top pages, a
player's own neighbourhood). ``row`` keeps the finished text of recent rows in an LRU keyed by
everything the text is made of (rank, letter, race, MMR, country, name, whether it is the
viewer's row, the name width), so a cached line is exactly the line that would be built: a row
that moved, changed MMR or was renamed has a new key and is formatted afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import discord

from evoladder.bot.render.accounts import flag
from evoladder.bot.render.same import Same
from evoladder.domain.leaderboard import Entry, LeaderboardFilter, Page, Position
from evoladder.domain.ranks import SHARES_PERCENT
from evoladder.game import GameData
from evoladder.i18n import active_language, names
from evoladder.i18n.text import leaderboard as text
from evoladder.services.leaderboard import LeaderboardView

COLOUR = discord.Colour.gold()
NAME_MAX = 16
DESCRIPTION_MAX = 4096
EMBED_MAX = 6000
ROW_CACHE_SIZE = 8192  # ~200 pages of rows; a line is ~100 bytes of text
PAGE_TEXT_CACHE_SIZE = 256  # as many as the index keeps pages; ~3 KB of text each
BOARD_CACHE_SIZE = 256  # finished embeds (~4 KB each), per page object and viewer


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
    return _row_text(
        entry.global_rank, entry.letter, short_race(game, entry.race), entry.mmr, entry.country,
        entry.name, entry.discord_uid == viewer_uid, name_max, active_language(),
    )


@lru_cache(maxsize=ROW_CACHE_SIZE)
def _row_text(
    rank: int, letter: str, race: str, mmr: int, country: str | None, name: str, you: bool, name_max: int,
    language: str,
) -> str:
    """One row's line from the values it shows and the language (the key of the row cache)."""
    return (text.ROW_YOU if you else text.ROW).format(
        rank=f"#{rank}", letter=letter, race=race, mmr=mmr, flag=flag(country), name=cell_name(name, name_max)
    )


def header() -> str:
    return _header(active_language())


@lru_cache(maxsize=16)
def _header(language: str) -> str:
    return text.HEADER.format(
        rank=text.HEADER_RANK,
        letter=text.HEADER_LETTER,
        race=text.HEADER_RACE,
        mmr=text.HEADER_MMR,
        player=text.HEADER_PLAYER,
    )


def rows_text(entries: Sequence[Entry], game: GameData, viewer_uid: int | None) -> str:
    """The description: header and rows, within Discord's 4,096 characters.

    The leaderboard serves an unchanged page as the very same ``entries`` object (its page
    cache), so the finished text is kept per entries *object* (and per viewer, when the viewer's
    row is on it): a page shown again costs one look-up instead of 40 rows and a length check.
    """
    if not entries:
        return text.EMPTY
    you = viewer_uid if any(e.discord_uid == viewer_uid for e in entries) else None
    return _page_text(Same(entries), Same(game), you, active_language())


@lru_cache(maxsize=PAGE_TEXT_CACHE_SIZE)
def _page_text(entries: Same, game: Same, viewer_uid: int | None, language: str) -> str:
    rows: Sequence[Entry] = entries.value  # type: ignore[assignment]
    data: GameData = game.value  # type: ignore[assignment]
    return fit(lambda limit: "\n".join([header(), *(row(e, data, viewer_uid, limit) for e in rows)]))


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


def board(view: LeaderboardView, game: GameData, viewer_uid: int | None) -> discord.Embed:
    """The page's embed. The index serves an unchanged page as the very same ``Page`` object, so
    the embed is kept per page object, filters, viewer position and viewer (``BOARD_CACHE_SIZE``
    most recent): a board asked for again before anything on it changed is not built again.
    The embed is shared: callers send it as it is and never change it."""
    return _board(Same(view.page), view.filters, view.viewer, Same(game), viewer_uid, active_language())


@lru_cache(maxsize=BOARD_CACHE_SIZE)
def _board(
    same_page: Same, filters: LeaderboardFilter, viewer: Position | None, same_game: Same,
    viewer_uid: int | None, language: str,
) -> discord.Embed:
    page: Page = same_page.value  # type: ignore[assignment]
    game: GameData = same_game.value  # type: ignore[assignment]
    view = LeaderboardView(page, filters, viewer)
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


def rank_share(letter: str) -> str:
    return text.RANK_SHARE.format(share=SHARES_PERCENT.get(letter, 0))
