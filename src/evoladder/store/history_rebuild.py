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

Set-based, in the database: the replay is a running sum (``SUM(delta) OVER (PARTITION BY
player, race ORDER BY played_at, id)``) in one ``INSERT ... SELECT``, and the baselines a second
one against the last row of each rating. A row-by-row replay in Python (the domain's ``Replay``,
which the tests keep as the reference these statements must agree with) cost most of an import's
budget at a million matches: reading every match into Python and sending two million rows back
(DESIGN section 7; BENCHMARKS.md, "Import from EvoLadderBot"). When the history table is empty
once the old rows are gone (a first import, the migration's backfill), its secondary indexes are
dropped for the insert and built again after it, in the same transaction: one sorted build is
several times cheaper than two million index inserts, and a crash rolls the drop back with the
rest. Running it twice gives the same rows (new ids): it is a rebuild, not an append.

The expected score is computed with the same floating-point operations as
``evoladder.domain.rating.expected_score`` (``1 / (1 + 10 ** ((b - a) / 500))``, C ``pow`` in
SQLite's math functions, PostgreSQL and Python alike), so the stored value is the same float.

Order: by when a match was made, not when it was finalized. For one player the two agree (a
player is in one match at a time) except for a conflict resolved after later games; the final
rating is the same either way (the sum), and the chart then shows the game where it was played.
Row ids follow that order within each rating, as the chart reads one rating by id; the rows are
inserted rating by rating (the order the running sum is computed in: sorting them by time again
for the insert cost a second sort of every row).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import TextClause

from evoladder.domain.history import HistoryKind, SeasonSpan
from evoladder.domain.rating import DIVISOR, START_MMR
from evoladder.store.repositories.history import NoSeason
from evoladder.store.schema import matches_1v1, rating_history_1v1, seasons
from evoladder.store.types import UTCDateTime

FINAL_RESULTS = (0, 1, 2)
SORT_THREADS = 2  # SQLite's sorter helper threads for the rebuild's sorts (its default is none)
UIDS = "history_rebuild_uids"  # temporary table of the players whose history is rebuilt
_HISTORY_COLUMNS = "discord_uid, race, season_id, kind, match_id, rating_before, rating_after, expected, at"
_FLOAT = "DOUBLE PRECISION"  # a REAL in SQLite, float8 in PostgreSQL: the same C double as Python's


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
    if uids is not None:
        _fill_uids(conn, uids)
    _delete(conn, uids is not None)
    empty = conn.execute(select(rating_history_1v1.c.id).limit(1)).first() is None
    deferred = sorted(rating_history_1v1.indexes, key=lambda ix: str(ix.name)) if empty else []
    for index in deferred:
        index.drop(conn)
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:  # the running sum and the index builds sort every row: SQLite may use two threads
        conn.exec_driver_sql(f"PRAGMA threads = {SORT_THREADS}")
    legs = int(conn.execute(_legs_insert(spans, uids is not None, sqlite)).rowcount)
    for index in deferred:
        index.create(conn)
    if sqlite:
        conn.exec_driver_sql("PRAGMA threads = 0")
    baselines = int(conn.execute(
        _baselines_insert(uids is not None), {"current": current, "start": START_MMR, "now": now}
    ).rowcount)
    matches = int(conn.execute(_final_count(uids is not None)).scalar_one())
    if uids is not None:  # (on an error, the caller's rollback takes the table away with the rest)
        conn.execute(text(f"DROP TABLE {UIDS}"))
    return RebuildReport(matches, legs + baselines, baselines)


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


def _fill_uids(conn: Connection, uids: Collection[int]) -> None:
    """The players to rebuild as a temporary table: the statements join it (an IN list of 100k
    values would be re-scanned per match on PostgreSQL)."""
    conn.execute(text(f"CREATE TEMPORARY TABLE {UIDS} (uid BIGINT PRIMARY KEY)"))
    ordered = sorted(set(uids))
    insert_uid = text(f"INSERT INTO {UIDS} (uid) VALUES (:uid)")
    for start in range(0, len(ordered), 10_000):
        part = ordered[start:start + 10_000]
        if part:
            conn.execute(insert_uid, [{"uid": u} for u in part])


def _delete(conn: Connection, wanted: bool) -> None:
    where = f" WHERE discord_uid IN (SELECT uid FROM {UIDS})" if wanted else ""
    conn.execute(text(f"DELETE FROM {rating_history_1v1.name}{where}"))


def _season_case(spans: list[SeasonSpan]) -> tuple[str, dict[str, Any]]:
    """``season_at`` in SQL: the highest-id season started by the match, else the first."""
    whens = []
    params: dict[str, Any] = {}
    for span in reversed(spans):
        params[f"season_start_{span.id}"] = span.started_at
        whens.append(f"WHEN m.played_at >= :season_start_{span.id} THEN {span.id}")
    return f"CASE {' '.join(whens)} ELSE {spans[0].id} END", params


def _legs_insert(spans: list[SeasonSpan], wanted: bool, sqlite: bool = False) -> TextClause:
    """One ``match``/``resolve`` row per player of each final match, the rating before and after
    it from a running sum of the deltas per rating.

    On SQLite the matches are read ``NOT INDEXED``: left to itself, SQLite walks each leg through
    the index on the player's id (to sort only by race and time within a player), which reads
    the matches in random order, page by page; a plain scan and one full sort (two sorter
    threads) cost 30% less at a million matches (8.5 s instead of 12 s of CPU; BENCHMARKS.md,
    "Import from EvoLadderBot"). The callers (the import, the migration's backfill) rebuild
    every player or most of them; for a handful the index would be the better way."""
    table = f"{matches_1v1.name} m" + (" NOT INDEXED" if sqlite else "")
    season, params = _season_case(spans)
    final = f"m.match_result IN ({', '.join(str(r) for r in FINAL_RESULTS)})"
    e1 = (f"CAST(1 AS {_FLOAT}) / (CAST(1 AS {_FLOAT}) + power(CAST(10 AS {_FLOAT}), "
          f"CAST(m.player_2_mmr - m.player_1_mmr AS {_FLOAT}) / CAST({DIVISOR} AS {_FLOAT})))")
    kind = (f"CASE WHEN m.resolved_by IS NOT NULL THEN '{HistoryKind.RESOLVE.value}' "
            f"ELSE '{HistoryKind.MATCH.value}' END")
    legs = []
    for slot, sign, expected in ((1, "", e1), (2, "-", f"CAST(1 AS {_FLOAT}) - {e1}")):
        only = f" AND m.player_{slot}_discord_uid IN (SELECT uid FROM {UIDS})" if wanted else ""
        legs.append(
            f"SELECT m.player_{slot}_discord_uid AS uid, m.player_{slot}_race AS race, {season} AS season, "
            f"{kind} AS kind, m.id AS match_id, {sign}COALESCE(m.mmr_change, 0) AS delta, "
            f"{expected} AS expected, m.played_at AS at, {slot} AS slot "
            f"FROM {table} WHERE {final}{only}"
        )
    running = "SUM(delta) OVER (PARTITION BY uid, race ORDER BY at, match_id ROWS UNBOUNDED PRECEDING)"
    sql = (
        f"INSERT INTO {rating_history_1v1.name} ({_HISTORY_COLUMNS}) "
        f"SELECT uid, race, season, kind, match_id, {START_MMR} + {running} - delta, "
        f"{START_MMR} + {running}, expected, at "
        f"FROM ({' UNION ALL '.join(legs)}) legs ORDER BY uid, race, at, match_id"
    )
    return text(sql).bindparams(*(bindparam(k, v, type_=UTCDateTime()) for k, v in params.items()))


def _baselines_insert(wanted: bool) -> TextClause:
    """A ``baseline`` row for each stored rating its last row (or the start, without one) does
    not reach, at that last row's time and season (or now, in the current season)."""
    h = rating_history_1v1.name
    only = f" AND r.discord_uid IN (SELECT uid FROM {UIDS})" if wanted else ""
    sql = (
        f"INSERT INTO {h} ({_HISTORY_COLUMNS}) "
        f"SELECT r.discord_uid, r.race, COALESCE(h.season_id, :current), "
        f"'{HistoryKind.BASELINE.value}', NULL, COALESCE(h.rating_after, :start), r.mmr, NULL, "
        "COALESCE(h.at, :now) "
        "FROM mmrs_1v1 r "
        f"LEFT JOIN (SELECT discord_uid, race, max(id) AS id FROM {h} GROUP BY discord_uid, race) last "
        "ON last.discord_uid = r.discord_uid AND last.race = r.race "
        f"LEFT JOIN {h} h ON h.id = last.id "
        f"WHERE r.mmr <> COALESCE(h.rating_after, :start){only} ORDER BY r.id"
    )
    return text(sql).bindparams(bindparam("now", type_=UTCDateTime()))


def _final_count(wanted: bool) -> TextClause:
    """The final matches replayed (of the players rebuilt). EXISTS probes of the players' key
    per match: an ``IN (subquery) OR IN (subquery)`` made SQLite scan the players per match."""
    final = f"m.match_result IN ({', '.join(str(r) for r in FINAL_RESULTS)})"
    only = "".join((
        f" AND (EXISTS (SELECT 1 FROM {UIDS} u WHERE u.uid = m.player_1_discord_uid)",
        f" OR EXISTS (SELECT 1 FROM {UIDS} u WHERE u.uid = m.player_2_discord_uid))",
    )) if wanted else ""
    return text(f"SELECT count(*) FROM {matches_1v1.name} m WHERE {final}{only}")
