"""EvoLadderBot's SQLite file imported into an SQLite ladder set-based: ``ATTACH`` and
``INSERT ... SELECT`` (DESIGN section 7: 100k players and 1M matches in a minute).

Row by row, a million matches cost tens of seconds in Python alone (reading each tuple, parsing
and formatting its timestamps, building the row, handing it back to SQLite); the same mapping
as one statement inside SQLite costs a few seconds. So when both sides are SQLite, the peer's
file is attached read-only to the ladder's connection and each big table goes over in one
transaction:

1. the rows whose values are all in the peer's usual, clean form (integer ids, known codes,
   timestamps as ``YYYY-MM-DD HH:MM:SS[.ffffff]``, valid JSON lists...) are mapped and inserted
   by one ``INSERT ... SELECT``. The SQL writes the same values the domain's rules
   (``evoladder.domain.peer_import``) give for such a row: those rules stay the reference, and a
   test imports the same peer database both ways and compares the tables;
2. every other row (the traps: odd types, broken or offset timestamps, unknown codes...) is
   read out and mapped by those rules in Python (``map_odd``), which count what they cannot map,
   and written in the same transaction;
3. the table's mark (``peer_import_marks``) is saved in that transaction too.

When the ladder's table is empty before the step, its secondary indexes are dropped for the
load and created again before the commit (one sorted build instead of an index insert per row;
a crash rolls the drop back with the rest). The file is attached with ``mode=ro``: the importer
never changes the peer's data.

Row ids: the clean rows are inserted before the odd ones, so a table whose ids are the ladder's
own (action logs, command calls, replays) numbers them in that order, not strictly in the peer's;
nothing reads meaning into those ids. Matches keep the peer's id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncConnection

from evoladder.domain import peer_import as rules
from evoladder.domain.match_state import MatchStatus
from evoladder.domain.players import ChangedBy
from evoladder.store.bulk_import import BulkWriter
from evoladder.store.engine import driver_connection
from evoladder.store.history_rebuild import SORT_THREADS
from evoladder.store.peer_source import peer_queries
from evoladder.store.replay_storage import REPLAY_SUFFIX
from evoladder.store.uow import Database

SCHEMA = "peer"
ODD = "import_peer_odd"  # ids of the rows the domain's rules map (one step's length)
STAGE = "import_peer_rows"  # the replays joined to their matches, for the length of one step
Row = tuple[Any, ...]
# (peer rows in the adapter's column order, the connection of the step's transaction where the
# mapping may read what it needs, or None: on one of its own) -> the mapped rows (NamedTuples of
# target columns). PostgreSQL's step holds locks another connection would wait for.
MapOdd = Callable[[list[Row], AsyncConnection | None], Awaitable[list[NamedTuple]]]


@dataclass
class AttachedResult:
    """One table's counts: rows after the mark, clean ones mapped in SQL and how many of them
    were inserted (the rest were already here), odd ones read, mapped and written."""

    read: int = 0
    clean: int = 0
    clean_written: int = 0
    odd_read: int = 0
    odd_mapped: int = 0
    odd_written: int = 0
    last_id: int = 0
    # Clean matches written of a player the ladder's players table does not hold (kept, and
    # counted as the domain's rules count them): how many, and the first few ids.
    unknown_players: int = 0
    unknown_examples: list[int] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.clean_written + self.odd_written

    @property
    def mapped(self) -> int:
        return self.clean + self.odd_mapped


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in(column: str, values: Sequence[object]) -> str:
    listed = ", ".join(_lit(v) if isinstance(v, str) else str(v) for v in sorted(values, key=str))
    return f"{column} IN ({listed})"


def clean_time(column: str) -> str:
    """``column`` is NULL or the peer's naive UTC text that ``parse_time`` reads the short way
    (``YYYY-MM-DD HH:MM:SS`` or with six fraction digits), a real date and time from 2000 on.
    String tests only, but for days 29-31, where ``date(x, '+0 days')`` must give the same day
    back (a modifier makes SQLite carry 30 February over into March; plain ``date(x)`` keeps it):
    date functions on every value cost more than the rest of the row."""
    c = column
    digits6 = "[0-9]" * 6
    return (
        f"({c} IS NULL OR (typeof({c}) = 'text' "
        f"AND (length({c}) = 19 OR (length({c}) = 26 AND substr({c}, 20, 1) = '.' "
        f"AND substr({c}, 21) GLOB '{digits6}')) "
        f"AND {c} GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]*' "
        f"AND substr({c}, 1, 4) >= '{rules.EARLIEST_YEAR}' AND substr({c}, 6, 2) BETWEEN '01' AND '12' "
        f"AND substr({c}, 9, 2) >= '01' AND substr({c}, 12, 2) <= '23' "
        f"AND (substr({c}, 9, 2) <= '28' OR date({c}, '+0 days') IS substr({c}, 1, 10))))"
    )


def time_out(column: str) -> str:
    """A clean peer time as evoladder stores it (``YYYY-MM-DD HH:MM:SS.ffffff``)."""
    return f"CASE WHEN length({column}) = 19 THEN {column} || '.000000' ELSE {column} END"


class SqliteSql:
    """The pieces of the mappings that depend on the database they run in: here SQLite, where a
    peer column may hold a value of any type (``typeof``), times are text and JSON is text.
    ``evoladder.store.peer_staged`` has PostgreSQL's, where the staged columns are typed."""

    def int(self, c: str) -> str:
        return f"typeof({c}) = 'integer'"

    def int_or_null(self, c: str) -> str:
        return f"({c} IS NULL OR typeof({c}) = 'integer')"

    def text(self, c: str) -> str:
        return f"typeof({c}) = 'text'"

    def text_or_null(self, c: str) -> str:
        return f"({c} IS NULL OR typeof({c}) = 'text')"

    def plain(self, c: str) -> str:
        """NULL, text or an integer: what the rules put into JSON as it is."""
        return f"({c} IS NULL OR typeof({c}) IN ('text', 'integer'))"

    def time(self, c: str) -> str:
        return clean_time(c)

    def time_out(self, c: str) -> str:
        return time_out(c)

    def later(self, a: str, b: str) -> str:
        return f"max({a}, {b})"

    def json_list(self, c: str) -> str:
        # CASE, not AND: SQLite does not promise to skip json_type (which fails on bad JSON).
        return (f"({c} IS NULL OR {c} = '' OR "
                f"CASE WHEN json_valid({c}) THEN json_type({c}) = 'array' ELSE 0 END)")

    def json_out(self, c: str) -> str:
        return f"CASE WHEN {c} IS NULL OR {c} = '' THEN json('[]') ELSE json({c}) END"

    def lower_hex(self, c: str) -> str:
        return f"{c} NOT GLOB '*[^0-9a-f]*'"

    def match_here(self, c: str) -> str:
        return f"{c} IN (SELECT id FROM main.matches_1v1)"

    def year_month(self, t: str) -> str:
        """``YYYY/MM`` of a mapped time, in UTC (a replay's storage key starts with it)."""
        return f"substr({t}, 1, 4) || '/' || substr({t}, 6, 2)"

    json_object = "json_object"
    json_array = "json_array"


