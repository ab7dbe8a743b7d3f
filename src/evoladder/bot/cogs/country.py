"""/setcountry: any of the game data's countries, found as the player types, then confirmed.

The autocomplete answers outside the interaction wrapper: it runs on every keystroke, writes
nothing and needs no guard, and logging each keystroke as a command call would drown the
command log. The command itself runs through the wrapper as usual.
"""

from __future__ import annotations

from typing import Any, ClassVar

import discord
from discord import app_commands

from evoladder.bot.components.country import COUNTRY_ITEMS, preview_view
from evoladder.bot.countries import CountrySearch
from evoladder.bot.deps import BotDeps
from evoladder.bot.interaction import Call, Flows, LadderCog, describe, ladder_command
from evoladder.bot.render import accounts as render
from evoladder.bot.reply import Reply
from evoladder.i18n import using
from evoladder.i18n.text import accounts as text


class CountryCog(LadderCog):
    dynamic_items: ClassVar[tuple[type[discord.ui.DynamicItem[Any]], ...]] = COUNTRY_ITEMS

    def __init__(self, deps: BotDeps, flows: Flows) -> None:
        super().__init__(deps, flows)
        self.search = CountrySearch(deps.accounts, deps.game, catalogs=deps.catalogs)

    @describe(country=text.SETCOUNTRY_OPTION)
    @ladder_command(name="setcountry", description=text.SETCOUNTRY_DESCRIPTION)
    async def setcountry(self, call: Call, country: str) -> Reply:
        chosen = self.search.resolve(country)
        player = call.require_player()
        current = self.deps.game.countries.get(player.country) if player.country else None
        return Reply(
            content=render.setcountry_preview(chosen, current), view=preview_view(call.uid, chosen.code)
        )

    @setcountry.autocomplete("country")
    async def country_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        with using(self.deps.languages.catalog_now(interaction.user.id, interaction.locale)):
            return self.search.choices(current)
