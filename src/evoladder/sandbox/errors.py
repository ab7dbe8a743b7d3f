"""Discord's error responses, as the local server sends them.

Every rejection the server makes is a :class:`DiscordHTTPError` carrying the HTTP status, Discord's
JSON error code and message, and for invalid bodies the nested ``errors`` tree Discord uses
(``{"embeds": {"0": {"title": {"_errors": [{"code": ..., "message": ...}]}}}}``). The codes and
messages are Discord's documented JSON error codes, so the bot's error handling is exercised on
the same values it will see in production.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class FieldError:
    """One problem at one place of a request body."""

    path: Path
    code: str
    message: str


class DiscordHTTPError(Exception):
    """A response Discord would send instead of doing what was asked."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            payload["errors"] = self.errors
        return payload


def error_tree(problems: Iterable[FieldError]) -> dict[str, Any]:
    """Nest field errors the way Discord does: list indices become string keys."""
    tree: dict[str, Any] = {}
    for problem in problems:
        node = tree
        for part in problem.path:
            node = node.setdefault(str(part), {})
        entry = {"code": problem.code, "message": problem.message}
        bucket = node.setdefault("_errors", [])
        if entry not in bucket:
            bucket.append(entry)
    return tree


def invalid_form_body(problems: Sequence[FieldError]) -> DiscordHTTPError:
    return DiscordHTTPError(400, 50035, "Invalid Form Body", error_tree(problems))


def _factory(status: int, code: int, message: str) -> DiscordHTTPError:
    return DiscordHTTPError(status, code, message)


def unauthorized() -> DiscordHTTPError:
    return _factory(401, 0, "401: Unauthorized")


def route_not_found() -> DiscordHTTPError:
    return _factory(404, 0, "404: Not Found")


def unknown_channel() -> DiscordHTTPError:
    return _factory(404, 10003, "Unknown Channel")


def unknown_guild() -> DiscordHTTPError:
    return _factory(404, 10004, "Unknown Guild")


def unknown_member() -> DiscordHTTPError:
    return _factory(404, 10007, "Unknown Member")


def unknown_message() -> DiscordHTTPError:
    return _factory(404, 10008, "Unknown Message")


def unknown_role() -> DiscordHTTPError:
    return _factory(404, 10011, "Unknown Role")


def unknown_user() -> DiscordHTTPError:
    return _factory(404, 10013, "Unknown User")


def unknown_webhook() -> DiscordHTTPError:
    return _factory(404, 10015, "Unknown Webhook")


def unknown_interaction() -> DiscordHTTPError:
    return _factory(404, 10062, "Unknown interaction")


def unknown_command() -> DiscordHTTPError:
    return _factory(404, 10063, "Unknown application command")


def already_acknowledged() -> DiscordHTTPError:
    return _factory(400, 40060, "Interaction has already been acknowledged.")


def missing_access() -> DiscordHTTPError:
    return _factory(403, 50001, "Missing Access")


def dm_channel_action() -> DiscordHTTPError:
    return _factory(400, 50003, "Cannot execute action on a DM channel")


def not_author() -> DiscordHTTPError:
    return _factory(403, 50005, "Cannot edit a message authored by another user")


def empty_message() -> DiscordHTTPError:
    return _factory(400, 50006, "Cannot send an empty message")


def cannot_dm_user() -> DiscordHTTPError:
    return _factory(403, 50007, "Cannot send messages to this user")


def invalid_webhook_token() -> DiscordHTTPError:
    return _factory(401, 50027, "Invalid Webhook Token")


def bulk_delete_too_old() -> DiscordHTTPError:
    return _factory(400, 50034, "You can only bulk delete messages that are under 14 days old.")


def invalid_json() -> DiscordHTTPError:
    return _factory(400, 50109, "The request body contains invalid JSON.")
