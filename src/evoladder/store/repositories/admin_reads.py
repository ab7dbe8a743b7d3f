"""Read-only queries behind the admin console that no other repository answers.

Used as ``AdminReadRepository(uow.conn)`` inside a unit of work (like ``BotMessageRepository``),
so the admin console's reads stay in the store layer without widening the shared repositories:

* activation code batches with their used / unused counts (``/admin codes``);
* the replays stored for a match with their checklists (``/admin match``);
* how many matches are open or conflicted (``/admin snapshot``), in one grouped query;
* the conflicted and open matches themselves, a page at a time (``/admin matches``).

Replays: the replay service owns the ``replays`` rows; the admin view reads them through its
``ReplayRepository`` (ordered by upload time for the console).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from evoladder.domain.match_state import MatchState
from evoladder.store.repositories.base import Repository
from evoladder.store.repositories.matches import match_from_row
from evoladder.store.repositories.replays import ReplayRecord, ReplayRepository
from evoladder.store.schema import activation_codes, matches_1v1


@dataclass(frozen=True, slots=True)
class CodeBatchRow:
    batch: str
    created_by: int
    created_at: datetime
    total: int
    unused: int


class AdminReadRepository(Repository):
    async def code_batches(self, limit: int = 20) -> list[CodeBatchRow]:
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
        return [CodeBatchRow(str(b), int(by), at, int(total), int(left)) for b, by, at, total, left in rows]

    async def replays_for_match(self, match_id: int) -> list[ReplayRecord]:
        """Every replay uploaded for ``match_id``, oldest first."""
        found = await ReplayRepository(self.conn).for_match(match_id)
        return sorted(found, key=lambda r: (r.uploaded_at, r.id))

    async def matches_with_status(
        self, statuses: Sequence[str], offset: int, limit: int
    ) -> tuple[list[MatchState], int]:
        """A page of the matches in ``statuses`` and how many there are in all.

        Ordered by the position of their status in ``statuses`` (the caller puts conflicts
        first), then oldest first: what waited longest for an admin comes first.
        """
        status = matches_1v1.c.status
        where = status.in_(list(statuses))
        rank = case({s: i for i, s in enumerate(statuses)}, value=status, else_=len(statuses))
        stmt = (
            select(matches_1v1)
            .where(where)
            .order_by(rank, matches_1v1.c.played_at, matches_1v1.c.id)
            .offset(offset)
            .limit(limit)
        )
        rows = [match_from_row(r) for r in (await self.conn.execute(stmt)).mappings()]
        total = int((await self.conn.execute(select(func.count()).where(where))).scalar_one())
        return rows, total

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
