"""Matches: the persistent buttons of the match message (Confirm, Abort).

The match message itself is sent and edited by the notifier; this cog registers the buttons'
classes so clicks find their handler, also after a restart. The result-report flow and the
replay upload belong here too as the feature grows.
"""

from __future__ import annotations

from typing import Any, ClassVar

import discord

from evoladder.bot.components.match import MATCH_ITEMS
from evoladder.bot.interaction import LadderCog


class MatchCog(LadderCog):
    dynamic_items: ClassVar[tuple[type[discord.ui.DynamicItem[Any]], ...]] = MATCH_ITEMS
