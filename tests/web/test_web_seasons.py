"""Past seasons and deep paging on the web: the season picker lists every season by id, a closed
season's final board is served as archived (page and JSON, validated against the OpenAPI
document), bad season values are a 400 and unknown ones a 404, and the board's cursor walks the
whole board once even while ratings move."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from webkit import ALICE, BOB, World, seed, served

from evoladder.domain.players import MmrRow
from evoladder.store.uow import Database

OWNER = 999


@pytest.fixture
async def world(db: Database) -> World:
    return await seed(db)


def _validator(document: dict[str, Any], name: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource("urn:openapi", DRAFT202012.create_resource(document))
    return Draft202012Validator({"$ref": f"urn:openapi#/components/schemas/{name}"}, registry=registry)


async def test_a_closed_seasons_final_board_and_the_picker(db_url: str, tmp_path: Path, world: World) -> None:
    async with served(db_url, tmp_path, world.clock) as (client, ladder):
        document = await (await client.get("/api/v1/openapi.json")).json()
        first = ladder.public.current_season
        assert first is not None
        before = await (await client.get("/api/v1/leaderboard")).json()  # kept in the page cache
        assert len(before["rows"]) == 2
        await ladder.services.roster.sync_owners([OWNER])
        plan = await ladder.services.seasons.preview(OWNER, name="Season Two")
        await ladder.services.seasons.start(OWNER, plan, "the web test's season start")

        seasons = await (await client.get("/api/v1/seasons")).json()
        _validator(document, "Seasons").validate(seasons)
        assert [s["current"] for s in seasons["seasons"]] == [True, False]  # newest first
        assert seasons["current"]["name"] == "Season Two"
        assert seasons["seasons"][1]["id"] == first.id and seasons["seasons"][1]["ended_at"]

        # The closed season's board is its final board: Alice and Bob as they stood at the close.
        final = await (await client.get(f"/api/v1/leaderboard?season={first.id}")).json()
        _validator(document, "Leaderboard").validate(final)
        assert final["final"] is True and final["season"]["id"] == first.id
        assert [r["player"]["name"] for r in final["rows"]] == [f"Main{ALICE}", f"Main{BOB}"]
        assert [r["global_rank"] for r in final["rows"]] == [1, 2]
        # The new season starts empty (its counters start again), and is the default.
        live = await (await client.get("/api/v1/leaderboard")).json()
        _validator(document, "Leaderboard").validate(live)
        assert live["final"] is False and live["season"]["name"] == "Season Two" and live["rows"] == []
        # Filters apply to a final board as to the live one.
        zerg = await (await client.get(f"/api/v1/leaderboard?season={first.id}&race=bw_zerg")).json()
        assert [r["player"]["name"] for r in zerg["rows"]] == [f"Main{ALICE}"]

        page = await (await client.get(f"/leaderboard?season={first.id}")).text()
        assert 'id="final-note"' in page and f"Main{ALICE}" in page
        assert f'<option value="{first.id}" selected>' in page  # the picker shows where we are
        assert "Season Two (current)" in page
        korean = await (await client.get(f"/leaderboard?season={first.id}&lang=ko")).text()
        assert "최종 순위" in korean

        for path, status in ((f"/api/v1/leaderboard?season={first.id + 50}", 404),
                             (f"/leaderboard?season={first.id + 50}", 404),
                             ("/api/v1/leaderboard?season=0", 400), ("/api/v1/leaderboard?season=1.5", 400),
                             ("/api/v1/leaderboard?season=S1", 400)):
            response = await client.get(path)
            assert response.status == status, path
        missing = await (await client.get(f"/api/v1/leaderboard?season={first.id + 50}&lang=en")).json()
        assert missing["error"]["message"] == "That season does not exist on this ladder."


async def test_the_cursor_walks_the_whole_board_once_while_ratings_move(
    db_url: str, tmp_path: Path, world: World
) -> None:
    async with served(db_url, tmp_path, world.clock) as (client, ladder):
        document = await (await client.get("/api/v1/openapi.json")).json()
        now = world.clock.now()
        rows = [MmrRow(id=20_000 + i, discord_uid=5_000 + i, race="sc2_zerg", mmr=1000 + 10 * i,
                       games_played=1, games_won=1, games_lost=0, games_drawn=0, last_played=now)
                for i in range(90)]
        ladder.services.read_models.mmr_changed(rows)
        first = await (await client.get("/api/v1/leaderboard")).json()
        assert first["total"] == 92 and first["next_cursor"]
        seen = [(r["race"], r["mmr"]) for r in first["rows"]]
        cursor = first["next_cursor"]
        # Between two requests a row already seen drops below the cursor: it is not repeated.
        top = rows[-1]
        ladder.services.read_models.mmr_changed([MmrRow(
            id=top.id, discord_uid=top.discord_uid, race=top.race, mmr=1001, games_played=2, games_won=1,
            games_lost=1, games_drawn=0, last_played=now)])
        while cursor:
            body = await (await client.get(f"/api/v1/leaderboard?cursor={cursor}")).json()
            _validator(document, "Leaderboard").validate(body)
            seen += [(r["race"], r["mmr"]) for r in body["rows"] if r["mmr"] != 1001]
            cursor = body["next_cursor"]
        assert len(seen) == len(set(seen)) == 92
        assert (await client.get("/api/v1/leaderboard?cursor=XYZ")).status == 400
        assert (await client.get("/api/v1/leaderboard?cursor=" + "f" * 41)).status == 400
