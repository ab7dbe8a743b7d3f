"""The feature cogs, one per feature. The composition root loads :data:`FEATURE_COGS`.

Adding a feature: write ``cogs/<feature>.py`` with a :class:`~evoladder.bot.interaction.LadderCog`
subclass (its ``dynamic_items`` list its persistent buttons), its renderers in
``render/<feature>.py`` and its text in ``strings/<feature>.py``, then add the class here.
"""

from __future__ import annotations

from evoladder.bot.cogs.admin import AdminCog
from evoladder.bot.cogs.help import HelpCog
from evoladder.bot.cogs.match import MatchCog
from evoladder.bot.cogs.ping import PingCog
from evoladder.bot.interaction import LadderCog

FEATURE_COGS: tuple[type[LadderCog], ...] = (HelpCog, PingCog, MatchCog, AdminCog)
