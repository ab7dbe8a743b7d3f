"""The bot's long-lived messages: remembered when sent, found again to edit or prune them.

The interaction wrapper records tracked replies, the notifier records the DMs it sends and finds
a match's messages to edit them (by channel and message id, never by the interaction token, which
Discord expires after 15 minutes), and /prune lists a player's old ones. A service, not part of
the adapter, so the bot reaches the ``bot_messages`` table only through the unit of work like
every other feature.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from evoladder.services.ports import Clock
from evoladder.store.repositories.bot_messages import BotMessage
from evoladder.store.uow import Database


@dataclass(frozen=True, slots=True)
class TrackedMessage:
    """One message the bot sent and may edit or delete later."""

    channel_id: int
    message_id: int
    discord_uid: int
    match_id: int | None
    kind: str
    created_at: datetime


def _tracked(row: BotMessage) -> TrackedMessage:
    return TrackedMessage(
        channel_id=row.channel_id,
        message_id=row.message_id,
        discord_uid=row.discord_uid,
        match_id=row.match_id,
        kind=row.kind,
        created_at=row.created_at,
    )


class MessageLog:
    def __init__(self, *, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def record(
        self, *, channel_id: int, message_id: int, discord_uid: int, kind: str, match_id: int | None = None
    ) -> None:
        async with self._db.transaction() as uow:
            await uow.bot_messages.record(
                channel_id=channel_id,
                message_id=message_id,
                discord_uid=discord_uid,
                kind=kind,
                match_id=match_id,
                now=self._clock.now(),
            )

    async def for_match(self, match_id: int, kind: str | None = None) -> list[TrackedMessage]:
        async with self._db.read() as uow:
            return [_tracked(r) for r in await uow.bot_messages.for_match(match_id, kind)]

    async def latest(self, discord_uid: int, kind: str, match_id: int | None = None) -> TrackedMessage | None:
        async with self._db.read() as uow:
            row = await uow.bot_messages.latest(discord_uid, kind, match_id)
        return None if row is None else _tracked(row)

    async def prunable(
        self, discord_uid: int, *, keep_hours: float, keep_matches: Collection[int]
    ) -> list[TrackedMessage]:
        """A player's messages older than ``keep_hours``, except those of ``keep_matches``."""
        before: datetime = self._clock.now() - timedelta(hours=keep_hours)
        async with self._db.read() as uow:
            rows = await uow.bot_messages.prunable(discord_uid, before=before, keep_matches=keep_matches)
        return [_tracked(r) for r in rows]

    async def mark_deleted(self, message_ids: Iterable[int]) -> None:
        async with self._db.transaction() as uow:
            await uow.bot_messages.mark_deleted(message_ids, self._clock.now())
