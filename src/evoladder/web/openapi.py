"""The OpenAPI 3.1 document of the JSON API, served at ``/api/v1/openapi.json``.

Its schemas are JSON Schema 2020-12 (as OpenAPI 3.1 has them), so a test validates every API
response against the document itself; a change of a response shape that the document does not
follow fails there.
"""

from __future__ import annotations

from typing import Any

from evoladder.domain.ranks import LETTERS
from evoladder.game import GameData


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [schema, {"type": "null"}]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


INT = {"type": "integer"}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(props), "properties": props, "additionalProperties": False}


def _param(name: str, description: str, schema: dict[str, Any], *, where: str = "query",
           many: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "in": where, "description": description,
                           "required": where == "path"}
    out["schema"] = {"type": "array", "items": schema} if many else schema
    if many:
        out["style"], out["explode"] = "form", True
    return out


def _ok(schema: str, description: str) -> dict[str, Any]:
    return {
        "200": {"description": description, "headers": {"ETag": {"schema": STR}},
                "content": {"application/json": {"schema": _ref(schema)}}},
        "304": {"description": "Not modified (If-None-Match matched the ETag)."},
        "400": {"description": "A bad query value.",
                "content": {"application/json": {"schema": _ref("Error")}}},
        "404": {"description": "Not found.", "content": {"application/json": {"schema": _ref("Error")}}},
        "429": {"description": "Too many requests from this client; see Retry-After.",
                "headers": {"Retry-After": {"schema": INT}},
                "content": {"application/json": {"schema": _ref("Error")}}},
    }


