"""Matches: the persistent controls of a match (Confirm, Abort, the result select and its Confirm).

The match message itself is sent and edited by the notifier (found -> details -> closed, see
``bot/notifier.py``); this cog registers the controls' classes so that a click finds its handler,
also on a message sent before a restart. The controls are in ``components/match.py``, the
messages in ``render/match.py``. Replay uploads belong to the replay feature's own cog.
"""

from __future__ import annotations

from typing import Any, ClassVar

import discord

from evoladder.bot.components.match import MATCH_ITEMS
from evoladder.bot.interaction import LadderCog


class MatchCog(LadderCog):
    dynamic_items: ClassVar[tuple[type[discord.ui.DynamicItem[Any]], ...]] = MATCH_ITEMS
