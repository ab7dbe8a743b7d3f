"""Bringing a community's ladder over from EvoLadderBot (DESIGN section 11).

``PeerImport.run`` reads the peer's database through a ``PeerSource`` (store adapter), maps each
row with the pure rules of ``evoladder.domain.peer_import`` (the decisions are written there),
and writes through ``BulkWriter`` in batches. When source and ladder are the same kind of
database, the big append-only tables (matches, action logs, command calls, replay records) go
over in SQL instead, their clean rows mapped by ``INSERT ... SELECT`` and the rest by the same
rules (SQLite: ``store/peer_attach.py``, the file attached; PostgreSQL: ``store/peer_staged.py``,
the rows staged by COPY); the tests hold both ways to the same result. Steps, in order:
players, ratings, matches, preferences, action logs, command calls, replay records (and files),
rating history.

Idempotent: a second run over the same source writes nothing and says so.

* Tables with a natural key (players by Discord id, ratings by player and race, preferences by
  player) are read whole each run and inserted with "skip what is there": what the ladder
  already holds is never overwritten, so a player who has played on evoladder since the first
  import keeps their evoladder rating.
* Tables without one (matches, action logs, command calls, replays) are read after the last peer
  id written (``peer_import_marks``, saved with each batch in its transaction), so a re-run reads
  nothing and a run after a crash goes on where the last committed batch ended. Matches keep
  their peer id as their evoladder id: "match #1234" in a community's Discord history still
  names the same match (``/admin match 1234``).
* The rating history is rebuilt for the imported players only when this run wrote matches or
  ratings, or an earlier run stopped before its history (the ``rating_history`` mark is behind
  the matches' one).

Admins cannot be imported (the peer kept them in a JSON file, not in its database) and the peer's
``admin_actions`` are not brought over (their admins are unknown here); the report says both.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from evoladder.domain import peer_import as rules
from evoladder.domain.peer_import import Issue, Issues, Vocabulary
from evoladder.game import GameData
from evoladder.services.ports import Clock
from evoladder.store import peer_attach
from evoladder.store.bulk_import import BulkWriter
from evoladder.store.history_rebuild import rebuild_rating_history_async
from evoladder.store.peer_attach import AttachedPeer, SqliteSql
from evoladder.store.peer_source import PeerSource, PostgresPeerSource, SqlitePeerSource
from evoladder.store.peer_staged import StagedPeer
from evoladder.store.replay_storage import ReplayStorage, replay_key
from evoladder.store.schema import (
    command_calls,
    matches_1v1,
    mmrs_1v1,
    peer_import_marks,
    player_action_logs,
    players,
    preferences_1v1,
    replays,
)
from evoladder.store.uow import Database

T = TypeVar("T", rules.NewMmr, rules.NewPreferences)
InSql = AttachedPeer | StagedPeer  # the peer's tables mapped in SQL (SQLite / PostgreSQL pair)
MappingOf = Callable[[SqliteSql], peer_attach.Mapping]
SOURCE = "evoladderbot"
BATCH = 20_000
KEY_AT = rules.NewReplay._fields.index("storage_key")
FILE_BATCH = 200  # replays per batch when their files come along (their bytes wait in memory)
HISTORY_STEP = "rating_history"

# (connection in the import's transaction, the players whose history to rebuild, now)
# -> (final matches replayed, history rows written). The history work's one rebuild function.
HistoryRebuild = Callable[[AsyncConnection, Collection[int], datetime], Awaitable[tuple[int, int]]]
Progress = Callable[[str, int, int], None]  # step, rows done, rows in the step


async def rebuild_history(conn: AsyncConnection, uids: Collection[int], now: datetime) -> tuple[int, int]:
    """The ladder's own rebuild (the one the history migration's backfill runs): final matches
    replayed from each rating's start, one baseline row where that does not reach the stored
    rating, so the last row always equals the rating the peer had."""
    done = await rebuild_rating_history_async(conn, uids=uids, now=now)
    return done.matches, done.rows


@dataclass
class StepReport:
    """One step: rows read from the peer, written here, already here, and left out."""

    name: str
    read: int = 0
    written: int = 0
    already: int = 0  # mapped but refused by a unique key: the ladder had them
    left_out: int = 0  # could not be mapped (the issues say why)
    earlier: int = 0  # read by an earlier run (before the mark)


@dataclass
class ImportReport:
    source: str
    steps: list[StepReport] = field(default_factory=list)
    issues: Issues = field(default_factory=Issues)
    state_fixes: Counter[str] = field(default_factory=Counter)
    notices: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return sum(s.written for s in self.steps)

    @property
    def changed(self) -> bool:
        return self.written > 0


class _Plan(NamedTuple):
    step: str
    table: Table
    skip_existing: bool


def vocabulary(game: GameData) -> Vocabulary:
    """The codes the ladder knows, every season's maps included (a short name two seasons
    share means the current season's map)."""
    aliases: dict[str, str] = {}
    names: set[str] = set()
    for season in sorted(game.seasons.values(), key=lambda s: s.code != game.current_season):
        for m in season.maps:
            names.add(m.name)
            aliases.setdefault(m.name.casefold(), m.name)
            aliases.setdefault(m.short_name.casefold(), m.name)
    return Vocabulary(
        races=frozenset(game.races),
        map_names=frozenset(names),
        map_aliases=aliases,
        servers=frozenset(game.servers),
        regions=frozenset(game.regions),
        countries=frozenset(game.countries),
    )


