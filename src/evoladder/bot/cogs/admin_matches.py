"""/admin subcommands about matches and the queue as a whole: matches, match, resolve,
map_dependency, clear_queue.

``/admin resolve`` works on open, conflicted and finalized matches (also aborted, abandoned and
invalidated ones): the match service reverses the rating change already applied and applies the
new one as a difference, so later games of both players keep their effect; the preview shows that
difference before the admin confirms. Both players and the admin log are told by the notifier.
"""

from __future__ import annotations

from discord import app_commands

from evoladder.bot.cogs.admin_base import AdminCommands, Reason, admin_command
from evoladder.bot.components.admin import confirmation
from evoladder.bot.interaction import Call, choice, describe
from evoladder.bot.render import admin as render
from evoladder.bot.reply import Reply
from evoladder.domain.match_state import Resolution
from evoladder.i18n.text import admin as text
from evoladder.services.admin_players import require_reason

MatchId = app_commands.Range[int, 1, 2_147_483_647]
Page = app_commands.Range[int, 1, 10_000]
OUTCOMES = [
    choice(name, value) for value, name in text.table("OUTCOME_CHOICES").items()
]


class AdminMatchCommands(AdminCommands):
    @describe(match_id=text.OPT_MATCH_ID)
    @admin_command(name="match", description=text.MATCH_DESCRIPTION)
    async def match(self, call: Call, match_id: MatchId) -> Reply:
        """The match file; the stored replays are attached when they fit on one message."""
        found = await self.console.match_file(call.uid, match_id)
        call.checkpoint("reads")
        return render.match_file(found, self.deps.game)

    @describe(page=text.OPT_PAGE)
    @admin_command(name="matches", description=text.MATCHES_DESCRIPTION)
    async def matches(self, call: Call, page: Page = 1) -> Reply:
        """Conflicted and open matches, conflicts first and oldest first, a page at a time."""
        found = await self.console.attention_matches(call.uid, page)
        call.checkpoint("reads")
        return render.matches_page(found)

    @describe(match_id=text.OPT_MATCH_ID, outcome=text.OPT_OUTCOME, reason=text.OPT_REASON)
    @app_commands.choices(outcome=OUTCOMES)
    @admin_command(name="resolve", description=text.RESOLVE_DESCRIPTION)
    async def resolve(self, call: Call, match_id: MatchId, outcome: str, reason: Reason) -> Reply:
        """Preview the decision and its rating difference, then resolve on Confirm."""
        why = require_reason(reason)
        preview = await self.console.resolve_preview(call.uid, match_id, Resolution(outcome))
        call.checkpoint("reads")

        async def apply(confirm: Call) -> str:
            state = await self.console.resolve(confirm.uid, match_id, preview.resolution, why)
            return render.resolve_done(state)

        return confirmation(call.uid, render.resolve_question(preview, why), apply)

    @describe(match_id=text.OPT_MATCH_ID, reason=text.OPT_REASON)
    @admin_command(name="map_dependency", description=text.MAP_DEPENDENCY_DESCRIPTION)
    async def map_dependency(self, call: Call, match_id: MatchId, reason: Reason) -> Reply:
        """Preview the files a replay of the match loaded with its mod unverified, then record
        them as the map's dependencies on Confirm (audited; the mod check is exact from then)."""
        why = require_reason(reason)
        preview = await self.console.dependency_preview(call.uid, match_id)
        call.checkpoint("reads")

        async def apply(confirm: Call) -> str:
            added = await self.console.record_map_dependencies(confirm.uid, preview, why)
            return text.MAP_DEPENDENCY_DONE.format(count=len(added), map=preview.map_name)

        return confirmation(call.uid, render.dependency_question(preview, why), apply)

    @describe(reason=text.OPT_REASON)
    @admin_command(name="clear_queue", description=text.CLEAR_QUEUE_DESCRIPTION)
    async def clear_queue(self, call: Call, reason: Reason) -> Reply:
        """Preview how many are queued, then remove everyone on Confirm (each is told)."""
        why = require_reason(reason)
        queued = await self.console.queued_count(call.uid)
        call.checkpoint("reads")

        async def apply(confirm: Call) -> str:
            removed = await self.console.clear_queue(confirm.uid, why)
            return text.CLEAR_DONE.format(count=len(removed))

        return confirmation(call.uid, render.clear_question(queued, why), apply)
