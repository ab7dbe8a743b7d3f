"""Duration quantiles from the timing histograms (what /admin snapshot shows per command)."""

from __future__ import annotations

import logging

import pytest

from evoladder.services.timing import BUCKETS_S, FlowTiming, histogram_quantile


class Ticker:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def run(timing: FlowTiming, ticker: Ticker, command: str, seconds: float) -> None:
    flow = timing.start(command)
    ticker.t += seconds
    flow.finish()


def test_quantile_interpolates_inside_the_bucket_like_prometheus() -> None:
    bounds = (0.01, 0.1, 1.0)
    assert histogram_quantile(0.5, bounds, [0, 10, 0], 10) == pytest.approx(0.055)
    assert histogram_quantile(0.5, bounds, [5, 5, 0], 10) == pytest.approx(0.01)
    assert histogram_quantile(0.9, bounds, [5, 5, 0], 10) == pytest.approx(0.082)
    assert histogram_quantile(0.99, bounds, [0, 0, 0], 3) == 1.0  # all above the last bound
    assert histogram_quantile(0.5, bounds, [0, 0, 0], 0) == 0.0


def test_latencies_per_command_busiest_first(caplog: pytest.LogCaptureFixture) -> None:
    ticker = Ticker()
    timing = FlowTiming(ticker=ticker, encoding="ascii", logger=logging.getLogger("test.timing"))
    for _ in range(9):
        run(timing, ticker, "ping", 0.002)  # all in the (0.001, 0.0025] bucket
    run(timing, ticker, "ping", 3.0)  # one slow outlier in (2.5, 5.0]
    run(timing, ticker, "profile", 0.2)
    [ping, profile] = timing.latencies()
    assert (ping.command, ping.count, profile.command, profile.count) == ("ping", 10, "profile", 1)
    p50, p95, p99 = ping.quantiles_ms
    assert BUCKETS_S[0] * 1000 < p50 <= BUCKETS_S[1] * 1000
    assert 2500 < p95 <= 5000 and 2500 < p99 <= 5000
    assert 100 < profile.quantiles_ms[0] <= 250
    assert timing.latencies((0.5,))[0].quantiles_ms == (p50,)