SQLITE = SqliteSql()


def shared_hash(stage: str) -> str:
    """The ids of the staged replay records whose hash (as the rules read it: trimmed, lower
    case) another record has too. They go the careful way, in id order, so that the first
    record keeps the hash as the rules keep it (the ladder's hashes are unique): the clean
    rows' insert would take them in whatever order the stage holds them, before the odd ones."""
    return (f"SELECT id FROM {stage} WHERE lower(trim(replay_hash)) IN (SELECT lower(trim(replay_hash)) "
            f"FROM {stage} GROUP BY lower(trim(replay_hash)) HAVING count(DISTINCT id) > 1)")


class Mapping(NamedTuple):
    """One table's SQL: the target columns, the mapped values, and when a row is clean."""

    columns: tuple[str, ...]
    values: tuple[str, ...]
    clean: str
    conflict: bool  # a unique key may refuse a row: ON CONFLICT DO NOTHING


def match_mapping(vocab: rules.Vocabulary, d: SqliteSql = SQLITE) -> Mapping:
    """``rules.map_match`` for a clean row (see its module's decisions)."""
    final, conflict = MatchStatus.FINAL.value, MatchStatus.CONFLICT.value
    clean = " AND ".join((
        d.int("p.id"), d.int("p.player_1_discord_uid"), d.int("p.player_2_discord_uid"),
        "p.player_1_discord_uid <> p.player_2_discord_uid",
        _in("p.player_1_race", sorted(vocab.races)), _in("p.player_2_race", sorted(vocab.races)),
        "p.played_at IS NOT NULL", d.time("p.played_at"), d.time("p.updated_at"),
        d.time("p.player_1_replay_time"), d.time("p.player_2_replay_time"),
        f"(p.match_result IS NULL OR ({d.int('p.match_result')} AND "
        f"{_in('p.match_result', sorted(rules.RESULT_CODES))}))",
        f"(p.player_1_report IS NULL OR ({d.int('p.player_1_report')} AND "
        f"{_in('p.player_1_report', sorted(rules.REPORT_CODES))}))",
        f"(p.player_2_report IS NULL OR ({d.int('p.player_2_report')} AND "
        f"{_in('p.player_2_report', sorted(rules.REPORT_CODES))}))",
        d.int("p.mmr_change"), d.int("p.player_1_mmr"), d.int("p.player_2_mmr"),
        _in("p.map_played", sorted(vocab.map_names)), _in("p.server_used", sorted(vocab.servers)),
    ))
    status = (
        f"CASE WHEN p.match_result IS NULL THEN '{MatchStatus.ABANDONED.value}' "
        f"WHEN p.match_result >= 0 THEN '{final}' WHEN p.match_result = -2 THEN '{conflict}' "
        f"WHEN p.updated_at IS NOT NULL THEN '{MatchStatus.INVALIDATED.value}' "
        f"WHEN p.player_1_report = -3 OR p.player_2_report = -3 THEN '{MatchStatus.ABORTED.value}' "
        f"ELSE '{MatchStatus.ABANDONED.value}' END"
    )
    t1, t2 = d.time_out("p.player_1_replay_time"), d.time_out("p.player_2_replay_time")
    finalized = (
        f"CASE WHEN p.updated_at IS NOT NULL THEN {d.time_out('p.updated_at')} "
        f"WHEN p.match_result = -2 THEN NULL "
        "WHEN p.player_1_replay_time IS NOT NULL AND p.player_2_replay_time IS NOT NULL "
        f"THEN {d.later(t1, t2)} "
        f"ELSE COALESCE({t1}, {t2}, {d.time_out('p.played_at')}) END"
    )
    open_report = ("CASE WHEN p.match_result IS NULL THEN COALESCE(p.player_{n}_report, -1) "
                   "ELSE p.player_{n}_report END")
    return Mapping(
        columns=rules.NewMatch._fields,
        values=(
            "p.id", "p.player_1_discord_uid", "p.player_2_discord_uid", "p.player_1_race", "p.player_2_race",
            "p.player_1_mmr", "p.player_2_mmr", open_report.format(n=1), open_report.format(n=2),
            "COALESCE(p.match_result, -1)", "CASE WHEN p.match_result IS NULL THEN 0 ELSE p.mmr_change END",
            "p.map_played", "p.server_used", status, d.time_out("p.played_at"), finalized, "1",
        ),
        clean=clean,
        conflict=True,
    )


