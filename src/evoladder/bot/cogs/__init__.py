"""The feature cogs, one per feature. The composition root loads :data:`FEATURE_COGS`.

Adding a feature: write ``cogs/<feature>.py`` with a :class:`~evoladder.bot.interaction.LadderCog`
subclass (its ``dynamic_items`` list its persistent buttons), its renderers in
``render/<feature>.py`` and its text in the catalogs (``evoladder/i18n/README.md``), then add the
class here.
"""

from __future__ import annotations

from evoladder.bot.cogs.activation import ActivationCog
from evoladder.bot.cogs.admin import AdminCog
from evoladder.bot.cogs.country import CountryCog
from evoladder.bot.cogs.help import HelpCog
from evoladder.bot.cogs.language import LanguageCog
from evoladder.bot.cogs.leaderboard import LeaderboardCog
from evoladder.bot.cogs.match import MatchCog
from evoladder.bot.cogs.ping import PingCog
from evoladder.bot.cogs.profile import ProfileCog
from evoladder.bot.cogs.prune import PruneCog
from evoladder.bot.cogs.queue import QueueCog
from evoladder.bot.cogs.replays import ReplayCog
from evoladder.bot.cogs.setup import SetupCog
from evoladder.bot.cogs.terms import TermsCog
from evoladder.bot.interaction import LadderCog

FEATURE_COGS: tuple[type[LadderCog], ...] = (
    HelpCog,
    PingCog,
    TermsCog,
    SetupCog,
    CountryCog,
    ActivationCog,
    LanguageCog,
    ProfileCog,
    LeaderboardCog,
    PruneCog,
    QueueCog,
    MatchCog,
    ReplayCog,
    AdminCog,
)
