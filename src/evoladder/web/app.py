"""The web application: routes, middlewares (rate limit, ETag/304, timing), and the handlers.

Every handler parses its request (:mod:`evoladder.web.params`), calls one method of
:class:`~evoladder.services.public.PublicLadder`, and renders a template or JSON.

Caching and ETags. A page or JSON body is kept with the read-model version it was rendered at
(``PageCache``): the leaderboard by the board's version (which moves with every rating, name,
country or expiry change), a player page by the ladder's version (every player-record and
rating notification) plus a 10-second bucket of time, which bounds how long a match that
changed without moving a rating (a report, a confirmation) can show its previous state. While
the version is unchanged the same bytes and ETag are served without touching a service, and a
conditional request (``If-None-Match``) gets a 304. Routes without a version (a match, the
queue) are rendered each time and their ETag is the hash of the body, so a 304 still saves the
transfer; a match is read each time (one statement), but the service hands out an unchanged
match as the same object, and its page and JSON are kept with that object in the service's
``renderings`` (``services/renderings.py``). Every response carries ``Cache-Control``, and
``Server-Timing`` with the time the server spent on it (what the bench reads).

Rate limit. One token bucket per client (:mod:`evoladder.web.ratelimit`) in front of every route
but the health checks and the metrics: a crawler gets 429 with Retry-After, never the bot's
time.

The bot first. The web runs on the bot's event loop, whose ready callbacks run first come, first
served: every step of a bot interaction (the gateway event, the service call, the HTTP reply)
waits behind the web work the loop was given. Every request but the health checks and the
metrics passes :class:`~evoladder.web.admission.Admission` after the per-client limit: a global
rate (requests spaced evenly, ``EVOLADDER_WEB_GLOBAL_RATE``), at most ``max_concurrency`` at
once, none started while the bot answers an interaction (held a bounded time), and a bounded
number waiting; beyond it a request is refused with 503 and Retry-After. Refusals (429 and 503)
are kept bodies per language, so refusing a crawler costs the loop less than serving it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import datetime
from enum import Enum
from importlib.resources import files
from typing import Any

import orjson
from aiohttp import web
from markupsafe import Markup

from evoladder.domain.errors import LadderError, NotFound, ValidationError
from evoladder.domain.ranks import LETTERS
from evoladder.domain.records import DEFAULT_WINDOWS_DAYS
from evoladder.game import GameData
from evoladder.i18n import ENGLISH, Catalog, Catalogs, active_language, english, names, using
from evoladder.i18n.languages import ENDONYMS
from evoladder.i18n.text import errors as errors_text
from evoladder.logging_setup import event
from evoladder.services.public import (
    BoardQuery,
    PlayerPage,
    PublicLadder,
    PublicPlayer,
    PublicSeason,
    UnknownSeason,
)
from evoladder.web import chart
from evoladder.web.admission import Admission, Saturated
from evoladder.web.card import CardCache, CardRenderer, card_data, match_card_data
from evoladder.web.fragments import BoardFragments
from evoladder.web.metrics import WebMetrics
from evoladder.web.openapi import openapi_document
from evoladder.web.params import (
    BadQuery,
    board_query,
    canonical,
    cursor_text,
    flag,
    path_id,
    positive_int,
)
from evoladder.web.ratelimit import RateLimiter, retry_after_header
from evoladder.web.render import Renderer, Texts

log = logging.getLogger(__name__)

PAGE_CACHE_SIZE = 1024
CHART_CACHE_SIZE = 256
PLAYER_STALE_SECONDS = 10
HTML = "text/html; charset=utf-8"
JSON = "application/json"
CACHE_PAGES = "public, max-age=5"
CACHE_LIVE = "no-cache"
CACHE_STATIC = "public, max-age=86400"
LANG_COOKIE = "lang"
LANG_COOKIE_SECONDS = 365 * 86400
UNLIMITED = frozenset({"/healthz", "/readyz", "/metrics"})

Check = Callable[[], Awaitable[bool]]
DrawnChart = tuple[Hashable, Markup | None, Markup | None]  # (chart key, SVG, JSON)


@dataclass(frozen=True, slots=True)
class Body:
    data: bytes
    content_type: str
    etag: str


def make_body(data: bytes, content_type: str) -> Body:
    return Body(data, content_type, '"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"')


class PageCache:
    """Rendered bodies by request key, each valid while its version is unchanged (LRU-bounded)."""

    def __init__(self, size: int = PAGE_CACHE_SIZE) -> None:
        self._size = size
        self._entries: OrderedDict[Hashable, tuple[Hashable, Body]] = OrderedDict()

    def get(self, key: Hashable, version: Hashable) -> Body | None:
        found = self._entries.get(key)
        if found is None or found[0] != version:
            return None
        self._entries.move_to_end(key)
        return found[1]

    def put(self, key: Hashable, version: Hashable, body: Body) -> None:
        self._entries[key] = (version, body)
        self._entries.move_to_end(key)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)


@dataclass
class WebDeps:
    """What the web needs, handed over by the composition root."""

    public: PublicLadder
    game: GameData
    metrics: WebMetrics
    gateway_ready: Callable[[], bool]
    database_ok: Check
    base_url: str
    public_url: str | None
    limiter: RateLimiter
    trust_forwarded: bool = False
    replay_downloads: bool = False
    admission: Admission = field(default_factory=Admission)
    catalogs: Catalogs | None = None  # the languages the pages speak (English only without)
    clock: Callable[[], float] = time.time


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    raise TypeError(type(value).__name__)


def dump(value: Any) -> bytes:
    return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS)


class Site:
    """The handlers and the state they share (the renderer, the page cache)."""

    def __init__(self, deps: WebDeps, texts: Texts | None = None) -> None:
        self.deps = deps
        self.public = deps.public
        self.texts = texts or Texts()
        self.renderer = Renderer(deps.game, self.texts, deps.base_url)
        self.cache = PageCache()
        self.admission = deps.admission
        self.refusals: dict[tuple[str, int, bool], Body] = {}
        game = deps.game
        self.catalogs = deps.catalogs or Catalogs({ENGLISH: english()})
        common = tuple(c.code for c in game.countries.values() if c.common and c.code != "ZZ")
        self.openapi = make_body(dump(openapi_document(game, deps.base_url)), JSON)
        self.cards = CardCache(CardRenderer())
        self.charts: OrderedDict[tuple[str, int], DrawnChart] = OrderedDict()
        self.heads: OrderedDict[tuple[str, int], tuple[object, Markup]] = OrderedDict()
        self.fragments = BoardFragments(self.texts, game.races, game.countries, common, LETTERS)

    # -- plumbing --------------------------------------------------------------------------------

    def respond(self, request: web.Request, body: Body, cache_control: str = CACHE_PAGES) -> web.Response:
        headers = {"ETag": body.etag, "Cache-Control": cache_control}
        if _matches(request.headers.get("If-None-Match"), body.etag):
            return web.Response(status=304, headers=headers)
        return web.Response(body=body.data, headers={**headers, "Content-Type": body.content_type})

    async def cached(
        self,
        request: web.Request,
        key: Hashable,
        version: Hashable,
        build: Callable[[], Awaitable[Body]],
    ) -> web.Response:
        key = (active_language(), key)  # every page and error is in the request's language
        body = self.cache.get(key, version)
        if body is None:
            body = await build()
            self.cache.put(key, version, body)
        return self.respond(request, body)

    def html(self, template: str, request: web.Request, **context: Any) -> Body:
        text = self.renderer.page(template, path=request.path_qs, lang=active_language(),
                                  languages=self.languages, **context)
        return make_body(text.encode(), HTML)

    def error(self, request: web.Request, status: int, message: str) -> web.Response:
        if request.path.startswith("/api/"):
            data = dump({"error": {"status": status, "message": message}})
            return web.Response(status=status, body=data, content_type=JSON,
                                headers={"Cache-Control": "no-store"})
        page = self.renderer.page("error.html", path=request.path, message=message, lang=active_language(),
                                  languages=self.languages)
        return web.Response(status=status, text=page, content_type="text/html",
                            headers={"Cache-Control": "no-store"})

    def refusal(self, request: web.Request, status: int, retry_after: float) -> web.Response:
        """429 or 503 with Retry-After, from a body kept per language and kind (HTML or JSON): a
        refusal must cost the loop less than the page it refuses."""
        api = request.path.startswith("/api/")
        key = (active_language(), status, api)
        body = self.refusals.get(key)
        if body is None:
            message = self.texts("error.rate_limited")
            if api:
                body = make_body(dump({"error": {"status": status, "message": message}}), JSON)
            else:
                page = self.renderer.page("error.html", path="/", message=message, lang=active_language(),
                                          languages=self.languages)
                body = make_body(page.encode(), HTML)
            self.refusals[key] = body
        return web.Response(status=status, body=body.data, headers={
            "Content-Type": body.content_type, "Cache-Control": "no-store",
            "Retry-After": retry_after_header(retry_after)})

    # -- board -----------------------------------------------------------------------------------

    async def board_body(self, request: web.Request, query: BoardQuery, api: bool) -> Body:
        board = await self.public.board(query)
        if api:
            return make_body(dump(board_json(board)), JSON)

        def page_url(page: int) -> str:
            return str(request.rel_url.update_query(page=page))

        form = self.fragments.form(board.query, board.season, self.public.seasons, board.page, board.pages)
        return self.html(
            "leaderboard.html", request, board=board, form=form, rows=self.fragments.rows(board.rows),
            page_url=page_url,
        )

    async def leaderboard(self, request: web.Request) -> web.Response:
        return await self._board(request, api=False)

    async def api_leaderboard(self, request: web.Request) -> web.Response:
        return await self._board(request, api=True)

    async def _board(self, request: web.Request, *, api: bool) -> web.Response:
        query = self.public.check_board(board_query(request.query))
        # A page's links keep the request's own spelling of the query, so pages key on it too.
        key: Hashable = ("board", api, canonical(query), "" if api else request.query_string)
        return await self.cached(
            request, key, self.public.board_version(), lambda: self.board_body(request, query, api)
        )

    # -- players ---------------------------------------------------------------------------------

    async def search(self, request: web.Request) -> web.Response:
        text = (request.query.get("q") or "").strip()[:32]
        found = await self.public.search(text)
        return self.respond(request, self.html("search.html", request, text=text, found=found))

    async def api_search(self, request: web.Request) -> web.Response:
        text = (request.query.get("q") or "").strip()[:32]
        found = await self.public.search(text)
        return self.respond(request, make_body(dump({"players": [name_json(p) for p in found]}), JSON))

    async def player(self, request: web.Request) -> web.Response:
        return await self._player(request, api=False)

    async def api_player(self, request: web.Request) -> web.Response:
        return await self._player(request, api=True)

    async def _player(self, request: web.Request, *, api: bool) -> web.Response:
        ladder_id = path_id(request.match_info["id"])
        if ladder_id is None:
            raise NotFound()
        page = positive_int(request.query, "page", 1)
        before = positive_int(request.query, "before", None, most=2**53)
        version = (self.public.ladder_version(), int(self.deps.clock() // PLAYER_STALE_SECONDS))

        async def build() -> Body:
            found = await self.public.player_page(ladder_id, page=page, before=before)
            player, points = found.player, found.chart
            if api:
                return make_body(dump(player_json(player, points)), JSON)
            svg, data = self.drawn_chart(ladder_id, found)
            return self.html(
                "player.html", request, player=player, head=self.player_head(ladder_id, player),
                chart_svg=svg, chart_json=data,
                card_url=f"{self.deps.base_url}/players/{ladder_id}/card.png?lang={active_language()}",
            )

        return await self.cached(request, ("player", api, ladder_id, page, before), version, build)

    def drawn_chart(self, ladder_id: int, found: PlayerPage) -> tuple[Markup | None, Markup | None]:
        """The chart as SVG and JSON, kept per player and language while its data is unchanged
        (every page of a player's matches shows the same chart)."""
        key = (active_language(), ladder_id)
        kept = self.charts.get(key)
        if kept is not None and kept[0] == found.chart_key:
            self.charts.move_to_end(key)
            return kept[1], kept[2]
        svg, data = chart.render(found.chart, self.race_name) if found.chart is not None else (None, None)
        self.charts[key] = (found.chart_key, svg, data)
        if len(self.charts) > CHART_CACHE_SIZE:
            self.charts.popitem(last=False)
        return svg, data

    def player_head(self, ladder_id: int, player: PublicPlayer) -> Markup:
        """The top of the player's page (name, summary, the races' table), kept per player and
        language while what it shows is equal: every page of a player's matches, and every page
        built again after someone else's match moved the ladder's version, shows the same top, so
        a page-cache miss renders only its rows. Compared by value (the races carry their windows'
        records), so nothing stale is shown."""
        key = (active_language(), ladder_id)
        shown = (player.player, player.identity, player.region, player.overall, player.overall_win_percent,
                 player.races)
        kept = self.heads.get(key)
        if kept is not None and kept[0] == shown:
            self.heads.move_to_end(key)
            return kept[1]
        head = Markup(self.renderer.page("player_head.html", player=player, windows=DEFAULT_WINDOWS_DAYS))
        self.heads[key] = (shown, head)
        if len(self.heads) > CHART_CACHE_SIZE:
            self.heads.popitem(last=False)
        return head

    async def card(self, request: web.Request) -> web.Response:
        """The player's 1200x630 link-preview PNG (og:image), kept per player and what it shows."""
        ladder_id = path_id(request.match_info["id"])
        if ladder_id is None:
            raise NotFound()
        found = await self.public.player_page(ladder_id)
        player, points = found.player, found.chart
        data = card_data(player, self.race_name, self.country_name, self.deps.base_url, points)
        newest = player.matches[0].match_id if player.matches else None
        key = (active_language(), ladder_id, newest, data.name, data.country, data.lines,
               points.points if points else 0)
        png = await self.cards.card(key, data)
        return self.respond(request, make_body(png, "image/png"), "public, max-age=300")

    async def match_card(self, request: web.Request) -> web.Response:
        """The match's 1200x630 link-preview PNG (og:image), kept per match version and language."""
        match_id = path_id(request.match_info["id"])
        if match_id is None:
            raise NotFound()
        match = await self.public.match(match_id)
        data = match_card_data(match, self.texts, self.race_name, self.deps.base_url)
        key = (active_language(), "match", match_id, match.version, data)
        png = await self.cards.card(key, data)
        return self.respond(request, make_body(png, "image/png"), "public, max-age=300")

    def race_name(self, code: str) -> str:
        """A race as the game shows it in the request's language."""
        return names.race(self.deps.game.races.get(code), code)

    def country_name(self, code: str) -> str | None:
        found = self.deps.game.countries.get(code)
        return names.country(found) if found is not None else None

    # -- matches, queue, seasons -------------------------------------------------------------------

    async def match(self, request: web.Request) -> web.Response:
        return await self._match(request, api=False)

    async def api_match(self, request: web.Request) -> web.Response:
        return await self._match(request, api=True)

    async def _match(self, request: web.Request, *, api: bool) -> web.Response:
        match_id = path_id(request.match_info["id"])
        if match_id is None:
            raise NotFound()
        match = await self.public.match(match_id)
        lang = active_language()
        if api:
            def render() -> Body:
                return make_body(dump(match_json(match)), JSON)
            return self.respond(request, self.public.renderings.get(match, ("match.json",), render))

        def render_page() -> Body:
            card_url = f"{self.deps.base_url}/matches/{match_id}/card.png?lang={lang}"
            return self.html("match.html", request, match=match, downloads=self.deps.replay_downloads,
                             card_url=card_url)

        # The service hands out an unchanged match as the same object; its page is kept with it.
        key = ("match.html", lang, request.path_qs, self.deps.replay_downloads)
        return self.respond(request, self.public.renderings.get(match, key, render_page))

    async def replay(self, request: web.Request) -> web.Response:
        match_id = path_id(request.match_info["id"])
        number = path_id(request.match_info["n"])
        if not self.deps.replay_downloads or match_id is None or number is None:
            raise NotFound()
        name, data = await self.public.replay_file(match_id, number)
        return web.Response(body=data, headers={
            "Content-Type": "application/octet-stream", "Cache-Control": "public, max-age=86400",
            "Content-Disposition": f'attachment; filename="{name}"',
        })

    async def queue(self, request: web.Request) -> web.Response:
        queue = await self.public.queue()
        self.deps.metrics.set_queue(queue.total, queue.by_race)
        return self.respond(request, self.html("queue.html", request, queue=queue), CACHE_LIVE)

    async def api_queue(self, request: web.Request) -> web.Response:
        queue = await self.public.queue()
        return self.respond(request, make_body(dump(queue_json(queue)), JSON), CACHE_LIVE)

    async def api_seasons(self, request: web.Request) -> web.Response:
        current = self.public.current_season
        data = {"current": season_json(current) if current else None,
                "seasons": [season_json(s) for s in self.public.seasons]}
        return self.respond(request, make_body(dump(data), JSON))

    async def api_openapi(self, request: web.Request) -> web.Response:
        return self.respond(request, self.openapi)

    # -- operations ------------------------------------------------------------------------------

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"}, headers={"Cache-Control": "no-store"})

    async def readyz(self, request: web.Request) -> web.Response:
        gateway = self.deps.gateway_ready()
        database = await self.deps.database_ok()
        ok = gateway and database
        return web.json_response(
            {"status": "ready" if ok else "not ready", "gateway": gateway, "database": database},
            status=200 if ok else 503, headers={"Cache-Control": "no-store"},
        )

    async def metrics(self, request: web.Request) -> web.Response:
        queue = await self.public.queue()
        metrics = self.deps.metrics
        metrics.set_queue(queue.total, queue.by_race)
        metrics.ranked_rows.set(self.public.ranked_total())
        return web.Response(
            body=metrics.render(), headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8",
                                            "Cache-Control": "no-store"},
        )

    # -- middlewares -----------------------------------------------------------------------------

    @web.middleware
    async def guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        started = time.perf_counter()
        route = request.match_info.route.resource.canonical if request.match_info.route.resource else "-"
        catalog, chosen = self.language_of(request)
        with using(catalog):
            response = await self._guarded(request, handler, started, route)
        response.headers["Vary"] = "Accept-Language, Cookie"
        response.headers["Content-Language"] = catalog.language
        if chosen and request.cookies.get(LANG_COOKIE) != catalog.language:
            response.set_cookie(LANG_COOKIE, catalog.language, max_age=LANG_COOKIE_SECONDS, samesite="Lax")
        return response

    async def _guarded(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
        started: float, route: str,
    ) -> web.StreamResponse:
        metrics = self.deps.metrics
        response: web.StreamResponse
        try:
            try:
                if request.path in UNLIMITED:
                    response = await handler(request)
                else:
                    wait = self.deps.limiter.take(self.client_of(request))
                    if wait > 0:
                        metrics.rate_limited.inc()
                        response = self.refusal(request, 429, wait)
                        return response
                    try:
                        async with self.admission.slot():
                            response = await handler(request)
                    except Saturated as exc:
                        metrics.saturated.inc()
                        response = self.refusal(request, 503, exc.retry_after)
                        return response
            except BadQuery as exc:
                response = self.error(request, 400, self.texts("error.bad_request", detail=str(exc)))
            except UnknownSeason as exc:
                response = self.error(request, 404, error_text(exc))
            except NotFound:
                response = self.error(request, 404, self.texts("error.not_found"))
            except ValidationError as exc:
                response = self.error(request, 400, self.texts("error.bad_request", detail=exc.message))
            except LadderError as exc:
                response = self.error(request, 400, self.texts("error.bad_request", detail=exc.message))
            except web.HTTPException as exc:
                if exc.status == 404:
                    response = self.error(request, 404, self.texts("error.not_found"))
                elif exc.status == 405:
                    raise
                else:
                    raise
            # The server's own time, for a browser's dev tools and the bench (Server-Timing).
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.3f}"
            return response
        finally:
            elapsed = time.perf_counter() - started
            status = str(getattr(locals().get("response"), "status", 500))
            metrics.requests.labels(route=route, status=status).inc()
            metrics.latency.labels(route=route).observe(elapsed)

    @property
    def languages(self) -> tuple[tuple[str, str], ...]:
        """(code, the language's name in itself) of every language the pages speak."""
        return tuple((code, ENDONYMS.get(code, code))
                     for code in self.catalogs.languages)

    def language_of(self, request: web.Request) -> tuple[Catalog, bool]:
        """The request's language: ``?lang=`` (then kept in a cookie), the ``lang`` cookie, then the
        browser's ``Accept-Language``; English otherwise. True when ``?lang=`` chose it."""
        known = self.catalogs.languages
        asked = request.query.get("lang")
        if asked in known:
            return self.catalogs.get(asked), True
        cookie = request.cookies.get(LANG_COOKIE)
        if cookie in known:
            return self.catalogs.get(cookie), False
        for tag in _accepted(request.headers.get("Accept-Language", "")):
            for code in known:
                if tag == code.lower() or tag.split("-")[0] == code.lower().split("-")[0]:
                    return self.catalogs.get(code), False
        return self.catalogs.english, False

    def client_of(self, request: web.Request) -> str:
        if self.deps.trust_forwarded:
            forwarded = request.headers.get("X-Forwarded-For")
            if forwarded:
                return forwarded.split(",")[0].strip()
        return request.remote or "-"


