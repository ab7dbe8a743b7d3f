"""The web as a browser or a script uses it: every route, its status, what it shows, what it must
never show, the API beside each page validated against the served OpenAPI document, ETags and
304s, and the per-client rate limit."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from matchkit import seed_match
from openapi_spec_validator import validate as validate_openapi
from PIL import Image
from prometheus_client.parser import text_string_to_metric_families
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy import update
from webkit import ALICE, BOB, CAROL, DAVE, ERIN, World, seed, served

from evoladder.domain.match_state import Resolution
from evoladder.domain.players import MmrRow
from evoladder.domain.rating import Outcome
from evoladder.i18n import Catalogs, names, using
from evoladder.i18n.text import web as web_text
from evoladder.store.repositories.replays import NewReplay, ReplayRepository
from evoladder.store.schema import players
from evoladder.store.uow import Database
from evoladder.web.admission import Admission
from evoladder.web.card import CardData, CardLine, CardRenderer, match_card_data
from evoladder.web.render import Texts


@pytest.fixture
async def world(db: Database) -> World:
    return await seed(db)


def _validator(document: dict[str, Any], name: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource("urn:openapi", DRAFT202012.create_resource(document))
    return Draft202012Validator({"$ref": f"urn:openapi#/components/schemas/{name}"}, registry=registry)


async def _ids(client: Any, ladder: Any) -> dict[int, int]:
    ids = await ladder.public.ids.of([ALICE, BOB, CAROL, DAVE])
    return dict(ids)


async def test_pages_api_and_openapi(db_url: str, tmp_path: Path, world: World) -> None:
    async with served(db_url, tmp_path, world.clock) as (client, ladder):
        ids = await _ids(client, ladder)
        doc_response = await client.get("/api/v1/openapi.json")
        assert doc_response.status == 200
        document = await doc_response.json()
        validate_openapi(document)  # a valid OpenAPI 3.1 document

        # The leaderboard: Alice and Bob ranked after their game, Alice first, linked by ladder id.
        page = await client.get("/leaderboard")
        assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
        html = await page.text()
        assert f'href="/players/{ids[ALICE]}">Main{ALICE}</a>' in html
        assert html.index(f"Main{ALICE}") < html.index(f"Main{BOB}")
        api = await client.get("/api/v1/leaderboard")
        board = await api.json()
        _validator(document, "Leaderboard").validate(board)
        assert [r["player"]["name"] for r in board["rows"]][:2] == [f"Main{ALICE}", f"Main{BOB}"]
        assert board["rows"][0]["player"]["id"] == ids[ALICE]
        assert board["rows"][0]["global_rank"] == 1

        # Filters: a race, a country ("Other" means every country outside the common list).
        zerg = await (await client.get("/api/v1/leaderboard?race=bw_zerg")).json()
        assert [r["player"]["name"] for r in zerg["rows"]] == [f"Main{ALICE}"]
        other = await (await client.get("/api/v1/leaderboard?country=ZZ")).json()
        assert other["rows"] == []  # the seeded players are in DE, a common country
        de = await (await client.get("/api/v1/leaderboard?country=de&best=1&page=1")).json()
        assert {r["player"]["name"] for r in de["rows"]} >= {f"Main{ALICE}", f"Main{BOB}"}
        assert "bw_zerg" in await (await client.get("/leaderboard?race=bw_zerg&letter=S")).text()

        # The player page and its JSON.
        alice = await client.get(f"/players/{ids[ALICE]}")
        assert alice.status == 200
        text = await alice.text()
        assert f"Main{ALICE}" in text and f"/matches/{world.final.id}" in text
        assert f"Main{BOB}" in text  # the opponent of a finished match
        assert 'property="og:title"' in text
        player = await (await client.get(f"/api/v1/players/{ids[ALICE]}")).json()
        _validator(document, "Player").validate(player)
        assert player["matches"]["items"][0]["outcome"] == "win"
        assert player["matches"]["items"][0]["mmr_change"] > 0
        # The chart comes from the rating history: one point per change, the rating after it.
        change = player["matches"]["items"][0]["mmr_change"]
        (series,) = player["chart"]["series"]
        assert series["race"] == world.final.race_1 and series["r"] == [1600 + change]
        assert len(series["t"]) == 1
        assert "<svg" in text  # the server-drawn chart, for readers without JavaScript
        erin_id = dict(await ladder.public.ids.of([ERIN]))[ERIN]
        erin = await (await client.get(f"/api/v1/players/{erin_id}")).json()
        assert erin["chart"] is None  # a rating that never changed has no history to draw

        # The match page: a finished match shows both players; an unconfirmed one shows neither.
        final = await client.get(f"/matches/{world.final.id}")
        final_text = await final.text()
        assert final.status == 200 and f"Main{ALICE}" in final_text and f"Main{BOB}" in final_text
        match = await (await client.get(f"/api/v1/matches/{world.final.id}")).json()
        _validator(document, "Match").validate(match)
        assert match["result"] == 1 and match["sides"][0]["mmr_change"] == -match["sides"][1]["mmr_change"]
        hidden = await (await client.get(f"/matches/{world.hidden.id}")).text()
        assert f"Main{CAROL}" not in hidden and f"Main{DAVE}" not in hidden
        hidden_json = await (await client.get(f"/api/v1/matches/{world.hidden.id}")).json()
        _validator(document, "Match").validate(hidden_json)
        assert hidden_json["revealed"] is False and hidden_json["sides"][0]["player"] is None
        carol = await (await client.get(f"/api/v1/players/{ids[CAROL]}")).json()
        assert carol["matches"]["items"][0]["opponent"] is None  # nobody learns the opponent early

        # The live queue, search, seasons.
        queue = await (await client.get("/api/v1/queue")).json()
        _validator(document, "Queue").validate(queue)
        assert queue["total"] == 1 and queue["by_race"]["sc2_protoss"] == 1
        assert (await client.get("/queue")).status == 200
        found = await (await client.get(f"/api/v1/players?q=main{ALICE}")).json()
        _validator(document, "PlayerSearch").validate(found)
        assert [p["id"] for p in found["players"]] == [ids[ALICE]]
        assert f"/players/{ids[ALICE]}" in await (await client.get(f"/players?q=Main{ALICE}")).text()
        seasons = await (await client.get("/api/v1/seasons")).json()
        _validator(document, "Seasons").validate(seasons)


async def test_privacy_no_discord_id_name_or_battletag_anywhere(
    db_url: str, tmp_path: Path, world: World
) -> None:
    async with served(db_url, tmp_path, world.clock) as (client, ladder):
        ids = await _ids(client, ladder)
        paths = ["/leaderboard", "/api/v1/leaderboard", f"/matches/{world.final.id}",
                 f"/api/v1/matches/{world.final.id}", "/queue", "/api/v1/queue"]
        for uid in (ALICE, BOB):
            paths += [f"/players/{ids[uid]}", f"/api/v1/players/{ids[uid]}"]
        for path in paths:
            body = await (await client.get(path)).text()
            for uid in (ALICE, BOB):
                assert f"player{uid}" not in body, path  # the Discord name
                assert f"#{1000 + uid % 1000}" not in body, path  # the BattleTag
        # Players are addressed by ladder id: a Discord id is not an address.
        assert ALICE not in ids.values()
        assert (await client.get(f"/players/{ALICE}")).status == 404
        # A player who opts in shows their Discord name and BattleTag on their own page only.
        await ladder.deps.accounts.set_public_identity(ALICE, True)
        page = await (await client.get(f"/players/{ids[ALICE]}?page=1")).text()
        assert f"player{ALICE}" in page and f"#{1000 + ALICE % 1000}" in page
        shown = await (await client.get(f"/api/v1/players/{ids[ALICE]}?page=1")).json()
        tag = f"Main{ALICE}#{1000 + ALICE}"
        assert shown["identity"] == {"discord_name": f"player{ALICE}", "battletag": tag}
        assert f"player{ALICE}" not in await (await client.get("/api/v1/leaderboard")).text()
        await ladder.deps.accounts.set_public_identity(ALICE, False)
        hidden = await (await client.get(f"/api/v1/players/{ids[ALICE]}?page=2")).json()
        assert hidden["identity"] is None


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/players/999999", 404), ("/players/abc", 404), ("/matches/999999", 404), ("/matches/0", 404),
        ("/api/v1/players/999999", 404), ("/api/v1/matches/nope", 404), ("/nothing-here", 404),
        ("/matches/1/replays/1", 404),  # replay downloads are off unless the setting allows them
        ("/leaderboard?page=abc", 400), ("/leaderboard?page=0", 400), ("/leaderboard?race=zerg", 400),
        ("/leaderboard?country=QQ", 400), ("/leaderboard?letter=Q", 400), ("/leaderboard?best=maybe", 400),
        ("/leaderboard?season=nope", 400), ("/api/v1/leaderboard?page=-1", 400),
        ("/api/v1/players/1?page=x", 400), ("/api/v1/leaderboard?race=" + ",".join(["x"] * 400), 400),
    ],
)
async def test_unknown_and_bad_requests_are_404_and_400_never_500(
    db_url: str, tmp_path: Path, world: World, path: str, status: int
) -> None:
    async with served(db_url, tmp_path, world.clock) as (client, _ladder):
        response = await client.get(path)
        assert response.status == status, await response.text()
        if path.startswith("/api/"):
            body = await response.json()
            assert body["error"]["status"] == status and body["error"]["message"]


async def test_etag_gives_304_until_the_board_changes(db_url: str, tmp_path: Path, world: World) -> None:
    async with served(db_url, tmp_path, world.clock) as (client, ladder):
        paths = ("/leaderboard", "/api/v1/leaderboard", f"/matches/{world.final.id}", "/api/v1/openapi.json")
        for path in paths:
            first = await client.get(path)
            etag = first.headers["ETag"]
            assert first.headers["Cache-Control"]
            again = await client.get(path, headers={"If-None-Match": etag})
            assert again.status == 304 and again.headers["ETag"] == etag
        etag = (await client.get("/api/v1/leaderboard")).headers["ETag"]
        # A rating moves: the board's version moves, so the same request is no longer "not modified".
        row = MmrRow(id=10_000, discord_uid=BOB, race="sc2_terran", mmr=2500, games_played=1, games_won=1,
                     games_lost=0, games_drawn=0, last_played=world.clock.now())
        ladder.services.read_models.mmr_changed([row])
        after = await client.get("/api/v1/leaderboard", headers={"If-None-Match": etag})
        assert after.status == 200
        assert (await after.json())["rows"][0]["player"]["name"] == f"Main{BOB}"


async def test_rate_limit_answers_429_with_retry_after(db_url: str, tmp_path: Path, world: World) -> None:
    ticker = [0.0]
    async with served(db_url, tmp_path, world.clock, rate=1.0, burst=3, ticker=ticker) as (client, _ladder):
        statuses = [(await client.get("/api/v1/seasons")).status for _ in range(3)]
        assert statuses == [200, 200, 200]
        limited = await client.get("/api/v1/seasons")
        assert limited.status == 429 and int(limited.headers["Retry-After"]) >= 1
        assert (await client.get("/healthz")).status == 200  # health checks are never limited
        ticker[0] += 1.0  # a second later one token is back
        assert (await client.get("/api/v1/seasons")).status == 200


async def test_a_saturated_site_answers_503_with_retry_after(
    db_url: str, tmp_path: Path, world: World
) -> None:
    # One request at a time and none may wait: while one holds the slot, the next is refused.
    admission = Admission(concurrency=1, max_waiting=0)
    async with served(db_url, tmp_path, world.clock, admission=admission) as (client, _ladder):
        assert (await client.get("/api/v1/seasons")).status == 200
        assert admission.enter() is None  # a request in flight
        refused = await client.get("/api/v1/seasons")
        assert refused.status == 503 and int(refused.headers["Retry-After"]) >= 1
        assert (await refused.json())["error"]["message"] == web_text.ERROR_RATE_LIMITED
        page = await client.get("/leaderboard")
        assert page.status == 503 and int(page.headers["Retry-After"]) >= 1
        assert web_text.ERROR_RATE_LIMITED in await page.text()
        assert (await client.get("/healthz")).status == 200  # the probes never wait for the gate
        metrics = await (await client.get("/metrics")).text()
        assert "evoladder_web_saturated_total 2.0" in metrics
        admission.leave()
        assert (await client.get("/api/v1/seasons")).status == 200
        assert admission.running == 0


async def test_health_readiness_and_metrics(db_url: str, tmp_path: Path, world: World) -> None:
    async with served(db_url, tmp_path, world.clock) as (client, ladder):
        assert (await client.get("/healthz")).status == 200
        ready = await client.get("/readyz")  # the bot is built but not connected to a gateway
        assert ready.status == 503
        assert (await ready.json()) == {"status": "not ready", "gateway": False, "database": True}
        await client.get("/leaderboard")
        metrics = await client.get("/metrics")
        assert metrics.status == 200
        families = {f.name: f for f in text_string_to_metric_families(await metrics.text())}
        assert "evoladder_web_requests" in families
        assert any(s.labels.get("race") == "sc2_protoss" and s.value == 1
                   for s in families["evoladder_queue_size"].samples)
        assert "evoladder_player_cache_hit_rate_percent" in families  # the admin snapshot's counters
        assert "evoladder_outbound_pending" in families
        # Discord answers 429 twice (a channel's limit, then the global one): counted by scope.
        ladder.deps.outbound.observe("POST", "/api/v10/channels/7/messages", 429, {"Retry-After": "0.5"})
        ladder.deps.outbound.observe("POST", "/api/v10/channels/7/messages", 429,
                                     {"Retry-After": "0.5", "X-RateLimit-Global": "true"})
        again = await (await client.get("/metrics")).text()
        parsed = {f.name: f for f in text_string_to_metric_families(again)}
        limited = parsed["evoladder_outbound_rate_limited"]
        assert {s.labels["scope"]: s.value for s in limited.samples} == {"route": 1, "global": 1}


async def test_static_files_are_vendored(db_url: str, tmp_path: Path, world: World) -> None:
    async with served(db_url, tmp_path, world.clock) as (client, _ladder):
        for path in ("/static/style.css", "/static/chart.js", "/static/uplot/uPlot.iife.min.js",
                     "/static/uplot/LICENSE"):
            assert (await client.get(path)).status == 200, path


async def test_player_card_is_a_1200x630_png_named_on_the_page(
    db_url: str, tmp_path: Path, world: World
) -> None:
    async with served(db_url, tmp_path, world.clock) as (client, ladder):
        ids = await _ids(client, ladder)
        page = await (await client.get(f"/players/{ids[ALICE]}")).text()
        card = f"http://localhost:8080/players/{ids[ALICE]}/card.png?lang=en"
        assert f'property="og:image" content="{card}"' in page
        response = await client.get(f"/players/{ids[ALICE]}/card.png")
        assert response.status == 200 and response.headers["Content-Type"] == "image/png"
        image = Image.open(io.BytesIO(await response.read()))
        assert image.size == (1200, 630)
        etag = response.headers["ETag"]
        again = await client.get(f"/players/{ids[ALICE]}/card.png", headers={"If-None-Match": etag})
        assert again.status == 304
        assert (await client.get("/players/999999/card.png")).status == 404
        # In Korean the card is drawn again, from the Korean names (a different image).
        korean = await client.get(f"/players/{ids[ALICE]}/card.png?lang=ko")
        assert korean.status == 200 and await korean.read() != await response.read()


async def test_match_card_in_the_viewers_language(db_url: str, tmp_path: Path, world: World) -> None:
    async with served(db_url, tmp_path, world.clock) as (client, _ladder):
        page = await (await client.get(f"/matches/{world.final.id}?lang=ru")).text()
        url = f"http://localhost:8080/matches/{world.final.id}/card.png?lang=ru"
        assert f'property="og:image" content="{url}"' in page
        assert 'name="twitter:card" content="summary_large_image"' in page
        images = {}
        for lang in ("en", "ru"):
            response = await client.get(f"/matches/{world.final.id}/card.png?lang={lang}")
            assert response.status == 200 and response.headers["Content-Type"] == "image/png"
            images[lang] = await response.read()
            assert Image.open(io.BytesIO(images[lang])).size == (1200, 630)
        assert images["en"] != images["ru"]
        # A match still waiting for confirmations has a card too, without its players.
        assert (await client.get(f"/matches/{world.hidden.id}/card.png")).status == 200
        assert (await client.get("/matches/999999/card.png")).status == 404


async def test_card_texts_come_from_the_catalogs_and_the_games_names(
    db_url: str, tmp_path: Path, world: World
) -> None:
    async with served(db_url, tmp_path, world.clock) as (_client, ladder):
        match = await ladder.public.match(world.final.id)
        catalogs = Catalogs.load()
        game = ladder.core.game
        race = lambda code: names.race(game.races.get(code), code)  # noqa: E731
        with using(catalogs.get("ko")):
            data = match_card_data(match, Texts(), race, "https://ladder.example")
            korean_zerg = race("bw_zerg")
            korean_title = Texts()("match.title", id=world.final.id)
        with using(catalogs.get("en")):
            english = match_card_data(match, Texts(), race, "https://ladder.example")
        assert data.title == korean_title != english.title == f"Match {world.final.id}"
        assert data.sides[0].race == korean_zerg != english.sides[0].race == "BW Zerg"
        assert data.result != english.result and data.sides[0].change.startswith("+")


def test_card_without_a_cjk_font_says_so_and_draws_no_empty_boxes(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        renderer = CardRenderer(cjk=(), plain=())
    assert any("web.card_font_fallback" in r.getMessage() for r in caplog.records)
    assert renderer.text("테란왕", 7) == "#7"  # nothing the font lacks is drawn
    assert renderer.text("Über카", 7) == "Über"
    data = CardData(7, "테란왕", "Korea", (CardLine("BW Zerg", 1600, "A"),), "http://x", None)
    assert Image.open(io.BytesIO(renderer.render(data))).size == (1200, 630)


async def test_pages_speak_the_visitors_language(db_url: str, tmp_path: Path, world: World) -> None:
    async with served(db_url, tmp_path, world.clock) as (client, _ladder):
        chosen = await client.get("/leaderboard?lang=ko")
        page = await chosen.text()
        assert '<html lang="ko">' in page and "순위표" in page
        assert "스1 저그" in page  # the catalog's own race name
        assert chosen.cookies["lang"].value == "ko"  # kept for the next pages
        assert chosen.headers["Content-Language"] == "ko" and "Accept-Language" in chosen.headers["Vary"]
        assert "순위표" in await (await client.get("/leaderboard")).text()  # the cookie remembers
        client.session.cookie_jar.clear()
        russian = await client.get("/queue", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
        assert "Очередь" in await russian.text()
        english = await client.get("/leaderboard", headers={"Accept-Language": "fr-FR"})
        assert '<html lang="en">' in await english.text()
        error = await client.get("/leaderboard?page=x&lang=es")
        assert error.status == 400 and "no es válida" in await error.text()


async def test_the_chart_is_read_once_for_every_page_until_a_rating_moves(
    db: Database, db_url: str, tmp_path: Path, world: World
) -> None:
    async with served(db_url, tmp_path, world.clock) as (client, ladder):
        ids = await _ids(client, ladder)
        history = ladder.services.history
        reads: list[tuple[int, str]] = []
        read = history.chart

        async def counted(uid: int, race: str, **kw: Any) -> Any:
            reads.append((uid, race))
            return await read(uid, race, **kw)

        history.chart = counted  # type: ignore[method-assign]
        for path in (f"/players/{ids[ALICE]}", f"/players/{ids[ALICE]}?page=2",
                     f"/api/v1/players/{ids[ALICE]}?page=3", f"/players/{ids[ALICE]}/card.png"):
            assert (await client.get(path)).status == 200, path
        per_read = len(ladder.core.game.races)  # one history read per race
        assert len(reads) == per_read
        # Alice plays again (a new history row and a rating that moved): the next page reads it.
        again = await seed_match(db, ALICE, BOB, now=world.clock.now(), create_players=False)
        matches = ladder.services.matches
        for uid in (ALICE, BOB):
            await matches.confirm(again.id, uid)
        for uid in (ALICE, BOB):
            await matches.report(again.id, uid, Outcome.PLAYER_1)
        assert (await client.get(f"/players/{ids[ALICE]}?page=4")).status == 200
        assert len(reads) == 2 * per_read


async def test_a_match_page_is_kept_until_the_match_its_replays_or_names_change(
    db: Database, db_url: str, tmp_path: Path, world: World
) -> None:
    async with served(db_url, tmp_path, world.clock) as (client, ladder):
        replays = ladder.services.replays
        reads: list[int] = []
        read = replays.for_match

        async def counted(match_id: int, **kw: Any) -> Any:
            reads.append(match_id)
            return await read(match_id, **kw)

        replays.for_match = counted  # type: ignore[method-assign]
        final = f"/matches/{world.final.id}"
        first = await client.get(final)
        again = await client.get(final)
        assert (await first.text()) == (await again.text()) and first.headers["ETag"] == again.headers["ETag"]
        assert (await client.get(final, headers={"If-None-Match": first.headers["ETag"]})).status == 304
        assert reads == []  # a match without replays needs no second read

        # A replay arrives: the page and its JSON list it (and it is read once, then kept).
        async with db.transaction() as uow:
            await ReplayRepository(uow.conn).insert(NewReplay(
                world.final.id, ALICE, "f" * 64, "k", 10, world.clock.now(), None, "Map", True, True,
                ALICE, None, {"checks": []},
            ))
        for path in (final, f"/api/v1/matches/{world.final.id}", final):
            assert (await client.get(path)).status == 200
        listed = await (await client.get(f"/api/v1/matches/{world.final.id}")).json()
        assert len(listed["replays"]) == 1 and reads == [world.final.id]

        # An admin decides the finished match again: the page shows the new result at once, and
        # so does the row of that match on the player's page (its rows are kept per line).
        ids = await _ids(client, ladder)
        assert 'r-win">Victoria' in await (await client.get(f"/players/{ids[ALICE]}?lang=es")).text()
        matches = ladder.services.matches
        await matches.admin_resolve(world.final.id, Resolution.DRAW, 1, "mistake")
        resolved = await (await client.get(f"/api/v1/matches/{world.final.id}")).json()
        assert resolved["result"] == 0
        assert 'r-draw">' in await (await client.get(f"/players/{ids[ALICE]}?lang=es")).text()

        # The hidden match shows its players as soon as both confirmed (its version moved).
        hidden = f"/api/v1/matches/{world.hidden.id}"
        assert (await (await client.get(hidden)).json())["revealed"] is False
        for uid in (CAROL, DAVE):
            await matches.confirm(world.hidden.id, uid)
        assert (await (await client.get(hidden)).json())["revealed"] is True

        # A player renames: the match page shows the new name.
        async with db.transaction() as uow:
            await uow.conn.execute(update(players).where(players.c.discord_uid == ALICE)
                                   .values(main_id="Renamed"))
        assert "Renamed" in await (await client.get(final)).text()


async def test_a_player_page_shows_a_rename_at_the_next_request(
    db_url: str, tmp_path: Path, world: World
) -> None:
    """The page reads the player's record through the player cache: a writer's invalidation (a
    new setup, a country) shows on the next page, though the record was cached by the page."""
    async with served(db_url, tmp_path, world.clock) as (client, ladder):
        ids = await _ids(client, ladder)
        path = f"/players/{ids[ALICE]}"
        assert f"Main{ALICE}" in await (await client.get(path)).text()
        cache = ladder.services.read_models.players
        assert cache.get(ALICE) is not None  # the page left the record in the cache

        await ladder.services.accounts.complete_setup(ALICE, "Renamed", "Renamed#1234", [], "FR", "EUW")
        text = await (await client.get(path)).text()
        assert "Renamed" in text and f"Main{ALICE}" not in text
        api = await (await client.get(f"/api/v1/players/{ids[ALICE]}?before=999999")).json()
        assert api["player"]["name"] == "Renamed" and api["player"]["country"] == "FR"

        await ladder.services.accounts.set_country(ALICE, "JP")
        assert (await (await client.get(f"/api/v1/players/{ids[ALICE]}")).json())["player"]["country"] == "JP"
