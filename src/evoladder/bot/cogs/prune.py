"""/prune: delete the bot's own old messages in the player's DM.

What is old: sent more than ``KEEP_HOURS`` (3) hours ago. What is never deleted: anything of
the player's open match, found three ways because not every message says which match it is for:
the ``bot_messages`` rows of that match (the match message and its notices), messages whose
buttons carry the match's custom ids (``evo:match:<id>:…``), and replies to a click on one of
those (Discord's ``interaction_metadata.interacted_message_id``). While the player is queueing,
messages with the queue's buttons (``evo:queue:…``, the searching view) are kept as well: the
queue edits that view as waves approach.

What is looked at: the DM's history before the cut-off (the source of truth for what exists;
many replies are not tracked) plus the tracked rows older than the cut-off, in case they lie
beyond the scanned history. At most ``MAX_DELETES`` per run, so one command cannot hold the
outbound queue for minutes; the answer says when there is more.

Deletions go through the outbound queue (priority BULK, paced, 429-aware, retried as they are
idempotent). A message already gone counts as handled, not as deleted. Every handled id is
marked deleted in ``bot_messages``. The command may take longer than 3 seconds: the wrapper
defers it and the count arrives as the follow-up.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import discord

from evoladder.bot.interaction import Call, LadderCog, ladder_command
from evoladder.bot.outbound import Priority, channel_bucket
from evoladder.bot.render import accounts as render
from evoladder.bot.reply import Reply
from evoladder.domain.errors import LadderError
from evoladder.domain.players import PlayerState
from evoladder.i18n.text import accounts as text

KEEP_HOURS = 3
MAX_DELETES = 100
HISTORY_SCAN = 500
_MATCH_ITEM = re.compile(r"^evo:match:(\d+):")
_QUEUE_ITEM = "evo:queue:"  # the searching view's buttons: kept while the player is queueing


@dataclass(slots=True)
class PrunePlan:
    """Which messages (channel id, message id) to delete; ``more`` when the cap cut the list."""

    targets: dict[int, int] = field(default_factory=dict)  # message id -> channel id
    more: bool = False

    def add(self, channel_id: int, message_id: int) -> bool:
        """Take one more target; False once the cap is reached."""
        if message_id in self.targets:
            return True
        if len(self.targets) >= MAX_DELETES:
            self.more = True
            return False
        self.targets[message_id] = channel_id
        return True


def custom_ids_of(message: discord.Message) -> Iterator[str]:
    for row in message.components:
        for child in getattr(row, "children", ()):
            value = getattr(child, "custom_id", None)
            if value:
                yield str(value)


@dataclass(frozen=True, slots=True)
class Keep:
    """What must survive: the open match's messages, and the queue's while the player queues."""

    open_matches: frozenset[int]
    message_ids: frozenset[int]  # the open match's tracked messages
    queueing: bool

    def keeps(self, message: discord.Message) -> bool:
        if message.id in self.message_ids:
            return True
        for value in custom_ids_of(message):
            matched = _MATCH_ITEM.match(value)
            if matched and int(matched.group(1)) in self.open_matches:
                return True
            if self.queueing and value.startswith(_QUEUE_ITEM):
                return True
        metadata = message.interaction_metadata
        return metadata is not None and metadata.interacted_message_id in self.message_ids


class PruneCog(LadderCog):
    @ladder_command(name="prune", description=text.PRUNE_DESCRIPTION)
    async def prune(self, call: Call) -> Reply:
        if not call.in_dm:
            raise LadderError(text.PRUNE_DM_ONLY)
        keep = await self._keep(call)
        plan = PrunePlan()
        seen = await self._scan_history(call, keep, plan)
        await self._add_tracked(call, keep, plan, seen)
        call.checkpoint("reads")
        deleted = await self._delete(call, plan.targets)
        return Reply(content=render.prune_result(deleted, plan.more, KEEP_HOURS))

    async def _keep(self, call: Call) -> Keep:
        current = await self.deps.matches.current_for(call.uid)
        open_matches = frozenset({current.id} if current is not None else ())
        tracked = [m.message_id for mid in open_matches for m in await self.deps.messages.for_match(mid)]
        queueing = call.require_player().state is PlayerState.QUEUEING
        return Keep(open_matches, frozenset(tracked), queueing)

    async def _scan_history(self, call: Call, keep: Keep, plan: PrunePlan) -> set[int]:
        """Plan the bot's old DM messages that ``keep`` lets go; returns every id looked at."""
        client = call.interaction.client
        me = client.user
        channel = await client.create_dm(call.interaction.user)
        cutoff = self.deps.clock.now() - timedelta(hours=KEEP_HOURS)
        seen: set[int] = set()
        async for message in channel.history(limit=HISTORY_SCAN, before=cutoff):
            seen.add(message.id)
            mine = me is not None and message.author.id == me.id
            if mine and not keep.keeps(message) and not plan.add(channel.id, message.id):
                break
        return seen

    async def _add_tracked(self, call: Call, keep: Keep, plan: PrunePlan, seen: set[int]) -> None:
        """Tracked rows the history scan did not reach (older than the scanned window)."""
        rows = await self.deps.messages.prunable(
            call.uid, keep_hours=KEEP_HOURS, keep_matches=keep.open_matches
        )
        for row in rows:
            if row.message_id in seen or row.message_id in keep.message_ids:
                continue
            if not plan.add(row.channel_id, row.message_id):
                break

    async def _delete(self, call: Call, targets: dict[int, int]) -> int:
        """Delete through the outbound queue; returns how many were deleted (gone ones excluded)."""
        client = call.interaction.client
        futures = [
            self.deps.outbound.submit(
                _deleter(client, channel_id, message_id),
                bucket=channel_bucket(channel_id),
                kind="prune",
                priority=Priority.BULK,
                idempotent=True,
            )
            for message_id, channel_id in targets.items()
        ]
        results = await asyncio.gather(*futures)
        handled = [
            mid
            for mid, r in zip(targets, results, strict=True)
            if r.ok or isinstance(r.error, discord.NotFound)
        ]
        await self.deps.messages.mark_deleted(handled)
        return sum(1 for r in results if r.ok)


def _deleter(client: discord.Client, channel_id: int, message_id: int) -> Callable[[], Awaitable[None]]:
    async def delete() -> None:
        channel = client.get_partial_messageable(channel_id, type=discord.ChannelType.private)
        await channel.get_partial_message(message_id).delete()

    return delete
