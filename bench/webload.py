"""A load generator for the web bench, run as its own process so its CPU is not the server's:

    python -m bench.webload SECONDS CONCURRENCY URL [URL ...]

``CONCURRENCY`` keep-alive connections request the URLs round robin, back to back, for
``SECONDS`` (or until SIGTERM, which ends the run early and still reports); prints one JSON
line: requests completed, seconds, requests per second, the statuses seen, and the generator's
own CPU time.

Why raw HTTP/1.1 on asyncio protocols and not an HTTP client library: the generator shares the
2 cores with the bot it loads, and every core-second it burns is taken from the machine, not
from the web on the bot's loop. aiohttp's client cost about 350 us of CPU a request, so at
1,500 requests/s the generator alone kept most of a core busy and the bot's round trips
measured the machine's contention (a CPU-bound process with no web traffic at all slowed them
about as much). A crawler on another host costs the bot nothing of the sort, so this one stays
lean: canned request bytes, and a response read only as far as its status line and
Content-Length (the site always sends one). The URLs must share one host and port.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from collections import Counter
from urllib.parse import urlsplit

HEADER_END = b"\r\n\r\n"


class Client(asyncio.Protocol):
    """One keep-alive connection sending the next request as soon as the last response is in."""

    def __init__(
        self, requests: list[bytes], offset: int, statuses: Counter[int], running: list[bool]
    ) -> None:
        self._requests = requests
        self._next = offset
        self._statuses = statuses
        self._running = running
        self._buffer = bytearray()
        self._body_left: int | None = None  # bytes of the current body still to come
        self._transport: asyncio.Transport | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._send()

    def _send(self) -> None:
        assert self._transport is not None
        if not self._running[0]:
            self._transport.close()
            return
        self._transport.write(self._requests[self._next % len(self._requests)])
        self._next += 1

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            if self._body_left is None:
                end = self._buffer.find(HEADER_END)
                if end < 0:
                    return
                head = bytes(self._buffer[:end]).split(b"\r\n")
                self._statuses[int(head[0].split(b" ", 2)[1])] += 1
                length = 0
                for line in head[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                del self._buffer[: end + len(HEADER_END)]
                self._body_left = length
            if len(self._buffer) < self._body_left:
                return
            del self._buffer[: self._body_left]
            self._body_left = None
            self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


def request_bytes(url: str) -> bytes:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: */*\r\n\r\n".encode()


async def main(seconds: float, concurrency: int, urls: list[str]) -> dict[str, object]:
    loop = asyncio.get_running_loop()
    statuses: Counter[int] = Counter()
    running = [True]
    stop = loop.create_future()

    def finish() -> None:
        running[0] = False
        if not stop.done():
            stop.set_result(None)

    loop.add_signal_handler(signal.SIGTERM, finish)
    target = urlsplit(urls[0])
    requests = [request_bytes(url) for url in urls]
    cpu, started = time.process_time(), time.perf_counter()
    host, port = target.hostname or "127.0.0.1", target.port or 80
    clients: list[Client] = []
    for i in range(concurrency):
        client = Client(requests, i, statuses, running)
        await loop.create_connection(lambda: client, host, port)  # noqa: B023 (called before the next turn)
        clients.append(client)
    timer = loop.call_later(seconds, finish)
    await stop
    timer.cancel()
    elapsed = time.perf_counter() - started
    await asyncio.wait([c.closed for c in clients], timeout=5)
    total = sum(statuses.values())
    return {"requests": total, "seconds": round(elapsed, 3), "rps": round(total / elapsed, 1),
            "statuses": {str(k): v for k, v in statuses.items()},
            "cpu_s": round(time.process_time() - cpu, 3)}


if __name__ == "__main__":
    seconds, concurrency, *targets = sys.argv[1:]
    print(json.dumps(asyncio.run(main(float(seconds), int(concurrency), targets))), flush=True)
