"""/queue, and the searching messages kept current while their players wait.

``/queue`` shows the quick-start guide until the player acknowledged it once (stored on the
player), then the queue view with last time's choices pre-selected (``components/queue.py``).
Join turns that message into the searching view.

Searching messages (:class:`SearchingMessages`)
-----------------------------------------------
The searching view shows the next wave as a Discord timestamp, which every client counts down by
itself; what goes stale is the rest: once a wave has passed, the next wave's time, the players
active in the last 15 minutes and the queue counts. So shortly after every wave (``WAVE_GRACE``
seconds, when its writes have committed) each tracked message is edited with the queue's current
facts, and a message whose player is no longer queued gets its last edit ("match found: #N", or
"no longer searching" after an admin or a ban removed them) and is no longer tracked. A Cancel
click closes its message through the same path.

Why it is built like this:

* Edits use the channel and message id with the bot token (``bot_messages`` remembers them), not
  the interaction token of the Join click, which Discord expires after 15 minutes.
* They go through the outbound queue at ``BULK`` priority in the player's bucket, so match
  notifications go first, edits of one message never overtake each other, and a closing edit
  always lands after a refresh queued before it. A player has at most one refresh queued: when
  sending falls behind (thousands of searching players against Discord's rate limit), the edit
  that finally runs renders the newest facts instead of piling up old ones.
* Refreshes follow the matchmaker: with no waves running (``background=False`` sandboxes, or a
  stopped matchmaker) there is no wave to approach and nothing is edited; tests call
  :meth:`SearchingMessages.refresh` right after the wave they ran.
* After a restart the tracked set is rebuilt from ``bot_messages`` on the first pass (the newest
  searching message of each queued player, if it was sent for the entry they hold now).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any, ClassVar

import discord

from evoladder.bot.components.queue import (
    QUEUE_COG_NAME,
    QUEUE_ITEMS,
    SEARCHING_KIND,
    Picks,
    closed_view,
    guide_reply,
    queue_reply,
    searching_view,
)
from evoladder.bot.deps import BotDeps
from evoladder.bot.interaction import Call, Flows, LadderCog, ladder_command
from evoladder.bot.outbound import Delivery, Priority, user_bucket
from evoladder.bot.render import queue as render
from evoladder.bot.reply import Reply
from evoladder.domain.errors import NotQueued
from evoladder.i18n import Catalog, active, using
from evoladder.i18n.text import queue as text
from evoladder.logging_setup import event
from evoladder.services.queue import QueueStatus, SearchingView

log = logging.getLogger(__name__)

WAVE_GRACE = 3.0  # seconds after a wave before its searching messages are refreshed
MIN_PAUSE = 1.0  # the refresh loop never spins faster than this (e.g. on a frozen test clock)


@dataclass(frozen=True, slots=True)
class _Tracked:
    """One searching message and the entry it shows (an entry does not change while queued),
    and the catalog of the player's language: the refreshes run on the bot's own task."""

    entry: SearchingView
    channel_id: int
    message_id: int
    catalog: Catalog


@dataclass(frozen=True, slots=True)
class RefreshReport:
    """What one refresh pass did (logged; tests read it)."""

    refreshed: int  # edits queued (players who already had one queued are not counted)
    closed: int  # messages of players no longer queued, given their last edit
    restored: int = 0  # messages found again in bot_messages after a restart


class SearchingMessages:
    """Tracks the searching messages of queued players and edits them as waves pass."""

    def __init__(self, deps: BotDeps) -> None:
        self._deps = deps
        self._client: discord.Client | None = None
        self._tracked: dict[int, _Tracked] = {}
        self._pending: set[int] = set()  # players with a refresh queued in the outbound queue
        self._status: QueueStatus | None = None
        self._restored = False
        self._task: asyncio.Task[None] | None = None

    # -- wiring -----------------------------------------------------------------------------

    def attach(self, client: discord.Client) -> None:
        self._client = client

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="searching-refresh")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def tracked(self) -> frozenset[int]:
        """Players whose searching message is being kept current."""
        return frozenset(self._tracked)

    # -- what the controls tell it (see components.queue.SearchingBoard) ----------------------

    def track(self, entry: SearchingView, channel_id: int, message_id: int) -> None:
        """Keep the message current (called in the player's own interaction: their language)."""
        self._tracked[entry.discord_uid] = _Tracked(entry, channel_id, message_id, active())

    def close(self, discord_uid: int, embed: discord.Embed, clicked: tuple[int, int] | None) -> None:
        """Stop refreshing the player's message and give it (and the clicked one) ``embed``."""
        tracked = self._tracked.pop(discord_uid, None)
        targets = {clicked} if clicked is not None else set()
        if tracked is not None:
            targets.add((tracked.channel_id, tracked.message_id))
        for channel_id, message_id in sorted(targets):
            self._submit_edit(discord_uid, channel_id, message_id, embed, closed_view(), Priority.NORMAL)

    # -- refreshing ---------------------------------------------------------------------------

    async def refresh(self) -> RefreshReport:
        """One pass: close the messages of players who left the queue, refresh the others."""
        restored = 0
        if not self._restored:
            restored = await self._restore()
            self._restored = True
        queue = self._deps.queue
        self._status = await queue.status()
        queued = await queue.queued_players()
        departed = [uid for uid in self._tracked if uid not in queued]
        for uid in departed:
            await self._close_departed(uid)
        refreshed = sum(1 for uid in list(self._tracked) if self._submit_refresh(uid))
        report = RefreshReport(refreshed=refreshed, closed=len(departed), restored=restored)
        event(log, "searching.refresh", refreshed=refreshed, closed=len(departed), restored=restored)
        return report

    async def _close_departed(self, uid: int) -> None:
        tracked = self._tracked.pop(uid)
        match = await self._deps.matches.current_for(uid)
        with using(tracked.catalog):
            embed = render.matched(match.id) if match is not None else render.no_longer_queued()
        self._submit_edit(uid, tracked.channel_id, tracked.message_id, embed, closed_view(), Priority.NORMAL)

    def _submit_refresh(self, uid: int) -> bool:
        if uid in self._pending:
            return False
        expected = self._tracked[uid]
        self._pending.add(uid)

        async def edit() -> object:
            tracked = self._tracked.get(uid)
            if tracked is not expected:  # closed or replaced since it was queued
                return None
            with using(tracked.catalog):
                embed = render.searching(tracked.entry, self._status or tracked.entry.status, self._deps.game)
            return await self._message(tracked.channel_id, tracked.message_id).edit(
                embeds=[embed], view=searching_view()
            )

        future = self._deps.outbound.submit(
            edit, bucket=user_bucket(uid), kind="edit:searching", priority=Priority.BULK, idempotent=True
        )
        future.add_done_callback(lambda done: self._refreshed(uid, expected, done))
        return True

    def _refreshed(self, uid: int, expected: _Tracked, done: asyncio.Future[Delivery]) -> None:
        self._pending.discard(uid)
        delivery = done.result() if not done.cancelled() else None
        gone = delivery is not None and isinstance(delivery.error, discord.NotFound)
        if gone and self._tracked.get(uid) is expected:
            # The message was deleted (by /prune or by hand): nothing is left to keep current.
            del self._tracked[uid]

    def _submit_edit(
        self,
        uid: int,
        channel_id: int,
        message_id: int,
        embed: discord.Embed,
        view: discord.ui.View,
        priority: Priority,
    ) -> None:
        async def edit() -> object:
            return await self._message(channel_id, message_id).edit(embeds=[embed], view=view)

        self._deps.outbound.submit(
            edit, bucket=user_bucket(uid), kind="edit:searching_closed", priority=priority, idempotent=True
        )

    def _message(self, channel_id: int, message_id: int) -> discord.PartialMessage:
        if self._client is None:
            raise RuntimeError("the searching messages are not attached to a client yet")
        channel = self._client.get_partial_messageable(channel_id, type=discord.ChannelType.private)
        return channel.get_partial_message(message_id)

    async def _restore(self) -> int:
        """After a restart: find the searching messages of the players who are still queued."""
        found = 0
        for uid in sorted(await self._deps.queue.queued_players()):
            if uid in self._tracked:
                continue
            ref = await self._deps.messages.latest(uid, SEARCHING_KIND)
            if ref is None:
                continue
            try:
                entry = await self._deps.queue.searching(uid)
            except NotQueued:
                continue
            if ref.created_at < entry.joined_at:
                continue  # the message of an earlier time in the queue, closed back then
            catalog = await self._deps.languages.catalog(uid)
            self._tracked[uid] = _Tracked(entry, ref.channel_id, ref.message_id, catalog)
            found += 1
        return found

    async def _loop(self) -> None:
        deps = self._deps
        while True:
            wait = (deps.matchmaker.next_wave_at() - deps.clock.now()).total_seconds() + WAVE_GRACE
            await asyncio.sleep(max(wait, MIN_PAUSE))
            if not deps.matchmaker.running or self._client is None:
                continue
            try:
                await self.refresh()
            except Exception:
                log.exception("searching.refresh_failed")


class QueueCog(LadderCog, name=QUEUE_COG_NAME):
    dynamic_items: ClassVar[tuple[type[discord.ui.DynamicItem[Any]], ...]] = QUEUE_ITEMS

    def __init__(self, deps: BotDeps, flows: Flows) -> None:
        super().__init__(deps, flows)
        self.board = SearchingMessages(deps)

    async def cog_load(self) -> None:
        # The bot attaches itself to the flows when it is built, before it loads any cog; the
        # searching messages edit DMs with its HTTP session.
        if self.flows.client is not None:
            self.board.attach(self.flows.client)
        self.board.start()

    async def cog_unload(self) -> None:
        await self.board.stop()

    @ladder_command(name="queue", description=text.QUEUE_DESCRIPTION)
    async def queue(self, call: Call) -> Reply:
        """The guide on first use, then the queue view with last time's choices pre-selected."""
        if call.require_player().quickstart_acknowledged_at is None:
            return guide_reply(call)
        options = await call.deps.queue.options(call.uid)
        call.checkpoint("reads")
        return queue_reply(call.deps.game, options, Picks.remembered(options))
