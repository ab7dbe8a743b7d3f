"""A small pool of replay-parsing worker processes, each killable on its own.

Why not ``concurrent.futures.ProcessPoolExecutor``: when one of its workers dies (a file that
crashes the parser, a memory limit, a kill after a timeout) the whole executor is "broken" and every
pending job fails with it. Here each worker is a ``multiprocessing`` process with its own pipe: a
file that hangs is answered ``timeout`` and its worker killed, one that eats memory hits the
worker's ``RLIMIT_AS`` and is answered ``memory``, one that kills its worker is answered
``crashed``; the slot gets a fresh worker at its next job and the other slots never notice.

The event loop never blocks and never parses: every blocking step (starting a process, the pipe
round trip, joining a dead worker) runs on a small thread pool, and there is no in-process
fallback. Results come back from the worker as JSON, not pickle, so a worker subverted by a hostile
file cannot smuggle code into the bot. Workers start from a ``forkserver`` that has already
imported sc2reader (``spawn`` where forkserver does not exist), so a replacement is ready in
milliseconds and never inherits the bot's threads or event loop. A new worker says "ready" once it
has set its limits and imported what it needs; a job's time limit starts only when it has, so a
slow start on a busy machine is never answered as the file's timeout.

Usage::

    async with ReplayPool(RaceLookup(data.races.values()), workers=2) as pool:
        outcome = await pool.parse(data)   # ParsedReplay | ParseFailure, never raises
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import multiprocessing
import resource
import signal
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Any

from evoladder.domain.replays import ParsedReplay
from evoladder.game.replay_parse import (
    ParseFailure,
    ParseFailureKind,
    ParseOutcome,
    ParseTarget,
    RaceLookup,
    parse_replay,
)
from evoladder.logging_setup import event

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 2
DEFAULT_TIMEOUT_SECONDS = 20.0
DEFAULT_MEMORY_MB = 512
DEFAULT_MAX_JOBS_PER_WORKER = 500  # recycle now and then: sc2reader keeps caches per process
JOIN_SECONDS = 5.0
# How long a new worker may take to say it is ready (imports, memory limit) before it counts as
# failed to start. Its first job's time limit starts only after that, so a slow start (a busy
# machine, a cold import) is never blamed on the player's file.
START_SECONDS = 60.0
_READY = b"ready"
# A damaged upload is the player's business (INFO); a worker killed or dying is the operator's.
_USER_ERRORS = frozenset(
    {ParseFailureKind.EMPTY, ParseFailureKind.NOT_A_REPLAY, ParseFailureKind.CORRUPT}
)


@dataclass
class PoolStats:
    """Counters for logs, the bench and tests (how often the pool had to recover)."""

    jobs: int = 0
    failures: int = 0
    timeouts: int = 0
    crashes: int = 0
    memory: int = 0
    workers_started: int = 0
    workers_killed: int = 0


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    jobs: int = 0

    @property
    def pid(self) -> int | None:
        return self.process.pid


@dataclass
class _Slot:
    index: int
    worker: _Worker | None = None


class _Timeout:
    """The exchange's answer when the worker did not reply in time."""


@dataclass(frozen=True)
class _Died:
    detail: str
    sent: bool  # False: the worker was gone before it received the file


