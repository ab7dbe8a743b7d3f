"""Single-use activation codes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select, update

from evoladder.store.repositories.base import Repository
from evoladder.store.schema import activation_codes


class ActivationCodeRepository(Repository):
    async def add_batch(self, codes: Sequence[str], batch: str, created_by: int, now: datetime) -> None:
        await self.conn.execute(
            insert(activation_codes),
            [{"code": c, "batch": batch, "created_by": created_by, "created_at": now} for c in codes],
        )

    async def redeem(self, code: str, discord_uid: int, now: datetime) -> bool:
        """Mark ``code`` used by ``discord_uid``; False when unknown or already used.

        The WHERE clause makes the check and the write one statement, so two players racing for
        one code cannot both win it.
        """
        result = await self.conn.execute(
            update(activation_codes)
            .where(activation_codes.c.code == code, activation_codes.c.redeemed_by.is_(None))
            .values(redeemed_by=discord_uid, redeemed_at=now)
        )
        return result.rowcount == 1

    async def unused_in_batch(self, batch: str) -> list[str]:
        stmt = select(activation_codes.c.code).where(
            activation_codes.c.batch == batch, activation_codes.c.redeemed_by.is_(None)
        )
        return list((await self.conn.execute(stmt)).scalars())
