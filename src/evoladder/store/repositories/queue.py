"""Queue entries: one row per queued player, persisted so a restart keeps the queue and its waits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, insert, select, union, update
from sqlalchemy.engine import RowMapping

from evoladder.store.repositories.base import Repository
from evoladder.store.schema import command_calls, matches_1v1, mmrs_1v1, players, queue_entries

# Bound parameters per statement stay far below SQLite's (32766) and asyncpg's (32767) limits.
CHUNK = 5_000


@dataclass(frozen=True, slots=True)
class StoredEntry:
    discord_uid: int
    bw_race: str | None
    sc2_race: str | None
    vetoes: tuple[str, ...]
    waits: int
    joined_at: datetime
    last_opponent: int | None
    recent_maps: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WaveCandidate:
    """A queue entry with what a wave needs beside it: the ratings of its races and the region."""

    entry: StoredEntry
    bw_mmr: int | None  # None: no rating row yet (the start rating applies)
    sc2_mmr: int | None
    region: str | None


@dataclass(frozen=True, slots=True)
class QueueCounts:
    total: int
    bw: int  # entries that can play a BW race (two-race entries count on both sides)
    sc2: int
    both: int


def entry_from_row(row: RowMapping) -> StoredEntry:
    return StoredEntry(
        discord_uid=int(row["discord_uid"]),
        bw_race=row["bw_race"],
        sc2_race=row["sc2_race"],
        vetoes=tuple(row["vetoes"] or ()),
        waits=int(row["waits"]),
        joined_at=row["joined_at"],
        last_opponent=row["last_opponent"],
        recent_maps=tuple(row["recent_maps"] or ()),
    )


class QueueRepository(Repository):
    async def get(self, discord_uid: int, *, for_update: bool = False) -> StoredEntry | None:
        stmt = select(queue_entries).where(queue_entries.c.discord_uid == discord_uid)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self.conn.execute(stmt)).mappings().first()
        return entry_from_row(row) if row else None

    async def add(self, entry: StoredEntry) -> None:
        await self.conn.execute(
            insert(queue_entries).values(
                discord_uid=entry.discord_uid,
                bw_race=entry.bw_race,
                sc2_race=entry.sc2_race,
                vetoes=list(entry.vetoes),
                waits=entry.waits,
                joined_at=entry.joined_at,
                last_opponent=entry.last_opponent,
                recent_maps=list(entry.recent_maps),
            )
        )

    async def remove(self, discord_uid: int) -> bool:
        stmt = delete(queue_entries).where(queue_entries.c.discord_uid == discord_uid)
        result = await self.conn.execute(stmt)
        return bool(result.rowcount)

    async def all(self) -> list[StoredEntry]:
        stmt = select(queue_entries).order_by(queue_entries.c.joined_at, queue_entries.c.discord_uid)
        return [entry_from_row(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def uids(self) -> list[int]:
        stmt = select(queue_entries.c.discord_uid).order_by(queue_entries.c.discord_uid)
        return [int(u) for u in (await self.conn.execute(stmt)).scalars()]

    async def wave_candidates(self) -> list[WaveCandidate]:
        """Every entry of a player who is not banned, with its ratings and region, in one query."""
        q = queue_entries.c
        bw = mmrs_1v1.alias("bw")
        sc2 = mmrs_1v1.alias("sc2")
        stmt = (
            select(queue_entries, bw.c.mmr.label("bw_mmr"), sc2.c.mmr.label("sc2_mmr"), players.c.region)
            .select_from(
                queue_entries.join(players, players.c.discord_uid == q.discord_uid)
                .outerjoin(bw, and_(bw.c.discord_uid == q.discord_uid, bw.c.race == q.bw_race))
                .outerjoin(sc2, and_(sc2.c.discord_uid == q.discord_uid, sc2.c.race == q.sc2_race))
            )
            .where(players.c.is_banned.is_(False))
            .order_by(queue_entries.c.joined_at, queue_entries.c.discord_uid)
        )
        return [
            WaveCandidate(entry_from_row(r), r["bw_mmr"], r["sc2_mmr"], r["region"])
            for r in (await self.conn.execute(stmt)).mappings()
        ]

    async def lock_for_wave(self, discord_uids: Sequence[int]) -> tuple[dict[int, StoredEntry], set[int]]:
        """Lock the players (first, in uid order, as every writer does) and their entries.

        Returns the entries that still exist and the players who are still queueing and not
        banned: a wave pairs only those, whatever changed since it read the queue.
        """
        uids = sorted(set(discord_uids))
        ready: set[int] = set()
        entries: dict[int, StoredEntry] = {}
        for part in _chunks(uids):
            stmt = (
                select(players.c.discord_uid)
                .where(
                    players.c.discord_uid.in_(part),
                    players.c.state == "queueing",
                    players.c.is_banned.is_(False),
                )
                .order_by(players.c.discord_uid)
                .with_for_update()
            )
            ready.update(int(u) for u in (await self.conn.execute(stmt)).scalars())
        for part in _chunks(uids):
            stmt2 = select(queue_entries).where(queue_entries.c.discord_uid.in_(part)).with_for_update()
            entries.update(
                (e.discord_uid, e) for e in map(entry_from_row, (await self.conn.execute(stmt2)).mappings())
            )
        return entries, ready

    async def delete_many(self, discord_uids: Iterable[int]) -> None:
        for part in _chunks(sorted(set(discord_uids))):
            await self.conn.execute(delete(queue_entries).where(queue_entries.c.discord_uid.in_(part)))

    async def increment_waits(self) -> int:
        """Every entry still queued waited one more wave (SQL arithmetic: no lost update)."""
        result = await self.conn.execute(update(queue_entries).values(waits=queue_entries.c.waits + 1))
        return int(result.rowcount)

    async def remove_all(self) -> list[int]:
        uids = await self.uids()
        await self.conn.execute(delete(queue_entries))
        return uids

    async def active_players(self, since: datetime) -> int:
        """Distinct players queued now, matched since ``since``, or who used a command since then."""
        m = matches_1v1.c
        everyone = union(
            select(queue_entries.c.discord_uid.label("uid")),
            select(m.player_1_discord_uid.label("uid")).where(m.played_at >= since),
            select(m.player_2_discord_uid.label("uid")).where(m.played_at >= since),
            select(command_calls.c.discord_uid.label("uid")).where(command_calls.c.called_at >= since),
        ).subquery()
        return int((await self.conn.execute(select(func.count()).select_from(everyone))).scalar_one())

    async def counts(self) -> QueueCounts:
        stmt = select(
            func.count(),
            func.count(queue_entries.c.bw_race),
            func.count(queue_entries.c.sc2_race),
        ).select_from(queue_entries)
        total, bw, sc2 = (await self.conn.execute(stmt)).one()
        return QueueCounts(total=int(total), bw=int(bw), sc2=int(sc2), both=int(bw) + int(sc2) - int(total))


def _chunks(items: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
