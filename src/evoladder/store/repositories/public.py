"""Reads behind the public web pages that no other repository needs.

Kept apart from the match and player repositories so the pages' queries (a player's matches
paged, ladder ids, a name search, queue counts by race) sit in one place with the reasons for
their shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, cast

from sqlalchemy import BigInteger, bindparam, func, select, union_all
from sqlalchemy.engine import RowMapping

from evoladder.domain.match_state import MatchState
from evoladder.store.repositories.base import Repository
from evoladder.store.repositories.matches import match_from_row
from evoladder.store.schema import matches_1v1, players, queue_entries, replays

CHUNK = 500
NameRow = tuple[int | None, str | None, str | None]  # ladder id, main id, country

# A match with its two players' ladder ids, main ids and countries, built once: making the two
# aliases and their column collections cost about half a millisecond of a match page's CPU when
# done per request. An immutable statement like the tables it reads (each read adds its WHERE).
_P1, _P2 = players.alias("p1"), players.alias("p2")
_WITH_NAMES = (
    select(matches_1v1, _P1.c.id.label("p1_lid"), _P1.c.main_id.label("p1_main"),
           _P1.c.country.label("p1_country"), _P2.c.id.label("p2_lid"), _P2.c.main_id.label("p2_main"),
           _P2.c.country.label("p2_country"))
    .select_from(
        matches_1v1.outerjoin(_P1, _P1.c.discord_uid == matches_1v1.c.player_1_discord_uid)
        .outerjoin(_P2, _P2.c.discord_uid == matches_1v1.c.player_2_discord_uid)
    )
)


# The match page's statement: the match with names, plus how many replays the match has and the
# newest one's id. Replay rows are only ever inserted, so (count, newest id) changes exactly when
# the page's replay list would, and the service can tell from this one read whether the public
# match it kept is still right (and skip the replays' read when the match has none). Read through
# ``Database.snapshot`` (one statement, one hop to the driver, compiled once), see ``match_page``.
_R = replays.c
MATCH_PAGE = _WITH_NAMES.add_columns(
    select(func.count()).where(_R.match_id == matches_1v1.c.id).scalar_subquery().label("replay_count"),
    select(func.max(_R.id)).where(_R.match_id == matches_1v1.c.id).scalar_subquery().label("replay_last"),
).where(matches_1v1.c.id == bindparam("match_id", type_=matches_1v1.c.id.type))
_MATCH_PAGE_NAMES = tuple(c.name for c in MATCH_PAGE.selected_columns)


class Snapshots(Protocol):
    async def snapshot(self, statement: Any, params: Mapping[str, Any]) -> list[tuple[Any, ...]]: ...


async def match_page(
    db: Snapshots, match_id: int
) -> tuple[MatchState, tuple[NameRow, NameRow], tuple[int, int | None]] | None:
    """One match with its players' ladder ids, main ids and countries, and (replay count, newest
    replay id): everything that decides what the match page shows, as one consistent snapshot."""
    found = await db.snapshot(MATCH_PAGE, {"match_id": match_id})
    if not found:
        return None
    r = dict(zip(_MATCH_PAGE_NAMES, found[0], strict=True))
    return (
        match_from_row(cast(RowMapping, r)),  # it reads the row by column name only
        _names(r),
        (int(r["replay_count"]), r["replay_last"]),
    )


# A player page's two reads, each one statement through ``Database.snapshot`` (one hop to the
# driver, compiled once): before, a read transaction made four to five hops (begin, count,
# identity, page, commit), each a wait in the database thread's queue behind other requests.
_M = matches_1v1.c
_P = players.c
PLAYER_HEAD = select(
    select(func.count()).select_from(matches_1v1).where(_M.player_1_discord_uid == bindparam("uid"))
    .scalar_subquery()
    + select(func.count()).select_from(matches_1v1).where(_M.player_2_discord_uid == bindparam("uid"))
    .scalar_subquery(),
    select(_P.discord_username).where(_P.discord_uid == bindparam("uid"), _P.public_identity.is_(True))
    .scalar_subquery(),
    select(_P.battletag).where(_P.discord_uid == bindparam("uid"), _P.public_identity.is_(True))
    .scalar_subquery(),
    select(_P.public_identity).where(_P.discord_uid == bindparam("uid")).scalar_subquery(),
)


def _matches_page() -> Any:
    """The player's matches, newest first: ``limit`` of them after skipping ``offset`` among those
    below the match id ``before`` (the cursor of deep paging; the largest id when not paging by
    cursor).

    Two ordered index reads (as player 1, as player 2) merged, not one OR: each side walks its
    own index on the Discord id in id order, so a page costs the rows it shows, not a scan of
    every match. Each match comes with its two players' ladder ids, main ids and countries
    (joined in the same statement: a page is one database hop)."""
    before = bindparam("before", type_=BigInteger)
    sides = [
        select(_M.id).where(column == bindparam("uid"), _M.id < before)
        .order_by(_M.id.desc()).limit(bindparam("reach")).subquery().select()
        for column in (_M.player_1_discord_uid, _M.player_2_discord_uid)
    ]
    ids = union_all(*sides).subquery()
    picked = select(ids.c.id).order_by(ids.c.id.desc()).limit(bindparam("limit")).offset(bindparam("offset"))
    return _WITH_NAMES.where(_M.id.in_(picked)).order_by(_M.id.desc())


MATCHES_PAGE = _matches_page()
_MATCHES_PAGE_NAMES = tuple(c.name for c in MATCHES_PAGE.selected_columns)
NO_CURSOR = 2**62  # above every match id


async def player_head(db: Snapshots, discord_uid: int) -> tuple[int, tuple[str, str | None] | None]:
    """(the player's matches in any state, (Discord name, BattleTag) when they chose to show
    them, else None): one statement, each side's count on its own index."""
    found = await db.snapshot(PLAYER_HEAD, {"uid": discord_uid})
    total, name, battletag, shown = found[0]
    return int(total), ((str(name), battletag) if shown else None)


