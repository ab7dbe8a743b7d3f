"""/leaderboard: a page of 40 with filters; the slash options set the first filters.

Races and countries are autocompleted (races by name, short name or alias in any script;
countries as in /setcountry, all 251), rank letters are choices. Everything after the first
answer happens on the board's own controls (see components.leaderboard).
"""

from __future__ import annotations

from typing import Any, ClassVar

import discord
from discord import app_commands

from evoladder.bot.components.leaderboard import LEADERBOARD_ITEMS, BoardState, board_reply
from evoladder.bot.countries import CountrySearch
from evoladder.bot.deps import BotDeps
from evoladder.bot.interaction import Call, Flows, LadderCog, describe, ladder_command
from evoladder.bot.render.leaderboard import board as render_board
from evoladder.bot.render.seasons import past_season_choices, past_season_line
from evoladder.bot.reply import Reply
from evoladder.bot.weblinks import board_link, with_link
from evoladder.domain.errors import UnknownRace
from evoladder.domain.ranks import LETTERS
from evoladder.game import GameData
from evoladder.i18n import names, using
from evoladder.i18n.text import leaderboard as text
from evoladder.services.accounts import fold

PAGE_MAX = 1_000_000


def race_names(game: GameData) -> dict[str, str]:
    """Every folded code, name, short name and alias -> its race (the first race that has it)."""
    names: dict[str, str] = {}
    for code, race in game.races.items():
        for name in (code, race.name, race.short_name, *race.aliases):
            names.setdefault(fold(name), code)
    return names


def race_code(game: GameData, value: str, names: dict[str, str] | None = None) -> str:
    """A race by code, name, short name or alias (any script, any case).

    ``names`` is ``race_names(game)`` made once by the caller; folding every name of every race
    again for each /leaderboard would cost more than the page itself.
    """
    found = (names if names is not None else race_names(game)).get(fold(value))
    if found is None:
        raise UnknownRace()
    return found


def races_matching(game: GameData, query: str) -> list[app_commands.Choice[str]]:
    wanted = fold(query)
    return [
        app_commands.Choice(name=names.race(race, code), value=code)
        for code, race in game.races.items()
        if any(wanted in fold(n) for n in (code, race.name, race.short_name, *race.aliases))
    ]


class LeaderboardCog(LadderCog):
    dynamic_items: ClassVar[tuple[type[discord.ui.DynamicItem[Any]], ...]] = LEADERBOARD_ITEMS

    def __init__(self, deps: BotDeps, flows: Flows) -> None:
        super().__init__(deps, flows)
        self.countries = CountrySearch(deps.accounts, deps.game, catalogs=deps.catalogs)
        self.race_names = race_names(deps.game)

    @describe(
        race=text.RACE_OPTION,
        country=text.COUNTRY_OPTION,
        rank=text.RANK_OPTION,
        best_race_only=text.BEST_OPTION,
        page=text.PAGE_OPTION,
        season=text.SEASON_OPTION,
    )
    @app_commands.choices(rank=[app_commands.Choice(name=letter, value=letter) for letter in LETTERS])
    @ladder_command(name="leaderboard", description=text.LEADERBOARD_DESCRIPTION)
    async def leaderboard(
        self,
        call: Call,
        race: str | None = None,
        country: str | None = None,
        rank: str | None = None,
        best_race_only: bool = False,
        page: app_commands.Range[int, 1, PAGE_MAX] = 1,
        season: int | None = None,
    ) -> Reply:
        game = self.deps.game
        if season is not None and not self.deps.seasons.season(season).is_current:
            return await self._past(call, season, race, country, rank, best_race_only, page)
        state = BoardState(
            owner=call.uid,
            page=page,
            races=frozenset({race_code(game, race, self.race_names)} if race else ()),
            countries=frozenset({self.countries.resolve(country).code} if country else ()),
            letter=rank,
            best_only=best_race_only,
        )
        service = self.deps.leaderboard
        view = state.query(service)
        call.checkpoint("reads")
        return board_reply(state, view, game, service.renderings, public_url=self.deps.settings.public_url)

    async def _past(
        self, call: Call, season: int, race: str | None, country: str | None, rank: str | None,
        best_only: bool, page: int,
    ) -> Reply:
        """A closed season's final board: the page asked for, with the same filters; its pages
        are picked with the ``page`` option (the board's controls act on the live board)."""
        game = self.deps.game
        races = frozenset({race_code(game, race, self.race_names)} if race else ())
        countries = frozenset({self.countries.resolve(country).code} if country else ())
        view = await self.deps.leaderboard.season_page(
            season,
            call.uid,
            races=races,
            countries=countries,
            rank_letter=rank,
            best_only=best_only,
            page=page,
        )
        call.checkpoint("reads")
        line = past_season_line(self.deps.seasons.season(season))
        reply = Reply(content=line, embeds=(render_board(view, game, call.uid),))
        public_url = self.deps.settings.public_url
        if not public_url:
            return reply
        link = board_link(public_url, races, countries, rank, best_only, view.page.page, season)
        return with_link(reply, link)

    @leaderboard.autocomplete("season")
    async def season_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[int]]:
        return past_season_choices(self.deps.seasons.book.past(), current)

    @leaderboard.autocomplete("race")
    async def race_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        with using(self.deps.languages.catalog_now(interaction.user.id, interaction.locale)):
            return races_matching(self.deps.game, current)

    @leaderboard.autocomplete("country")
    async def country_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        with using(self.deps.languages.catalog_now(interaction.user.id, interaction.locale)):
            return self.countries.choices(current)
