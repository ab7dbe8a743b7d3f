"""The gateway: Discord's websocket protocol (v10, JSON, optional zlib-stream) for the bot.

Protocol as Discord speaks it: HELLO on connect; IDENTIFY -> READY (guilds unavailable) then one
GUILD_CREATE per guild; HEARTBEAT -> HEARTBEAT_ACK; every dispatch numbered per session; RESUME
replays what the bot missed and ends with RESUMED; INVALID_SESSION when a session cannot be
resumed; RECONNECT on request. Close codes follow Discord (4001 unknown opcode, 4002 decode
error, 4003 not authenticated, 4004 authentication failed, 4005 already authenticated, 4009
session timed out, 4012 invalid API version, 4013/4014 invalid/disallowed intents).

A session outlives its connection: events dispatched while the bot is disconnected are kept
(up to ``replay_limit``) for a RESUME within ``resume_window`` seconds. A client close with 1000
or 1001 ends the session, as on Discord. Tests drop connections with :meth:`Gateway.drop`.

Frames are encoded and queued synchronously in dispatch order and written by one task per
connection, so sequence numbers and the zlib stream never interleave.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from . import payloads
from .world import GUILD_MEMBERS, MESSAGE_CONTENT, Build, World

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE, RESUME, RECONNECT = 0, 1, 2, 3, 4, 6, 7
REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 8, 9, 10, 11
GUILD_PRESENCES = 1 << 8
PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
ALL_INTENTS = (1 << 26) - 1
ENDS_SESSION = frozenset({1000, 1001})
MEMBER_CHUNK = 1000  # members per GUILD_MEMBERS_CHUNK, as Discord pages them

Json = dict[str, Any]


class Encoder:
    """JSON text frames, or one zlib stream with a Z_SYNC_FLUSH per message (``zlib-stream``)."""

    def __init__(self, compress: str | None) -> None:
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None

    def encode(self, payload: Json) -> str | bytes:
        text = json.dumps(payload, separators=(",", ":"))
        if self._zlib is None:
            return text
        return self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)


@dataclass
class Session:
    """A gateway session: its numbering, what it missed, and its current connection."""

    id: str
    intents: int
    seq: int = 0
    buffer: deque[Json] = field(default_factory=deque)
    connection: Connection | None = None
    disconnected_at: float | None = None


class Connection:
    """One websocket; frames leave through a single writer task, in order."""

    def __init__(self, request: web.Request, ws: web.WebSocketResponse, encoder: Encoder) -> None:
        self.request = request
        self.ws = ws
        self.encoder = encoder
        self.session: Session | None = None
        self.closed_by_server = False
        self.done = asyncio.Event()
        self._queue: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write_loop())

    def send(self, payload: Json) -> None:
        self._queue.put_nowait(self.encoder.encode(payload))

    async def _write_loop(self) -> None:
        while (frame := await self._queue.get()) is not None:
            try:
                if isinstance(frame, bytes):
                    await self.ws.send_bytes(frame)
                else:
                    await self.ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return

    async def close(self, code: int, reason: str = "") -> None:
        """Close after the frames already queued (a close must not overtake a dispatch)."""
        self.closed_by_server = True
        self._queue.put_nowait(None)
        await self._writer
        await self.ws.close(code=code, message=reason.encode())

    def stop_writing(self) -> None:
        """End the writer task once the socket is gone (else it waits for frames forever and is
        destroyed pending when the server shuts down)."""
        self._queue.put_nowait(None)

    def abort(self) -> None:
        """Drop the TCP connection without a close frame, like a network failure."""
        self.closed_by_server = True
        self._queue.put_nowait(None)
        transport = self.request.transport
        if transport is not None:
            transport.abort()


class Gateway:
    """Serves the bot's websocket and dispatches events to its sessions."""

    def __init__(
        self, world: World, *, heartbeat_interval: float = 41.25, resume_window: float = 120.0,
        replay_limit: int = 10_000, allowed_intents: int = ALL_INTENTS,
    ) -> None:
        self.world = world
        self.heartbeat_interval = heartbeat_interval
        self.resume_window = resume_window
        self.replay_limit = replay_limit
        self.allowed_intents = allowed_intents
        self.url = ""
        self.sessions: dict[str, Session] = {}
        self.connections: set[Connection] = set()
        self.identify_count = 0
        self.resume_count = 0
        self.replayed_count = 0
        self.compressions: list[str | None] = []
        self.connected = asyncio.Event()

    # -- dispatch ----------------------------------------------------------------------

    def dispatch(
        self, event: str, build: Build, *, intent: int | None = None, strip_content: bool = False
    ) -> None:
        """Send an event to every session that may receive it (and keep it for a RESUME)."""
        self._expire_sessions()
        data: Json | None = None
        for session in list(self.sessions.values()):
            if intent is not None and not session.intents & intent:
                continue
            data = build() if data is None else data
            shown = data
            if strip_content and not session.intents & MESSAGE_CONTENT:
                shown = data | {"content": "", "embeds": [], "attachments": [], "components": []}
            self._send(session, event, shown)

    def _send(self, session: Session, event: str, data: Json) -> None:
        session.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.buffer.append(frame)
        if len(session.buffer) > self.replay_limit:
            session.buffer.popleft()
        if session.connection is not None:
            session.connection.send(frame)

    def _expire_sessions(self) -> None:
        now = time.monotonic()
        for session in list(self.sessions.values()):
            gone = session.disconnected_at
            if session.connection is None and gone is not None and now - gone > self.resume_window:
                log.info("gateway session %s expired", session.id)
                del self.sessions[session.id]

    # -- connection handling -----------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        query = request.query
        compress = query.get("compress")
        self.compressions.append(compress)
        if compress not in (None, "zlib-stream"):
            log.info("gateway compression %s not supported: sending JSON text frames", compress)
        conn = Connection(request, ws, Encoder(compress))
        self.connections.add(conn)
        try:
            if query.get("v") != "10" or query.get("encoding", "json") != "json":
                await conn.close(4012, "Invalid API version")
                return ws
            conn.send({"op": HELLO, "d": {"heartbeat_interval": int(self.heartbeat_interval * 1000)}})
            await self._read_loop(conn)
        finally:
            self._detach(conn)
        return ws

    async def _read_loop(self, conn: Connection) -> None:
        timeout = self.heartbeat_interval * 2 + 5
        while not conn.ws.closed:
            try:
                msg = await conn.ws.receive(timeout=timeout)
            except TimeoutError:
                await conn.close(4009, "Session timed out")
                return
            if msg.type == WSMsgType.TEXT:
                await self._on_text(conn, msg.data)
            elif msg.type == WSMsgType.BINARY:
                await conn.close(4002, "Decode error")
            else:
                return

    def _detach(self, conn: Connection) -> None:
        self.connections.discard(conn)
        conn.stop_writing()
        conn.done.set()
        session = conn.session
        if session is not None and session.connection is conn:
            session.connection = None
            session.disconnected_at = time.monotonic()
            code = conn.ws.close_code
            if not conn.closed_by_server and code in ENDS_SESSION:
                del self.sessions[session.id]
                log.info("gateway session %s closed by the client (%s)", session.id, code)
            else:
                log.info("gateway session %s disconnected (%s)", session.id, code)
        self._update_connected()

    def _update_connected(self) -> None:
        if any(s.connection is not None for s in self.sessions.values()):
            self.connected.set()
        else:
            self.connected.clear()
        self.world.feed.notify(("gateway",))

    # -- opcodes -----------------------------------------------------------------------

    async def _on_text(self, conn: Connection, text: str) -> None:
        try:
            payload = json.loads(text)
            op, data = payload["op"], payload.get("d")
        except (ValueError, KeyError, TypeError):
            await conn.close(4002, "Decode error")
            return
        if op == HEARTBEAT:
            conn.send({"op": HEARTBEAT_ACK})
        elif op in (IDENTIFY, RESUME) and conn.session is not None:
            await conn.close(4005, "Already authenticated")
        elif op == IDENTIFY:
            await self._identify(conn, data or {})
        elif op == RESUME:
            await self._resume(conn, data or {})
        elif conn.session is None:
            await conn.close(4003, "Not authenticated")
        elif op == REQUEST_MEMBERS:
            self._member_chunk(conn.session, data or {})
        elif op not in (PRESENCE, VOICE):
            await conn.close(4001, "Unknown opcode")

    async def _identify(self, conn: Connection, data: Json) -> None:
        if data.get("token") != self.world.state.token:
            await conn.close(4004, "Authentication failed")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0:
            await conn.close(4013, "Invalid intent(s)")
            return
        if intents & ~self.allowed_intents:
            await conn.close(4014, "Disallowed intent(s)")
            return
        shard = data.get("shard")
        if shard is not None and list(shard) != [0, 1]:
            await conn.close(4010, "Invalid shard")
            return
        session = Session(secrets.token_hex(16), intents, connection=conn)
        self.sessions[session.id] = session
        conn.session = session
        self.identify_count += 1
        log.info("gateway IDENTIFY: session %s, intents %s", session.id, intents)
        self._send(session, "READY", self._ready(session, shard))
        state = self.world.state
        for guild in state.guilds.values():
            if state.bot.id in guild.members:
                self._send(session, "GUILD_CREATE", payloads.guild_create(state, guild, all_members=False))
        self._update_connected()

    def _ready(self, session: Session, shard: Any) -> Json:
        state = self.world.state
        ready: Json = {
            "v": 10,
            "user": payloads.user(state.bot) | {"verified": True, "mfa_enabled": False, "email": None},
            "guilds": [
                {"id": str(g.id), "unavailable": True}
                for g in state.guilds.values()
                if state.bot.id in g.members
            ],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.url,
            "application": {"id": str(state.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["evoladder-sandbox"],
        }
        if shard is not None:
            ready["shard"] = list(shard)
        return ready

    async def _resume(self, conn: Connection, data: Json) -> None:
        if data.get("token") != self.world.state.token:
            await conn.close(4004, "Authentication failed")
            return
        session = self.sessions.get(str(data.get("session_id")))
        seq = data.get("seq")
        if session is None or not isinstance(seq, int) or not self._can_replay(session, seq):
            log.info("gateway RESUME refused for %s", data.get("session_id"))
            conn.send({"op": INVALID_SESSION, "d": False})
            return
        if session.connection is not None:
            session.connection.abort()
        session.connection, session.disconnected_at = conn, None
        conn.session = session
        self.resume_count += 1
        missed = [frame for frame in session.buffer if frame["s"] > seq]
        log.info("gateway RESUME: session %s from seq %s, replaying %s", session.id, seq, len(missed))
        for frame in missed:
            conn.send(frame)
        self.replayed_count += len(missed)
        self._send(session, "RESUMED", {"_trace": ["evoladder-sandbox"]})
        self._update_connected()

    def _can_replay(self, session: Session, seq: int) -> bool:
        if seq > session.seq:
            return False
        oldest = session.buffer[0]["s"] if session.buffer else session.seq + 1
        return seq >= oldest - 1

    def _member_chunk(self, session: Session, data: Json) -> None:
        state = self.world.state
        guild = state.guilds.get(int(data.get("guild_id") or 0))
        if guild is None:
            return
        wanted = {int(u) for u in data.get("user_ids") or []}
        query = str(data.get("query") or "").lower()
        limit = int(data.get("limit") or 0) or len(guild.members)
        members = [
            m for m in guild.members.values()
            if (not wanted or m.user_id in wanted)
            and state.users[m.user_id].username.lower().startswith(query)
        ][:limit]
        pages = [members[i : i + MEMBER_CHUNK] for i in range(0, len(members), MEMBER_CHUNK)] or [[]]
        for index, page in enumerate(pages):
            chunk: Json = {
                "guild_id": str(guild.id),
                "members": [payloads.member(state, m) for m in page],
                "chunk_index": index,
                "chunk_count": len(pages),
            }
            if data.get("nonce") is not None:
                chunk["nonce"] = data["nonce"]
            self._send(session, "GUILD_MEMBERS_CHUNK", chunk)

    # -- test controls -----------------------------------------------------------------

    async def drop(self, close_code: int | None = None) -> None:
        """Cut every live connection (abort the TCP stream, or send ``close_code``).

        Sessions stay resumable: events dispatched from now on are replayed on RESUME.
        """
        live = [c for c in self.connections if c.session is not None]
        for conn in live:
            session_id = conn.session.id if conn.session else "-"
            log.info("gateway: dropping the connection of session %s (%s)", session_id, close_code)
            if close_code is None:
                conn.abort()
            else:
                await conn.close(close_code, "dropped by the sandbox")
        for conn in live:
            await conn.done.wait()

    def request_reconnect(self) -> None:
        """Send RECONNECT (op 7): the bot closes and resumes."""
        for conn in self.connections:
            if conn.session is not None:
                conn.send({"op": RECONNECT, "d": None})

    def invalidate_sessions(self, resumable: bool = False) -> None:
        """Send INVALID_SESSION; unless ``resumable`` the sessions are forgotten (re-IDENTIFY)."""
        for conn in self.connections:
            if conn.session is not None:
                conn.send({"op": INVALID_SESSION, "d": resumable})
                if not resumable:
                    self.sessions.pop(conn.session.id, None)
                    conn.session = None

    async def close(self) -> None:
        """Server shutdown: close every connection with 1001 (going away)."""
        for conn in list(self.connections):
            await conn.close(1001, "server shutting down")
