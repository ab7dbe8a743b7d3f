"""Queue entries: one row per queued player, persisted so a restart keeps the queue and its waits."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, NamedTuple, TypeVar

from sqlalchemy import Text, and_, cast, delete, func, insert, or_, select, union, union_all, update
from sqlalchemy.engine import RowMapping

from evoladder.store.repositories.base import Repository
from evoladder.store.repositories.matches import BatchSelect
from evoladder.store.schema import command_calls, matches_1v1, mmrs_1v1, players, queue_entries

# Bound parameters per statement stay far below SQLite's (32766) and asyncpg's (32767) limits.
CHUNK = 5_000

L = TypeVar("L")


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


class WaveCandidate(NamedTuple):
    """A queue entry as a wave reads it: the entry's fields the wave needs, the ratings of its
    races and the player's region and abort count. A flat tuple built straight from the row (a
    wave reads thousands of these; the entry's ``joined_at`` is not needed, so it is not read).
    """

    discord_uid: int
    bw_race: str | None
    sc2_race: str | None
    vetoes: frozenset[str]  # shared between entries with the same vetoes
    waits: int
    last_opponent: int | None
    recent_maps: tuple[str, ...]
    bw_mmr: int | None  # None: no rating row yet (the start rating applies)
    sc2_mmr: int | None
    region: str | None
    aborts_left: int  # as stored, for the "abort (n left)" button of the match found message
    aborts_period: int


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
        """Every entry of a player who is not banned, with its ratings and region, in one query.

        Only the columns a wave uses are read, none of them through a result processor (no
        timestamp), and each row becomes one tuple. The two JSON lists are read as text (a CAST,
        so no driver codec decodes them) and decoded once per distinct value: a queue of 10,000
        holds few distinct veto sets, and decoding 20,000 small JSON arrays one by one was most
        of this read's time.
        """
        q = queue_entries.c
        bw = mmrs_1v1.alias("bw")
        sc2 = mmrs_1v1.alias("sc2")
        stmt = (
            select(
                q.discord_uid,
                q.bw_race,
                q.sc2_race,
                cast(q.vetoes, Text).label("vetoes"),
                q.waits,
                q.last_opponent,
                cast(q.recent_maps, Text).label("recent_maps"),
                bw.c.mmr.label("bw_mmr"),
                sc2.c.mmr.label("sc2_mmr"),
                players.c.region,
                players.c.aborts_left,
                players.c.aborts_period,
            )
            .select_from(
                queue_entries.join(players, players.c.discord_uid == q.discord_uid)
                .outerjoin(bw, and_(bw.c.discord_uid == q.discord_uid, bw.c.race == q.bw_race))
                .outerjoin(sc2, and_(sc2.c.discord_uid == q.discord_uid, sc2.c.race == q.sc2_race))
            )
            .where(players.c.is_banned.is_(False))
            .order_by(queue_entries.c.joined_at, queue_entries.c.discord_uid)
        )
        sets, lists = _ListDecoder(frozenset), _ListDecoder(tuple)
        return [
            WaveCandidate(
                uid, bw_race, sc2_race, sets(vetoes), waits, last, lists(recent),
                bw_mmr, sc2_mmr, region, aborts_left, aborts_period,
            )
            for (
                uid, bw_race, sc2_race, vetoes, waits, last, recent,
                bw_mmr, sc2_mmr, region, aborts_left, aborts_period,
            ) in (await self.conn.execute(stmt)).tuples()
        ]

    async def lock_batch(self, matches: BatchSelect) -> None:
        """PostgreSQL: lock the players of ``matches`` (first, in uid order, as every writer does),
        then their entries, so nobody leaves or joins under a wave that is being written.
        On SQLite the write transaction already holds the database's write lock."""
        if self.dialect == "sqlite":
            return
        sub = matches.subquery()
        for table in (players, queue_entries):
            uid = table.c.discord_uid
            one, two = select(sub.c.player_1_discord_uid), select(sub.c.player_2_discord_uid)
            either = or_(uid.in_(one), uid.in_(two))
            await self.conn.execute(select(uid).where(either).order_by(uid).with_for_update())

    async def still_pairable(self, matches: BatchSelect) -> set[int]:
        """Ids of the ``matches`` whose two players are still queueing, not banned, and queued
        with the race of their slot (player 1 the BW race, player 2 the SC2 race).

        One set-based query, however big the wave: a match missing here was paired from a queue
        that changed while the wave was being solved (someone left, was banned or re-queued
        with other races).
        """
        sub = matches.subquery()
        p1, p2 = players.alias("p1"), players.alias("p2")
        q1, q2 = queue_entries.alias("q1"), queue_entries.alias("q2")
        one, two = sub.c.player_1_discord_uid, sub.c.player_2_discord_uid
        stmt = (
            select(sub.c.id)
            .select_from(
                sub.join(p1, p1.c.discord_uid == one)
                .join(p2, p2.c.discord_uid == two)
                .join(q1, and_(q1.c.discord_uid == one, q1.c.bw_race == sub.c.player_1_race))
                .join(q2, and_(q2.c.discord_uid == two, q2.c.sc2_race == sub.c.player_2_race))
            )
            .where(
                p1.c.state == "queueing",
                p2.c.state == "queueing",
                p1.c.is_banned.is_(False),
                p2.c.is_banned.is_(False),
            )
        )
        return {int(i) for i in (await self.conn.execute(stmt)).scalars()}

    async def delete_players_of(self, matches: BatchSelect) -> None:
        """Delete the entries of both players of every match ``matches`` selects (id, p1, p2)."""
        sub = matches.subquery()
        both = union_all(select(sub.c.player_1_discord_uid), select(sub.c.player_2_discord_uid))
        await self.conn.execute(delete(queue_entries).where(queue_entries.c.discord_uid.in_(both)))

    async def delete_many(self, discord_uids: Iterable[int]) -> None:
        for part in _chunks(sorted(set(discord_uids))):
            await self.conn.execute(delete(queue_entries).where(queue_entries.c.discord_uid.in_(part)))

    async def increment_waits(self, joined_by: datetime) -> int:
        """Every entry the wave saw (joined by ``joined_by``) and left waiting waited one more wave.

        SQL arithmetic, so it composes with anything else; an entry that joined while the wave was
        being solved was not part of it and keeps its count.
        """
        stmt = (
            update(queue_entries)
            .where(queue_entries.c.joined_at <= joined_by)
            .values(waits=queue_entries.c.waits + 1)
        )
        return int((await self.conn.execute(stmt)).rowcount)

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


class _ListDecoder(Generic[L]):
    """Decode JSON string lists into ``make(list)`` (a tuple or a frozenset), each distinct text
    once, so entries with the same text share one value."""

    def __init__(self, make: Callable[[Iterable[str]], L]) -> None:
        self._make: Callable[[Iterable[str]], L] = make
        self._seen: dict[str, L] = {}
        self._empty: L = make(())

    def __call__(self, raw: str | list[str] | None) -> L:
        if raw is None:
            return self._empty
        if not isinstance(raw, str):
            return self._make(raw)
        found = self._seen.get(raw)
        if found is None:
            found = self._seen[raw] = self._make(json.loads(raw))
        return found


def _chunks(items: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
