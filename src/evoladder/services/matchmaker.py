"""The matchmaking wave: read the queue, pair it (domain), and create the matches in one transaction.

A wave runs every ``interval`` seconds aligned to the epoch (``next_wave_at``), so every process and
every player computes the same wave times. One wave:

1. reads every queue entry of a player who is not banned, with the ratings of its races and the
   player's region, in one query (the last opponent and recent maps were stored at join);
2. pairs them with ``domain.matchmaking.plan_wave`` (in a worker thread for large queues, so the event
   loop keeps serving commands while a 10,000-player wave is solved);
3. picks a map per pair (``MapPicker``: not vetoed by either, weighted away from their recent maps)
   and the server from the region table (``GameData.server_for``: a missing region gets the
   documented default server);
4. in ONE transaction (``MatchRepository.create_wave``): inserts the pairs whose players are
   still queueing, not banned, and still queue the race of their slot; a pair that fails this
   (someone left, was banned or re-queued with other races while the wave was being solved) gets
   no row, and the partner simply waits for the next wave (someone who left and re-queued with
   the same race is matched with the new entry). The players are locked first, in uid order as
   every writer (PostgreSQL; SQLite's write transaction holds the whole database). Then, over the
   matches just inserted, deletes their entries, moves their players to ``in_match`` and writes
   one ``match_found`` outbox row per player; and adds one wave to the wait count of every entry
   the wave saw and left waiting. No deadline is written here: each player's confirmation time
   starts when their message is delivered (``MatchService.delivered``), so the last DMs of a big
   wave lose nothing, and a crash before delivery leaves nobody charged for a match they never saw;
5. after the commit: the metrics of the matches made, the read models, then the outbox relay
   delivers the rows (``OutboxRelay.flush``).

**Slots:** player 1 is always the Brood War side, player 2 the StarCraft II side. Every match of
this ladder is BW vs SC2, so this makes "player 1 won" mean "the BW player won" everywhere (reports,
replays, admin tools, the match list), and replay checks can tell the slots apart by race alone.

One matchmaker runs per deployment (the composition root starts one); past one process it would be
elected with a PostgreSQL advisory lock (DESIGN section 9). Two waves racing anyway cannot double-book
anyone: the second finds the players in a match already and drops those pairs.

Costs are set-based on purpose, and each stage pays as few round trips as it can: the read is
one SELECT of only the columns a wave uses (``read_wave_candidates``), its JSON lists decoded in one call;
the write is two statements on PostgreSQL (the lock, then one statement of data-modifying CTEs
that checks, inserts and moves everything, with arrays as parameters) and one statement per kind
on SQLite, straight through the driver; the announcement needs only a small tuple per match
made (``Made``). The pairing (the domain solver) is most of a wave's time (``bench_matches``
gives the split per stage).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from evoladder.domain.match_state import MatchTimings
from evoladder.domain.matchmaking import (
    ASSIGNMENT_KERNEL,
    MapPicker,
    WavePlan,
    WaveQueue,
    next_wave_at,
    plan_wave,
)
from evoladder.domain.rating import START_MMR
from evoladder.game import GameData
from evoladder.logging_setup import event
from evoladder.services.outbox import OutboxRelay
from evoladder.services.ports import Clock, Notifier, ReadModelSink
from evoladder.services.seasons import SeasonBook
from evoladder.services.timing import LadderMetrics
from evoladder.store.repositories.matches import WaveMatch, WaveWrite
from evoladder.store.repositories.queue import WaveCandidate, read_wave_candidates
from evoladder.store.uow import Database

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
THREAD_THRESHOLD = 500  # queues larger than this are paired in a worker thread


@dataclass(frozen=True, slots=True)
class WaveReport:
    """What one wave did (logged, shown to admins, measured by the bench)."""

    wave_at: datetime
    queued: int
    match_ids: tuple[int, ...]
    matched_players: int
    dropped_pairs: int  # pairs whose entries changed while the wave was being solved
    total_cost: int
    lower_bound: int | None  # no valid pairing with as many pairs costs less (None: not computed)
    exact: bool
    durations_ms: dict[str, float] = field(default_factory=dict)  # read, pair, write, announce

    @property
    def matched_share(self) -> float:
        return self.matched_players / self.queued if self.queued else 0.0


class Made(NamedTuple):
    """A match a wave made, as far as its announcement needs it (a full ``MatchState`` per match
    would cost more to build than the rest of the announcement; ``MatchService`` reads the row)."""

    id: int
    player_1: int  # the BW side
    player_2: int  # the SC2 side
    race_1: str
    race_2: str


class Matchmaker:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        game: GameData,
        read_models: ReadModelSink,
        notifier: Notifier,
        timings: MatchTimings | None = None,
        interval: int = 45,
        rng: random.Random | None = None,
        wake: Callable[[], None] | None = None,
        sleep: Sleep | None = None,
        outbox: OutboxRelay | None = None,
        seasons: SeasonBook | None = None,
        metrics: LadderMetrics | None = None,
    ) -> None:
        self._seasons = seasons
        self._metrics = metrics or LadderMetrics()
        self._db = db
        self._clock = clock
        self._game = game
        self._notifier = notifier
        self._read_models = read_models
        self._timings = timings or MatchTimings()
        self._outbox = outbox or OutboxRelay(db=db, clock=clock, notifier=notifier, timings=self._timings)
        self.interval = interval
        self._rng = rng or random.Random()
        self._wake = wake or (lambda: None)
        self._sleep: Sleep = sleep or self._wait_or_stop
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.last_report: WaveReport | None = None

    def set_wake(self, wake: Callable[[], None]) -> None:
        self._wake = wake

    def next_wave_at(self) -> datetime:
        return datetime.fromtimestamp(next_wave_at(self._clock.now().timestamp(), self.interval), UTC)

    # --- one wave -----------------------------------------------------------------------------

    async def run_wave(self, wave_at: datetime | None = None) -> WaveReport:
        read_at = self._clock.now()
        wave_at = wave_at or read_at
        lap = _Laps()
        candidates = await read_wave_candidates(self._db)
        lap("read")
        queue = _wave_queue(candidates)
        if len(candidates) > THREAD_THRESHOLD:
            plan = await asyncio.to_thread(plan_wave, queue)
        else:
            plan = plan_wave(queue)
        rows = self._rows(plan, candidates)
        lap("pair")
        created, kept = await self._write(rows, wave_at, read_at)
        dropped = len(rows) - len(created)
        lap("write")
        self._measure(queue, plan, kept)
        await self._announce(created)
        lap("announce")
        report = self._report(wave_at, len(candidates), plan, created, dropped, lap.ms)
        self.last_report = report
        event(
            log, "wave", at=wave_at.isoformat(), queued=report.queued, matches=len(report.match_ids),
            dropped=dropped, cost=report.total_cost, exact=report.exact, ms=lap.ms,
        )
        return report

    def _rows(self, plan: WavePlan, candidates: Sequence[WaveCandidate]) -> list[WaveMatch]:
        """The wave's matches as the write takes them, each with its map and server."""
        pool = self._seasons.pool if self._seasons is not None else self._game.season  # seasons switch it
        picker = MapPicker([m.name for m in pool.maps])
        servers: dict[tuple[str | None, str | None], str] = {}
        rows: list[WaveMatch] = []
        for b, s in zip(plan.bw, plan.sc2, strict=True):
            bw, sc2 = candidates[b], candidates[s]
            map_name = picker.pick(bw.vetoes, sc2.vetoes, bw.recent_maps, sc2.recent_maps, self._rng)
            regions = (bw.region, sc2.region)
            server = servers.get(regions)
            if server is None:
                server = servers[regions] = self._game.server_for(*regions).code
            assert bw.bw_race is not None and sc2.sc2_race is not None
            rows.append((
                bw.discord_uid, sc2.discord_uid, bw.bw_race, sc2.sc2_race,
                _rating(bw.bw_mmr), _rating(sc2.sc2_mmr), map_name, server,
            ))
        return rows

    async def _write(
        self, rows: list[WaveMatch], wave_at: datetime, read_at: datetime
    ) -> tuple[list[Made], list[int]]:
        """One transaction: the pairs the queue still allows become matches, with their entries,
        players, outbox rows, and the waits of everyone left (``MatchRepository.create_wave``).
        Returns the matches made and their positions among ``rows`` (the plan's pairs)."""
        now = self._clock.now()
        async with self._db.transaction() as uow:
            ids = await uow.matches.create_wave(WaveWrite(rows, now, wave_at, read_at))
        created: list[Made] = []
        kept: list[int] = []
        for k, (row, i) in enumerate(zip(rows, ids, strict=True)):
            if i is not None:
                created.append(Made(i, row[0], row[1], row[2], row[3]))
                kept.append(k)
        return created, kept

    def _measure(self, queue: WaveQueue, plan: WavePlan, kept: Sequence[int]) -> None:
        """The rating gap and the players' waits of every match written (the metrics).

        Called after the commit, outside the write stage: recording what a wave did is no part
        of creating its matches, and the wave's budget (pairing plus the writes that create the
        matches) should not carry it. Read from the columns the pairing already had (the
        queue's ratings with the start rating applied, its waits before this wave) at the
        plan's positions of the pairs written, and recorded in one call per histogram: the
        same observations as one ``match_formed`` per match, without a lookup table of every
        candidate or a bucket scan per observation (about half the CPU: 6 -> 3 ms at 10,000
        queued, 0.5 -> 0.3 ms at 1,000, on a shared machine).
        """
        if not kept:
            return
        bw_mmr, sc2_mmr, waits = queue.bw_mmr, queue.sc2_mmr, queue.waits
        gaps: list[int] = []
        waited: list[int] = []
        for k in kept:
            b, s = plan.bw[k], plan.sc2[k]
            mmr_b, mmr_s = bw_mmr[b], sc2_mmr[s]
            assert mmr_b is not None and mmr_s is not None  # a pair's slots are queued races
            gaps.append(mmr_b - mmr_s)
            waited += (waits[b], waits[s])
        self._metrics.matches_formed(gaps, waited)

    def _report(
        self,
        wave_at: datetime,
        queued: int,
        result: WavePlan,
        created: list[Made],
        dropped: int,
        durations: dict[str, float],
    ) -> WaveReport:
        return WaveReport(
            wave_at=wave_at,
            queued=queued,
            match_ids=tuple(m.id for m in created),
            matched_players=2 * len(created),
            dropped_pairs=dropped,
            total_cost=result.total_cost,
            lower_bound=result.lower_bound,
            exact=result.exact,
            durations_ms=durations,
        )

    async def _announce(self, created: list[Made]) -> None:
        if not created:
            return
        for m in created:
            self._read_models.player_changed(m.player_1)
            self._read_models.player_changed(m.player_2)
        self._wake()
        try:
            await self._outbox.flush()
        except Exception:  # the rows stay pending: the relay's sweep or the next start delivers them
            log.exception("outbox.flush_failed after a wave")

    # --- the loop ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._loop(), name="matchmaker")
        event(
            log, "matchmaker.start", interval=self.interval, next=self.next_wave_at().isoformat(),
            kernel=ASSIGNMENT_KERNEL,  # "scipy": the C extension was not built (slower waves)
        )

    async def stop(self) -> None:
        """Stop; a wave in progress finishes (its transaction is never cut in half)."""
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None
        event(log, "matchmaker.stop")

    def request_stop(self) -> None:
        """Ask the loop to stop after the current sleep or wave (``stop`` also waits for it)."""
        self._stopping.set()

    async def until_stopped(self) -> None:
        """Wait for the loop to end (after ``request_stop``)."""
        if self._task is not None:
            await self._task

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            now = self._clock.now().timestamp()
            at = next_wave_at(now, self.interval)
            await self._sleep(at - now)
            if self._stopping.is_set():
                break
            try:
                await self.run_wave(datetime.fromtimestamp(at, UTC))
            except Exception:
                log.exception("wave failed; the queue is unchanged and the next wave will retry")

    async def _wait_or_stop(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=max(seconds, 0.0))


class _Laps:
    """Stage durations of one wave for the log line and the bench (instrumentation only)."""

    def __init__(self) -> None:
        self._last = time.perf_counter()
        self.ms: dict[str, float] = {}

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.ms[stage] = round((now - self._last) * 1000, 3)
        self._last = now


def _wave_queue(candidates: Sequence[WaveCandidate]) -> WaveQueue:
    return WaveQueue(
        player=[c.discord_uid for c in candidates],
        bw_mmr=[None if c.bw_race is None else _rating(c.bw_mmr) for c in candidates],
        sc2_mmr=[None if c.sc2_race is None else _rating(c.sc2_mmr) for c in candidates],
        waits=[c.waits for c in candidates],
        last_opponent=[c.last_opponent for c in candidates],
    )


def _rating(mmr: int | None) -> int:
    """A queued race's rating; a race never played yet has the start rating."""
    return START_MMR if mmr is None else mmr