def error_text(exc: LadderError) -> str:
    """An error's text in the request's language (its key in the catalogs' ``[errors]``)."""
    found = errors_text.get(exc.key, "") if exc.key else ""
    if found:
        return found.format(**exc.params) if exc.params else found
    return exc.message


def _accepted(header: str) -> list[str]:
    """Accept-Language's tags, most wanted first (``q`` weights; malformed parts skipped)."""
    tags: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")[:20]):
        tag, _, weight = part.strip().partition(";")
        try:
            q = float(weight.strip().removeprefix("q=")) if weight else 1.0
        except ValueError:
            continue
        if tag and q > 0:
            tags.append((-q, i, tag.strip().lower()))
    return [t for _, _, t in sorted(tags)]


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def create_app(deps: WebDeps, texts: Texts | None = None) -> web.Application:
    site = Site(deps, texts)
    app = web.Application(middlewares=[site.guard])
    r = app.router
    r.add_get("/", site.leaderboard)
    r.add_get("/leaderboard", site.leaderboard)
    r.add_get("/players", site.search)
    r.add_get("/players/{id}", site.player)
    r.add_get("/players/{id}/card.png", site.card)
    r.add_get("/matches/{id}", site.match)
    r.add_get("/matches/{id}/card.png", site.match_card)
    r.add_get("/matches/{id}/replays/{n}", site.replay)
    r.add_get("/queue", site.queue)
    r.add_get("/api/v1/leaderboard", site.api_leaderboard)
    r.add_get("/api/v1/players", site.api_search)
    r.add_get("/api/v1/players/{id}", site.api_player)
    r.add_get("/api/v1/matches/{id}", site.api_match)
    r.add_get("/api/v1/queue", site.api_queue)
    r.add_get("/api/v1/seasons", site.api_seasons)
    r.add_get("/api/v1/openapi.json", site.api_openapi)
    r.add_get("/healthz", site.healthz)
    r.add_get("/readyz", site.readyz)
    r.add_get("/metrics", site.metrics)
    static = files("evoladder.web") / "static"
    r.add_static("/static", str(static), append_version=False)
    event(log, "web.app_built", routes=len(r.routes()))
    return app


