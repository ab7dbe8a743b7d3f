"""The REST layer: one pipeline every ``/api/v10`` request goes through.

For each request, in Discord's order: authenticate (``Authorization: Bot <token>`` where Discord
requires it), apply the rate limit of the route's bucket, parse the body (JSON, or multipart with
``payload_json`` and ``files[n]``), validate query and body against the packaged OpenAPI schemas,
run the handler, and add the rate-limit headers. Any refusal is answered with Discord's error JSON
and recorded in the violation log (429s are recorded as rate-limit hits instead, since handling
them is part of a client's normal job).

Handlers live in ``routes_*.py``; each declares its routes with the spec's path templates, which
also name the rate-limit buckets (``"POST /channels/{channel_id}/messages"``).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from . import errors
from .errors import DiscordHTTPError
from .messages import UploadedFile
from .payloads import ATTACHMENT_SIZE_LIMIT
from .ratelimit import Decision, RateLimiter
from .validation import SpecValidator
from .violations import Violation, ViolationLog

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
FILE_FIELD = re.compile(r"^files?\[?(\d*)\]?$")
NO_CONTENT = object()


@dataclass
class Call:
    """What a handler gets: path parameters, query, parsed body and uploaded files."""

    request: web.Request
    params: Mapping[str, str]
    query: Mapping[str, str]
    body: Any = None
    files: list[UploadedFile] = field(default_factory=list)
    received_perf: float = field(default_factory=time.perf_counter)

    def snowflake(self, name: str, unknown: Callable[[], DiscordHTTPError]) -> int:
        """A path id; a malformed one is as unknown as a missing one."""
        try:
            return int(self.params[name])
        except (KeyError, ValueError):
            raise unknown() from None

    def json(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}


Handler = Callable[[Call], Awaitable[Any]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    auth: bool = True
    major: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


class RestApi:
    """Mounts routes on an aiohttp app behind the common pipeline."""

    def __init__(
        self, token: str, spec: SpecValidator, limiter: RateLimiter, violations: ViolationLog
    ) -> None:
        self.token = token
        self.spec = spec
        self.limiter = limiter
        self.violations = violations

    def mount(self, app: web.Application, routes: list[Route]) -> None:
        for route in routes:
            app.router.add_route(route.method, API_PREFIX + route.path, self._endpoint(route))
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._unknown_route)

    def _endpoint(self, route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def endpoint(request: web.Request) -> web.StreamResponse:
            return await self._serve(route, request)

        return endpoint

    async def _unknown_route(self, request: web.Request) -> web.StreamResponse:
        return self._refuse(request, errors.route_not_found(), {})

    async def _serve(self, route: Route, request: web.Request) -> web.StreamResponse:
        arrived = time.perf_counter()
        headers: dict[str, str] = {}
        try:
            if route.auth and request.headers.get("Authorization") != f"Bot {self.token}":
                raise errors.unauthorized()
            major = "/".join(request.match_info.get(p, "") for p in route.major)
            decision = self.limiter.check(route.key, major)
            headers = decision.headers
            if not decision.allowed:
                return _too_many(decision)
            call = await self._call(route, request, arrived)
            result = await route.handler(call)
        except DiscordHTTPError as exc:
            return self._refuse(request, exc, headers)
        except Exception:
            log.exception("sandbox bug while serving %s %s", request.method, request.path)
            return self._refuse(request, DiscordHTTPError(500, 0, "500: Internal Server Error"), headers)
        headers = headers | {"Via": "1.1 google"}
        log.debug("%s %s -> %s", request.method, request.path, 204 if result is NO_CONTENT else 200)
        if result is NO_CONTENT:
            return web.Response(status=204, headers=headers)
        return json_response(result, 200, headers)

    async def _call(self, route: Route, request: web.Request, arrived: float) -> Call:
        call = Call(request, request.match_info, request.query, received_perf=arrived)
        if request.method in ("POST", "PUT", "PATCH") and request.can_read_body:
            call.body, call.files = await read_body(request)
        operation = self.spec.operation(route.method, route.path)
        if operation is not None:
            problems = self.spec.check_query(operation, call.query)
            if operation.body_pointer is not None:
                problems += self.spec.check_body(operation, call.body)
            if problems:
                raise errors.invalid_form_body(problems)
        return call

    def _refuse(
        self, request: web.Request, exc: DiscordHTTPError, headers: Mapping[str, str]
    ) -> web.Response:
        self.violations.record(
            Violation(request.method, request.path, exc.status, exc.code, exc.message, exc.errors)
        )
        out = dict(headers) | {"Via": "1.1 google"}
        return json_response(exc.body(), exc.status, out)


def _too_many(decision: Decision) -> web.Response:
    return json_response(decision.body(), 429, decision.headers)


def json_response(value: Any, status: int, headers: Mapping[str, str]) -> web.Response:
    """JSON with Discord's exact ``Content-Type`` (discord.py compares it verbatim)."""
    body = json.dumps(value, separators=(",", ":")).encode()
    out = dict(headers) | {"Content-Type": "application/json"}
    return web.Response(body=body, status=status, headers=out)


async def read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    """A JSON body, or a multipart body's ``payload_json`` and its ``files[n]`` parts."""
    if request.content_type.startswith("multipart/"):
        return await _read_multipart(request)
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        raise errors.invalid_json() from None


async def _read_multipart(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    reader = await request.multipart()
    body: Any = None
    files: list[UploadedFile] = []
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        data = await part.read(decode=False)
        name = part.name or ""
        if name == "payload_json":
            try:
                body = json.loads(data)
            except ValueError:
                raise errors.invalid_json() from None
        elif (match := FILE_FIELD.match(name)) is not None:
            files.append(_upload(match, len(files), part, bytes(data)))
    return body, files


def _upload(match: re.Match[str], position: int, part: BodyPartReader, data: bytes) -> UploadedFile:
    if len(data) > ATTACHMENT_SIZE_LIMIT:
        raise DiscordHTTPError(413, 40005, "Request entity too large")
    index = int(match.group(1)) if match.group(1) else position
    content_type = part.headers.get("Content-Type")
    return UploadedFile(index, part.filename or f"file{index}", data, content_type)
