"""Flow timing: the command's real duration, labels, thresholds, the summary line, metrics.

``FlowTiming``, the player cache and the command log are built alone: the gauges are read from
those objects, and no other service takes part.
"""

from __future__ import annotations

import logging

import pytest

from evoladder.services.command_log import CommandLog
from evoladder.services.player_cache import PlayerCache
from evoladder.services.ports import SystemClock
from evoladder.services.timing import (
    DEFAULT_THRESHOLDS_MS,
    FlowTiming,
    Gauge,
    Label,
    LadderMetrics,
    can_print_emoji,
    classify,
    command_log_gauges,
    player_cache_gauges,
)
from evoladder.store.engine import create_engine
from evoladder.store.uow import Database


class Ticker:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t

    def ms(self, value: float) -> None:
        self.t += value / 1000


def timing(encoding: str = "utf-8") -> tuple[FlowTiming, Ticker]:
    ticker = Ticker()
    return FlowTiming(ticker=ticker, encoding=encoding), ticker


def test_defaults_are_the_issues_thresholds() -> None:
    t, _ = timing()
    assert dict(DEFAULT_THRESHOLDS_MS) == {
        "termsofservice": 100, "setcountry": 150, "activate": 200, "profile": 300,
        "leaderboard": 500, "queue": 500, "setup": 1000,
    }
    assert t.threshold_ms("help") == 1000 and t.threshold_ms("admin") == 1000


@pytest.mark.parametrize(
    ("ms", "label"), [(0, Label.FAST), (150, Label.FAST), (150.1, Label.OK), (300, Label.OK),
                      (300.1, Label.SLOW), (600, Label.SLOW), (600.1, Label.CRITICAL)],
)
def test_labels_by_share_of_the_threshold(ms: float, label: Label) -> None:
    assert classify(ms, 300) is label


def test_the_flow_is_timed_from_receipt_not_from_the_hook(caplog: pytest.LogCaptureFixture) -> None:
    """The bot received the command 250 ms before the timing hook ran; that time counts."""
    t, ticker = timing()
    received = ticker()
    ticker.ms(250)  # queueing in the gateway, the library, the event loop...
    flow = t.start("termsofservice", received_at=received)
    ticker.ms(1)
    flow.checkpoint("guard")
    with caplog.at_level(logging.INFO, logger="evoladder.services.timing"):
        report = flow.finish()
    assert report.total_ms == pytest.approx(251)
    assert report.label is Label.CRITICAL  # 251 ms > 2 x 100 ms
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert caplog.records[0].getMessage() == report.line


def test_summary_line_omits_tiny_checkpoints_and_warns_past_the_threshold(
    caplog: pytest.LogCaptureFixture,
) -> None:
    t, ticker = timing()
    flow = t.start("profile")
    ticker.ms(0.05)
    flow.checkpoint("guard")  # under 0.1 ms: left out of the line
    ticker.ms(220)
    flow.checkpoint("reads")
    ticker.ms(30)
    flow.checkpoint("render")
    ticker.ms(60)
    flow.checkpoint("send")
    with caplog.at_level(logging.INFO, logger="evoladder.services.timing"):
        report = flow.finish()
    assert report.label is Label.SLOW
    assert report.line == "🐢 SLOW /profile 310.1ms (reads 220.0ms, render 30.0ms, send 60.0ms)"
    assert [name for name, _ in report.phases] == ["guard", "reads", "render", "send"]
    assert caplog.records[0].levelno == logging.WARNING
    assert caplog.records[0].fields["label"] == "SLOW"  # type: ignore[attr-defined]


def test_fast_flows_log_at_info() -> None:
    t, ticker = timing()
    flow = t.start("leaderboard")
    ticker.ms(12)
    flow.checkpoint("reads")
    report = flow.finish()
    assert report.line == "⚡ FAST /leaderboard 12.0ms (reads 12.0ms)"
    with pytest.raises(RuntimeError):
        flow.finish()


