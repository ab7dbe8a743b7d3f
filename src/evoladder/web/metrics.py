"""``/metrics``: Prometheus text through prometheus_client, from the same counters the admin
snapshot reads (``FlowTiming``: command latencies by command, speed labels, cache and command-log
gauges), plus the web's own requests and what the read models know (players, ranked rows, queue
sizes by race).

The registry is the application's own (never prometheus_client's global one), so two ladders in
one process (the tests) never share or collide on series.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from evoladder.services.timing import FlowTiming


class _TimingCollector(Collector):
    """The bot's command timings and gauges, read at scrape time from ``FlowTiming``."""

    def __init__(self, timing: FlowTiming) -> None:
        self._timing = timing

    def collect(self) -> Iterable[Metric]:
        return list(text_string_to_metric_families(self._timing.render_metrics()))


class WebMetrics:
    def __init__(self, timing: FlowTiming) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_TimingCollector(timing))
        self.requests = Counter(
            "evoladder_web_requests", "Web requests by route and status.", ("route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "evoladder_web_request_seconds", "Server time of a web request, by route.", ("route",),
            registry=self.registry,
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
        )
        self.rate_limited = Counter(
            "evoladder_web_rate_limited", "Requests answered 429.", registry=self.registry
        )
        self.saturated = Counter(
            "evoladder_web_saturated", "Requests answered 503: too many waiting for the site's global gate.",
            registry=self.registry,
        )
        self.queue_size = Gauge(
            "evoladder_queue_size", "Players queueing, by race.", ("race",), registry=self.registry
        )
        self.queue_total = Gauge("evoladder_queue_players", "Players queueing.", registry=self.registry)
        self.ranked_rows = Gauge(
            "evoladder_leaderboard_ranked_rows", "Ranked (player, race) rows.", registry=self.registry
        )

    def set_queue(self, total: int, by_race: Mapping[str, int]) -> None:
        self.queue_total.set(total)
        for race, count in by_race.items():
            self.queue_size.labels(race=race).set(count)

    def render(self) -> bytes:
        return generate_latest(self.registry)
