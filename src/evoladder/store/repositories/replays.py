"""Uploaded replays: one ``replays`` row per accepted file (the bytes live in the replay storage).

Used as ``ReplayRepository(uow.conn)`` inside a unit of work (like ``BotMessageRepository``), so the
replay service owns its table without widening the shared unit of work.

``hash`` is UNIQUE: identical bytes are accepted once for the whole ladder. The service looks the
hash up first to refuse a duplicate early and clearly; two identical uploads racing each other both
pass that look-up, and the database's constraint refuses the second insert
(``DuplicateReplayHash``), so the rule holds without a lock.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from evoladder.store.repositories.base import Repository
from evoladder.store.schema import replays


class DuplicateReplayHash(Exception):
    """Another upload stored the same bytes first (the UNIQUE constraint on ``hash``)."""


@dataclass(frozen=True, slots=True)
class NewReplay:
    """A replay row to insert. ``parsed`` and ``checks`` are the JSON the service stores:
    ``ParsedReplay.to_dict()`` and ``ReplayReport.to_dict()``."""

    match_id: int
    uploader_uid: int
    hash: str
    storage_key: str
    size_bytes: int
    uploaded_at: datetime
    date: datetime | None
    map_name: str | None
    official: bool | None
    critical_ok: bool | None
    winner_uid: int | None
    parsed: dict[str, Any] | None
    checks: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class ReplayRecord:
    """A stored replay row."""

    id: int
    match_id: int | None
    uploader_uid: int
    hash: str
    storage_key: str
    size_bytes: int
    uploaded_at: datetime
    date: datetime | None
    map_name: str | None
    official: bool | None
    critical_ok: bool | None
    winner_uid: int | None
    parsed: dict[str, Any] | None
    checks: dict[str, Any] | None


class ReplayRepository(Repository):
    async def insert(self, replay: NewReplay) -> int:
        """Insert the row; its id. ``DuplicateReplayHash`` when the hash is already stored.

        The insert runs in a SAVEPOINT so that a refused duplicate leaves the caller's
        transaction usable (PostgreSQL aborts a whole transaction on a failed statement).
        """
        stmt = insert(replays).values(**asdict(replay)).returning(replays.c.id)
        try:
            async with self.conn.begin_nested():
                new_id = (await self.conn.execute(stmt)).scalar_one()
        except IntegrityError as exc:
            raise DuplicateReplayHash(replay.hash) from exc
        return int(new_id)

    async def by_hash(self, digest: str) -> ReplayRecord | None:
        row = (await self.conn.execute(select(replays).where(replays.c.hash == digest))).mappings().first()
        return _record(row) if row else None

    async def for_match(self, match_id: int) -> list[ReplayRecord]:
        """Every replay of ``match_id``, oldest first."""
        stmt = select(replays).where(replays.c.match_id == match_id).order_by(replays.c.id)
        return [_record(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def any_critical_ok(self, match_id: int) -> bool:
        """Whether a stored replay of the match passed the critical checks (reporting unlocks)."""
        stmt = (
            select(replays.c.id)
            .where(replays.c.match_id == match_id, replays.c.critical_ok.is_(True))
            .limit(1)
        )
        return (await self.conn.execute(stmt)).first() is not None

    async def count_for(self, match_id: int, uploader_uid: int) -> int:
        """How many replays ``uploader_uid`` stored for ``match_id`` (the per-player cap)."""
        stmt = select(func.count()).where(
            replays.c.match_id == match_id, replays.c.uploader_uid == uploader_uid
        )
        return int((await self.conn.execute(stmt)).scalar_one())


def _record(row: RowMapping) -> ReplayRecord:
    return ReplayRecord(
        id=int(row["id"]),
        match_id=row["match_id"],
        uploader_uid=int(row["uploader_uid"]),
        hash=str(row["hash"]),
        storage_key=str(row["storage_key"]),
        size_bytes=int(row["size_bytes"]),
        uploaded_at=row["uploaded_at"],
        date=row["date"],
        map_name=row["map_name"],
        official=row["official"],
        critical_ok=row["critical_ok"],
        winner_uid=row["winner_uid"],
        parsed=row["parsed"] if isinstance(row["parsed"], dict) else None,
        checks=row["checks"] if isinstance(row["checks"], dict) else None,
    )
