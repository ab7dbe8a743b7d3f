"""Queue entries: one row per queued player, persisted so a restart keeps the queue and its waits."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from sqlalchemy import Select, Text, and_, cast, delete, func, insert, literal_column, select, union
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


def _wave_read() -> Any:
    q = queue_entries.c
    bw = mmrs_1v1.alias("bw")
    sc2 = mmrs_1v1.alias("sc2")
    return (
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
            # "+ 0": the queue drives the join. Without statistics SQLite otherwise scans
            # every player and looks each up in the queue (99k idle players beside 1,000 queued:
            # 47 ms against 5.7); the expression keeps it from using the queue's index there.
            queue_entries.join(players, players.c.discord_uid == q.discord_uid + literal_column("0"))
            .outerjoin(bw, and_(bw.c.discord_uid == q.discord_uid, bw.c.race == q.bw_race))
            .outerjoin(sc2, and_(sc2.c.discord_uid == q.discord_uid, sc2.c.race == q.sc2_race))
        )
        .where(players.c.is_banned.is_(False))
        .order_by(q.joined_at, q.discord_uid)
    )


WAVE_READ = _wave_read()
"""What a wave reads: every entry of a player who is not banned, with the ratings of its races and
the player's region and abort count, one row per entry in join order (``candidates_from_rows``
turns the rows into ``WaveCandidate``s).

Built once, so it is compiled once (``Database.snapshot`` keys its compiled form on the object).
Only the columns a wave uses are read, none of them through a result processor (no timestamp),
so the same rows come back from SQLAlchemy and from the SQLite snapshot reader. The two JSON lists
are read as text (a CAST, so no driver codec decodes them one by one).
"""


_WAVE_READ_SQL: dict[str, str] = {}


def candidates_from_rows(rows: Iterable[Sequence[Any]]) -> list[WaveCandidate]:
    """``WaveCandidate``s from ``WAVE_READ`` rows.

    The JSON lists (vetoes, recent maps) are decoded per distinct text and all in ONE
    ``json.loads`` call over the texts joined into one array: a wave holds hundreds of distinct
    small lists, and a call per list (its fixed cost, not the parsing) was most of the read's
    Python time. Entries with the same text share one value.
    """
    rows = rows if isinstance(rows, list) else list(rows)
    texts = list({r[3] for r in rows} | {r[6] for r in rows} - {None})
    decoded = json.loads("[" + ",".join(texts) + "]") if texts else []
    sets: dict[str | None, frozenset[str]] = {None: frozenset()}
    lists: dict[str | None, tuple[str, ...]] = {None: ()}
    for text, values in zip(texts, decoded, strict=True):
        sets[text] = frozenset(values)
        lists[text] = tuple(values)
    return [
        WaveCandidate(
            uid, bw_race, sc2_race, sets[vetoes], waits, last, lists[recent],
            bw_mmr, sc2_mmr, region, aborts_left, aborts_period,
        )
        for (
            uid, bw_race, sc2_race, vetoes, waits, last, recent,
            bw_mmr, sc2_mmr, region, aborts_left, aborts_period,
        ) in rows
    ]


class _QueueReads(Protocol):
    @property
    def queue(self) -> QueueRepository: ...


class WaveSource(Protocol):
    """What :func:`read_wave_candidates` needs of the database: ``store.uow.Database`` is one.

    Named here rather than imported because the unit of work imports this module (for
    ``uow.queue``): an import back, even one for type hints only, would make the two modules a
    circle that a reader has to untangle.
    """

    @property
    def dialect(self) -> str: ...

    async def snapshot(self, statement: Select[Any], params: Mapping[str, Any]) -> list[tuple[Any, ...]]: ...

    def read(self) -> AbstractAsyncContextManager[_QueueReads]: ...


async def read_wave_candidates(db: WaveSource) -> list[WaveCandidate]:
    """The queue as a wave sees it (``WAVE_READ``), read by each backend's cheapest way.

    A wave reads outside any transaction of its own: on SQLite through ``Database.snapshot``
    (one thread hop, no transaction block), on PostgreSQL in a read transaction straight through
    asyncpg (``QueueRepository.wave_candidates``). Either is one consistent snapshot.
    """
    if db.dialect == "sqlite":
        return candidates_from_rows(await db.snapshot(WAVE_READ, {}))
    async with db.read() as uow:
        return await uow.queue.wave_candidates()


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
        """Every entry of a player who is not banned, with its ratings and region (``WAVE_READ``).

        On PostgreSQL the statement (compiled once; it binds nothing) goes straight to asyncpg,
        whose records ``candidates_from_rows`` reads as they are: SQLAlchemy's row layer costs
        more than the query for a thousand rows. (On SQLite ``Database.snapshot`` is cheaper
        still: one thread hop, no transaction block.)
        """
        if self.dialect != "postgresql":
            return candidates_from_rows((await self.conn.execute(WAVE_READ)).tuples())
        sql = _WAVE_READ_SQL.get(self.dialect)
        if sql is None:
            compiled = WAVE_READ.compile(dialect=self.conn.dialect)
            assert not compiled.params, "WAVE_READ binds nothing"
            sql = _WAVE_READ_SQL[self.dialect] = compiled.string
        driver: Any = (await self.conn.get_raw_connection()).driver_connection
        return candidates_from_rows(await driver.fetch(sql))

    async def delete_many(self, discord_uids: Iterable[int]) -> None:
        for part in _chunks(sorted(set(discord_uids))):
            await self.conn.execute(delete(queue_entries).where(queue_entries.c.discord_uid.in_(part)))

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