def action_log_mapping(d: SqliteSql = SQLITE) -> Mapping:
    """``rules.map_action_log`` for a clean row (player or system changes; an admin's goes the
    careful way)."""
    who = _in("p.changed_by", [ChangedBy.PLAYER.value, ChangedBy.SYSTEM.value])
    field = "CASE " + " ".join(
        f"WHEN p.setting_name = {_lit(peer)} THEN {_lit(ours)}"
        for peer, ours in sorted(rules.FIELD_NAMES.items())
    ) + " ELSE p.setting_name END"
    return Mapping(
        columns=rules.NewActionLog._fields,
        values=(
            "p.discord_uid", f"substr({field}, 1, {rules.FIELD_MAX})", "p.old_value", "p.new_value",
            f"COALESCE(p.changed_by, '{ChangedBy.PLAYER.value}')", "NULL", d.time_out("p.changed_at"),
        ),
        clean=" AND ".join((
            d.int("p.discord_uid"), "p.changed_at IS NOT NULL", d.time("p.changed_at"),
            d.text("p.setting_name"), "p.setting_name <> ''",
            d.text_or_null("p.old_value"), d.text_or_null("p.new_value"),
            f"(p.changed_by IS NULL OR {who})",
        )),
        conflict=False,
    )


def command_call_mapping(d: SqliteSql = SQLITE) -> Mapping:
    """``rules.map_command_call`` for a clean row."""
    return Mapping(
        columns=rules.NewCommandCall._fields,
        values=("p.discord_uid", "p.command", d.time_out("p.called_at"), "NULL",
                f"'{rules.CALL_ID_PREFIX}' || p.id"),
        clean=" AND ".join((
            d.int("p.id"), d.int("p.discord_uid"), "p.called_at IS NOT NULL", d.time("p.called_at"),
            d.text("p.command"), f"length(p.command) <= {rules.COMMAND_MAX}",
        )),
        conflict=True,
    )


