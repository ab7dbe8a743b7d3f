"""Admission of interactions and the two-signal shutdown."""

from __future__ import annotations

import asyncio
import signal

from evoladder.bot.lifecycle import FORCED_EXIT_CODE, Lifecycle, ShutdownSignals


async def test_admission_counts_in_flight_and_stops_after_shutdown_began() -> None:
    lifecycle = Lifecycle()
    with lifecycle.admit() as first:
        assert first and lifecycle.in_flight == 1
        lifecycle.stop_accepting()
        with lifecycle.admit() as second:
            assert not second and lifecycle.in_flight == 1
    assert lifecycle.in_flight == 0
    assert await lifecycle.finish_in_flight(grace=1.0) == 0


async def test_finish_in_flight_reports_what_did_not_finish_in_time() -> None:
    lifecycle = Lifecycle()
    with lifecycle.admit():
        assert await lifecycle.finish_in_flight(grace=0.0) == 1


async def test_the_first_signal_requests_shutdown_and_the_second_forces_exit() -> None:
    exits: list[int] = []
    signals = ShutdownSignals(force_exit=exits.append)
    signals.trigger(signal.SIGTERM)
    assert signals.requested.is_set() and exits == []
    signals.trigger(signal.SIGINT)
    assert exits == [FORCED_EXIT_CODE]


async def test_signal_handlers_are_installed_on_the_loop() -> None:
    exits: list[int] = []
    signals = ShutdownSignals(force_exit=exits.append)
    signals.install()
    try:
        signal.raise_signal(signal.SIGTERM)
        await asyncio.wait_for(signals.requested.wait(), 5)
    finally:
        signals.uninstall()
    assert exits == []