# -- JSON shapes (described in evoladder.web.openapi) ------------------------------------------------


def name_json(name: Any) -> dict[str, Any]:
    return {"id": name.ladder_id, "name": name.name, "country": name.country}


def season_json(season: PublicSeason) -> dict[str, Any]:
    return {"id": season.id, "name": season.name, "current": season.current,
            "started_at": season.started_at, "ended_at": season.ended_at}


def board_json(board: Any) -> dict[str, Any]:
    q = board.query
    return {
        "season": season_json(board.season) if board.season else None,
        "final": board.final,
        "filters": {"races": list(q.races), "countries": list(q.countries), "letter": q.letter,
                    "best_only": q.best_only},
        "page": board.page,
        "pages": board.pages,
        "page_size": board.page_size,
        "total": board.total,
        "ranked_total": board.ranked_total,
        "next_page": board.page + 1 if board.page < board.pages else None,
        "next_cursor": cursor_text(board.next_after),
        "rows": [
            {"position": r.position, "global_rank": r.global_rank, "letter": r.letter, "race": r.race,
             "mmr": r.mmr, "player": name_json(r.player)}
            for r in board.rows
        ],
    }


def _record(record: Any) -> dict[str, int]:
    return {"wins": record.wins, "losses": record.losses, "draws": record.draws}


