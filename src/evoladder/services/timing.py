"""Flow timing: how long each command really took, where the time went, and metrics for operators.

A flow starts when the bot *receives* the interaction (the bot passes that moment to ``start``)
and ends when its reply is handed to Discord (``finish`` right after the send). Timing the
logging hook instead of the command would give durations near zero that never cross a threshold;
here the measured span is the command's own. Named checkpoints split it: guard, reads, render,
send (anything after the last checkpoint is reported as "other").

Per-command thresholds (ms; defaults from the issue) decide the label of the summary line:
FAST up to half the threshold, OK up to the threshold, SLOW up to twice it, CRITICAL beyond.
Past the threshold (SLOW, CRITICAL) the line is logged as a WARNING, otherwise at INFO.
Checkpoints under 0.1 ms are left out of the line. The label has an emoji only when the console's
encoding can print it (a Windows console in cp1252 gets "[SLOW]" instead of a mojibake turtle).

Metrics: Prometheus-style histograms per command (total and per phase) and a counter per label,
plus gauges from other components (player cache, command log), rendered by ``render_metrics`` in
the text exposition format.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from evoladder.services.command_log import CommandLog
from evoladder.services.player_cache import PlayerCache

log = logging.getLogger(__name__)

DEFAULT_THRESHOLDS_MS: Mapping[str, float] = MappingProxyType(
    {
        "termsofservice": 100,
        "setcountry": 150,
        "activate": 200,
        "profile": 300,
        "leaderboard": 500,
        "queue": 500,
        "setup": 1000,
    }
)
OTHERS_MS = 1000.0
PHASES = ("guard", "reads", "render", "send")
OMIT_BELOW_MS = 0.1
BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Label(StrEnum):
    FAST = "FAST"
    OK = "OK"
    SLOW = "SLOW"
    CRITICAL = "CRITICAL"


EMOJI = {Label.FAST: "⚡", Label.OK: "✅", Label.SLOW: "🐢", Label.CRITICAL: "🔥"}


def classify(total_ms: float, threshold_ms: float) -> Label:
    if total_ms <= threshold_ms / 2:
        return Label.FAST
    if total_ms <= threshold_ms:
        return Label.OK
    if total_ms <= threshold_ms * 2:
        return Label.SLOW
    return Label.CRITICAL


def can_print_emoji(encoding: str | None) -> bool:
    """True when every label emoji encodes in ``encoding`` (the console's)."""
    try:
        "".join(EMOJI.values()).encode(encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


@dataclass(frozen=True, slots=True)
class FlowReport:
    command: str
    total_ms: float
    threshold_ms: float
    label: Label
    phases: tuple[tuple[str, float], ...]  # every checkpoint, in order, in ms
    line: str  # the summary line as logged


@dataclass(frozen=True, slots=True)
class Gauge:
    name: str
    help: str
    value: float
    labels: Mapping[str, str] = field(default_factory=dict)


class FlowTimer:
    """One command's flow; ``checkpoint`` after each phase, ``finish`` after the send."""

    __slots__ = ("_finished", "_last", "_marks", "_owner", "command", "started")

    def __init__(self, owner: FlowTiming, command: str, started: float) -> None:
        self._owner = owner
        self.command = command
        self.started = started
        self._last = started
        self._marks: dict[str, float] = {}
        self._finished = False

    def checkpoint(self, name: str) -> None:
        """Close the phase ``name`` (seconds since the previous checkpoint; repeated names add)."""
        now = self._owner.ticker()
        self._marks[name] = self._marks.get(name, 0.0) + (now - self._last)
        self._last = now

    def finish(self) -> FlowReport:
        """End the flow (once): log the summary line, feed the metrics, return the report."""
        if self._finished:
            raise RuntimeError(f"flow {self.command} finished twice")
        self._finished = True
        now = self._owner.ticker()
        if now - self._last > 0:
            self._marks["other"] = self._marks.get("other", 0.0) + (now - self._last)
        return self._owner.complete(self.command, now - self.started, self._marks)


@dataclass(frozen=True, slots=True)
class CommandLatency:
    """One command's flow count and estimated duration quantiles (ms, in the order asked)."""

    command: str
    count: int
    quantiles_ms: tuple[float, ...]


def histogram_quantile(q: float, bounds: Sequence[float], counts: Sequence[int], total: int) -> float:
    """The ``q`` quantile of a histogram, interpolated linearly inside its bucket.

    ``counts`` are per bucket (not cumulative); observations above the last bound count in
    ``total`` only, and a quantile that falls there is reported as the last bound (its true
    value is unknown). An empty histogram gives 0.
    """
    if total <= 0:
        return 0.0
    rank = q * total
    below = 0
    lower = 0.0
    for upper, count in zip(bounds, counts, strict=True):
        if count and below + count >= rank:
            return lower + (upper - lower) * (rank - below) / count
        below += count
        lower = upper
    return float(bounds[-1])


class _Histogram:
    __slots__ = ("bounds", "count", "counts", "sum")

    def __init__(self, bounds: Sequence[float] = BUCKETS_S) -> None:
        self.bounds = tuple(bounds)
        self.counts = [0] * len(self.bounds)
        self.sum = 0.0
        self.count = 0

    def observe(self, seconds: float) -> None:
        self.sum += seconds
        self.count += 1
        for i, upper in enumerate(self.bounds):
            if seconds <= upper:
                self.counts[i] += 1
                return  # buckets are made cumulative when rendered

    def observe_many(self, values: Iterable[float]) -> None:
        """``observe`` of each value in turn (the same counts and sum, summed in the same
        order), with the bucket found by bisection: a wave records thousands at once."""
        bounds, counts, last = self.bounds, self.counts, len(self.bounds)
        total, seen = self.sum, 0
        for value in values:
            total += value
            seen += 1
            i = bisect_left(bounds, value)  # the first bound >= value, as ``observe`` finds it
            if i < last:
                counts[i] += 1
        self.sum = total
        self.count += seen


class FlowTiming:
    def __init__(
        self,
        *,
        thresholds_ms: Mapping[str, float] | None = None,
        others_ms: float = OTHERS_MS,
        ticker: Callable[[], float] = time.perf_counter,
        encoding: str | None = None,
        logger: logging.Logger = log,
    ) -> None:
        self.thresholds_ms = dict(DEFAULT_THRESHOLDS_MS if thresholds_ms is None else thresholds_ms)
        self.others_ms = others_ms
        self.ticker = ticker
        chosen = encoding if encoding is not None else getattr(sys.stderr, "encoding", None)
        self.emoji = can_print_emoji(chosen)
        self._log = logger
        self._totals: dict[str, _Histogram] = {}
        self._phases: dict[tuple[str, str], _Histogram] = {}
        self._labels: dict[tuple[str, Label], int] = {}
        self._gauges: list[Callable[[], Iterable[Gauge]]] = []
        # What the ladder did (formed matches, aborts, replays...), rendered with the commands.
        self.events = LadderMetrics()

    def start(self, command: str, received_at: float | None = None) -> FlowTimer:
        """Begin a flow; ``received_at`` is the ``ticker`` time the bot received the command."""
        return FlowTimer(self, command, self.ticker() if received_at is None else received_at)

    def threshold_ms(self, command: str) -> float:
        return self.thresholds_ms.get(command, self.others_ms)

    def complete(self, command: str, total_s: float, marks: Mapping[str, float]) -> FlowReport:
        total_ms = total_s * 1000
        threshold = self.threshold_ms(command)
        label = classify(total_ms, threshold)
        phases = tuple((name, seconds * 1000) for name, seconds in marks.items())
        line = self.summary_line(command, total_ms, label, phases)
        level = logging.WARNING if label in (Label.SLOW, Label.CRITICAL) else logging.INFO
        if self._log.isEnabledFor(level):
            fields = {"command": command, "total_ms": round(total_ms, 2), "threshold_ms": threshold,
                      "label": label.value}
            self._log.log(level, line, extra={"fields": fields})
        self._observe(command, total_s, marks, label)
        return FlowReport(command, total_ms, threshold, label, phases, line)

    def summary_line(
        self, command: str, total_ms: float, label: Label, phases: Iterable[tuple[str, float]]
    ) -> str:
        tag = f"{EMOJI[label]} {label.value}" if self.emoji else f"[{label.value}]"
        shown = [f"{name} {ms:.1f}ms" for name, ms in phases if ms >= OMIT_BELOW_MS]
        detail = f" ({', '.join(shown)})" if shown else ""
        return f"{tag} /{command} {total_ms:.1f}ms{detail}"

    def _observe(self, command: str, total_s: float, marks: Mapping[str, float], label: Label) -> None:
        self._totals.setdefault(command, _Histogram()).observe(total_s)
        for name, seconds in marks.items():
            self._phases.setdefault((command, name), _Histogram()).observe(seconds)
        self._labels[(command, label)] = self._labels.get((command, label), 0) + 1

    def latencies(self, quantiles: Sequence[float] = (0.5, 0.95, 0.99)) -> list[CommandLatency]:
        """Per command: flows seen and estimated duration quantiles, busiest command first.

        For the admin snapshot. Estimated from the histogram buckets the metrics keep (as
        Prometheus' ``histogram_quantile`` does), so no per-call samples are stored; the error is
        bounded by the bucket widths (``BUCKETS_S``), which is enough to tell 5 ms from 500 ms.
        """
        out = [
            CommandLatency(
                command, hist.count,
                tuple(histogram_quantile(q, BUCKETS_S, hist.counts, hist.count) * 1000 for q in quantiles),
            )
            for command, hist in self._totals.items()
        ]
        return sorted(out, key=lambda c: (-c.count, c.command))

    # -- metrics ---------------------------------------------------------------------------------

    def add_gauges(self, source: Callable[[], Iterable[Gauge]]) -> None:
        """Register a component's gauges; ``source`` is called on every ``render_metrics``."""
        self._gauges.append(source)

    def render_metrics(self) -> str:
        """Everything in the Prometheus text exposition format (version 0.0.4)."""
        out: list[str] = []
        _histograms(
            out, "evoladder_command_duration_seconds",
            "Time from receiving a command to handing its reply to Discord.",
            {(("command", c),): h for c, h in sorted(self._totals.items())},
        )
        _histograms(
            out, "evoladder_command_phase_seconds", "Time spent in each phase of a command.",
            {(("command", c), ("phase", p)): h for (c, p), h in sorted(self._phases.items())},
        )
        out.append("# HELP evoladder_command_flows_total Commands by speed label.")
        out.append("# TYPE evoladder_command_flows_total counter")
        for (command, label), count in sorted(self._labels.items()):
            pairs = (("command", command), ("label", label.value))
            out.append(f"evoladder_command_flows_total{_labels(pairs)} {count}")
        self.events.render(out)
        seen: set[str] = set()
        for source in self._gauges:
            for gauge in source():
                if gauge.name not in seen:
                    seen.add(gauge.name)
                    out.append(f"# HELP {gauge.name} {gauge.help}")
                    out.append(f"# TYPE {gauge.name} gauge")
                out.append(f"{gauge.name}{_labels(tuple(gauge.labels.items()))} {_num(gauge.value)}")
        return "\n".join(out) + "\n"


def _histograms(
    out: list[str], name: str, help_text: str, series: Mapping[tuple[tuple[str, str], ...], _Histogram]
) -> None:
    out.append(f"# HELP {name} {help_text}")
    out.append(f"# TYPE {name} histogram")
    for labels, hist in series.items():
        running = 0
        for upper, count in zip(hist.bounds, hist.counts, strict=True):
            running += count
            out.append(f"{name}_bucket{_labels((*labels, ('le', _num(upper))))} {running}")
        out.append(f"{name}_bucket{_labels((*labels, ('le', '+Inf')))} {hist.count}")
        out.append(f"{name}_sum{_labels(labels)} {_num(hist.sum)}")
        out.append(f"{name}_count{_labels(labels)} {hist.count}")


def _counter(
    out: list[str], name: str, help_text: str, samples: Iterable[tuple[tuple[tuple[str, str], ...], int]]
) -> None:
    out.append(f"# HELP {name} {help_text}")
    out.append(f"# TYPE {name} counter")
    for labels, value in samples:
        out.append(f"{name}{_labels(labels)} {value}")


def _labels(pairs: tuple[tuple[str, str], ...]) -> str:
    if not pairs:
        return ""
    body = ",".join(f'{k}="{_escape(v)}"' for k, v in pairs)
    return "{" + body + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _num(value: float) -> str:
    """A sample value: integers without a trailing ".0", infinities as Prometheus spells them."""
    number = float(value)
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


# -- what the ladder did -------------------------------------------------------------------------

GAP_BUCKETS = (25.0, 50.0, 100.0, 150.0, 200.0, 300.0, 400.0, 600.0, 1000.0)
WAIT_BUCKETS = (0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 40.0)
PARSE_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
ENDED_STATUSES = ("aborted", "abandoned", "conflict")
CounterSource = Callable[[], Iterable[tuple[Mapping[str, str], int]]]  # (labels, value) samples


class LadderMetrics:
    """Counters and histograms of what the ladder did, recorded by the service where it happens
    (DESIGN section 12): the rating gap and the wait of every formed match (matchmaker), matches
    aborted, abandoned or disputed (match service), replay verdicts and parse times (replay
    service), and the outbound queue's 429s (read from its statistics at scrape time).

    One object per process, built with ``FlowTiming`` (the composition root owns both) and
    rendered with it, so ``/metrics`` and the admin snapshot read one set of numbers. Plain ints
    and lists: recording is a dict update on the event loop, no lock, no registry.

    The wait is counted in waves (the queue entry's ``waits``: waves the player was left waiting
    before this one), which the wave already reads; the time since joining would need one more
    column per queued player in the wave's read. At the wave interval (45 s by default) a
    wave is that many seconds.
    """

    def __init__(self) -> None:
        self._gap = _Histogram(GAP_BUCKETS)
        self._wait = _Histogram(WAIT_BUCKETS)
        self._ended: dict[str, int] = {}
        self._verdicts: dict[str, int] = {}
        self._parse = _Histogram(PARSE_BUCKETS_S)
        self._counter_sources: list[tuple[str, str, CounterSource]] = []

    def match_formed(self, rating_gap: int, waits: Iterable[int]) -> None:
        """One match a wave wrote: its players' rating gap and each player's waves waited."""
        self._gap.observe(abs(rating_gap))
        for waited in waits:
            self._wait.observe(waited)

    def matches_formed(self, rating_gaps: Iterable[int], waits: Iterable[int]) -> None:
        """Many matches at once (a wave's): the same as ``match_formed`` for each, given every
        match's rating gap and every player's waves waited."""
        self._gap.observe_many(abs(gap) for gap in rating_gaps)
        self._wait.observe_many(waits)

    def match_ended(self, status: str) -> None:
        """A match entered ``aborted``, ``abandoned`` or ``conflict`` (others are not counted)."""
        if status in ENDED_STATUSES:
            self._ended[status] = self._ended.get(status, 0) + 1

    def replay_parsed(self, seconds: float) -> None:
        """The time one uploaded file spent in the parser (wall time: it runs in a worker)."""
        self._parse.observe(seconds)

    def replay_verdict(self, verdict: str) -> None:
        """A replay's verdict: ``passed`` (every critical check), ``failed`` (a critical check
        failed) or ``unreadable`` (the parser gave up on the file)."""
        self._verdicts[verdict] = self._verdicts.get(verdict, 0) + 1

    def add_counter(
        self, name: str, help_text: str, read: CounterSource) -> None:
        """A counter another component keeps (the outbound queue's 429s), read when rendered."""
        self._counter_sources.append((name, help_text, read))

    def render(self, out: list[str]) -> None:
        _histograms(out, "evoladder_match_rating_gap", "Rating gap of each formed match.",
                    {(): self._gap})
        _histograms(out, "evoladder_match_wait_waves",
                    "Waves each player of a formed match waited before it.", {(): self._wait})
        _counter(out, "evoladder_matches_ended_total", "Matches aborted, abandoned or disputed.",
                 [((("status", s),), n) for s, n in sorted(self._ended.items())])
        _counter(out, "evoladder_replay_verdicts_total", "Uploaded replays by verdict.",
                 [((("verdict", v),), n) for v, n in sorted(self._verdicts.items())])
        _histograms(out, "evoladder_replay_parse_seconds", "Time to parse an uploaded replay.",
                    {(): self._parse})
        for name, help_text, read in self._counter_sources:
            _counter(out, name, help_text, [(tuple(labels.items()), n) for labels, n in read()])


def player_cache_gauges(cache: PlayerCache) -> Callable[[], Iterable[Gauge]]:
    """The cache statistics the admin snapshot shows, as gauges."""

    def read() -> Iterable[Gauge]:
        s = cache.stats()
        return (
            Gauge("evoladder_player_cache_entries", "Player records in the cache.", s.cached_players),
            Gauge("evoladder_player_cache_hits", "Cache hits since start.", s.hits),
            Gauge("evoladder_player_cache_misses", "Cache misses since start.", s.misses),
            Gauge("evoladder_player_cache_hit_rate_percent", "Hits over lookups, in percent.",
                  s.hit_rate_percent),
            Gauge("evoladder_player_cache_ttl_seconds", "Time to live of a cached record.", s.ttl_seconds),
        )

    return read


def command_log_gauges(command_log: CommandLog) -> Callable[[], Iterable[Gauge]]:
    def read() -> Iterable[Gauge]:
        s = command_log.stats()
        return (
            Gauge("evoladder_command_log_pending", "Command calls waiting to be written.", s.pending),
            Gauge("evoladder_command_log_written", "Command calls written since start.", s.written),
            Gauge("evoladder_command_log_failed_flushes", "Flushes that failed (retried).",
                  s.failed_flushes),
            Gauge("evoladder_command_log_dropped", "Calls dropped (queue full or closed).", s.dropped),
        )

    return read
