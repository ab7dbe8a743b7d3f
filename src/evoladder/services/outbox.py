"""The outbox relay: delivers the notifications written in the transactions that caused them.

Why an outbox: a "match found" queued only in memory is lost when the process dies between the
wave's commit and the DM, and both players are then charged with not confirming a match they never
saw. Here every notification a player must act on (match found, details, results, reminders,
deadline warnings, conflicts) is a row written in the same transaction as the change, so it
exists exactly when the change does.

The path of a row:

1. the writer commits it with its change (``OutboxRepository.add``, or the wave's own statement);
2. right after the commit the writer hands it here (``send`` with the event it already has, or
   ``flush`` to read what is pending); the notifier takes it over and returns at once, with an
   awaitable receipt when delivery happens later (the bot's paced outbound queue);
3. when the receipt says delivered, the row is marked done; a "match found" row also starts the
   player's confirmation time then (``FoundHooks.arm_many``), and a player who cannot be reached
   (DMs closed) counts as not confirming (``FoundHooks.unreachable``). Receipts are settled in
   batches (``_drain``), each one write transaction whose statements do not grow with the batch:
   a restart that re-delivers a whole wave settles thousands of receipts at once, and on
   PostgreSQL every statement is a network round trip;
4. a row still pending at start-up (the process died anywhere between 1 and 3) is delivered again
   by ``flush``, in the order the rows were written; so is a row whose delivery failed (``sweep``).

Never shown twice: every delivery carries the row's key (``outbox:<id>``), which the bot sends as
Discord's message nonce with ``enforce_nonce`` (a re-sent message returns the one already posted),
and the bot edits a player's match message when it already stored its reference instead of
posting another one. Arming a confirmation deadline twice keeps the first.

A "match found" row is built from the match row when it is delivered: a match that moved on
meanwhile (confirmed by that player, closed) needs no card any more, and its row is just closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from evoladder.domain.match_state import MatchState, MatchStatus, MatchTimings
from evoladder.domain.players import Player, aborts_left_now
from evoladder.logging_setup import event as log_event
from evoladder.services.event_codec import decode, encode
from evoladder.services.events import LadderEvent, MatchFound, ToMatch, ToPlayer
from evoladder.services.ports import Clock, Notifier, Receipt
from evoladder.store.repositories.matches import MATCH_FOUND
from evoladder.store.repositories.outbox import NewMessage, OutboxRow
from evoladder.store.uow import Database, UnitOfWork

log = logging.getLogger(__name__)


class Delivery(NamedTuple):
    """A player's "match found" was delivered at ``at`` (their confirmation time starts then)."""

    match_id: int
    discord_uid: int
    at: datetime


class FoundHooks(Protocol):
    """What delivering a "match found" means for the match (``MatchService`` implements it)."""

    async def arm_many(self, uow: UnitOfWork, deliveries: Sequence[Delivery]) -> bool:
        """Start each player's confirmation time in the caller's transaction, in a number of
        statements that does not grow with the batch (False: nothing to do)."""
        ...

    def armed(self) -> None:
        """After the commit of armed deadlines (their jobs are new: wake the scheduler)."""
        ...

    async def unreachable(self, match_id: int, discord_uid: int) -> None: ...


def message_of(event: LadderEvent) -> NewMessage:
    """The outbox row of an event (its payload is the encoded event)."""
    uid = event.discord_uid if isinstance(event, ToPlayer) else None
    match_id = getattr(event, "match_id", None) if isinstance(event, ToPlayer | ToMatch) else None
    return NewMessage(type(event).__name__, uid, match_id, encode(event))


async def write(uow: UnitOfWork, events: Sequence[LadderEvent], now: datetime) -> list[int]:
    """Write ``events`` to the outbox in the caller's transaction; their row ids, in order."""
    return await uow.outbox.add([message_of(e) for e in events], now)


