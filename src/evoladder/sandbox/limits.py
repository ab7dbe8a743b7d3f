"""Discord's documented limits that its OpenAPI schema does not state.

The schema (``validation.py``) covers per-field lengths and counts. Discord also enforces rules
across fields, which live here: message content of 2,000 characters for bots (the schema says
4,000, the limit for Nitro users), 6,000 characters over all embeds of a message, at most 5
action rows of at most 5 buttons or exactly one select, unique ``custom_id`` values, modal layout
and text-input rules, autocomplete choice values, and the naming and size rules of application
commands. Each check returns ``FieldError`` values at the path Discord reports, so a rejection has
Discord's ``50035 Invalid Form Body`` shape.

The codes for single-field limits are Discord's; for cross-field rules Discord's exact code is not
always documented and the closest documented one is used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import FieldError, Path

CONTENT_MAX = 2000
EMBED_TOTAL_MAX = 6000
ACTION_ROWS_MAX = 5
ROW_BUTTONS_MAX = 5
COMPONENTS_V2_TOTAL_MAX = 40
MODAL_COMPONENTS_MAX = 5
CHOICE_VALUE_MAX = 100
COMMAND_SIZE_MAX = 4000
COMMANDS_MAX = {1: 100, 2: 5, 3: 5}
IS_COMPONENTS_V2 = 1 << 15
LINK_STYLE, PREMIUM_STYLE = 5, 6
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})
SUBCOMMAND_TYPES = frozenset({1, 2})
COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")
# Discord's locales: the only keys a name_localizations or description_localizations may have.
LOCALES = (
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl", "no",
    "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th", "zh-CN",
    "ja", "zh-TW", "ko",
)
NAME_MAX = 32
DESCRIPTION_MAX = 100
CHOICE_NAME_MAX = 100

Body = Mapping[str, Any]


def _err(path: Path, code: str, message: str) -> FieldError:
    return FieldError(path, code, message)


def message_problems(body: Body, prefix: Path = ()) -> list[FieldError]:
    """Limits of a message body (create, edit, webhook, interaction reply or update)."""
    problems: list[FieldError] = []
    content = body.get("content")
    if isinstance(content, str) and len(content) > CONTENT_MAX:
        problems.append(
            _err((*prefix, "content"), "BASE_TYPE_MAX_LENGTH", f"Must be {CONTENT_MAX} or fewer in length.")
        )
    problems += embed_problems(body.get("embeds") or [], (*prefix, "embeds"))
    components = body.get("components") or []
    if int(body.get("flags") or 0) & IS_COMPONENTS_V2:
        problems += _v2_problems(body, components, prefix)
    else:
        problems += _action_row_problems(components, (*prefix, "components"))
    return problems


def is_empty_message(body: Body, file_count: int) -> bool:
    """Discord refuses (50006) a new message with nothing to show."""
    keys = ("content", "embeds", "components", "sticker_ids", "poll", "attachments")
    return file_count == 0 and not any(body.get(k) for k in keys)


def embed_problems(embeds: Sequence[Any], path: Path) -> list[FieldError]:
    problems: list[FieldError] = []
    total = 0
    for i, embed in enumerate(embeds):
        total += _embed_size(embed)
        for j, field in enumerate(embed.get("fields") or []):
            for key in ("name", "value"):
                if not str(field.get(key) or "").strip():
                    problems.append(
                        _err((*path, i, "fields", j, key), "BASE_TYPE_REQUIRED", "This field is required")
                    )
    if total > EMBED_TOTAL_MAX:
        problems.append(
            _err(path, "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}")
        )
    return problems


def _embed_size(embed: Mapping[str, Any]) -> int:
    texts = [embed.get("title"), embed.get("description")]
    texts.append((embed.get("footer") or {}).get("text"))
    texts.append((embed.get("author") or {}).get("name"))
    for field in embed.get("fields") or []:
        texts += [field.get("name"), field.get("value")]
    return sum(len(t) for t in texts if isinstance(t, str))


def _action_row_problems(rows: Sequence[Any], path: Path) -> list[FieldError]:
    problems: list[FieldError] = []
    if len(rows) > ACTION_ROWS_MAX:
        problems.append(
            _err(path, "BASE_TYPE_BAD_LENGTH", f"Must be between 0 and {ACTION_ROWS_MAX} in length.")
        )
    for i, row in enumerate(rows):
        if row.get("type") != 1:
            problems.append(
                _err((*path, i, "type"), "COMPONENT_TYPE_INVALID",
                     "Components of this type require the IS_COMPONENTS_V2 flag.")
            )
            continue
        problems += _row_problems(row.get("components") or [], (*path, i, "components"))
    problems += _duplicate_custom_ids(rows, path)
    return problems


def _row_problems(items: Sequence[Any], path: Path) -> list[FieldError]:
    problems: list[FieldError] = []
    selects = [c for c in items if c.get("type") in SELECT_TYPES]
    if selects and len(items) > 1:
        problems.append(
            _err(path, "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                 "The specified component exceeds the maximum width")
        )
    if len(items) > ROW_BUTTONS_MAX:
        problems.append(
            _err(path, "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {ROW_BUTTONS_MAX} in length.")
        )
    for j, item in enumerate(items):
        if item.get("type") == 2:
            problems += _button_problems(item, (*path, j))
        elif item.get("type") == 3:
            problems += _string_select_problems(item, (*path, j))
    return problems


def _button_problems(button: Mapping[str, Any], path: Path) -> list[FieldError]:
    style = button.get("style")
    problems: list[FieldError] = []
    if style == LINK_STYLE:
        if not button.get("url"):
            problems.append(_err((*path, "url"), "BASE_TYPE_REQUIRED", "This field is required"))
        if button.get("custom_id"):
            problems.append(
                _err((*path, "custom_id"), "BUTTON_COMPONENT_INVALID_FIELD",
                     "A link button cannot have a custom id")
            )
    elif style != PREMIUM_STYLE:
        if not button.get("custom_id"):
            problems.append(_err((*path, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required"))
        if button.get("url"):
            problems.append(
                _err((*path, "url"), "BUTTON_COMPONENT_INVALID_FIELD",
                     "Only link buttons can have a url")
            )
    if style != PREMIUM_STYLE and not button.get("label") and not button.get("emoji"):
        problems.append(
            _err((*path, "label"), "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED",
                 "A button must have a label or an emoji")
        )
    return problems


def _string_select_problems(select: Mapping[str, Any], path: Path) -> list[FieldError]:
    options = select.get("options") or []
    low, high = select.get("min_values", 1), select.get("max_values", 1)
    low = 1 if low is None else low
    high = 1 if high is None else high
    problems: list[FieldError] = []
    if low > high:
        problems.append(
            _err((*path, "min_values"), "SELECT_COMPONENT_MIN_VALUES_EXCEEDS_MAX",
                 "min_values must be less than or equal to max_values")
        )
    if high > len(options):
        problems.append(
            _err((*path, "max_values"), "SELECT_COMPONENT_MAX_VALUES_EXCEEDS_OPTIONS",
                 f"max_values must be less than or equal to the number of options ({len(options)})")
        )
    values = [o.get("value") for o in options]
    for k, value in enumerate(values):
        if value in values[:k]:
            problems.append(
                _err((*path, "options", k, "value"), "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                     "Select option values must be unique")
            )
    if sum(1 for o in options if o.get("default")) > high:
        problems.append(
            _err((*path, "options"), "SELECT_COMPONENT_TOO_MANY_DEFAULTS",
                 "More options are marked as default than max_values allows")
        )
    return problems


def _walk(components: Sequence[Any], path: Path) -> list[tuple[Path, Mapping[str, Any]]]:
    """Every component with its path, depth first (rows, containers, sections, labels)."""
    found: list[tuple[Path, Mapping[str, Any]]] = []
    for i, item in enumerate(components):
        if not isinstance(item, Mapping):
            continue
        here = (*path, i)
        found.append((here, item))
        found += _walk(item.get("components") or [], (*here, "components"))
        for key in ("accessory", "component"):
            child = item.get(key)
            if isinstance(child, Mapping):
                nested = _walk(child.get("components") or [], (*here, key, "components"))
                found += [((*here, key), child), *nested]
    return found


def _duplicate_custom_ids(components: Sequence[Any], path: Path) -> list[FieldError]:
    seen: set[str] = set()
    problems: list[FieldError] = []
    for where, item in _walk(components, path):
        custom_id = item.get("custom_id")
        if not custom_id:
            continue
        if custom_id in seen:
            problems.append(
                _err((*where, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED",
                     "Component custom id cannot be duplicated")
            )
        seen.add(custom_id)
    return problems


def _v2_problems(body: Body, components: Sequence[Any], prefix: Path) -> list[FieldError]:
    problems: list[FieldError] = []
    for key in ("content", "embeds"):
        if body.get(key):
            problems.append(
                _err((*prefix, key), "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                     "The 'content' and 'embeds' fields cannot be used with IS_COMPONENTS_V2")
            )
    path = (*prefix, "components")
    if len(_walk(components, path)) > COMPONENTS_V2_TOTAL_MAX:
        problems.append(
            _err(path, "BASE_TYPE_BAD_LENGTH",
                 f"Must be between 1 and {COMPONENTS_V2_TOTAL_MAX} components in total.")
        )
    return problems + _duplicate_custom_ids(components, path)


def modal_problems(data: Body, prefix: Path = ("data",)) -> list[FieldError]:
    """A modal: at most 5 top-level components, one text input per row, text-input rules."""
    components = data.get("components") or []
    path = (*prefix, "components")
    problems: list[FieldError] = []
    if len(components) > MODAL_COMPONENTS_MAX:
        problems.append(
            _err(path, "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {MODAL_COMPONENTS_MAX} in length.")
        )
    for i, item in enumerate(components):
        if item.get("type") == 1:
            inner = item.get("components") or []
            if len(inner) != 1:
                problems.append(
                    _err((*path, i, "components"), "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                         "The specified component exceeds the maximum width")
                )
            for j, text in enumerate(inner):
                if not text.get("label"):
                    problems.append(
                        _err((*path, i, "components", j, "label"), "BASE_TYPE_REQUIRED",
                             "This field is required")
                    )
    for where, item in _walk(components, path):
        if item.get("type") == 4:
            problems += _text_input_problems(item, where)
    return problems + _duplicate_custom_ids(components, path)


def _text_input_problems(text: Mapping[str, Any], path: Path) -> list[FieldError]:
    low, high = text.get("min_length"), text.get("max_length")
    value = text.get("value")
    problems: list[FieldError] = []
    if low is not None and high is not None and low > high:
        problems.append(
            _err((*path, "min_length"), "TEXT_INPUT_MIN_LENGTH_EXCEEDS_MAX",
                 "min_length must be less than or equal to max_length")
        )
    if isinstance(value, str) and high is not None and len(value) > high:
        problems.append(
            _err((*path, "value"), "BASE_TYPE_MAX_LENGTH", f"Must be {high} or fewer in length.")
        )
    return problems


def autocomplete_problems(data: Body, prefix: Path = ("data",)) -> list[FieldError]:
    """Choice values of string options are limited to 100 characters."""
    problems: list[FieldError] = []
    for i, choice in enumerate(data.get("choices") or []):
        value = (choice or {}).get("value")
        if isinstance(value, str) and len(value) > CHOICE_VALUE_MAX:
            problems.append(
                _err((*prefix, "choices", i, "value"), "BASE_TYPE_MAX_LENGTH",
                     f"Must be {CHOICE_VALUE_MAX} or fewer in length.")
            )
    return problems


def commands_problems(commands: Sequence[Mapping[str, Any]]) -> list[FieldError]:
    """A bulk overwrite: unique names per type, per-type counts, each command's own rules."""
    problems: list[FieldError] = []
    seen: set[tuple[int, str]] = set()
    counts: dict[int, int] = {}
    for i, command in enumerate(commands):
        kind = int(command.get("type") or 1)
        counts[kind] = counts.get(kind, 0) + 1
        key = (kind, str(command.get("name")))
        if key in seen:
            problems.append(
                _err((i, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME",
                     "Application command names must be unique")
            )
        seen.add(key)
        problems += command_problems(command, (i,))
    for kind, count in counts.items():
        if count > COMMANDS_MAX.get(kind, 100):
            problems.append(
                _err((), "BASE_TYPE_BAD_LENGTH",
                     f"Must be between 0 and {COMMANDS_MAX.get(kind, 100)} commands of type {kind}.")
            )
    return problems


def command_problems(command: Mapping[str, Any], path: Path = ()) -> list[FieldError]:
    """One command: name and description rules, option rules, 4,000 characters in total."""
    kind = int(command.get("type") or 1)
    problems: list[FieldError] = []
    if kind == 1:
        problems += _name_problems(command.get("name"), (*path, "name"))
        if not command.get("description"):
            problems.append(_err((*path, "description"), "BASE_TYPE_REQUIRED", "This field is required"))
        problems += _options_problems(command.get("options") or [], (*path, "options"))
    elif command.get("description"):
        problems.append(
            _err((*path, "description"), "APPLICATION_COMMAND_DESCRIPTION_NOT_ALLOWED",
                 "Only chat input commands may have a description")
        )
    problems += _localization_problems(command, path, NAME_MAX, DESCRIPTION_MAX)
    if max(_command_size(command, locale) for locale in (None, *LOCALES)) > COMMAND_SIZE_MAX:
        problems.append(
            _err(path, "APPLICATION_COMMAND_TOO_LARGE",
                 f"Command exceeds maximum size ({COMMAND_SIZE_MAX})")
        )
    return problems


def _name_problems(name: object, path: Path) -> list[FieldError]:
    if isinstance(name, str) and COMMAND_NAME.match(name) and name == name.lower():
        return []
    return [_err(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")]


def _options_problems(options: Sequence[Mapping[str, Any]], path: Path) -> list[FieldError]:
    problems: list[FieldError] = []
    kinds = {int(o.get("type") or 0) in SUBCOMMAND_TYPES for o in options}
    if len(kinds) > 1:
        problems.append(
            _err(path, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                 "Sub-command and sub-command group options cannot be mixed with other options")
        )
    names: set[str] = set()
    optional_seen = False
    for i, option in enumerate(options):
        problems += _option_problems(option, (*path, i), names, optional_seen)
        names.add(str(option.get("name")))
        optional_seen = optional_seen or not option.get("required")
    return problems


def _option_problems(
    option: Mapping[str, Any], path: Path, names: set[str], optional_seen: bool
) -> list[FieldError]:
    problems = _name_problems(option.get("name"), (*path, "name"))
    if option.get("name") in names:
        problems.append(
            _err((*path, "name"), "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                 "Option names must be unique")
        )
    if option.get("required") and optional_seen:
        problems.append(
            _err((*path, "required"), "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                 "Required options must be placed before non-required options")
        )
    if option.get("autocomplete") and option.get("choices"):
        problems.append(
            _err((*path, "autocomplete"), "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_WITH_CHOICES",
                 "Autocomplete cannot be set on an option with choices")
        )
    problems += _localization_problems(option, path, NAME_MAX, DESCRIPTION_MAX)
    for j, choice in enumerate(option.get("choices") or []):
        problems += _localization_problems(choice, (*path, "choices", j), CHOICE_NAME_MAX, None)
        value = choice.get("value")
        if isinstance(value, str) and len(value) > CHOICE_VALUE_MAX:
            problems.append(
                _err((*path, "choices", j, "value"), "BASE_TYPE_MAX_LENGTH",
                     f"Must be {CHOICE_VALUE_MAX} or fewer in length.")
            )
    if int(option.get("type") or 0) in SUBCOMMAND_TYPES:
        problems += _options_problems(option.get("options") or [], (*path, "options"))
    return problems


def _command_size(node: Mapping[str, Any], locale: str | None = None) -> int:
    """Names, descriptions and choices of a command as a client in ``locale`` sees them (its
    localization where there is one): Discord holds every locale to the 4,000 characters."""
    size = len(_localized(node, "name", locale)) + len(_localized(node, "description", locale))
    for choice in node.get("choices") or []:
        size += len(_localized(choice, "name", locale)) + len(str(choice.get("value") or ""))
    return size + sum(_command_size(o, locale) for o in node.get("options") or [])


def _localized(node: Mapping[str, Any], key: str, locale: str | None) -> str:
    localizations = node.get(f"{key}_localizations") or {}
    if locale is not None and isinstance(localizations, Mapping) and locale in localizations:
        return str(localizations[locale] or "")
    return str(node.get(key) or "")


def _localization_problems(
    node: Mapping[str, Any], path: Path, name_max: int, description_max: int | None
) -> list[FieldError]:
    """``name_localizations`` and ``description_localizations`` as Discord checks them: keys
    among its locales, values held to the base field's length (a name also to its pattern)."""
    problems: list[FieldError] = []
    for key, limit in (("name", name_max), ("description", description_max)):
        localizations = node.get(f"{key}_localizations")
        if not localizations:
            continue
        if limit is None:
            problems.append(_err((*path, f"{key}_localizations"), "BASE_TYPE_INVALID", "Not allowed here"))
            continue
        if not isinstance(localizations, Mapping):
            problems.append(
                _err((*path, f"{key}_localizations"), "DICT_TYPE_CONVERT",
                     "Only dictionaries may be used in a DictType")
            )
            continue
        for locale, value in localizations.items():
            where = (*path, f"{key}_localizations", str(locale))
            if locale not in LOCALES:
                problems.append(
                    _err(where, "BASE_TYPE_CHOICES", f"Value must be one of {tuple(LOCALES)!r}.")
                )
            elif not isinstance(value, str) or not 1 <= len(value) <= limit:
                problems.append(
                    _err(where, "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {limit} in length.")
                )
            elif key == "name" and limit == NAME_MAX and _name_problems(value, where):
                problems.append(_err(where, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"))
    return problems
