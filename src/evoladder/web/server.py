"""Serving the web application on the running event loop (the bot's), and stopping it.

``WebServer.start`` binds and returns the address the site is reachable at; ``close`` stops
accepting, lets requests in flight finish for a short grace, and releases the socket. The
composition root starts it once the ladder is built and closes it before the bot.
"""

from __future__ import annotations

import logging

from aiohttp import web

from evoladder.logging_setup import event

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 3.0


class WebServer:
    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._app = app
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self) -> int:
        """Bind and serve; returns the port (the chosen one when asked for port 0)."""
        runner = web.AppRunner(self._app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE_SECONDS)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port, reuse_address=True)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        server = site._server  # the asyncio server: the only place the bound port is known
        sockets = getattr(server, "sockets", None) or ()
        self.port = sockets[0].getsockname()[1] if sockets else self._port
        event(log, "web.started", host=self._host, port=self.port)
        return self.port

    async def close(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
            event(log, "web.stopped")