def _recent(recent: Mapping[int, Any]) -> dict[str, Any]:
    return {str(days): _record(r) for days, r in recent.items()}


def player_json(player: Any, points: Any) -> dict[str, Any]:
    return {
        "player": name_json(player.player),
        "region": player.region,
        "identity": ({"discord_name": player.identity[0], "battletag": player.identity[1]}
                     if player.identity else None),
        "overall": {"record": _record(player.overall), "win_percent": player.overall_win_percent,
                    "recent": _recent(player.recent)},
        "last_played": player.last_played,
        "races": [
            {"race": r.race, "played": r.played, "mmr": r.mmr, "letter": r.letter,
             "global_rank": r.global_rank, "record": _record(r.record), "win_percent": r.win_percent,
             "recent": _recent(r.recent), "last_played": r.last_played}
            for r in player.races
        ],
        "matches": {
            "page": player.matches_page,
            "pages": player.matches_pages,
            "total": player.matches_total,
            "next_cursor": player.next_cursor,
            "items": [
                {"id": m.match_id, "played_at": m.played_at, "race": m.race,
                 "opponent": name_json(m.opponent) if m.opponent else None,
                 "opponent_race": m.opponent_race, "outcome": m.outcome, "mmr_change": m.mmr_change}
                for m in player.matches
            ],
        },
        "chart": chart.as_json(points),
    }


