"""The bot's long-lived messages: remembered when sent, found again to edit or prune them.

A thin use of :class:`~evoladder.store.repositories.bot_messages.BotMessageRepository` for the
adapter: the interaction wrapper records tracked replies, the notifier records the DMs it sends
and finds a match's messages to edit them (by channel and message id, never by the interaction
token, which Discord expires after 15 minutes).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from evoladder.services.ports import Clock
from evoladder.store.repositories.bot_messages import BotMessage, BotMessageRepository
from evoladder.store.uow import Database


class MessageLog:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def record(
        self, *, channel_id: int, message_id: int, discord_uid: int, kind: str, match_id: int | None = None
    ) -> None:
        async with self._db.transaction() as uow:
            await BotMessageRepository(uow.conn).record(
                channel_id=channel_id,
                message_id=message_id,
                discord_uid=discord_uid,
                kind=kind,
                match_id=match_id,
                now=self._clock.now(),
            )

    async def for_match(self, match_id: int, kind: str | None = None) -> list[BotMessage]:
        async with self._db.read() as uow:
            return await BotMessageRepository(uow.conn).for_match(match_id, kind)

    async def latest(self, discord_uid: int, kind: str, match_id: int | None = None) -> BotMessage | None:
        async with self._db.read() as uow:
            return await BotMessageRepository(uow.conn).latest(discord_uid, kind, match_id)

    async def prunable(
        self, discord_uid: int, *, keep_hours: float, keep_matches: Collection[int]
    ) -> list[BotMessage]:
        """A player's messages older than ``keep_hours``, except those of ``keep_matches``."""
        before: datetime = self._clock.now() - timedelta(hours=keep_hours)
        async with self._db.read() as uow:
            return await BotMessageRepository(uow.conn).prunable(
                discord_uid, before=before, keep_matches=keep_matches
            )

    async def mark_deleted(self, message_ids: Iterable[int]) -> None:
        async with self._db.transaction() as uow:
            await BotMessageRepository(uow.conn).mark_deleted(message_ids, self._clock.now())