class OutboxRelay:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        notifier: Notifier,
        timings: MatchTimings | None = None,
        retry_every: float = 30.0,
    ) -> None:
        self._db = db
        self._clock = clock
        self._notifier = notifier
        self._timings = timings or MatchTimings()
        self._hooks: FoundHooks | None = None
        self._retry_every = retry_every
        self._handled: set[int] = set()  # rows handed over and not failed (in flight or done)
        self._waiting: set[asyncio.Task[None]] = set()
        self._to_settle: list[tuple[int, LadderEvent, Receipt, datetime]] = []
        self._draining = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._flush_lock = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None

    def set_hooks(self, hooks: FoundHooks) -> None:
        self._hooks = hooks

    # --- handing rows over ------------------------------------------------------------------

    async def send(self, rows: Sequence[tuple[int, LadderEvent]]) -> None:
        """Deliver rows the caller just committed, with the events it built (no read needed)."""
        for row_id, item in rows:
            await self._hand_over(row_id, item)
        await self._drain()

    async def flush(self) -> int:
        """Deliver every pending row not handed over yet, in write order; how many were."""
        count = 0
        stale: list[int] = []  # rows with nothing left to tell, closed together
        async with self._flush_lock:
            after = 0
            while True:
                async with self._db.read() as uow:
                    rows = await uow.outbox.pending(after)
                    if not rows:
                        break
                    found = [r for r in rows if r.kind == MATCH_FOUND and r.id not in self._handled]
                    matches = await uow.matches.get_many(r.match_id for r in found if r.match_id)
                    people = await uow.players.get_many(r.discord_uid for r in found if r.discord_uid)
                if after == 0:
                    low = rows[0].id  # every row below the first pending one is done
                    self._handled = {i for i in self._handled if i >= low}
                after = rows[-1].id
                now = self._clock.now()
                for row in rows:
                    if row.id in self._handled:
                        continue
                    try:
                        item = self._event_of(row, matches, people, now)
                    except Exception:
                        log.exception("outbox.unreadable", extra={"fields": {"row": row.id}})
                        continue
                    if item is None:
                        stale.append(row.id)
                        continue
                    await self._hand_over(row.id, item)
                    count += 1
            if stale:
                async with self._db.transaction() as uow:
                    await uow.outbox.done(stale, self._clock.now())
        await self._drain()
        return count

    def _event_of(
        self, row: OutboxRow, matches: Mapping[int, MatchState], people: Mapping[int, Player], now: datetime
    ) -> LadderEvent | None:
        if row.kind != MATCH_FOUND:
            assert row.payload is not None
            return decode(row.payload)
        assert row.match_id is not None and row.discord_uid is not None
        state = matches.get(row.match_id)
        player = people.get(row.discord_uid)
        if state is None or state.status is not MatchStatus.FOUND:
            return None
        slot = state.slot_of(row.discord_uid)
        if state.confirmed(slot):
            return None
        left = aborts_left_now(player.aborts_left, player.aborts_period, now) if player else 0
        own = state.confirm_deadline_1 if slot == 1 else state.confirm_deadline_2
        return MatchFound(
            row.discord_uid, state.id, state.race(slot), own or state.confirm_deadline, left,
            self._timings.confirm_timeout,
        )

    async def _hand_over(self, row_id: int, item: LadderEvent) -> None:
        if row_id in self._handled:
            return
        self._handled.add(row_id)
        try:
            tracking = await self._notifier.notify(item, key=f"outbox:{row_id}")
        except Exception:
            self._handled.discard(row_id)
            log.exception("outbox.notify_failed", extra={"fields": {"row": row_id}})
            return
        if tracking is None:  # delivered on hand-over: settled with the rest of this hand-over
            self._to_settle.append((row_id, item, Receipt(True), self._clock.now()))
            return
        task = asyncio.create_task(self._await(row_id, item, tracking), name=f"outbox:{row_id}")
        self._waiting.add(task)
        task.add_done_callback(self._waiting.discard)

    async def _await(self, row_id: int, item: LadderEvent, tracking: Awaitable[Receipt]) -> None:
        try:
            receipt = await tracking
        except Exception:
            receipt = Receipt(False)
        self._to_settle.append((row_id, item, receipt, self._clock.now()))
        await self._drain()

    async def _drain(self) -> None:
        """Settle every receipt waiting, a batch per write transaction.

        Receipts arrive at the outbound queue's pace (tens per second in a big wave); one
        transaction per delivery, each with its own arming and row update, would make as many
        writers queue on SQLite's single write lock. One drain runs at a time and settles
        everything that arrived meanwhile, so the batches grow with the load. Settling may itself
        hand over new rows (a player who cannot be reached ends the match, which is announced):
        the running drain takes them too, rather than waiting for itself.
        """
        if self._draining:
            return
        self._draining = True
        self._idle.clear()
        try:
            while self._to_settle:
                batch, self._to_settle = self._to_settle, []
                try:
                    await self._settle(batch)
                except Exception:
                    for row_id, *_ in batch:
                        self._handled.discard(row_id)  # the next sweep (or start-up) delivers them
                    log.exception("outbox.settle_failed", extra={"fields": {"rows": len(batch)}})
        finally:
            self._draining = False
            self._idle.set()

    async def _settle(self, batch: Sequence[tuple[int, LadderEvent, Receipt, datetime]]) -> None:
        # A player who cannot be reached ends the match first (its own change, with its events):
        # should the process die before the row is closed, the re-delivery finds the match closed.
        for _row_id, item, receipt, _at in batch:
            if isinstance(item, MatchFound) and receipt.unreachable and self._hooks is not None:
                await self._hooks.unreachable(item.match_id, item.discord_uid)
        done = [row_id for row_id, _, r, _ in batch if r.delivered or r.unreachable]
        failed = [row_id for row_id, _, r, _ in batch if not (r.delivered or r.unreachable)]
        delivered = [
            Delivery(item.match_id, item.discord_uid, at)
            for _row_id, item, receipt, at in batch
            if isinstance(item, MatchFound) and receipt.delivered
        ]
        armed = False
        async with self._db.transaction() as uow:
            if delivered and self._hooks is not None:
                armed = await self._hooks.arm_many(uow, delivered)
            await uow.outbox.done(done, self._clock.now())
            for row_id in failed:
                await uow.outbox.attempted(row_id)
        if armed and self._hooks is not None:
            self._hooks.armed()
        for row_id in failed:
            self._handled.discard(row_id)  # the next sweep (or start-up) tries again
            log_event(log, "outbox.retry_later", logging.INFO, row=row_id)

    # --- the background sweep --------------------------------------------------------------

    async def start(self) -> None:
        """Deliver what a previous process left pending, then retry failures now and then."""
        self._stopping.clear()
        delivered = await self.flush()
        log_event(log, "outbox.start", redelivered=delivered)
        self._loop_task = asyncio.create_task(self._loop(), name="outbox")

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._retry_every)
            if self._stopping.is_set():
                break
            try:
                await self.flush()
            except Exception:
                log.exception("outbox.sweep_failed")

    async def stop(self) -> None:
        self._stopping.set()
        if self._loop_task is not None:
            await self._loop_task
            self._loop_task = None

    async def settled(self) -> None:
        """Wait until every receipt handed back so far was settled (tests and shutdown)."""
        while True:
            if self._waiting:
                await asyncio.gather(*list(self._waiting), return_exceptions=True)
            elif self._draining:
                await self._idle.wait()
            elif self._to_settle:
                await self._drain()
            else:
                return

    @property
    def confirm_within(self) -> timedelta:
        return self._timings.confirm_timeout
