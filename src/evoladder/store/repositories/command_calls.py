"""The command-call analytics rows, written in batches by the write-behind log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select

from evoladder.store.repositories.base import Repository
from evoladder.store.schema import command_calls


class CommandCallRepository(Repository):
    async def insert_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """One multi-row INSERT; rows whose ``call_id`` is already stored are skipped.

        Skipping known call ids makes a retried batch idempotent: a flush that committed but
        whose acknowledgement was lost cannot write its rows twice.
        """
        if not rows:
            return
        ids = [r["call_id"] for r in rows]
        known = set(
            (await self.conn.execute(select(command_calls.c.call_id).where(command_calls.c.call_id.in_(ids))))
            .scalars()
        )
        fresh = [r for r in rows if r["call_id"] not in known]
        if fresh:
            await self.conn.execute(insert(command_calls), fresh)

    async def count(self, command: str | None = None) -> int:
        stmt = select(func.count()).select_from(command_calls)
        if command is not None:
            stmt = stmt.where(command_calls.c.command == command)
        return int((await self.conn.execute(stmt)).scalar_one())
