"""The web's admission gate: how many requests it lets onto the bot's loop, when, and the bot first.

Time is stepped by hand: the gate's clock is a list and its timers are kept until the test fires
them, so nothing here sleeps or depends on the machine's speed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from evoladder.web.admission import Admission, Saturated


@dataclass
class Timers:
    """A hand-stepped clock and the callbacks the gate asked to run later."""

    now: float = 0.0
    pending: list[tuple[float, Callable[[], None], list[bool]]] = field(default_factory=list)

    def later(self, delay: float, fn: Callable[[], None]) -> Timers.Handle:
        handle = Timers.Handle()
        self.pending.append((self.now + delay, fn, handle.cancelled))
        return handle

    def advance(self, seconds: float) -> None:
        """Move the clock, running each timer that falls due at its own time, in order."""
        target = self.now + seconds
        while True:
            live = [p for p in self.pending if not p[2][0] and p[0] <= target + 1e-12]
            if not live:
                break
            first = min(live, key=lambda p: p[0])
            self.pending.remove(first)
            self.now = max(self.now, first[0])
            first[1]()
        self.now = target

    class Handle:
        def __init__(self) -> None:
            self.cancelled = [False]

        def cancel(self) -> None:
            self.cancelled[0] = True


def gate(timers: Timers, **kwargs: object) -> Admission:
    return Admission(clock=lambda: timers.now, later=timers.later, **kwargs)  # type: ignore[arg-type]


async def test_at_most_concurrency_requests_run_at_once() -> None:
    timers = Timers()
    admission = gate(timers, rate=1e9, concurrency=2, burst=100)
    assert admission.enter() is None and admission.enter() is None
    third = admission.enter()
    assert third is not None and not third.done() and admission.running == 2
    admission.leave()  # one finishes: the waiting one starts, still two at once
    assert third.done() and admission.running == 2


async def test_requests_start_spaced_by_the_global_rate() -> None:
    timers = Timers()
    admission = gate(timers, rate=100.0, concurrency=50, burst=2)
    started = [admission.enter() for _ in range(6)]
    assert started[:2] == [None, None]  # the burst
    waiting = [f for f in started[2:] if f is not None]
    assert len(waiting) == 4 and not any(f.done() for f in waiting)
    timers.advance(0.01)  # one token a hundredth of a second
    assert [f.done() for f in waiting] == [True, False, False, False]
    timers.advance(0.03)
    assert all(f.done() for f in waiting)


async def test_no_request_starts_while_the_bot_answers_an_interaction() -> None:
    timers = Timers()
    bot = {"busy": False}
    admission = gate(timers, rate=1e9, concurrency=1, burst=100, bot_busy=lambda: bot["busy"], max_hold=1.0)
    assert admission.enter() is None  # a page is being served
    waiting = admission.enter()
    assert waiting is not None
    bot["busy"] = True  # an interaction arrives while the page is served
    admission.leave()  # the page is done: the slot is free, but the bot goes first
    assert not waiting.done() and admission.running == 0
    timers.advance(0.01)
    assert not waiting.done()
    bot["busy"] = False  # the interaction was answered
    timers.advance(0.01)
    assert waiting.done() and admission.running == 1


async def test_a_request_is_held_for_the_bot_only_a_bounded_time() -> None:
    timers = Timers()
    admission = gate(timers, rate=1e9, concurrency=1, burst=100, bot_busy=lambda: True, max_hold=0.05)
    waiting = admission.enter()
    assert waiting is not None
    timers.advance(0.04)
    assert not waiting.done()
    timers.advance(0.02)  # a bot that is always busy slows the site down but never shuts it
    assert waiting.done()


async def test_too_many_waiting_are_refused_with_a_time_to_come_back() -> None:
    timers = Timers()
    admission = gate(timers, rate=10.0, concurrency=1, burst=1, max_waiting=3)
    assert admission.enter() is None
    held = [admission.enter() for _ in range(3)]
    with pytest.raises(Saturated) as refused:
        admission.enter()
    assert refused.value.retry_after >= 1.0
    assert admission.waiting == 3 and all(f is not None for f in held)


async def test_a_client_gone_while_waiting_gives_its_place_up() -> None:
    timers = Timers()
    admission = gate(timers, rate=1e9, concurrency=1, burst=100)
    assert admission.enter() is None
    gone, next_one = admission.enter(), admission.enter()
    assert gone is not None and next_one is not None
    gone.cancel()  # aiohttp cancels the handler of a client that disconnected
    admission.leave()
    assert next_one.done() and admission.running == 1 and admission.waiting == 0


async def test_a_slot_granted_to_a_cancelled_request_is_given_back() -> None:
    timers = Timers()
    admission = gate(timers, rate=1e9, concurrency=1, burst=100)
    assert admission.enter() is None
    entered = asyncio.Event()

    async def request() -> None:
        async with admission.slot():
            entered.set()

    coro = request()
    coro.send(None)  # runs up to the gate, where it waits
    assert admission.waiting == 1
    admission.leave()  # the slot is granted to it...
    with pytest.raises(asyncio.CancelledError):
        coro.throw(asyncio.CancelledError())  # ...and it is cancelled before it resumes
    assert not entered.is_set() and admission.running == 0