async def matches_of(
    db: Snapshots, discord_uid: int, *, limit: int, offset: int = 0, before_id: int | None = None
) -> list[tuple[MatchState, tuple[NameRow, NameRow]]]:
    """A page of the player's matches with both players' names (``MATCHES_PAGE``)."""
    rows = await db.snapshot(MATCHES_PAGE, {
        "uid": discord_uid, "before": NO_CURSOR if before_id is None else before_id,
        "reach": offset + limit, "limit": limit, "offset": offset,
    })
    out = []
    for row in rows:
        r = dict(zip(_MATCHES_PAGE_NAMES, row, strict=True))
        out.append((match_from_row(cast(RowMapping, r)), _names(r)))
    return out


def _names(r: Mapping[str, Any]) -> tuple[NameRow, NameRow]:
    return (r["p1_lid"], r["p1_main"], r["p1_country"]), (r["p2_lid"], r["p2_main"], r["p2_country"])


class PublicRepository(Repository):
    async def ladder_ids(self, discord_uids: Iterable[int]) -> dict[int, int]:
        """Discord id -> ladder id (``players.id``) for the ids that have a record."""
        uids = sorted(set(discord_uids))
        out: dict[int, int] = {}
        for start in range(0, len(uids), CHUNK):
            part = uids[start : start + CHUNK]
            stmt = select(players.c.discord_uid, players.c.id).where(players.c.discord_uid.in_(part))
            out.update((int(u), int(i)) for u, i in (await self.conn.execute(stmt)).all())
        return out

    async def all_ladder_ids(self) -> list[tuple[int, int]]:
        """(Discord id, ladder id) of every player, in Discord id order."""
        stmt = select(players.c.discord_uid, players.c.id).order_by(players.c.discord_uid)
        return [(int(u), int(i)) for u, i in (await self.conn.execute(stmt)).all()]

    async def discord_uid_of(self, ladder_id: int) -> int | None:
        stmt = select(players.c.discord_uid).where(players.c.id == ladder_id)
        found = (await self.conn.execute(stmt)).scalar_one_or_none()
        return None if found is None else int(found)

    async def search_names(self, prefix: str, limit: int) -> list[tuple[int, str, str | None]]:
        """(ladder id, main id, country) of set-up players whose main id starts with ``prefix``
        (case-insensitive), shortest names first. Only main ids are searched: Discord names are
        private."""
        pattern = prefix.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = (
            select(players.c.id, players.c.main_id, players.c.country)
            .where(func.lower(players.c.main_id).like(pattern, escape="\\"), players.c.is_banned.is_(False))
            .order_by(func.length(players.c.main_id), players.c.main_id, players.c.id)
            .limit(limit)
        )
        return [(int(i), str(n), c) for i, n, c in (await self.conn.execute(stmt)).all()]

    async def queued_by_race(self) -> dict[str, int]:
        """Queue entries by race (an entry with two races counts once on each side)."""
        q = queue_entries.c
        out: dict[str, int] = {}
        for column in (q.bw_race, q.sc2_race):
            stmt = select(column, func.count()).where(column.is_not(None)).group_by(column)
            for race, count in (await self.conn.execute(stmt)).all():
                out[str(race)] = out.get(str(race), 0) + int(count)
        return out

