"""EvoLadderBot's PostgreSQL database imported into a PostgreSQL ladder set-based: the peer's
rows staged with COPY, then mapped by ``INSERT ... SELECT`` (DESIGN section 7).

The same plan as ``evoladder.store.peer_attach`` (SQLite into SQLite), whose module doc gives
the why; here the two databases may be on different servers, so nothing can join across them.
Per table, in one transaction of the ladder's database:

1. the peer's rows after the mark (``_Queries.staged``; the replay records already joined on
   the peer's server to the match whose replay path names them) stream from the peer in COPY's
   binary format straight into a temporary table of the same column types here, never decoded
   into Python objects;
2. the rows whose values are all in the clean form are mapped by one ``INSERT ... SELECT``
   (``peer_attach``'s mappings with ``PostgresSql``'s pieces: the staged columns are typed, so
   the clean test is about codes, ranges and JSON text, not types); every other row is read
   out and mapped by the domain's rules, as on SQLite; the mark is saved in the transaction.

Only a table whose columns have the types of the peer's own schema (``shared/peer-schema.md``:
integers, ``timestamptz``, text) goes this way; any other (an old or hand-made database with
text timestamps, say) goes row by row through the domain's rules, which read anything.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import text

from evoladder.domain import peer_import as rules
from evoladder.store.bulk_import import BulkWriter
from evoladder.store.engine import driver_connection
from evoladder.store.peer_attach import AttachedResult, MapOdd, Mapping, SqliteSql, shared_hash
from evoladder.store.peer_source import PostgresPeerSource
from evoladder.store.schema import metadata
from evoladder.store.uow import Database

STAGE = "import_peer_stage"
ODD = "import_peer_odd"
_INT = frozenset({"pg_catalog.int2", "pg_catalog.int4", "pg_catalog.int8"})
_TIME = frozenset({"pg_catalog.timestamptz"})
_TEXT = frozenset({"pg_catalog.text", "pg_catalog.varchar"})
# The columns the SQL mappings read, per peer table, and the types they must have for it.
_WANTED: dict[str, dict[str, frozenset[str]]] = {
    "matches_1v1": {
        **dict.fromkeys(("id", "player_1_discord_uid", "player_2_discord_uid", "player_1_mmr",
                         "player_2_mmr", "player_1_report", "player_2_report", "match_result",
                         "mmr_change"), _INT),
        **dict.fromkeys(("player_1_race", "player_2_race", "map_played", "server_used"), _TEXT),
        **dict.fromkeys(("played_at", "updated_at", "player_1_replay_time", "player_2_replay_time"), _TIME),
    },
    "player_action_logs": {
        "id": _INT, "discord_uid": _INT, "changed_at": _TIME,
        **dict.fromkeys(("setting_name", "old_value", "new_value", "changed_by"), _TEXT),
    },
    "command_calls": {"id": _INT, "discord_uid": _INT, "called_at": _TIME, "command": _TEXT},
    "replays": {
        **dict.fromkeys(("id", "match_id", "uploader_uid", "result", "duration"), _INT),
        **dict.fromkeys(("replay_date", "uploader_time", "uploaded_at"), _TIME),
        **dict.fromkeys(("replay_path", "replay_hash", "player_1_name", "player_2_name", "player_1_race",
                         "player_2_race", "player_1_handle", "player_2_handle", "observers", "map_name",
                         "game_privacy", "game_speed", "game_duration_setting", "locked_alliances",
                         "cache_handles"), _TEXT),
    },
}
# A JSON list the clean test lets through: empty, or of plain strings (no escapes, no control
# characters); any other JSON text goes to the rules, which read (or refuse) it like json.loads.
_WS = "[ \\t\\n\\r]*"
_STRING = '"[^"\\\\[:cntrl:]]*"'
_JSON_LIST = f"^\\[{_WS}({_STRING}{_WS}(,{_WS}{_STRING}{_WS})*)?\\]$"


class PostgresSql(SqliteSql):
    """``peer_attach``'s mapping pieces for typed PostgreSQL columns (see ``_WANTED``)."""

    def int(self, c: str) -> str:
        return f"{c} IS NOT NULL"

    def int_or_null(self, c: str) -> str:
        return "TRUE"

    def text(self, c: str) -> str:
        return f"{c} IS NOT NULL"

    def text_or_null(self, c: str) -> str:
        return "TRUE"

    def plain(self, c: str) -> str:
        return "TRUE"

    def time(self, c: str) -> str:
        # ``parse_time`` takes an aware datetime as it is, from 2000 on (UTC).
        return (f"({c} IS NULL OR ({c} >= TIMESTAMPTZ '{rules.EARLIEST_YEAR}-01-01 00:00:00+00' "
                f"AND isfinite({c})))")

    def time_out(self, c: str) -> str:
        return c

    def later(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})"

    def json_list(self, c: str) -> str:
        return f"({c} IS NULL OR {c} = '' OR {c} ~ '{_JSON_LIST}')"

    def json_out(self, c: str) -> str:
        return f"CASE WHEN {c} IS NULL OR {c} = '' THEN CAST('[]' AS json) ELSE CAST({c} AS json) END"

    def lower_hex(self, c: str) -> str:
        return f"{c} !~ '[^0-9a-f]'"

    def match_here(self, c: str) -> str:
        return f"EXISTS (SELECT 1 FROM matches_1v1 m WHERE m.id = {c})"

    def year_month(self, t: str) -> str:
        return f"to_char({t} AT TIME ZONE 'UTC', 'YYYY/MM')"

    json_object = "json_build_object"
    json_array = "json_build_array"


