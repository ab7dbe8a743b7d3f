"""Rebuild the rating history from the matches: the one code every backfill runs.

``rebuild_rating_history`` is called by migration 0004 (the matches that existed before history
was kept) and by the EvoLadderBot importer (the matches it brought over), on a synchronous
connection inside the caller's transaction; async callers use ``rebuild_rating_history_async``
(``AsyncConnection.run_sync`` underneath), so both go through the same lines.

What it does, for every rating (or the ratings of the players given):

1. drops the rating's existing history rows;
2. replays the final matches (match_result 0, 1, 2) in the order they were made (``played_at``,
   then id), from the start rating, adding each match's stored ``mmr_change`` (+ for player 1,
   - for player 2): one ``match`` row per player (``resolve`` when an admin decided it), stamped
   with ``played_at``, the season the match was made in, and the expected score from the match's
   rating snapshots;
3. where the replay does not reach the rating stored in ``mmrs_1v1`` (an adjustment made before
   history was kept, a hand edit, an import whose ratings come from elsewhere), adds one
   ``baseline`` row from the replayed value to the stored one, so the last row of every rating
   equals the stored rating. A stored rating without matches gets a baseline only when it is not
   the start rating.

Matches are read in keyset pages over the ``played_at`` index and rows written in batches, so a
million matches never sit in memory at once; what stays is one running value per rating.
Running it twice gives the same rows (new ids): it is a rebuild, not an append.

Order: by when a match was made, not when it was finalized. For one player the two agree (a
player is in one match at a time) except for a conflict resolved after later games; the final
rating is the same either way (the sum), and the chart then shows the game where it was played.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from evoladder.domain.history import FinalLeg, HistoryRow, Replay, SeasonSpan, expected_for, season_at
from evoladder.store.repositories.history import INSERT_BATCH, NoSeason, history_values
from evoladder.store.schema import matches_1v1, mmrs_1v1, rating_history_1v1, seasons

PAGE = 20_000
FINAL_RESULTS = (0, 1, 2)


@dataclass(frozen=True, slots=True)
class RebuildReport:
    matches: int  # final matches replayed
    rows: int  # history rows written (matches and baselines)
    baselines: int  # ratings the replay did not reach


def rebuild_rating_history(
    conn: Connection, *, uids: Collection[int] | None = None, now: datetime | None = None
) -> RebuildReport:
    """Rewrite the history of every rating (``uids`` None) or of the given players' ratings."""
    now = now or datetime.now(UTC)
    spans, current = _seasons(conn)
    wanted = frozenset(uids) if uids is not None else None
    _delete(conn, wanted)
    replay = Replay.start()
    pending: list[HistoryRow] = []
    written = 0
    seen = _Seen()
    for leg in _legs(conn, spans, wanted, seen):
        pending.append(replay.add(leg))
        if len(pending) >= INSERT_BATCH:
            written += _insert(conn, pending)
    baselines = replay.finish(_stored(conn, wanted), current, now)
    written += _insert(conn, pending + baselines)
    return RebuildReport(seen.matches, written, len(baselines))


async def rebuild_rating_history_async(
    conn: AsyncConnection, *, uids: Collection[int] | None = None, now: datetime | None = None
) -> RebuildReport:
    """The same, from async code (the importer): runs on ``conn`` in its transaction."""
    return await conn.run_sync(lambda sync: rebuild_rating_history(sync, uids=uids, now=now))


def _seasons(conn: Connection) -> tuple[list[SeasonSpan], int]:
    s = seasons.c
    rows = conn.execute(select(s.id, s.started_at, s.ended_at).order_by(s.id)).all()
    if not rows:
        raise NoSeason("no season in the database: run `evoladder db upgrade`")
    spans = [SeasonSpan(r[0], r[1]) for r in rows]
    current = next((r[0] for r in reversed(rows) if r[2] is None), rows[-1][0])
    return spans, current


def _delete(conn: Connection, wanted: frozenset[int] | None) -> None:
    if wanted is None:
        conn.execute(delete(rating_history_1v1))
        return
    ordered = sorted(wanted)
    for start in range(0, len(ordered), 500):
        conn.execute(
            delete(rating_history_1v1).where(rating_history_1v1.c.discord_uid.in_(ordered[start:start + 500]))
        )


@dataclass(slots=True)
class _Seen:
    matches: int = 0


def _legs(
    conn: Connection, spans: list[SeasonSpan], wanted: frozenset[int] | None, seen: _Seen
) -> Iterator[FinalLeg]:
    m = matches_1v1.c
    columns = (
        m.id, m.played_at, m.player_1_discord_uid, m.player_2_discord_uid, m.player_1_race,
        m.player_2_race, m.player_1_mmr, m.player_2_mmr, m.mmr_change, m.resolved_by,
    )
    last_at: datetime | None = None
    last_id = 0
    while True:
        stmt = select(*columns).where(m.match_result.in_(FINAL_RESULTS))
        if last_at is not None:
            stmt = stmt.where(or_(m.played_at > last_at, (m.played_at == last_at) & (m.id > last_id)))
        page = conn.execute(stmt.order_by(m.played_at, m.id).limit(PAGE)).all()
        if not page:
            return
        for match_id, at, p1, p2, r1, r2, m1, m2, change, resolved_by in page:
            delta = change or 0
            season = season_at(spans, at)
            resolved = resolved_by is not None
            seen.matches += 1
            if wanted is None or p1 in wanted:
                yield FinalLeg(match_id, p1, r1, delta, expected_for(1, m1, m2), at, season, resolved)
            if wanted is None or p2 in wanted:
                yield FinalLeg(match_id, p2, r2, -delta, expected_for(2, m1, m2), at, season, resolved)
        last_at, last_id = page[-1][1], page[-1][0]


def _stored(conn: Connection, wanted: frozenset[int] | None) -> dict[tuple[int, str], int]:
    r = mmrs_1v1.c
    rows = conn.execute(select(r.discord_uid, r.race, r.mmr)).all()
    return {(uid, race): mmr for uid, race, mmr in rows if wanted is None or uid in wanted}


def _insert(conn: Connection, rows: list[HistoryRow]) -> int:
    count = len(rows)
    if rows:
        conn.execute(insert(rating_history_1v1), [history_values(row) for row in rows])
    rows.clear()
    return count