def openapi_document(game: GameData, base_url: str) -> dict[str, Any]:
    races = list(game.races)
    race = {"type": "string", "enum": races}
    letter = {"type": "string", "enum": [*LETTERS, "U"]}
    record = _ref("Record")
    name = _ref("PlayerName")
    season = _ref("Season")
    schemas: dict[str, Any] = {
        "Season": _obj({"id": INT, "name": STR, "current": BOOL, "started_at": TIME,
                        "ended_at": _nullable(TIME)}),
        "Error": _obj({"error": _obj({"status": INT, "message": STR})}),
        "PlayerName": _obj({"id": _nullable(INT), "name": STR, "country": _nullable(STR)}),
        "Record": _obj({"wins": INT, "losses": INT, "draws": INT}),
        "Recent": {"type": "object", "additionalProperties": record,
                   "description": "Days of the trailing window -> W-L-D in it."},
        "Leaderboard": _obj({
            "season": _nullable(season),
            "final": {**BOOL, "description": "A closed season's final board (ranks as at its end)."},
            "filters": _obj({"races": {"type": "array", "items": race},
                             "countries": {"type": "array", "items": STR},
                             "letter": _nullable(letter), "best_only": BOOL}),
            "page": INT, "pages": INT, "page_size": INT, "total": INT, "ranked_total": INT,
            "next_page": _nullable(INT),
            "next_cursor": {**_nullable(STR), "description": "Pass as cursor (with the same filters and "
                            "season) for the rows after this page; null on the last page."},
            "rows": {"type": "array", "items": _obj({
                "position": INT, "global_rank": INT, "letter": letter, "race": race, "mmr": INT,
                "player": name,
            })},
        }),
        "PlayerSearch": _obj({"players": {"type": "array", "items": name}}),
        "Chart": _obj({
            "series": {"type": "array", "items": _obj({
                "race": race, "t": {"type": "array", "items": INT}, "r": {"type": "array", "items": INT},
            })},
            "breaks": {"type": "array", "items": INT},
        }),
        "Player": _obj({
            "player": name,
            "region": _nullable(STR),
            "identity": _nullable(_obj({"discord_name": STR, "battletag": _nullable(STR)})),
            "overall": _obj({"record": record, "win_percent": _nullable({"type": "number"}),
                             "recent": _ref("Recent")}),
            "last_played": _nullable(TIME),
            "races": {"type": "array", "items": _obj({
                "race": race, "played": BOOL, "mmr": _nullable(INT), "letter": letter,
                "global_rank": _nullable(INT), "record": record, "win_percent": _nullable({"type": "number"}),
                "recent": _ref("Recent"), "last_played": _nullable(TIME),
            })},
            "matches": _obj({
                "page": INT, "pages": INT, "total": INT, "next_cursor": _nullable(INT),
                "items": {"type": "array", "items": _obj({
                    "id": INT, "played_at": TIME, "race": race, "opponent": _nullable(name),
                    "opponent_race": _nullable(race),
                    "outcome": {"type": "string",
                                "enum": ["win", "loss", "draw", "open", "conflict", "void"]},
                    "mmr_change": _nullable(INT),
                })},
            }),
            "chart": _nullable(_ref("Chart")),
        }),
        "Match": _obj({
            "id": INT,
            "status": {"type": "string", "enum": ["found", "confirmed", "final", "conflict", "aborted",
                                                  "abandoned", "invalidated"]},
            "revealed": BOOL,
            "map": _nullable(STR), "server": _nullable(STR),
            "played_at": TIME, "confirmed_at": _nullable(TIME), "finalized_at": _nullable(TIME),
            "result": _nullable(INT),
            "sides": {"type": "array", "minItems": 2, "maxItems": 2, "items": _obj({
                "slot": INT, "player": _nullable(name), "race": _nullable(race), "mmr_before": _nullable(INT),
                "report": _nullable(INT), "mmr_change": _nullable(INT), "confirmed_at": _nullable(TIME),
                "reported_at": _nullable(TIME),
            })},
            "replays": {"type": "array", "items": _obj({
                "uploaded_at": TIME, "uploader_slot": _nullable(INT), "critical_ok": BOOL,
                "checks": {"type": "array", "items": _obj({"check": STR, "passed": BOOL, "critical": BOOL})},
            })},
        }),
        "Queue": _obj({
            "next_wave_at": TIME, "active_players": INT, "total": INT, "bw": INT, "sc2": INT,
            "by_race": {"type": "object", "additionalProperties": INT},
        }),
        "Seasons": _obj({"current": _nullable(season), "seasons": {"type": "array", "items": season}}),
    }
    board_params = [
        _param("race", "Races (repeat or comma separate); none means all.", race, many=True),
        _param("country", "Country codes; ZZ means every country outside the common list.", STR, many=True),
        _param("letter", "One rank letter.", {"type": "string", "enum": list(LETTERS)}),
        _param("best", "Only each player's best race (1 or 0).", {"type": "string", "enum": ["0", "1"]}),
        _param("page", "1-based page number.", {"type": "integer", "minimum": 1}),
        _param("season", "A season id from /api/v1/seasons (the current season by default); a closed "
               "season gives its final board. Not a whole number: 400; unknown: 404.",
               {"type": "integer", "minimum": 1}),
        _param("cursor", "The next_cursor of the previous page: the rows after it, stable while "
               "ratings move (page is then ignored).", {"type": "string", "pattern": "^[0-9a-f]{1,40}$"}),
    ]
    positive = {"type": "integer", "minimum": 1}
    id_param = _param("id", "The ladder id (never a Discord id).", positive, where="path")
    paths = {
        "/api/v1/leaderboard": {"get": {
            "summary": "The leaderboard, filtered and paged (40 rows a page, as in the bot).",
            "operationId": "leaderboard", "parameters": board_params,
            "responses": _ok("Leaderboard", "One page of the board.")}},
        "/api/v1/players": {"get": {
            "summary": "Find players whose ladder name starts with q.", "operationId": "searchPlayers",
            "parameters": [_param("q", "The start of a ladder name.", STR)],
            "responses": _ok("PlayerSearch", "Matching players.")}},
        "/api/v1/players/{id}": {"get": {
            "summary": "A player's ratings, statistics, rating history and matches.",
            "operationId": "player",
            "parameters": [id_param,
                           _param("page", "Page of the matches (20 a page).", positive),
                           _param("before", "Cursor: matches older than this match id.", positive)],
            "responses": _ok("Player", "The player.")}},
        "/api/v1/matches/{id}": {"get": {
            "summary": "One match.", "operationId": "match",
            "parameters": [{**id_param, "description": "The match id."}],
            "responses": _ok("Match", "The match.")}},
        "/api/v1/queue": {"get": {"summary": "The live queue.", "operationId": "queue",
                                  "responses": _ok("Queue", "Queue counts and the next wave.")}},
        "/api/v1/seasons": {"get": {"summary": "Every season, newest first (ids for the season parameter).",
                                    "operationId": "seasons",
                                    "responses": _ok("Seasons", "The seasons.")}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "evoladder ladder API", "version": "1",
                 "description": "Read-only public data of the ladder. Players are addressed by ladder id; "
                                "Discord ids, Discord names and BattleTags are never part of it.",
                 "license": {"name": "MIT", "identifier": "MIT"}},
        "servers": [{"url": base_url}],
        "paths": paths,
        "components": {"schemas": schemas},
    }
