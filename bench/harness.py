"""The benchmark harness behind ``make bench``.

Each ``bench/bench_*.py`` module defines ``async def run(ctx: BenchContext) -> None`` and records
rows with ``ctx.record(...)`` (or measures with ``ctx.time_sync`` / ``ctx.time_async``). Rows are
medians and p99 over many repetitions, never a single timing. The harness prints a table and
writes ``bench/results.json`` as ``{"results": [{"name", "unit", "median", "p99", "n", "params"}]}``.

Run one module: ``python -m bench.harness bench_rating``; all: ``python -m bench.harness``.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import pkgutil
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
UNITS = {"us": 1e6, "ms": 1e3, "s": 1.0}


@dataclass
class Row:
    name: str
    unit: str
    median: float
    p99: float
    n: int
    params: dict[str, Any] = field(default_factory=dict)


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


class BenchContext:
    """What a bench module gets: recording helpers and the databases to measure against."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.pg_url: str | None = os.environ.get("EVOLADDER_TEST_PG_URL")
        self.quick = os.environ.get("EVOLADDER_BENCH_QUICK") == "1"

    def record(self, name: str, unit: str, samples_s: list[float], **params: Any) -> Row:
        """Record timings given in seconds, converted to ``unit`` (us, ms or s)."""
        scale = UNITS[unit]
        values = [s * scale for s in samples_s]
        row = Row(name, unit, statistics.median(values), _p99(values), len(values), params)
        self.rows.append(row)
        print(f"  {name:<44} median {row.median:>12.3f} {unit:<3} p99 {row.p99:>12.3f} "
              f"n={row.n} {params}", flush=True)
        return row

    def record_value(self, name: str, unit: str, value: float, **params: Any) -> Row:
        """Record a single measured quantity (e.g. RSS in MB) that has no distribution."""
        row = Row(name, unit, value, value, 1, params)
        self.rows.append(row)
        print(f"  {name:<44} {value:>12.3f} {unit} {params}", flush=True)
        return row

    def time_sync(self, name: str, unit: str, fn: Callable[[], object], n: int, **params: Any) -> Row:
        samples = []
        for _ in range(n):
            t0 = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t0)
        return self.record(name, unit, samples, **params)

    async def time_async(
        self, name: str, unit: str, fn: Callable[[], Awaitable[object]], n: int, **params: Any
    ) -> Row:
        samples = []
        for _ in range(n):
            t0 = time.perf_counter()
            await fn()
            samples.append(time.perf_counter() - t0)
        return self.record(name, unit, samples, **params)


def _modules(selected: list[str]) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules([str(BENCH_DIR)]) if m.name.startswith("bench_"))
    return [n for n in names if not selected or n in selected]


async def main(selected: list[str]) -> int:
    ctx = BenchContext()
    print(f"evoladder bench on {platform.node()} ({platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cpus, Python {platform.python_version()})")
    print(f"PostgreSQL: {'yes' if ctx.pg_url else 'no (set EVOLADDER_TEST_PG_URL)'}")
    for name in _modules(selected):
        print(f"[{name}]", flush=True)
        module = importlib.import_module(f"bench.{name}")
        await module.run(ctx)
    out = BENCH_DIR / "results.json"
    previous: dict[str, Any] = {}
    if selected and out.exists():
        previous = {r["name"]: r for r in json.loads(out.read_text())["results"]}
    merged = previous | {r.name: asdict(r) for r in ctx.rows}
    out.write_text(json.dumps({"results": list(merged.values())}, indent=2) + "\n")
    print(f"wrote {out} ({len(merged)} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1:])))
