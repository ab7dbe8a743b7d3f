"""The outbox: notifications a player must act on, written in the transaction that causes them.

A row is written beside the change it announces (the wave's matches, a match transition, a claimed
reminder job), so a commit without its notification cannot happen. After the commit the relay
(``services.outbox``) delivers it and marks it done; a row still pending at start-up is delivered
again. ``payload`` holds the encoded event; a wave's ``match_found`` rows carry none (the message
is built from the match row at delivery, which is also when the player's confirmation time starts).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from evoladder.store.repositories.base import Repository
from evoladder.store.schema import outbox


@dataclass(frozen=True, slots=True)
class NewMessage:
    kind: str
    discord_uid: int | None
    match_id: int | None
    payload: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    kind: str
    discord_uid: int | None
    match_id: int | None
    payload: dict[str, Any] | None
    attempts: int


class OutboxRepository(Repository):
    async def add(self, messages: Sequence[NewMessage], now: datetime) -> list[int]:
        """Write rows in order; their ids in that order (delivery follows the id order)."""
        if not messages:
            return []
        stmt = insert(outbox).returning(outbox.c.id, sort_by_parameter_order=True)
        params = [
            {
                "kind": m.kind,
                "discord_uid": m.discord_uid,
                "match_id": m.match_id,
                "payload": m.payload,
                "created_at": now,
                "attempts": 0,
            }
            for m in messages
        ]
        result = await self.conn.execute(stmt, params)
        return [int(i) for i in result.scalars()]

    async def pending(self, after_id: int = 0, limit: int = 1000) -> list[OutboxRow]:
        """Rows not done yet, in id order (the order they were written)."""
        c = outbox.c
        stmt = (
            select(c.id, c.kind, c.discord_uid, c.match_id, c.payload, c.attempts)
            .where(c.done_at.is_(None), c.id > after_id)
            .order_by(c.id)
            .limit(limit)
        )
        return [
            OutboxRow(int(r.id), r.kind, r.discord_uid, r.match_id, r.payload, int(r.attempts))
            for r in (await self.conn.execute(stmt)).all()
        ]

    async def get_many(self, ids: Iterable[int]) -> list[OutboxRow]:
        c = outbox.c
        wanted = list(ids)
        if not wanted:
            return []
        stmt = select(c.id, c.kind, c.discord_uid, c.match_id, c.payload, c.attempts).where(
            c.id.in_(wanted), c.done_at.is_(None)
        ).order_by(c.id)
        return [
            OutboxRow(int(r.id), r.kind, r.discord_uid, r.match_id, r.payload, int(r.attempts))
            for r in (await self.conn.execute(stmt)).all()
        ]

    async def done(self, row_ids: Sequence[int], now: datetime) -> int:
        """Mark rows delivered; how many were still pending."""
        total = 0
        for start in range(0, len(row_ids), 5_000):
            chunk = list(row_ids[start : start + 5_000])
            result = await self.conn.execute(
                update(outbox).where(outbox.c.id.in_(chunk), outbox.c.done_at.is_(None)).values(done_at=now)
            )
            total += int(result.rowcount)
        return total

    async def attempted(self, row_id: int) -> None:
        await self.conn.execute(
            update(outbox).where(outbox.c.id == row_id).values(attempts=outbox.c.attempts + 1)
        )

    async def pending_count(self) -> int:
        stmt = select(func.count()).select_from(outbox).where(outbox.c.done_at.is_(None))
        return int((await self.conn.execute(stmt)).scalar_one())
