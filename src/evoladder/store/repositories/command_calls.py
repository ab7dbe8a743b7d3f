"""The command-call analytics rows, written in batches by the write-behind log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from evoladder.store.repositories.base import Repository
from evoladder.store.schema import command_calls


class CommandCallRepository(Repository):
    async def insert_many(self, rows: Sequence[dict[str, Any]]) -> int:
        """One multi-row ``INSERT ... VALUES (...), (...) ON CONFLICT (call_id) DO NOTHING``.

        Skipping known call ids makes a retried batch idempotent: a flush that committed but
        whose acknowledgement was lost cannot write its rows twice. Returns the rows inserted.
        (500 rows x 5 columns stays far below both databases' bound-parameter limits.)
        """
        if not rows:
            return 0
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        stmt = dialect_insert(command_calls).values(list(rows)).on_conflict_do_nothing(
            index_elements=["call_id"]
        )
        result = await self.conn.execute(stmt)
        return int(result.rowcount)

    async def count(self, command: str | None = None) -> int:
        stmt = select(func.count()).select_from(command_calls)
        if command is not None:
            stmt = stmt.where(command_calls.c.command == command)
        return int((await self.conn.execute(stmt)).scalar_one())

    async def call_ids(self) -> list[str]:
        """Every stored call id in insertion order (tests and audits of the write-behind log)."""
        stmt = select(command_calls.c.call_id).order_by(command_calls.c.id)
        return [str(v) for v in (await self.conn.execute(stmt)).scalars()]