@pytest.mark.parametrize("encoding", ["ascii", "cp1252", "latin-1", None, "no-such-codec"])
def test_ascii_labels_when_the_console_cannot_print_emoji(encoding: str | None) -> None:
    assert not can_print_emoji(encoding)
    ticker = Ticker()
    t = FlowTiming(ticker=ticker, encoding=encoding or "ascii")
    flow = t.start("setup")
    ticker.ms(700)
    flow.checkpoint("render")
    report = flow.finish()
    assert report.line == "[OK] /setup 700.0ms (render 700.0ms)"
    report.line.encode("ascii")


def test_time_after_the_last_checkpoint_is_reported_as_other() -> None:
    t, ticker = timing()
    flow = t.start("queue")
    ticker.ms(5)
    flow.checkpoint("guard")
    ticker.ms(2)
    assert dict(flow.finish().phases) == pytest.approx({"guard": 5.0, "other": 2.0})


def test_metrics_are_prometheus_histograms_per_command() -> None:
    t, ticker = timing()
    for ms in (3, 40, 400):
        flow = t.start("profile")
        ticker.ms(ms)
        flow.checkpoint("reads")
        flow.finish()
    flow = t.start('we"ird\\name')
    flow.finish()
    t.add_gauges(lambda: [Gauge("evoladder_player_cache_entries", "Player records in the cache.", 7)])
    text = t.render_metrics()
    lines = text.splitlines()
    assert "# TYPE evoladder_command_duration_seconds histogram" in lines
    assert 'evoladder_command_duration_seconds_bucket{command="profile",le="0.005"} 1' in lines
    assert 'evoladder_command_duration_seconds_bucket{command="profile",le="0.05"} 2' in lines
    assert 'evoladder_command_duration_seconds_bucket{command="profile",le="0.5"} 3' in lines
    assert 'evoladder_command_duration_seconds_bucket{command="profile",le="+Inf"} 3' in lines
    assert 'evoladder_command_duration_seconds_count{command="profile"} 3' in lines
    prefix = 'evoladder_command_duration_seconds_sum{command="profile"}'
    total = next(v for v in lines if v.startswith(prefix))
    assert float(total.split()[-1]) == pytest.approx(0.443)
    assert 'evoladder_command_phase_seconds_count{command="profile",phase="reads"} 3' in lines
    assert 'evoladder_command_flows_total{command="profile",label="FAST"} 2' in lines
    assert 'evoladder_command_flows_total{command="profile",label="SLOW"} 1' in lines
    assert 'evoladder_command_duration_seconds_count{command="we\\"ird\\\\name"} 1' in lines
    assert "# TYPE evoladder_player_cache_entries gauge" in lines
    assert "evoladder_player_cache_entries 7" in lines
    assert text.endswith("\n")


def test_cache_and_command_log_gauges_are_exposed() -> None:
    t, _ = timing()
    cache = PlayerCache(900)
    cache.get(1)
    log = CommandLog(db=Database(create_engine("sqlite+aiosqlite:///:memory:")), clock=SystemClock())
    log.record(1, "profile")
    t.add_gauges(player_cache_gauges(cache))
    t.add_gauges(command_log_gauges(log))
    lines = t.render_metrics().splitlines()
    for expected in ("evoladder_player_cache_misses 1", "evoladder_player_cache_hit_rate_percent 0",
                     "evoladder_player_cache_ttl_seconds 900", "evoladder_command_log_pending 1",
                     "evoladder_command_log_dropped 0"):
        assert expected in lines


def test_a_waves_matches_recorded_at_once_read_as_one_by_one() -> None:
    # Gaps on, below and above the bucket bounds (negative: the SC2 side rated higher), and
    # waits on the bounds and past the last one (counted in the total only).
    gaps = [0, 25, -26, 100, -1000, 1001, 37, -150]
    waits = [0, 0, 1, 2, 3, 4, 5, 8, 9, 40, 41, 13, 0, 7, 20, 1]
    one, many = LadderMetrics(), LadderMetrics()
    for k, gap in enumerate(gaps):
        one.match_formed(gap, waits[2 * k : 2 * k + 2])
    many.matches_formed(gaps, waits)
    rendered_one: list[str] = []
    rendered_many: list[str] = []
    one.render(rendered_one)
    many.render(rendered_many)
    assert rendered_many == rendered_one
    assert "evoladder_match_wait_waves_count 16" in rendered_many
