"""Bringing a community's ladder over from EvoLadderBot (DESIGN section 11).

``PeerImport.run`` reads the peer's database through a ``PeerSource`` (store adapter), maps each
row with the pure rules of ``evoladder.domain.peer_import`` (the decisions are written there),
and writes through ``BulkWriter`` in batches. Steps, in order: players, ratings, matches,
preferences, action logs, command calls, replay records (and files), rating history.

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
import hashlib
from collections import Counter
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from evoladder.domain import peer_import as rules
from evoladder.domain.peer_import import Issue, Issues, Vocabulary
from evoladder.game import GameData
from evoladder.services.ports import Clock
from evoladder.store.bulk_import import BulkWriter
from evoladder.store.peer_source import PeerSource
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

SOURCE = "evoladderbot"
BATCH = 20_000
HISTORY_STEP = "rating_history"

# (connection in the import's transaction, the players whose history to rebuild, now)
# -> (final matches replayed, history rows written). The history work's one rebuild function.
HistoryRebuild = Callable[[AsyncConnection, Collection[int], datetime], Awaitable[tuple[int, int]]]
Progress = Callable[[str, int, int], None]  # step, rows done, rows in the step


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
        db: Database,
        game: GameData,
        clock: Clock,
        *,
        history: HistoryRebuild | None,
        storage: ReplayStorage | None = None,
        replays_dir: Path | None = None,
        batch: int = BATCH,
    ) -> None:
        self._db = db
        self._vocab = vocabulary(game)
        self._clock = clock
        self._history = history
        self._storage = storage
        self._replays_dir = replays_dir.resolve() if replays_dir is not None else None
        self._batch = batch
        self._writer = BulkWriter(db, SOURCE)

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

        uids = await self._players(source, report, progress, now)
        await self._keyed(source, report, progress, _Plan("mmrs_1v1", mmrs_1v1, True),
                          lambda row: rules.map_mmr(rules.PeerMmr._make(row), self._vocab, report.issues))
        await self._matches(source, report, progress, marks)
        await self._keyed(source, report, progress, _Plan("preferences_1v1", preferences_1v1, True),
                          lambda row: rules.map_preferences(rules.PeerPreferences._make(row), self._vocab,
                                                            report.issues, now))
        await self._marked(
            source, report, progress, marks, _Plan("player_action_logs", player_action_logs, False),
            lambda row: rules.map_action_log(rules.PeerActionLog._make(row), report.issues),
        )
        await self._marked(
            source, report, progress, marks, _Plan("command_calls", command_calls, True),
            lambda row: rules.map_command_call(rules.PeerCommandCall._make(row), report.issues),
        )
        await self._replays(source, report, progress, marks)
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
        total = await source.count(plan.step)
        kept: list[NamedTuple] = []
        async for batch in source.batches(plan.step, 0, self._batch):
            rows = [m for m in map(mapper, batch) if m is not None]
            step.read += len(batch)
            step.left_out += len(batch) - len(rows)
            if rows:
                written = await self._writer.write(plan.table, rows[0]._fields, rows, skip_existing=True)
                step.written += written
                step.already += len(rows) - written
                if keep:
                    kept.extend(rows)
            progress(plan.step, step.read, total)
        return step, kept

    async def _matches(
        self, source: PeerSource, report: ImportReport, progress: Progress, marks: dict[str, int]
    ) -> None:
        name = "matches_1v1"
        step = StepReport(name)
        report.steps.append(step)
        after = marks.get(name, 0)
        step.earlier = await source.count(name) - await source.count(name, after) if after else 0
        total = await source.count(name, after)
        top = await self._writer.max_id(matches_1v1)
        vocab, issues = self._vocab, report.issues
        async for batch in source.batches(name, after, self._batch):
            rows = [m for m in (rules.map_match(rules.PeerMatch._make(r), vocab, issues) for r in batch) if m]
            step.read += len(batch)
            step.left_out += len(batch) - len(rows)
            # Ids above every id the ladder holds cannot collide: COPY them straight in.
            skip = bool(rows) and rows[0].id <= top
            written = await self._writer.write(
                matches_1v1, rules.NewMatch._fields, rows, skip_existing=skip,
                mark=(name, int(batch[-1][0])), now=self._clock.now(),
            )
            step.written += written
            step.already += len(rows) - written
            progress(name, step.read, total)
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
    ) -> None:
        """An append-only table without a natural key: what comes after the last mark."""
        step = StepReport(plan.step)
        report.steps.append(step)
        after = marks.get(plan.step, 0)
        total = await source.count(plan.step, after)
        if after:
            step.earlier = await source.count(plan.step) - total
        fields: tuple[str, ...] | None = None
        async for batch in source.batches(plan.step, after, self._batch):
            rows = [m for m in map(mapper, batch) if m is not None]
            step.read += len(batch)
            step.left_out += len(batch) - len(rows)
            fields = fields or (rows[0]._fields if rows else None)
            written = await self._writer.write(
                plan.table, fields or (), rows, skip_existing=plan.skip_existing,
                mark=(plan.step, int(batch[-1][0])), now=self._clock.now(),
            )
            step.written += written
            step.already += len(rows) - written
            progress(plan.step, step.read, total)

    async def _replays(
        self, source: PeerSource, report: ImportReport, progress: Progress, marks: dict[str, int]
    ) -> None:
        name = "replays"
        step = StepReport(name)
        report.steps.append(step)
        after = marks.get(name, 0)
        total = await source.count(name, after)
        if after:
            step.earlier = await source.count(name) - total
        if total == 0:
            return
        async with self._db.read() as uow:
            present = {int(i) for (i,) in (await uow.conn.execute(select(matches_1v1.c.id))).all()}
        seen: set[int] = set()
        files = copied = 0
        async for batch in source.batches(name, after, self._batch):
            rows: list[rules.NewReplay] = []
            for raw in batch:
                peer = rules.PeerReplay._make(raw)
                if peer.id in seen:  # two matches name the same file: the first one has it
                    continue
                seen.add(peer.id)
                step.read += 1
                plan = rules.plan_replay(peer, self._vocab, report.issues)
                if plan is None:
                    step.left_out += 1
                    continue
                if plan.match_id not in present:  # its match was left out (counted there)
                    report.issues.note(Issue.REPLAY_WITHOUT_MATCH, "replays", plan.path)
                    step.left_out += 1
                    continue
                row, found, stored = await self._replay_row(plan, report.issues)
                if row is None:
                    step.left_out += 1
                    continue
                files += found
                copied += stored
                rows.append(row)
            written = await self._writer.write(
                replays, rules.NewReplay._fields, rows, skip_existing=True,
                mark=(name, int(batch[-1][0])), now=self._clock.now(),
            )
            step.written += written
            step.already += len(rows) - written
            progress(name, step.read, total)
        if self._replays_dir is not None:
            report.notices.append(
                f"replay files: {files:,} found in {self._replays_dir}, {copied:,} stored"
            )
        else:
            report.notices.append(
                "replay files: no --replays-dir given, so only the records came over "
                "(their files stay in the peer's storage)"
            )

    async def _replay_row(
        self, plan: rules.ReplayPlan, issues: Issues
    ) -> tuple[rules.NewReplay | None, int, int]:
        """The row for a plan, storing the file when the folder has it: (row, found, stored)."""
        data = await self._file(plan.path) if self._replays_dir is not None else None
        if data is None:
            if self._replays_dir is not None:
                issues.note(Issue.REPLAY_FILE_MISSING, "replays", plan.path)
            if plan.peer_hash is None:
                issues.note(Issue.BROKEN_HASH, "replays", plan.peer.get("hash"))
                return None, 0, 0
            key = replay_key(plan.match_id, plan.peer_hash, plan.uploaded_at)
            return rules.replay_row(plan, plan.peer_hash, 0, key), 0, 0
        digest = hashlib.blake2b(data).hexdigest()
        key = replay_key(plan.match_id, digest, plan.uploaded_at)
        stored = 0
        if self._storage is not None and not await self._storage.exists(key):
            await self._storage.put(key, data)
            stored = 1
        return rules.replay_row(plan, digest, len(data), key), 1, stored

    async def _file(self, relative: str) -> bytes | None:
        root = self._replays_dir
        assert root is not None
        path = (root / relative.lstrip("/")).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        return await asyncio.to_thread(path.read_bytes)

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


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload,no-any-return]
    except (TypeError, ValueError):
        return None