def replay_mapping(vocab: rules.Vocabulary, d: SqliteSql = SQLITE) -> Mapping:
    """``rules.plan_replay`` then ``rules.replay_row`` with the peer's hash (no replays folder)
    for a clean row: one match points at it, and that match is in the ladder."""
    uploaded = (f"COALESCE({d.time_out('p.uploader_time')}, {d.time_out('p.uploaded_at')}, "
                f"{d.time_out('p.replay_date')})")
    key = f"{d.year_month(uploaded)} || '/' || p.match_id || '/' || p.replay_hash || '{REPLAY_SUFFIX}'"
    obj, arr = d.json_object, d.json_array
    peer = (
        f"{obj}('source', 'evoladderbot', 'replay_path', p.replay_path, 'hash', p.replay_hash, "
        f"'player_names', {arr}(p.player_1_name, p.player_2_name), "
        f"'races', {arr}(p.player_1_race, p.player_2_race), 'result', p.result, "
        f"'toon_handles', {arr}(p.player_1_handle, p.player_2_handle), "
        f"'observers', {d.json_out('p.observers')}, 'map_name', p.map_name, 'duration_seconds', p.duration, "
        f"'settings', {obj}('privacy', p.game_privacy, 'speed', p.game_speed, "
        "'duration', p.game_duration_setting, 'locked_alliances', p.locked_alliances), "
        f"'cache_handles', {d.json_out('p.cache_handles')})"
    )
    plain = " AND ".join(
        d.plain(f"p.{c}")
        for c in ("replay_path", "player_1_name", "player_2_name", "player_1_race", "player_2_race",
                  "player_1_handle", "player_2_handle", "game_privacy", "game_speed",
                  "game_duration_setting", "locked_alliances")
    )
    return Mapping(
        columns=rules.NewReplay._fields,
        values=(
            "p.match_id", "p.uploader_uid", "p.replay_hash", key, "0", uploaded, d.time_out("p.replay_date"),
            "p.map_name", "NULL", "NULL", "NULL", "NULL", f"{obj}('peer', {peer})",
        ),
        clean=" AND ".join((
            d.int("p.match_id"), d.int("p.uploader_uid"),
            d.match_here("p.match_id"),
            d.text("p.replay_hash"), "length(p.replay_hash) BETWEEN 16 AND 128",
            d.lower_hex("p.replay_hash"),
            d.time("p.replay_date"), d.time("p.uploader_time"), d.time("p.uploaded_at"),
            "COALESCE(p.uploader_time, p.uploaded_at, p.replay_date) IS NOT NULL",
            f"(p.map_name IS NULL OR {_in('p.map_name', sorted(vocab.map_names))})",
            d.int_or_null("p.result"), d.int_or_null("p.duration"),
            d.json_list("p.observers"), d.json_list("p.cache_handles"), plain,
        )),
        conflict=True,
    )