class ReplayPool:
    """Parse replay bytes in worker processes with a time and a memory limit (see module doc)."""

    def __init__(
        self,
        races: RaceLookup,
        *,
        workers: int = DEFAULT_WORKERS,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        memory_mb: int = DEFAULT_MEMORY_MB,
        max_jobs_per_worker: int = DEFAULT_MAX_JOBS_PER_WORKER,
        target: ParseTarget = parse_replay,
    ) -> None:
        if workers < 1:
            raise ValueError("a replay pool needs at least one worker")
        if timeout_seconds <= 0 or memory_mb <= 0:
            raise ValueError("timeout_seconds and memory_mb must be positive")
        self._races = races
        self._workers = workers
        self._timeout = timeout_seconds
        self._memory_mb = memory_mb
        self._max_jobs = max_jobs_per_worker
        self._target = target
        self._ctx = _context()
        self._threads = ThreadPoolExecutor(2 * workers + 1, thread_name_prefix="replay-pool")
        self._slots = [_Slot(i) for i in range(workers)]
        self._idle: asyncio.Queue[_Slot] | None = None
        self._start_lock = asyncio.Lock()
        self._background: set[asyncio.Task[None]] = set()
        self._closed = False
        self.stats = PoolStats()

    async def __aenter__(self) -> ReplayPool:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def worker_pids(self) -> list[int]:
        """The live workers' process ids (tests and the operator's diagnostics)."""
        return [s.worker.pid for s in self._slots if s.worker and s.worker.pid is not None]

    async def start(self) -> None:
        """Start every worker now, so the first upload does not pay for it. Safe to repeat."""
        async with self._start_lock:
            if self._idle is not None or self._closed:
                return
            await asyncio.gather(*(self._live_worker(s) for s in self._slots))
            self._idle = asyncio.Queue()
            for slot in self._slots:
                self._idle.put_nowait(slot)
            event(log, "replay_pool.started", workers=self._workers, timeout_s=self._timeout,
                  memory_mb=self._memory_mb, start_method=self._ctx.get_start_method())

    async def parse(self, data: bytes) -> ParseOutcome:
        """Parse ``data`` in a worker. Never raises for a bad file; answers a ``ParseFailure``."""
        if self._closed:
            return ParseFailure(ParseFailureKind.UNAVAILABLE, "pool closed")
        await self.start()
        assert self._idle is not None
        slot = await self._idle.get()
        try:
            if self._closed:
                return ParseFailure(ParseFailureKind.UNAVAILABLE, "pool closed")
            return await self._run(slot, data)
        finally:
            self._idle.put_nowait(slot)

    async def close(self) -> None:
        """Let running jobs finish (each bounded by the timeout), then stop every worker."""
        if self._closed:
            return
        self._closed = True
        if self._idle is not None:
            taken = [await self._idle.get() for _ in self._slots]
            await asyncio.gather(*(self._stop(s) for s in taken))
            for slot in taken:  # wake anyone still queued: they see the pool closed
                self._idle.put_nowait(slot)
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        self._threads.shutdown(wait=False)
        event(log, "replay_pool.closed", jobs=self.stats.jobs, failures=self.stats.failures,
              workers_started=self.stats.workers_started, workers_killed=self.stats.workers_killed)

    # -- one job ---------------------------------------------------------------------------------

    async def _run(self, slot: _Slot, data: bytes) -> ParseOutcome:
        started = time.perf_counter()
        attempt = await self._attempt(slot, data)
        if attempt is not None and isinstance(attempt[1], _Died) and not attempt[1].sent:
            # It died before it got the file (killed while idle): not the file's fault, retry once.
            slot.worker = None
            await self._retire(attempt[0], "died_idle", None)
            attempt = await self._attempt(slot, data)
        if attempt is None:
            return self._count(ParseFailure(ParseFailureKind.UNAVAILABLE, "no worker could start"))
        worker, reply = attempt
        outcome, retire = self._interpret(reply, worker)
        worker.jobs += 1
        if retire is None and worker.jobs >= self._max_jobs:
            retire = "recycle"
        if retire is not None:
            slot.worker = None
            await self._retire(worker, retire, None)
        if isinstance(reply, _Died):  # reaped now, so the exit code is known
            exit_text = _exit_text(worker.process.exitcode)
            outcome = ParseFailure(ParseFailureKind.CRASHED, f"worker exited ({exit_text})")
        self._log_job(slot, worker, outcome, started, len(data))
        return self._count(outcome)

    async def _attempt(self, slot: _Slot, data: bytes) -> tuple[_Worker, object] | None:
        worker = await self._live_worker(slot)
        if worker is None:
            return None
        return worker, await self._exchange(slot, worker, data)

    async def _exchange(self, slot: _Slot, worker: _Worker, data: bytes) -> object:
        future = asyncio.get_running_loop().run_in_executor(
            self._threads, _exchange, worker.conn, data, self._timeout
        )
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            slot.worker = None  # the worker is mid-job: it cannot serve the next one
            self._spawn_background(self._retire(worker, "cancelled", future))
            raise

    def _interpret(self, reply: object, worker: _Worker) -> tuple[ParseOutcome, str | None]:
        if isinstance(reply, _Timeout):
            return ParseFailure(ParseFailureKind.TIMEOUT, f"no answer in {self._timeout:g}s"), "timeout"
        if isinstance(reply, _Died):
            return ParseFailure(ParseFailureKind.CRASHED, reply.detail), "crashed"
        try:
            outcome = _decode(reply)
        except (ValueError, KeyError, TypeError) as exc:
            return ParseFailure(ParseFailureKind.CRASHED, f"bad answer: {exc}"[:300]), "bad_answer"
        if isinstance(outcome, ParseFailure) and outcome.kind is ParseFailureKind.MEMORY:
            return outcome, "memory"  # its heap is suspect after a MemoryError: start afresh
        return outcome, None

    def _count(self, outcome: ParseOutcome) -> ParseOutcome:
        self.stats.jobs += 1
        if isinstance(outcome, ParseFailure):
            self.stats.failures += 1
            self.stats.timeouts += outcome.kind is ParseFailureKind.TIMEOUT
            self.stats.crashes += outcome.kind is ParseFailureKind.CRASHED
            self.stats.memory += outcome.kind is ParseFailureKind.MEMORY
        return outcome

    def _log_job(
        self, slot: _Slot, worker: _Worker, outcome: ParseOutcome, started: float, size: int
    ) -> None:
        ms = round((time.perf_counter() - started) * 1000, 1)
        if isinstance(outcome, ParseFailure):
            level = logging.INFO if outcome.kind in _USER_ERRORS else logging.WARNING
            event(log, "replay_pool.parse_failed", level, slot=slot.index,
                  pid=worker.pid, kind=outcome.kind.value, ms=ms, bytes=size,
                  detail=outcome.detail[:200])
        else:
            event(log, "replay_pool.parsed", logging.DEBUG, slot=slot.index, pid=worker.pid,
                  ms=ms, bytes=size)

    # -- workers ---------------------------------------------------------------------------------

    async def _live_worker(self, slot: _Slot) -> _Worker | None:
        worker = slot.worker
        if worker is not None and worker.process.is_alive():
            return worker
        if worker is not None:  # died while idle (e.g. killed from outside)
            slot.worker = None
            await self._retire(worker, "died_idle", None)
        spawning = asyncio.get_running_loop().run_in_executor(self._threads, self._spawn)
        try:
            worker = await asyncio.shield(spawning)
        except asyncio.CancelledError:
            spawning.add_done_callback(lambda f: self._adopt(slot, f))
            raise
        except OSError as exc:
            event(log, "replay_pool.worker_start_failed", logging.ERROR, slot=slot.index,
                  error=f"{type(exc).__name__}: {exc}")
            return None
        slot.worker = worker
        self.stats.workers_started += 1
        event(log, "replay_pool.worker_started", slot=slot.index, pid=worker.pid)
        return worker

    def _adopt(self, slot: _Slot, spawned: asyncio.Future[_Worker]) -> None:
        """A worker whose start outlived the caller: give it to its slot, or stop it."""
        if spawned.cancelled() or spawned.exception() is not None:
            return
        worker = spawned.result()
        if slot.worker is None and not self._closed:
            slot.worker = worker
            self.stats.workers_started += 1
            return
        worker.process.kill()  # forkserver (or multiprocessing's own cleanup) reaps it
        worker.conn.close()

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(  # type: ignore[attr-defined]
            target=_worker_main,
            args=(child, self._races, self._target, self._memory_mb),
            name="evoladder-replay-worker",
            daemon=True,
        )
        try:
            process.start()
        finally:
            child.close()
        try:
            ready = parent.poll(START_SECONDS) and parent.recv_bytes() == _READY
        except (EOFError, OSError):
            ready = False
        if not ready:
            process.kill()
            parent.close()
            raise OSError(f"the replay worker did not start within {START_SECONDS:g}s")
        return _Worker(process, parent)

    async def _retire(self, worker: _Worker, reason: str, pending: asyncio.Future[Any] | None) -> None:
        """Kill a worker, wait for its exchange thread (if any) and reap it, off the loop."""
        if worker.process.is_alive():
            worker.process.kill()
        if pending is not None:
            with contextlib.suppress(Exception):
                await pending  # the kill makes the exchange see EOF at once
        await asyncio.get_running_loop().run_in_executor(
            self._threads, worker.process.join, JOIN_SECONDS
        )
        worker.conn.close()
        self.stats.workers_killed += reason != "recycle"
        event(log, "replay_pool.worker_retired", logging.INFO if reason == "recycle" else logging.WARNING,
              pid=worker.pid, reason=reason, jobs=worker.jobs,
              exit=_exit_text(worker.process.exitcode))

    async def _stop(self, slot: _Slot) -> None:
        """Graceful stop at close: closing the pipe ends the worker's loop; kill if it lingers."""
        worker, slot.worker = slot.worker, None
        if worker is None:
            return
        worker.conn.close()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._threads, worker.process.join, JOIN_SECONDS)
        if worker.process.is_alive():
            worker.process.kill()
            await loop.run_in_executor(self._threads, worker.process.join, JOIN_SECONDS)

    def _spawn_background(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


# -- the pipe protocol -------------------------------------------------------------------------


def _exchange(conn: Connection, data: bytes, timeout: float) -> object:
    """Runs on a pool thread: send the bytes, wait for the answer until the deadline."""
    deadline = time.monotonic() + timeout
    try:
        conn.send_bytes(data)
    except OSError as exc:
        return _Died(f"{type(exc).__name__}: {exc}", sent=False)
    try:
        if not conn.poll(max(0.0, deadline - time.monotonic())):
            return _Timeout()
        return conn.recv_bytes()
    except (EOFError, OSError) as exc:
        return _Died(f"{type(exc).__name__}: {exc}", sent=True)


def _encode(outcome: ParseOutcome) -> bytes:
    if isinstance(outcome, ParsedReplay):
        return json.dumps({"ok": outcome.to_dict()}, ensure_ascii=False).encode()
    if isinstance(outcome, ParseFailure):
        body = {"kind": outcome.kind.value, "detail": outcome.detail}
        return json.dumps({"fail": body}, ensure_ascii=False).encode()
    raise TypeError(f"a parse target returned {type(outcome).__name__}")


def _decode(reply: object) -> ParseOutcome:
    if not isinstance(reply, bytes):
        raise TypeError(f"unexpected reply {type(reply).__name__}")
    message = json.loads(reply)
    if "ok" in message:
        return ParsedReplay.from_dict(message["ok"])
    failure = message["fail"]
    return ParseFailure(ParseFailureKind(failure["kind"]), str(failure["detail"]))


# -- the worker process ------------------------------------------------------------------------


def _worker_main(conn: Connection, races: RaceLookup, target: ParseTarget, memory_mb: int) -> None:
    """A worker's life: limit memory, then parse whatever arrives until the pipe closes."""
    _limit_memory(memory_mb)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    logging.getLogger("sc2reader").setLevel(logging.CRITICAL)
    with contextlib.suppress(ImportError):
        import sc2reader  # noqa: F401  (warm: preloaded by the forkserver, else imported now)
    conn.send_bytes(_READY)  # the parent starts a job's clock only after this
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        conn.send_bytes(_answer(target, data, races))


def _answer(target: ParseTarget, data: bytes, races: RaceLookup) -> bytes:
    try:
        return _encode(target(data, races))
    except MemoryError:
        return _encode(ParseFailure(ParseFailureKind.MEMORY, "MemoryError"))
    except Exception as exc:  # a target must not end the worker's loop with an exception
        return _encode(ParseFailure(ParseFailureKind.CORRUPT, f"{type(exc).__name__}: {exc}"[:500]))


def _limit_memory(memory_mb: int) -> None:
    limit = memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _context() -> BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["evoladder.game.replay_parse", "sc2reader"])
        return ctx
    return multiprocessing.get_context("spawn")


def _exit_text(code: int | None) -> str:
    if code is None:
        return "running"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"signal {signal.Signals(-code).name}"
    return f"code {code}"