class PeerImport:
    """One import of an EvoLadderBot database into this ladder's database."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        game: GameData,
        history: HistoryRebuild | None,
        storage: ReplayStorage | None = None,
        replays_dir: Path | None = None,
        batch: int = BATCH,
        set_based: bool = True,
    ) -> None:
        self._db = db
        self._vocab = vocabulary(game)
        self._clock = clock
        self._history = history
        self._storage = storage
        self._replays_dir = replays_dir.resolve() if replays_dir is not None else None
        self._batch = batch
        self._writer = BulkWriter(db, SOURCE)
        # SQLite into SQLite and PostgreSQL into PostgreSQL: the big tables go over in SQL
        # (store/peer_attach.py, store/peer_staged.py); False keeps every row on the domain's
        # rules (the reference the tests compare the SQL against).
        self._set_based = set_based

    async def run(self, source: PeerSource, progress: Progress | None = None) -> ImportReport:
        report = ImportReport(source.describe())
        progress = progress or (lambda _step, _done, _total: None)
        now = self._clock.now()
        report.notices.append(
            "admins: not imported (EvoLadderBot kept them in a JSON file, not in its database); "
            "owners come from EVOLADDER_OWNER_IDS, and owners add admins with /admin"
        )
        tables = await source.tables()
        for missing in ("mmrs_1v1", "matches_1v1", "preferences_1v1", "player_action_logs",
                        "command_calls", "replays"):
            if missing not in tables:
                report.notices.append(f"{missing}: not in the source (nothing to import)")
        if "admin_actions" in tables:
            count = await source.count("admin_actions")
            report.notices.append(
                f"admin_actions: {count:,} rows not imported (the admins who made them are not known here)"
            )
        marks = await self._writer.marks()
        if not marks and await self._writer.count(matches_1v1):
            report.notices.append(
                "the ladder already holds matches of its own: a peer match whose id is taken is "
                "left out (counted as already here)"
            )

        attached: InSql | None = None
        if self._set_based and self._db.dialect == "sqlite" and isinstance(source, SqlitePeerSource):
            attached = AttachedPeer(self._db, source.path, self._writer)
        elif self._set_based and self._db.dialect == "postgresql" and isinstance(source, PostgresPeerSource):
            attached = StagedPeer(self._db, source, self._writer)
        uids = await self._players(source, report, progress, now)
        known = frozenset(uids) | await self._ladder_uids()
        issues = report.issues

        def rating(row: tuple[Any, ...]) -> rules.NewMmr | None:
            return _of_known(rules.map_mmr(rules.PeerMmr._make(row), self._vocab, issues), known, issues,
                             "mmrs_1v1")

        def preferences(row: tuple[Any, ...]) -> rules.NewPreferences | None:
            mapped = rules.map_preferences(rules.PeerPreferences._make(row), self._vocab, issues, now)
            return _of_known(mapped, known, issues, "preferences_1v1")

        await self._keyed(source, report, progress, _Plan("mmrs_1v1", mmrs_1v1, True), rating)
        await self._matches(source, report, progress, marks, known, attached)
        await self._keyed(source, report, progress, _Plan("preferences_1v1", preferences_1v1, True),
                          preferences)
        await self._marked(
            source, report, progress, marks, _Plan("player_action_logs", player_action_logs, False),
            lambda row: rules.map_action_log(rules.PeerActionLog._make(row), report.issues),
            attached=(attached, peer_attach.action_log_mapping),
        )
        await self._marked(
            source, report, progress, marks, _Plan("command_calls", command_calls, True),
            lambda row: rules.map_command_call(rules.PeerCommandCall._make(row), report.issues),
            attached=(attached, peer_attach.command_call_mapping),
        )
        await self._replays(source, report, progress, marks,
                            attached if self._replays_dir is None else None)
        await self._rating_history(report, uids, now)
        return report

    # -- steps -----------------------------------------------------------------------------

    async def _players(
        self, source: PeerSource, report: ImportReport, progress: Progress, now: datetime
    ) -> list[int]:
        open_ids = await source.open_match_ids()
        aborts = rules.aborts_by_player(await source.abort_rows(), now)
        fixes: dict[int, str] = {}

        def mapped(row: tuple[Any, ...]) -> rules.NewPlayer | None:
            peer = rules.PeerPlayer._make(row)
            uid = _int_or_none(peer.discord_uid)
            new = rules.map_player(peer, self._vocab, report.issues, now, aborts.get(uid or 0, 0))
            fix = rules.state_fix(peer.player_state, open_ids)
            if new is not None and fix is not None:
                fixes[new.discord_uid] = fix
            return new

        _, kept = await self._keyed(
            source, report, progress, _Plan("players", players, True), mapped, keep=True
        )
        mapped_uids = {r.discord_uid for r in kept if isinstance(r, rules.NewPlayer)}
        if report.steps[-1].written:
            for uid, fix in fixes.items():
                if uid in mapped_uids:
                    report.state_fixes[fix] += 1
        return sorted(mapped_uids)

    async def _keyed(
        self,
        source: PeerSource,
        report: ImportReport,
        progress: Progress,
        plan: _Plan,
        mapper: Callable[[tuple[Any, ...]], NamedTuple | None],
        *,
        keep: bool = False,
    ) -> tuple[StepReport, list[NamedTuple]]:
        """A table with a natural key: all of it, inserted unless already there."""
        step = StepReport(plan.step)
        report.steps.append(step)
        kept: list[NamedTuple] = []
        total = await source.count(plan.step)
        await self._pipeline(source.batches(plan.step, 0, self._batch), mapper, step, progress, total,
                             plan, marked=False, kept=kept if keep else None)
        return step, kept

    async def _matches(
        self,
        source: PeerSource,
        report: ImportReport,
        progress: Progress,
        marks: dict[str, int],
        known: frozenset[int],
        attached: InSql | None,
    ) -> None:
        top = await self._writer.max_id(matches_1v1)
        vocab, issues = self._vocab, report.issues

        def mapper(row: tuple[Any, ...]) -> rules.NewMatch | None:
            new = rules.map_match(row, vocab, issues)
            if new is not None and (new.player_1_discord_uid not in known
                                    or new.player_2_discord_uid not in known):
                issues.note(Issue.UNKNOWN_PLAYER_KEPT, "matches_1v1", new.id)
            return new

        step = await self._marked(
            source, report, progress, marks, _Plan("matches_1v1", matches_1v1, True), mapper,
            # Ids above every id the ladder held cannot collide: straight in (COPY).
            skip=lambda rows: int(rows[0][0]) <= top,  # a NewMatch's first field is its id
            attached=(attached, lambda d: peer_attach.match_mapping(vocab, d)),
        )
        if step.written:
            await self._writer.fix_sequence(matches_1v1)

    async def _marked(
        self,
        source: PeerSource,
        report: ImportReport,
        progress: Progress,
        marks: dict[str, int],
        plan: _Plan,
        mapper: Callable[[tuple[Any, ...]], NamedTuple | None],
        *,
        skip: Callable[[list[NamedTuple]], bool] | None = None,
        before_write: Callable[[list[NamedTuple]], Awaitable[None]] | None = None,
        batch: int | None = None,
        attached: tuple[InSql | None, MappingOf] | None = None,
        prepare: Callable[[AsyncConnection | None], Awaitable[None]] | None = None,
    ) -> StepReport:
        """An append-only table without a natural key: what comes after the last mark (in SQL
        when ``attached`` holds the attached peer and the table's mapping). ``prepare`` runs
        before ``mapper`` first maps a row (what it needs, loaded only when a row needs it)."""

        async def map_odd(rows: list[tuple[Any, ...]], conn: AsyncConnection | None) -> list[NamedTuple]:
            if prepare is not None:
                await prepare(conn)
            return [m for m in map(mapper, rows) if m is not None]

        step = StepReport(plan.step)
        report.steps.append(step)
        after = marks.get(plan.step, 0)
        total = await source.count(plan.step, after)
        if after:
            step.earlier = await source.count(plan.step) - total
        done = None
        if attached is not None and attached[0] is not None:
            progress(plan.step, 0, total)
            done = await attached[0].run(
                plan.step, plan.table.name, attached[1](attached[0].sql), after, map_odd, self._clock.now(),
            )
        if done is not None:  # (None: the peer's columns are not the SQL's; row by row, then)
            step.read, step.written = done.read, done.written
            # The matches mapped in SQL, counted as the rules count them.
            report.issues.note_many(Issue.UNKNOWN_PLAYER_KEPT, plan.step, done.unknown_players,
                                    done.unknown_examples)
            step.already, step.left_out = done.mapped - done.written, done.read - done.mapped
            progress(plan.step, total, total)
            return step
        if prepare is not None:
            await prepare(None)
        await self._pipeline(source.batches(plan.step, after, batch or self._batch), mapper, step, progress,
                             total, plan, marked=True, skip=skip, before_write=before_write)
        return step

    async def _pipeline(
        self,
        batches: AsyncIterator[list[tuple[Any, ...]]],
        mapper: Callable[[tuple[Any, ...]], NamedTuple | None],
        step: StepReport,
        progress: Progress,
        total: int,
        plan: _Plan,
        *,
        marked: bool,
        skip: Callable[[list[NamedTuple]], bool] | None = None,
        kept: list[NamedTuple] | None = None,
        before_write: Callable[[list[NamedTuple]], Awaitable[None]] | None = None,
    ) -> None:
        """Read, map and write a table's batches, mapping batch n+1 while batch n is written.

        The mapping runs in a worker thread, so the event loop keeps driving the previous
        batch's write (whose driver work runs in the database's own thread, or on the server)
        meanwhile; only one write is in flight, so batches are written in order, and the step's
        rows and its mark commit together. The mapping rules note into the report from that one
        thread only.
        """

        def map_batch(batch: list[tuple[Any, ...]]) -> list[NamedTuple]:
            return [m for m in map(mapper, batch) if m is not None]

        async def write(batch: list[tuple[Any, ...]], rows: list[NamedTuple]) -> None:
            if before_write is not None:
                await before_write(rows)
            skipping = plan.skip_existing if skip is None or not rows else skip(rows)
            written = await self._writer.write(
                plan.table, rows[0]._fields if rows else (), rows, skip_existing=skipping,
                mark=(plan.step, int(batch[-1][0])) if marked else None, now=self._clock.now(),
            )
            step.read += len(batch)
            step.left_out += len(batch) - len(rows)
            step.written += written
            step.already += len(rows) - written
            if kept is not None:
                kept.extend(rows)
            progress(plan.step, step.read, total)

        async with self._writer.step(plan.table):  # one transaction per step (see BulkWriter.step)
            await self._batches(batches, map_batch, write)

    @staticmethod
    async def _batches(
        batches: AsyncIterator[list[tuple[Any, ...]]],
        map_batch: Callable[[list[tuple[Any, ...]]], list[NamedTuple]],
        write: Callable[[list[tuple[Any, ...]], list[NamedTuple]], Coroutine[Any, Any, None]],
    ) -> None:
        """Map batch n+1 in a worker thread while batch n is written (one write in flight)."""
        pending: asyncio.Task[None] | None = None
        try:
            async for batch in batches:
                rows = await asyncio.to_thread(map_batch, batch)
                if pending is not None:
                    await pending
                pending = asyncio.create_task(write(batch, rows))
            if pending is not None:
                await pending
        finally:
            if pending is not None and not pending.done():
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pending

    async def _replays(
        self,
        source: PeerSource,
        report: ImportReport,
        progress: Progress,
        marks: dict[str, int],
        attached: InSql | None,
    ) -> None:
        name = "replays"
        present: set[int] = set()
        loaded: list[bool] = []

        async def load_present(conn: AsyncConnection | None) -> None:
            """The ladder's match ids, read once and only when a record is mapped by the rules
            (the SQL looks its matches up itself): a million ids cost a second and a half."""
            if not loaded:
                if conn is not None:
                    ids = (await conn.execute(select(matches_1v1.c.id))).all()
                else:
                    async with self._db.read() as uow:
                        ids = (await uow.conn.execute(select(matches_1v1.c.id))).all()
                present.update(int(i) for (i,) in ids)
                loaded.append(True)
        seen: set[int] = set()
        found: dict[str, bytes] = {}  # storage key -> bytes read from the folder, until stored
        counts = Counter[str]()
        issues = report.issues

        def mapper(raw: tuple[Any, ...]) -> rules.NewReplay | None:
            peer = rules.PeerReplay._make(raw)
            if peer.id in seen:  # two matches name the same file: the first one has it
                return None
            seen.add(peer.id)
            plan = rules.plan_replay(peer, self._vocab, issues)
            if plan is None:
                return None
            if plan.match_id not in present:  # its match was left out (counted there)
                issues.note(Issue.REPLAY_WITHOUT_MATCH, "replays", plan.path)
                return None
            data = self._file(plan.path) if self._replays_dir is not None else None
            if data is None:
                if self._replays_dir is not None:
                    issues.note(Issue.REPLAY_FILE_MISSING, "replays", plan.path)
                if plan.peer_hash is None:
                    issues.note(Issue.BROKEN_HASH, "replays", plan.peer.get("hash"))
                    return None
                key = replay_key(plan.match_id, plan.peer_hash, plan.uploaded_at)
                return rules.replay_row(plan, plan.peer_hash, 0, key)
            digest = hashlib.blake2b(data).hexdigest()
            key = replay_key(plan.match_id, digest, plan.uploaded_at)
            found[key] = data
            counts["found"] += 1
            return rules.replay_row(plan, digest, len(data), key)

        async def store(rows: list[NamedTuple]) -> None:
            """The files of a batch go into the storage before its rows commit."""
            for row in rows:
                key = row[KEY_AT]
                data = found.pop(key, None)
                if data is None or self._storage is None:
                    continue
                if not await self._storage.exists(key):
                    await self._storage.put(key, data)
                    counts["stored"] += 1

        await self._marked(source, report, progress, marks, _Plan(name, replays, True), mapper,
                           before_write=store if self._replays_dir is not None else None,
                           batch=FILE_BATCH if self._replays_dir is not None else None,
                           attached=(attached, lambda d: peer_attach.replay_mapping(self._vocab, d)),
                           prepare=load_present)
        if self._replays_dir is not None:
            report.notices.append(
                f"replay files: {counts['found']:,} found in {self._replays_dir}, {counts['stored']:,} stored"
            )
        else:
            report.notices.append(
                "replay files: no --replays-dir given, so only the records came over "
                "(their files stay in the peer's storage)"
            )

    def _file(self, relative: str) -> bytes | None:
        """A replay's bytes from the folder (in the mapping's worker thread); None when absent
        or when the path would leave the folder."""
        root = self._replays_dir
        assert root is not None
        path = (root / relative.lstrip("/")).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        return path.read_bytes()

    async def _rating_history(self, report: ImportReport, uids: list[int], now: datetime) -> None:
        step = StepReport(HISTORY_STEP)
        report.steps.append(step)
        wrote = any(s.written for s in report.steps if s.name in ("matches_1v1", "mmrs_1v1", "players"))
        marks = await self._writer.marks()
        behind = marks.get(HISTORY_STEP, 0) < marks.get("matches_1v1", 0)
        if not (wrote or behind):
            return
        if self._history is None:
            report.notices.append(
                "rating history: not built (this version has no rating history table yet); "
                "run the import again after upgrading to build it"
            )
            return
        if not uids:  # a run after a crash wrote no player: rebuild every imported player
            uids = await self._imported_uids()
        async with self._db.transaction() as uow:
            matches, rows = await self._history(uow.conn, uids, now)
            await _save_history_mark(uow.conn, marks.get("matches_1v1", 0), rows, now, self._writer)
        step.read = matches
        step.written = rows

    async def _ladder_uids(self) -> frozenset[int]:
        async with self._db.read() as uow:
            return frozenset(int(u) for (u,) in (await uow.conn.execute(select(players.c.discord_uid))).all())

    async def _imported_uids(self) -> list[int]:
        async with self._db.read() as uow:
            p = matches_1v1.c
            found: set[int] = set()
            for column in (p.player_1_discord_uid, p.player_2_discord_uid):
                found.update(int(u) for (u,) in (await uow.conn.execute(select(column).distinct())).all())
        return sorted(found)


async def _save_history_mark(
    conn: AsyncConnection, last_match: int, rows: int, now: datetime, writer: BulkWriter
) -> None:
    m = peer_import_marks.c
    await conn.execute(delete(peer_import_marks).where(m.source == writer.source, m.step == HISTORY_STEP))
    await conn.execute(insert(peer_import_marks).values(
        source=writer.source, step=HISTORY_STEP, last_peer_id=last_match, rows_written=rows, updated_at=now
    ))


def _of_known(row: T | None, known: frozenset[int], issues: Issues, where: str) -> T | None:
    """``row`` unless it belongs to no player of the ladder (a rating or preferences row of a
    player the peer's players table does not have): such a row could not be shown or used."""
    if row is None or row.discord_uid in known:
        return row
    issues.note(Issue.UNKNOWN_PLAYER, where, row.discord_uid)
    return None


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload,no-any-return]
    except (TypeError, ValueError):
        return None