def match_json(match: Any) -> dict[str, Any]:
    return {
        "id": match.match_id,
        "status": match.status,
        "revealed": match.revealed,
        "map": match.map_name,
        "server": match.server,
        "played_at": match.played_at,
        "confirmed_at": match.confirmed_at,
        "finalized_at": match.finalized_at,
        "result": match.result,
        "sides": [
            {"slot": s.slot, "player": name_json(s.player) if s.player else None, "race": s.race,
             "mmr_before": s.mmr_before, "report": s.report, "mmr_change": s.mmr_change,
             "confirmed_at": s.confirmed_at, "reported_at": s.reported_at}
            for s in match.sides
        ],
        "replays": [
            {"uploaded_at": r.uploaded_at, "uploader_slot": r.uploader_slot, "critical_ok": r.critical_ok,
             "checks": [{"check": c.check, "passed": c.passed, "critical": c.critical} for c in r.checks]}
            for r in match.replays
        ],
    }


def queue_json(queue: Any) -> dict[str, Any]:
    return {
        "next_wave_at": queue.next_wave_at,
        "active_players": queue.active_players,
        "total": queue.total,
        "bw": queue.bw,
        "sc2": queue.sc2,
        "by_race": dict(queue.by_race),
    }


__all__ = ["WebDeps", "create_app", "flag"]
