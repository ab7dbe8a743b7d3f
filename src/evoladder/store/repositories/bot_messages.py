"""The bot's own long-lived messages, by channel and message id.

Why: a match's message and the searching view are edited long after they were sent, and the
interaction token that created a reply dies after 15 minutes. The channel and message id, with
the bot token, work for as long as the message exists, so they are stored here when the message
is sent. /prune reads this table to find the bot's old DM messages (and marks them deleted).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping

from evoladder.store.repositories.base import Repository
from evoladder.store.schema import bot_messages


@dataclass(frozen=True, slots=True)
class BotMessage:
    channel_id: int
    message_id: int
    discord_uid: int
    match_id: int | None
    kind: str
    created_at: datetime


class BotMessageRepository(Repository):
    async def record(
        self,
        *,
        channel_id: int,
        message_id: int,
        discord_uid: int,
        kind: str,
        now: datetime,
        match_id: int | None = None,
    ) -> None:
        await self.conn.execute(
            insert(bot_messages).values(
                channel_id=channel_id,
                message_id=message_id,
                discord_uid=discord_uid,
                match_id=match_id,
                kind=kind,
                created_at=now,
            )
        )

    async def for_match(self, match_id: int, kind: str | None = None) -> list[BotMessage]:
        """The live (not deleted) messages of a match, oldest first."""
        stmt = select(bot_messages).where(
            bot_messages.c.match_id == match_id, bot_messages.c.deleted_at.is_(None)
        )
        if kind is not None:
            stmt = stmt.where(bot_messages.c.kind == kind)
        return [_row(r) for r in (await self.conn.execute(stmt.order_by(bot_messages.c.id))).mappings()]

    async def latest(self, discord_uid: int, kind: str, match_id: int | None = None) -> BotMessage | None:
        """The newest live message of ``kind`` for a player (and match), e.g. the searching view."""
        stmt = select(bot_messages).where(
            bot_messages.c.discord_uid == discord_uid,
            bot_messages.c.kind == kind,
            bot_messages.c.deleted_at.is_(None),
        )
        if match_id is not None:
            stmt = stmt.where(bot_messages.c.match_id == match_id)
        row = (await self.conn.execute(stmt.order_by(bot_messages.c.id.desc()).limit(1))).mappings().first()
        return _row(row) if row else None

    async def prunable(
        self, discord_uid: int, *, before: datetime, keep_matches: Collection[int], limit: int = 500
    ) -> list[BotMessage]:
        """A player's live messages older than ``before``, except those of ``keep_matches``."""
        stmt = select(bot_messages).where(
            bot_messages.c.discord_uid == discord_uid,
            bot_messages.c.deleted_at.is_(None),
            bot_messages.c.created_at < before,
        )
        if keep_matches:
            stmt = stmt.where(
                bot_messages.c.match_id.is_(None) | bot_messages.c.match_id.not_in(list(keep_matches))
            )
        stmt = stmt.order_by(bot_messages.c.id).limit(limit)
        return [_row(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def mark_deleted(self, message_ids: Iterable[int], now: datetime) -> None:
        ids = list(message_ids)
        if ids:
            await self.conn.execute(
                update(bot_messages).where(bot_messages.c.message_id.in_(ids)).values(deleted_at=now)
            )


def _row(r: RowMapping) -> BotMessage:
    return BotMessage(
        channel_id=r["channel_id"],
        message_id=r["message_id"],
        discord_uid=r["discord_uid"],
        match_id=r["match_id"],
        kind=r["kind"],
        created_at=r["created_at"],
    )
