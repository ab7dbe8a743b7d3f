"""Extract the parts of Discord's OpenAPI spec that the local Discord server validates against.

The sandbox server (``evoladder.sandbox``) checks every REST request body the bot sends against
Discord's own published schemas, so a body Discord would reject is rejected locally too. The full
spec is 1.2 MB and lives outside the package (``../shared/discord-api/openapi.json``); nothing may
read that folder at run time, so this developer script copies the operations the bot uses, with
every schema they reference, into ``src/evoladder/sandbox/discord_openapi.json`` and keeps
Discord's MIT licence text beside it (``DISCORD_OPENAPI_LICENSE``) and inside it
(``info.x-license-text``, so the notice ships with the packaged data file).

Decisions recorded here (they shape the packaged file):
- Only request-side parts are kept: path-level and query parameters and request bodies. Response
  schemas are dropped; they would double the file and the server builds its own responses.
- ``SnowflakeType`` is widened from "a decimal string" to "a decimal string or a non-negative
  integer". Discord's API accepts both (discord.py sends ``recipient_id`` and attachment ids as
  integers); the published schema only describes what Discord returns.
- Every other schema is copied unchanged, so a re-run after Discord updates the spec picks up new
  limits.

Usage: ``python tools/extract_openapi.py [PATH_TO_openapi.json]``
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "discord-api" / "openapi.json"
OUT_DIR = ROOT / "src" / "evoladder" / "sandbox"
OUT_SPEC = OUT_DIR / "discord_openapi.json"
OUT_LICENSE = OUT_DIR / "DISCORD_OPENAPI_LICENSE"

# The operations the local server implements, by Discord's operationId.
OPERATIONS = frozenset(
    {
        "get_gateway",
        "get_bot_gateway",
        "get_my_user",
        "get_user",
        "get_my_application",
        "get_my_oauth2_application",
        "list_application_commands",
        "bulk_set_application_commands",
        "create_application_command",
        "get_application_command",
        "update_application_command",
        "delete_application_command",
        "list_guild_application_commands",
        "bulk_set_guild_application_commands",
        "create_guild_application_command",
        "get_guild_application_command",
        "update_guild_application_command",
        "delete_guild_application_command",
        "create_interaction_response",
        "execute_webhook",
        "get_original_webhook_message",
        "update_original_webhook_message",
        "delete_original_webhook_message",
        "get_webhook_message",
        "update_webhook_message",
        "delete_webhook_message",
        "create_dm",
        "get_channel",
        "list_messages",
        "create_message",
        "get_message",
        "update_message",
        "delete_message",
        "bulk_delete_messages",
        "trigger_typing_indicator",
        "get_guild",
        "list_guild_channels",
        "list_guild_roles",
        "list_guild_members",
        "get_guild_member",
        "add_guild_member_role",
        "delete_guild_member_role",
    }
)

WIDE_SNOWFLAKE: dict[str, Any] = {
    "description": "evoladder: widened to accept integers, as Discord's API does.",
    "anyOf": [
        {"type": "string", "pattern": "^(0|[1-9][0-9]*)$", "format": "snowflake"},
        {"type": "integer", "minimum": 0},
    ],
}


def _refs(node: Any, found: set[str]) -> None:
    """Collect the names of ``#/components/schemas/...`` references under ``node``."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _closure(schemas: dict[str, Any], roots: set[str]) -> dict[str, Any]:
    """Every schema reachable from ``roots``, sorted by name for stable diffs."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        found: set[str] = set()
        _refs(schemas[name], found)
        todo.extend(found - seen)
    return {name: schemas[name] for name in sorted(seen)}


def _request_side(operation: dict[str, Any]) -> dict[str, Any]:
    kept = {"operationId": operation["operationId"]}
    for key in ("parameters", "requestBody"):
        if key in operation:
            kept[key] = operation[key]
    return kept


def extract(spec: dict[str, Any], license_text: str) -> dict[str, Any]:
    """The trimmed spec: selected operations (request side only) and their schemas."""
    paths: dict[str, Any] = {}
    for path, item in spec["paths"].items():
        ops = {
            method: _request_side(op)
            for method, op in item.items()
            if method != "parameters" and op.get("operationId") in OPERATIONS
        }
        if ops:
            paths[path] = ({"parameters": item["parameters"]} if "parameters" in item else {}) | ops
    missing = OPERATIONS - {op["operationId"] for item in paths.values() for op in _ops(item)}
    if missing:
        raise SystemExit(f"operations not found in the spec: {sorted(missing)}")
    roots: set[str] = set()
    _refs(paths, roots)
    schemas = _closure(spec["components"]["schemas"], roots)
    schemas["SnowflakeType"] = WIDE_SNOWFLAKE
    return {
        "openapi": spec["openapi"],
        "info": spec["info"]
        | {
            "x-evoladder": "request-side subset extracted by tools/extract_openapi.py",
            "x-license-text": license_text,
        },
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": schemas},
    }


def _ops(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for method, op in item.items() if method != "parameters"]


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    spec = json.loads(source.read_text(encoding="utf-8"))
    license_path = source.with_name("LICENSE")
    trimmed = extract(spec, license_path.read_text(encoding="utf-8"))
    OUT_SPEC.write_text(json.dumps(trimmed, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    shutil.copyfile(license_path, OUT_LICENSE)
    count = sum(len(_ops(item)) for item in trimmed["paths"].values())
    print(f"wrote {OUT_SPEC.relative_to(ROOT)}: {count} operations, "
          f"{len(trimmed['components']['schemas'])} schemas")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
