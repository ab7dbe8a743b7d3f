"""A load generator for the web bench, run as its own process so its CPU is not the server's:

    python -m bench.webload SECONDS CONCURRENCY URL [URL ...]

``CONCURRENCY`` clients request the URLs round robin, back to back, for ``SECONDS`` (or until
SIGTERM, which ends the run early and still reports); prints one JSON line: requests completed,
seconds, requests per second, and the statuses seen.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from collections import Counter

import aiohttp


async def main(seconds: float, concurrency: int, urls: list[str]) -> dict[str, object]:
    statuses: Counter[int] = Counter()
    deadline = [time.perf_counter() + seconds]
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, lambda: deadline.__setitem__(0, 0.0))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client(offset: int) -> None:
            i = offset
            while time.perf_counter() < deadline[0]:
                async with session.get(urls[i % len(urls)]) as response:
                    await response.read()
                    statuses[response.status] += 1
                i += 1

        started = time.perf_counter()
        await asyncio.gather(*(client(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    total = sum(statuses.values())
    return {"requests": total, "seconds": round(elapsed, 3), "rps": round(total / elapsed, 1),
            "statuses": {str(k): v for k, v in statuses.items()}}


if __name__ == "__main__":
    seconds, concurrency, *targets = sys.argv[1:]
    print(json.dumps(asyncio.run(main(float(seconds), int(concurrency), targets))), flush=True)
