"""Scheduled jobs: every deadline and reminder is a row, so a restart loses none of them.

A job is *claimed* by setting ``done_at`` with a compare-and-set (still pending, already due) in
the same transaction as its effect: it runs to completion exactly once, or not at all and is
picked up again. Match-wide jobs carry ``discord_uid = 0`` (``MATCH_WIDE``) rather than NULL,
because SQL treats NULLs as distinct and the unique (match_id, kind, discord_uid) constraint would
not stop a duplicate.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Integer,
    Text,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import RowMapping

from evoladder.store.repositories.base import Repository
from evoladder.store.schema import scheduled_jobs

MATCH_WIDE = 0


@dataclass(frozen=True, slots=True)
class NewJob:
    kind: str
    due_at: datetime
    match_id: int | None = None
    discord_uid: int = MATCH_WIDE
    payload: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    match_id: int | None
    discord_uid: int
    due_at: datetime
    done_at: datetime | None
    payload: dict[str, Any] | None


def job_from_row(row: RowMapping) -> Job:
    return Job(
        id=int(row["id"]),
        kind=row["kind"],
        match_id=row["match_id"],
        discord_uid=int(row["discord_uid"] or 0),
        due_at=row["due_at"],
        done_at=row["done_at"],
        payload=row["payload"],
    )


class JobRepository(Repository):
    async def add_many(self, jobs: Sequence[NewJob]) -> None:
        if not jobs:
            return
        await self.conn.execute(
            insert(scheduled_jobs),
            [
                {
                    "kind": j.kind,
                    "match_id": j.match_id,
                    "discord_uid": j.discord_uid,
                    "due_at": j.due_at,
                    "done_at": None,
                    "payload": j.payload,
                }
                for j in jobs
            ],
        )

    async def add_batch(self, jobs: Sequence[NewJob]) -> None:
        """``add_many`` as ONE statement whatever the number of jobs (a wave's receipts arm
        thousands at once; on PostgreSQL every statement is a round trip, and an executemany runs
        one insert per row on the server): ``INSERT ... SELECT`` over the rows passed as arrays
        (``unnest``, PostgreSQL) or as one JSON array (``json_each``, SQLite), each value
        converted as the column's type converts it, so the rows equal ``add_many``'s."""
        if not jobs:
            return
        j = scheduled_jobs.c
        dialect = self.conn.dialect
        to_time = j.due_at.type.dialect_impl(dialect).bind_processor(dialect)
        to_json = j.payload.type.dialect_impl(dialect).bind_processor(dialect)  # None -> JSON 'null'
        payloads = [to_json(x.payload) if to_json else json.dumps(x.payload) for x in jobs]
        columns = [j.kind, j.match_id, j.discord_uid, j.due_at, j.payload]
        if self.dialect == "sqlite":
            rows = [
                [x.kind, x.match_id, x.discord_uid, to_time(x.due_at) if to_time else x.due_at, p]
                for x, p in zip(jobs, payloads, strict=True)
            ]
            listed = text(
                "SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(:rows)"
            ).bindparams(rows=json.dumps(rows, separators=(",", ":"))).columns()
            await self.conn.execute(insert(scheduled_jobs).from_select(columns, listed))
            return
        v = func.unnest(
            literal([x.kind for x in jobs], ARRAY(j.kind.type)),
            literal([x.match_id for x in jobs], ARRAY(Integer)),
            literal([x.discord_uid for x in jobs], ARRAY(BigInteger)),
            literal([x.due_at for x in jobs], ARRAY(j.due_at.type)),
            literal(payloads, ARRAY(Text)),
        ).table_valued("kind", "match_id", "discord_uid", "due_at", "payload").render_derived(name="v")
        source = select(v.c.kind, v.c.match_id, v.c.discord_uid, v.c.due_at, cast(v.c.payload, JSON))
        await self.conn.execute(insert(scheduled_jobs).from_select(columns, source))

    async def due(self, now: datetime, limit: int = 500) -> list[Job]:
        stmt = (
            select(scheduled_jobs)
            .where(scheduled_jobs.c.done_at.is_(None), scheduled_jobs.c.due_at <= now)
            .order_by(scheduled_jobs.c.due_at, scheduled_jobs.c.id)
            .limit(limit)
        )
        return [job_from_row(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def next_due(self) -> datetime | None:
        stmt = select(func.min(scheduled_jobs.c.due_at)).where(scheduled_jobs.c.done_at.is_(None))
        value: datetime | None = (await self.conn.execute(stmt)).scalar_one_or_none()
        return value

    async def pending_count(self) -> int:
        stmt = select(func.count()).select_from(scheduled_jobs).where(scheduled_jobs.c.done_at.is_(None))
        return int((await self.conn.execute(stmt)).scalar_one())

    async def pending(self, match_id: int | None = None) -> list[Job]:
        stmt = select(scheduled_jobs).where(scheduled_jobs.c.done_at.is_(None)).order_by(
            scheduled_jobs.c.due_at, scheduled_jobs.c.id
        )
        if match_id is not None:
            stmt = stmt.where(scheduled_jobs.c.match_id == match_id)
        return [job_from_row(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def pending_page(self, limit: int) -> list[Job]:
        """The next ``limit`` pending jobs by due time (what a scheduler waits for)."""
        stmt = (
            select(scheduled_jobs)
            .where(scheduled_jobs.c.done_at.is_(None))
            .order_by(scheduled_jobs.c.due_at, scheduled_jobs.c.id)
            .limit(limit)
        )
        return [job_from_row(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def for_match(self, match_id: int) -> list[Job]:
        stmt = (
            select(scheduled_jobs)
            .where(scheduled_jobs.c.match_id == match_id)
            .order_by(scheduled_jobs.c.id)
        )
        return [job_from_row(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def claim(self, job_id: int, now: datetime) -> bool:
        """Mark a due, pending job done; False when it was done, cancelled or moved meanwhile."""
        result = await self.conn.execute(
            update(scheduled_jobs)
            .where(
                scheduled_jobs.c.id == job_id,
                scheduled_jobs.c.done_at.is_(None),
                scheduled_jobs.c.due_at <= now,
            )
            .values(done_at=now)
        )
        return result.rowcount == 1

    async def cancel_for_match(self, match_id: int, now: datetime) -> int:
        """Close every pending job of a match (its state no longer needs them)."""
        result = await self.conn.execute(
            update(scheduled_jobs)
            .where(scheduled_jobs.c.match_id == match_id, scheduled_jobs.c.done_at.is_(None))
            .values(done_at=now)
        )
        return int(result.rowcount)

    async def reschedule(self, match_id: int, kind: str, due_at: datetime) -> int:
        """Move a pending match-wide job (a deadline that was extended)."""
        result = await self.conn.execute(
            update(scheduled_jobs)
            .where(
                scheduled_jobs.c.match_id == match_id,
                scheduled_jobs.c.kind == kind,
                scheduled_jobs.c.discord_uid == MATCH_WIDE,
                scheduled_jobs.c.done_at.is_(None),
            )
            .values(due_at=due_at)
        )
        return int(result.rowcount)

    async def prune_done(self, before: datetime) -> int:
        """Delete jobs finished before ``before`` (the table would otherwise grow with every match)."""
        result = await self.conn.execute(
            delete(scheduled_jobs).where(
                scheduled_jobs.c.done_at.is_not(None), scheduled_jobs.c.done_at < before
            )
        )
        return int(result.rowcount)
