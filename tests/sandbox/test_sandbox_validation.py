"""Validation without a bot: Discord's schemas, its unstated limits, and the REST error shape."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from evoladder.sandbox import LocalDiscord, limits
from evoladder.sandbox.errors import error_tree
from evoladder.sandbox.validation import SpecValidator


@pytest.fixture(scope="module")
def spec() -> SpecValidator:
    return SpecValidator()


def _errors(spec: SpecValidator, method: str, path: str, body: Any) -> dict[str, Any]:
    operation = spec.operation(method, path)
    assert operation is not None
    return error_tree(spec.check_body(operation, body))


def test_schema_errors_have_discords_paths_and_codes(spec: SpecValidator) -> None:
    body = {
        "content": "ok",
        "embeds": [{"title": "t" * 257, "fields": [{"name": "n"}]}],
        "components": [
            {"type": 1, "components": [{"type": 2, "style": 9, "label": "x", "custom_id": "a"}]},
            {"type": 99},
        ],
    }
    tree = _errors(spec, "POST", "/channels/{channel_id}/messages", body)
    assert tree["embeds"]["0"]["title"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    assert tree["embeds"]["0"]["fields"]["0"]["value"]["_errors"][0]["code"] == "BASE_TYPE_REQUIRED"
    assert tree["components"]["0"]["components"]["0"]["style"]["_errors"][0]["code"] == "BASE_TYPE_CHOICES"
    assert tree["components"]["1"]["type"]["_errors"][0]["code"] == "UNION_TYPE_CHOICES"
    assert "content" not in tree


def test_snowflakes_may_be_integers(spec: SpecValidator) -> None:
    assert _errors(spec, "POST", "/users/@me/channels", {"recipient_id": 1234}) == {}
    assert _errors(spec, "POST", "/users/@me/channels", {"recipient_id": "12a"}) != {}


def test_query_parameters_are_validated(spec: SpecValidator) -> None:
    operation = spec.operation("GET", "/channels/{channel_id}/messages")
    assert operation is not None
    tree = error_tree(spec.check_query(operation, {"limit": "500", "before": "x"}))
    assert tree["limit"]["_errors"][0]["code"] == "NUMBER_TYPE_MAX"
    assert tree["before"]["_errors"][0]["code"] == "STRING_TYPE_REGEX"


def test_message_limits_not_in_the_schema() -> None:
    select = {"type": 3, "custom_id": "s", "max_values": 3, "options": [{"label": "a", "value": "a"}]}
    button = {"type": 2, "style": 1, "label": "b", "custom_id": "b"}
    link_with_id = {"type": 2, "style": 5, "label": "l", "url": "https://x.org", "custom_id": "l"}
    body = {"content": "x" * 2001, "components": [{"type": 1, "components": [select, button]},
                                                  {"type": 1, "components": [link_with_id]}]}
    tree = error_tree(limits.message_problems(body))
    assert tree["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    row = tree["components"]["0"]["components"]
    assert row["_errors"][0]["code"] == "COMPONENT_LAYOUT_WIDTH_EXCEEDED"
    assert row["0"]["max_values"]["_errors"][0]["code"] == "SELECT_COMPONENT_MAX_VALUES_EXCEEDS_OPTIONS"
    assert "custom_id" in tree["components"]["1"]["components"]["0"]


def test_modal_limits() -> None:
    def row(i: int) -> dict[str, Any]:
        return {"type": 1, "components": [{"type": 4, "custom_id": f"t{i}", "style": 1, "label": "L"}]}

    data = {"custom_id": "m", "title": "T", "components": [row(i) for i in range(6)]}
    tree = error_tree(limits.modal_problems(data))
    assert tree["data"]["components"]["_errors"][0]["code"] == "BASE_TYPE_BAD_LENGTH"


def test_command_definition_rules() -> None:
    commands = [
        {"name": "Setup", "description": "d"},
        {"name": "queue", "description": "d", "options": [
            {"type": 3, "name": "race", "description": "d"},
            {"type": 3, "name": "map", "description": "d", "required": True},
        ]},
        {"name": "queue", "description": "again"},
    ]
    tree = error_tree(limits.commands_problems(commands))
    assert tree["0"]["name"]["_errors"][0]["code"] == "APPLICATION_COMMAND_INVALID_NAME"
    assert tree["1"]["options"]["1"]["required"]["_errors"][0]["code"] == (
        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"
    )
    assert tree["2"]["name"]["_errors"][0]["code"] == "APPLICATION_COMMANDS_DUPLICATE_NAME"


async def _post(server: LocalDiscord, path: str, body: Any, auth: bool = True) -> tuple[int, Any]:
    headers = {"Authorization": f"Bot {server.token}"} if auth else {}
    async with aiohttp.ClientSession() as http, http.post(
        server.api_url + path, json=body, headers=headers
    ) as resp:
        return resp.status, (await resp.json() if resp.status != 204 else None)


async def test_rest_errors_and_violations() -> None:
    async with LocalDiscord() as server:
        channel = f"/channels/{server.general.id}/messages"
        assert (await _post(server, channel, {"content": "hi"}, auth=False))[0] == 401
        status, body = await _post(server, channel, {"content": 5})
        assert status == 400 and body["code"] == 50035 and body["message"] == "Invalid Form Body"
        assert body["errors"]["content"]["_errors"][0]["code"] == "STRING_TYPE_CONVERT"
        assert (await _post(server, "/nowhere", {}))[1] == {"message": "404: Not Found", "code": 0}
        assert [v.status for v in server.violations] == [401, 400, 404]


async def test_callback_type_must_fit_the_interaction() -> None:
    async with LocalDiscord() as server:
        user = server.create_user("alice")
        channel = server.state.dm_channel(user.id)
        interaction = server.interactions.start(user.id, channel, 2, {"id": "1", "name": "x", "type": 1})
        path = f"/interactions/{interaction.id}/{interaction.token}/callback"
        status, body = await _post(server, path, {"type": 8, "data": {"choices": []}}, auth=False)
        assert status == 400
        assert body["errors"]["type"]["_errors"][0]["code"] == "INTERACTION_RESPONSE_TYPE_INVALID"
        status, _ = await _post(server, path, {"type": 4, "data": {"content": "ok"}}, auth=False)
        assert status == 204
        status, body = await _post(server, path, {"type": 4, "data": {"content": "again"}}, auth=False)
        assert (status, body["code"]) == (400, 40060)


def test_localizations_are_checked_as_discord_checks_them() -> None:
    """Allowed locale keys only, and each value held to its base field's length."""
    commands = [
        {"name": "profile", "description": "d",
         "description_localizations": {"ko": "프로필", "es-419": "Tu perfil"}},
        {"name": "queue", "description": "d", "description_localizations": {"pt_BR": "Fila", "kr": "큐"}},
        {"name": "setup", "description": "d", "description_localizations": {"ru": "я" * 101}, "options": [
            {"type": 3, "name": "race", "description": "d", "description_localizations": {"es": "raza"},
             "name_localizations": {"ko": "종족 이름"}},
            {"type": 3, "name": "rank", "description": "d", "choices": [
                {"name": "S", "value": "S", "name_localizations": {"zh-CN": "段" * 101}}]},
        ]},
    ]
    tree = error_tree(limits.commands_problems(commands))
    assert "0" not in tree  # good keys, good lengths
    bad_keys = tree["1"]["description_localizations"]
    assert {"pt_BR", "kr"} <= set(bad_keys)
    assert bad_keys["pt_BR"]["_errors"][0]["code"] == "BASE_TYPE_CHOICES"
    assert tree["2"]["description_localizations"]["ru"]["_errors"][0]["code"] == "BASE_TYPE_BAD_LENGTH"
    race = tree["2"]["options"]["0"]
    # Discord has es-ES and es-419, never a bare es
    assert race["description_localizations"]["es"]["_errors"][0]["code"] == "BASE_TYPE_CHOICES"
    assert race["name_localizations"]["ko"]["_errors"][0]["code"] == "APPLICATION_COMMAND_INVALID_NAME"
    choice = tree["2"]["options"]["1"]["choices"]["0"]
    assert choice["name_localizations"]["zh-CN"]["_errors"][0]["code"] == "BASE_TYPE_BAD_LENGTH"


def test_a_command_is_held_to_4000_characters_in_every_locale() -> None:
    long_ru = {"ru": "д" * 100}
    options = [{"type": 3, "name": f"o{i}", "description": "d", "description_localizations": long_ru}
               for i in range(25)]
    command = {"name": "big", "description": "d", "options": options,
               "description_localizations": long_ru}
    assert limits.command_problems({**command, "options": options[:10]}) == []
    too_big = {**command, "options": [dict(o, description_localizations={"ru": "д" * 100}) for o in options]}
    too_big["options"] += [
        {"type": 3, "name": f"p{i}", "description": "d", "description_localizations": long_ru}
        for i in range(15)
    ]
    codes = [p.code for p in limits.command_problems(too_big)]
    assert "APPLICATION_COMMAND_TOO_LARGE" in codes
