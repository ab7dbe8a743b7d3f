"""/profile: the caller's profile, or (admins only) another player's.

Another player is named the way the admin tools name players (``AdminPlayerService.lookup``: a
Discord id, an @mention, a Discord name or a main id), because a user picker is of little use
in a DM. Only admins may look at someone else; the lookup checks the role on every use.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from evoladder.bot.interaction import Call, LadderCog, describe, ladder_command
from evoladder.bot.render import profile as render
from evoladder.bot.render.markdown import plain
from evoladder.bot.render.seasons import past_season_choices, past_season_line
from evoladder.bot.reply import Reply
from evoladder.bot.weblinks import player_link, with_link
from evoladder.domain.errors import LadderError, TargetPlayerNotFound
from evoladder.domain.players import Player
from evoladder.i18n.text import profile as text

QUERY_MAX = 100


class ProfileCog(LadderCog):
    @describe(player=text.PLAYER_OPTION, season=text.SEASON_OPTION)
    @ladder_command(name="profile", description=text.PROFILE_DESCRIPTION)
    async def profile(
        self,
        call: Call,
        player: app_commands.Range[str, 1, QUERY_MAX] | None = None,
        season: int | None = None,
    ) -> Reply:
        """The current season unless ``season`` names a closed one (its final standing)."""
        if player is None:  # the caller's own: the guard just read their record
            profile = await self.deps.profiles.profile(call.uid, call.player, season_id=season)
            ladder_id = call.player.id if call.player else None
        else:
            target = await self._other(call, player)
            profile = await self.deps.profiles.profile(target.discord_uid, target, season_id=season)
            ladder_id = target.id
        call.checkpoint("reads")
        game, kept = self.deps.game, self.deps.profiles.renderings
        reply = Reply(embeds=(kept.get(profile, render.embed_key(), lambda: render.profile(profile, game)),))
        if profile.season is not None:
            reply = Reply(content=past_season_line(profile.season), embeds=reply.embeds)
        public_url = self.deps.settings.public_url
        if public_url and ladder_id is not None:
            return with_link(reply, player_link(public_url, ladder_id))
        return reply

    @profile.autocomplete("season")
    async def season_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[int]]:
        return past_season_choices(self.deps.seasons.book.past(), current)

    async def _other(self, call: Call, query: str) -> Player:
        found = await self.deps.admin_players.lookup(call.uid, query)
        if not found:
            raise TargetPlayerNotFound()
        if len(found) > 1:
            names = ", ".join(
                f"{plain(f.player.discord_username)} ({f.player.discord_uid})" for f in found[:5]
            )
            raise LadderError(text.SEVERAL_PLAYERS.format(query=query, names=names))
        return found[0].player
