"""The map dependency handles admins recorded (``map_dependencies``), read by the mod verdict."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, select

from evoladder.store.repositories.base import Repository
from evoladder.store.schema import map_dependencies


class MapDependencyRepository(Repository):
    async def for_map(self, map_name: str) -> frozenset[str]:
        """The recorded handles (content hashes) of ``map_name``; empty when none were recorded."""
        stmt = select(map_dependencies.c.handle).where(map_dependencies.c.map_name == _key(map_name))
        return frozenset(str(h) for h in (await self.conn.execute(stmt)).scalars())

    async def record(
        self,
        map_name: str,
        handles: Iterable[str],
        recorded_by: int,
        now: datetime,
        match_id: int | None,
    ) -> list[str]:
        """Record the handles not recorded yet for the map; returns those it added, in order.

        Called inside the transaction that also writes the audit row (the caller holds it).
        """
        map_name = _key(map_name)
        known = await self.for_map(map_name)
        new = [h for h in dict.fromkeys(handles) if h not in known]
        if new:
            await self.conn.execute(
                insert(map_dependencies),
                [
                    {"map_name": map_name, "handle": h, "recorded_by": recorded_by,
                     "recorded_at": now, "match_id": match_id}
                    for h in new
                ],
            )
        return new


def _key(map_name: str) -> str:
    # A replay may spell a Korean map name decomposed; the map check compares NFC, so does this.
    return unicodedata.normalize("NFC", map_name)