class AttachedPeer:
    """The peer's SQLite file attached to one connection of the ladder's SQLite database."""

    def __init__(self, db: Database, path: Path, writer: BulkWriter) -> None:
        self._db = db
        self._path = path
        self._writer = writer
        present = peer_queries(path, SCHEMA + ".")
        self._queries = present
        self.sql = SQLITE

    def has(self, table: str) -> bool:
        return table in self._queries.present

    @asynccontextmanager
    async def _attached(self) -> AsyncIterator[Any]:
        async with self._db.engine.connect() as conn:
            driver: Any = await driver_connection(conn)
            uri = f"file:{quote(str(self._path.resolve()))}?mode=ro"
            await driver.execute(f"ATTACH DATABASE ? AS {SCHEMA}", (uri,))
            await driver.execute(f"PRAGMA threads = {SORT_THREADS}")  # index builds sort every row
            try:
                yield driver
            finally:
                await driver.execute("PRAGMA threads = 0")
                await driver.execute(f"DETACH DATABASE {SCHEMA}")

    async def run(
        self, table: str, target: str, mapping: Mapping, after: int, map_odd: MapOdd, now: datetime
    ) -> AttachedResult:
        """One peer table after ``after`` (its mark) into ``target``, in one transaction."""
        done = AttachedResult()
        source = self._queries.select(table)
        if source is None:
            return done
        async with self._attached() as driver:
            await driver.execute("BEGIN IMMEDIATE")
            try:
                odd_too, order = "", "p.id"
                if table == "replays":
                    await self._stage_replays(driver, after)
                    rows_from, params = f"FROM temp.{STAGE} p", tuple[int, ...]()
                    counted = f"SELECT count(DISTINCT id), COALESCE(max(id), 0), count(*) FROM temp.{STAGE}"
                    # A record more than one match points at goes the careful way (the first
                    # match has it, player 1's slot first, as the adapter's join gives it), and
                    # so do records sharing a hash (``shared_hash``).
                    odd_too = (f" UNION SELECT id FROM temp.{STAGE} GROUP BY id HAVING count(*) > 1"
                               f" UNION {shared_hash(f'temp.{STAGE}')}")
                    order = "p.id, p.slot, p.match_id"
                else:
                    rows_from, params = f"FROM ({source}) p", (after,)
                    counted = (f"SELECT count(*), COALESCE(max(id), 0), count(*) "
                               f"FROM {SCHEMA}.{table} WHERE id > ?")
                ((done.read, done.last_id, rows),) = await driver.execute_fetchall(counted, params)
                deferred = await self._defer_indexes(driver, target)
                # The clean test is most of a row's cost: evaluated once, into the (few) ids of
                # the rows that fail it; the insert takes every other row.
                await driver.execute(
                    f"CREATE TEMPORARY TABLE {ODD} AS SELECT DISTINCT p.id {rows_from} "
                    f"WHERE NOT (({mapping.clean}) IS 1){odd_too}", params
                )
                insert = (f"INSERT INTO main.{target} ({', '.join(mapping.columns)}) "
                          f"SELECT {', '.join(mapping.values)} {rows_from} "
                          f"WHERE p.id NOT IN (SELECT id FROM temp.{ODD})")
                if mapping.conflict:
                    insert += " ON CONFLICT DO NOTHING"
                cursor = await driver.execute(insert, params)
                done.clean_written = int(cursor.rowcount)
                await cursor.close()
                if target == "matches_1v1":
                    await self._unknown_players(driver, done, after)
                peer_columns = ", ".join(f"p.{c}" for c in self._queries.columns(table))
                odd = list(await driver.execute_fetchall(
                    f"SELECT {peer_columns} {rows_from} WHERE p.id IN (SELECT id FROM temp.{ODD}) "
                    f"ORDER BY {order}", params
                ))
                await driver.execute(f"DROP TABLE temp.{ODD}")
                done.odd_read = len(odd)
                done.clean = rows - len(odd)
                if odd:
                    mapped = await map_odd(odd, None)
                    done.odd_mapped = len(mapped)
                    done.odd_written = await self._writer.insert_sqlite(
                        driver, target, mapped, skip_existing=mapping.conflict
                    )
                for sql in deferred:
                    await driver.execute(sql)
                if table == "replays":
                    await driver.execute(f"DROP TABLE temp.{STAGE}")
                if done.read:
                    await self._writer.save_mark_sqlite(driver, table, done.last_id, done.written, now)
                await driver.execute("COMMIT")
            except BaseException:
                await driver.execute("ROLLBACK")
                raise
        return done

    async def _stage_replays(self, driver: Any, after: int) -> None:
        """The replay records after ``after`` with the match (and slot) whose replay path names
        them, one row per such match, and the records no match names (with NULLs): the rows of
        the adapter's join, made from the matches' side so that each path is found through the
        peer's unique index on ``replay_path`` (the adapter's join from the records' side has no
        index to use and cost more than the rest of the step)."""
        q = self._queries
        cols = q.replay_columns("r")
        have = q.present.get("matches_1v1", frozenset())
        if {"player_1_replay_path", "player_2_replay_path"} <= have:
            legs = " UNION ALL ".join(
                f"SELECT id, {n} AS slot, player_{n}_replay_path AS path, player_{n}_discord_uid AS uid, "
                f"{f'player_{n}_replay_time' if f'player_{n}_replay_time' in have else 'NULL'} AS at "
                f"FROM {SCHEMA}.matches_1v1 WHERE player_{n}_replay_path IS NOT NULL"
                for n in (1, 2)
            )
            await driver.execute(
                f"CREATE TEMPORARY TABLE {STAGE} AS SELECT {cols}, m.id AS match_id, m.uid AS uploader_uid, "
                f"m.at AS uploader_time, m.slot AS slot FROM ({legs}) m "
                f"JOIN {SCHEMA}.replays r ON r.replay_path = m.path WHERE r.id > ?", (after,)
            )
        else:
            await driver.execute(
                f"CREATE TEMPORARY TABLE {STAGE} AS SELECT {cols}, NULL AS match_id, NULL AS uploader_uid, "
                f"NULL AS uploader_time, 0 AS slot FROM {SCHEMA}.replays r WHERE 0"
            )
        await driver.execute(
            f"INSERT INTO temp.{STAGE} SELECT {cols}, NULL, NULL, NULL, 0 FROM {SCHEMA}.replays r "
            f"WHERE r.id > ? AND r.id NOT IN (SELECT id FROM temp.{STAGE})", (after,)
        )

    @staticmethod
    async def _unknown_players(driver: Any, done: AttachedResult, after: int) -> None:
        """The clean matches just written (a range of their kept ids, less the odd ones) that
        name a player the ladder does not have: probes of the players' unique key, instead of
        the clean test over the peer's rows again."""
        ids = [int(r[0]) for r in await driver.execute_fetchall(
            f"SELECT m.id FROM main.matches_1v1 m WHERE m.id > ? AND m.id <= ? "
            f"AND m.id NOT IN (SELECT id FROM temp.{ODD}) AND ("
            "NOT EXISTS (SELECT 1 FROM main.players p WHERE p.discord_uid = m.player_1_discord_uid) OR "
            "NOT EXISTS (SELECT 1 FROM main.players p WHERE p.discord_uid = m.player_2_discord_uid)) "
            "ORDER BY m.id", (after, done.last_id)
        )]
        done.unknown_players, done.unknown_examples = len(ids), ids[:3]

    @staticmethod
    async def _defer_indexes(driver: Any, target: str) -> list[str]:
        """Drop the secondary indexes of an empty ``target``; the statements that recreate them."""
        if await driver.execute_fetchall(f"SELECT 1 FROM main.{target} LIMIT 1"):
            return []
        found = await driver.execute_fetchall(
            "SELECT name, sql FROM main.sqlite_master "
            "WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (target,),
        )
        for name, _sql in found:
            await driver.execute(f'DROP INDEX main."{name}"')
        return [str(sql) for _name, sql in found]
