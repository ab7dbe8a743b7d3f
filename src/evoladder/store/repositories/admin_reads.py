"""Read-only queries behind the admin console that no other repository answers.

Used as ``AdminReadRepository(uow.conn)`` inside a unit of work (like ``BotMessageRepository``),
so the admin console's reads stay in the store layer without widening the shared repositories:

* activation code batches with their used / unused counts (``/admin codes``);
* the replays stored for a match with their checklists (``/admin match``);
* how many matches are open or conflicted (``/admin snapshot``), in one grouped query.

Replays: the replay service (another part of the project) owns the ``replays`` rows and will
grow its own repository; this module only reads the columns the admin view shows, so the two can
live side by side, and this query can move there once it exists.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select

from evoladder.store.repositories.base import Repository
from evoladder.store.schema import activation_codes, matches_1v1, replays


@dataclass(frozen=True, slots=True)
class CodeBatch:
    batch: str
    created_by: int
    created_at: datetime
    total: int
    unused: int


@dataclass(frozen=True, slots=True)
class StoredReplay:
    """One uploaded replay of a match as stored: where the file is and what its checks said.

    ``checks`` is the checklist as the replay service stored it (``ReplayReport.to_dict()``:
    ``{"checks": [{"id", "passed", "critical", "message"}, ...], ...}``), or None when the replay
    was not verified (yet).
    """

    id: int
    match_id: int | None
    uploader_uid: int
    hash: str
    storage_key: str
    size_bytes: int
    uploaded_at: datetime
    map_name: str | None
    critical_ok: bool | None
    checks: dict[str, Any] | None


class AdminReadRepository(Repository):
    async def code_batches(self, limit: int = 20) -> list[CodeBatch]:
        """The newest batches first, each with how many of its codes were not redeemed yet."""
        c = activation_codes.c
        unused = func.coalesce(func.sum(case((c.redeemed_by.is_(None), 1), else_=0)), 0)
        stmt = (
            select(c.batch, func.min(c.created_by), func.min(c.created_at), func.count(), unused)
            .group_by(c.batch)
            .order_by(func.min(c.created_at).desc(), c.batch.desc())
            .limit(limit)
        )
        rows = (await self.conn.execute(stmt)).all()
        return [CodeBatch(str(b), int(by), at, int(total), int(left)) for b, by, at, total, left in rows]

    async def replays_for_match(self, match_id: int) -> list[StoredReplay]:
        """Every replay uploaded for ``match_id``, oldest first."""
        r = replays.c
        stmt = (
            select(
                r.id,
                r.match_id,
                r.uploader_uid,
                r.hash,
                r.storage_key,
                r.size_bytes,
                r.uploaded_at,
                r.map_name,
                r.critical_ok,
                r.checks,
            )
            .where(r.match_id == match_id)
            .order_by(r.uploaded_at, r.id)
        )
        return [
            StoredReplay(
                id=int(row.id),
                match_id=row.match_id,
                uploader_uid=int(row.uploader_uid),
                hash=str(row.hash),
                storage_key=str(row.storage_key),
                size_bytes=int(row.size_bytes),
                uploaded_at=row.uploaded_at,
                map_name=row.map_name,
                critical_ok=row.critical_ok,
                checks=row.checks if isinstance(row.checks, dict) else None,
            )
            for row in (await self.conn.execute(stmt)).all()
        ]

    async def match_status_counts(self, statuses: Collection[str]) -> dict[str, int]:
        """``status -> number of matches`` for ``statuses`` (each present, 0 when none).

        Only the statuses asked for are counted (the open ones and conflicts for the snapshot):
        they are few, and the status index answers them without reading the finished history.
        """
        stmt = (
            select(matches_1v1.c.status, func.count())
            .where(matches_1v1.c.status.in_(sorted(statuses)))
            .group_by(matches_1v1.c.status)
        )
        found = {str(status): int(count) for status, count in (await self.conn.execute(stmt)).all()}
        return {status: found.get(status, 0) for status in statuses}
