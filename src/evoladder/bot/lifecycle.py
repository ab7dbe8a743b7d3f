"""Shutdown: stop taking interactions, finish those in flight, then let the exit stack unwind.

The order, from the first SIGTERM or Ctrl-C (SIGINT):

1. :class:`Lifecycle` stops admitting interactions. One that arrives now is answered "the ladder
   is restarting" (an answer beats the "interaction failed" Discord shows after 3 s).
2. The interactions already running finish (bounded wait; each is a business write plus a reply).
3. The composition root's ``AsyncExitStack`` unwinds in reverse build order: the scheduler and the
   matchmaker stop (no new notifications), the outbound queue drains (it still needs the bot's
   HTTP session), the bot closes its gateway and HTTP session, the command log flushes its last
   batch, the services close, and the database pools close last.

A second signal while this runs forces the exit at once (``os._exit``), for an operator who
does not want to wait; only the unflushed command-log batch is lost then, as with SIGKILL.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from evoladder.logging_setup import event

log = logging.getLogger(__name__)

FORCED_EXIT_CODE = 130


class Lifecycle:
    """Admission of interactions, and the count of those in flight."""

    def __init__(self) -> None:
        self._accepting = True
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def accepting(self) -> bool:
        return self._accepting

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @contextmanager
    def admit(self) -> Iterator[bool]:
        """``with lifecycle.admit() as admitted:``; ``admitted`` is False once shutdown began."""
        if not self._accepting:
            yield False
            return
        self._in_flight += 1
        self._idle.clear()
        try:
            yield True
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    def stop_accepting(self) -> None:
        if self._accepting:
            self._accepting = False
            event(log, "shutdown.stop_accepting", in_flight=self._in_flight)

    async def finish_in_flight(self, grace: float) -> int:
        """Stop admitting, wait up to ``grace`` s for running interactions; returns those left."""
        self.stop_accepting()
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
        except TimeoutError:
            event(log, "shutdown.in_flight_timeout", logging.WARNING, left=self._in_flight)
        return self._in_flight


class ShutdownSignals:
    """SIGTERM and SIGINT: the first sets :attr:`requested`, a second forces the exit."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self, force_exit: Callable[[int], object] = os._exit) -> None:
        self.requested = asyncio.Event()
        self._force_exit = force_exit
        self._installed: list[signal.Signals] = []

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in self.SIGNALS:
            try:
                loop.add_signal_handler(sig, self.trigger, sig)
            except (NotImplementedError, RuntimeError):  # not the main thread, or Windows
                continue
            self._installed.append(sig)

    def uninstall(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in self._installed:
            loop.remove_signal_handler(sig)
        self._installed.clear()

    def trigger(self, sig: signal.Signals = signal.SIGTERM) -> None:
        if not self.requested.is_set():
            event(log, "shutdown.requested", signal=sig.name)
            print(f"evoladder: {sig.name} received, shutting down (again to force)", flush=True)
            self.requested.set()
            return
        event(log, "shutdown.forced", logging.WARNING, signal=sig.name)
        print(f"evoladder: {sig.name} received again, exiting now", flush=True)
        self._force_exit(FORCED_EXIT_CODE)