POSTGRES = PostgresSql()


class StagedPeer:
    """The peer's PostgreSQL database, its tables staged into the PostgreSQL ladder."""

    def __init__(self, db: Database, source: PostgresPeerSource, writer: BulkWriter) -> None:
        self._db = db
        self._source = source
        self._writer = writer
        self.sql: SqliteSql = POSTGRES

    async def run(
        self, table: str, target: str, mapping: Mapping, after: int, map_odd: MapOdd, now: datetime
    ) -> AttachedResult | None:
        """One peer table after ``after`` (its mark) into ``target``, in one transaction; None
        when its columns are not of the types the SQL reads (the caller then maps row by row)."""
        columns = await self._source.staged_columns(table)
        if columns is None:
            return AttachedResult()
        wanted = _WANTED.get(table, {})
        if any(name in wanted and kind not in wanted[name] for name, kind in columns):
            return None
        done = AttachedResult()
        replays = table == "replays"
        async with self._db.transaction() as uow:
            conn = uow.conn
            await conn.execute(text("SELECT 1"))  # opens the transaction the driver's COPY joins
            driver: Any = await driver_connection(conn)
            await driver.execute(
                f"CREATE TEMPORARY TABLE {STAGE} ({', '.join(f'{n} {k}' for n, k in columns)}) ON COMMIT DROP"
            )
            await self._copy(driver, table, after)
            counted = "count(DISTINCT id)" if replays else "count(*)"
            done.read, done.last_id, rows = await driver.fetchrow(
                f"SELECT {counted}, COALESCE(max(id), 0), count(*) FROM {STAGE}"
            )
            target_table = metadata.tables[target]
            empty = await driver.fetchval(f"SELECT NOT EXISTS (SELECT 1 FROM {target})")
            rebuild = await self._writer.drop_indexes(conn, target_table) if empty else []
            if empty:
                rebuild += await self._defer_foreign_keys(driver, target)
            # A record more than one match points at goes the careful way (the first match has
            # it, player 1's slot first, as the adapter's join gives it), and so do records
            # sharing a hash (``shared_hash``).
            odd_too = (f" UNION SELECT id FROM {STAGE} GROUP BY id HAVING count(*) > 1"
                       f" UNION {shared_hash(STAGE)}") if replays else ""
            await driver.execute(
                f"CREATE TEMPORARY TABLE {ODD} ON COMMIT DROP AS SELECT DISTINCT p.id FROM {STAGE} p "
                f"WHERE ({mapping.clean}) IS NOT TRUE{odd_too}"
            )
            insert = (f"INSERT INTO {target} ({', '.join(mapping.columns)}) "
                      f"SELECT {', '.join(mapping.values)} FROM {STAGE} p "
                      f"WHERE NOT EXISTS (SELECT 1 FROM {ODD} o WHERE o.id = p.id)")
            if mapping.conflict:
                insert += " ON CONFLICT DO NOTHING"
            status = await driver.execute(insert)
            done.clean_written = int(str(status).rsplit(" ", 1)[-1])
            if target == "matches_1v1":
                await self._unknown_players(driver, done, after)
            names = [n for n, _ in columns if n != "slot"]
            order = "p.id, p.slot, p.match_id" if replays else "p.id"
            odd = [tuple(r) for r in await driver.fetch(
                f"SELECT {', '.join(f'p.{n}' for n in names)} FROM {STAGE} p "
                f"WHERE p.id IN (SELECT id FROM {ODD}) ORDER BY {order}"
            )]
            done.odd_read = len(odd)
            done.clean = rows - len(odd)
            if odd:
                mapped = await map_odd(odd, conn)
                done.odd_mapped = len(mapped)
                if mapped:
                    done.odd_written = await self._writer.insert_postgres(
                        conn, target_table, mapped, skip_existing=mapping.conflict
                    )
            for statement in rebuild:
                await driver.execute(statement)
            if done.read:
                await self._writer.save_mark(conn, table, done.last_id, done.written, now)
        return done

    async def _copy(self, driver: Any, table: str, after: int) -> None:
        """The peer's rows into the staging table: COPY out of the peer and into the ladder at
        once, through a short queue of chunks (a million matches never sit in memory)."""
        queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=16)

        async def put(chunk: bytes) -> None:
            await queue.put(bytes(chunk))

        async def produce() -> None:
            try:
                await self._source.copy_staged(table, after, put)
            finally:
                await queue.put(None)

        async def chunks() -> AsyncIterator[bytes]:
            while (chunk := await queue.get()) is not None:
                yield chunk

        producer = asyncio.create_task(produce())
        try:
            await driver.copy_to_table(STAGE, source=chunks(), format="binary")
        except BaseException:
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await producer
            raise
        await producer

    @staticmethod
    async def _defer_foreign_keys(driver: Any, target: str) -> list[str]:
        """Drop the foreign keys of an empty ``target``; the statements that add them again.

        A foreign key checks each inserted row by a trigger (a replay's match: a quarter of the
        replays' insert); added again after the load, it checks every row in one join. Until the
        step commits, the referenced table (the matches) is locked too: that is a first import
        into an empty table, before the ladder goes live on the data; anything the step reads
        meanwhile goes through the step's own connection (``MapOdd``)."""
        found = await driver.fetch(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST($1 AS regclass) AND contype = 'f'", target
        )
        for name, _definition in found:
            await driver.execute(f'ALTER TABLE {target} DROP CONSTRAINT "{name}"')
        return [f'ALTER TABLE {target} ADD CONSTRAINT "{name}" {definition}' for name, definition in found]

    @staticmethod
    async def _unknown_players(driver: Any, done: AttachedResult, after: int) -> None:
        """The clean matches just written that name a player the ladder does not have."""
        ids = [int(r[0]) for r in await driver.fetch(
            f"SELECT m.id FROM matches_1v1 m WHERE m.id > $1 AND m.id <= $2 "
            f"AND NOT EXISTS (SELECT 1 FROM {ODD} o WHERE o.id = m.id) AND ("
            "NOT EXISTS (SELECT 1 FROM players p WHERE p.discord_uid = m.player_1_discord_uid) OR "
            "NOT EXISTS (SELECT 1 FROM players p WHERE p.discord_uid = m.player_2_discord_uid)) "
            "ORDER BY m.id", after, done.last_id
        )]
        done.unknown_players, done.unknown_examples = len(ids), ids[:3]
