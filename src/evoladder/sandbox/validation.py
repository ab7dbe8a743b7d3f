"""Request validation against Discord's published OpenAPI schemas.

The packaged ``discord_openapi.json`` (extracted by ``tools/extract_openapi.py``) holds the request
side of every operation the local server implements. Each body and query string is validated with
jsonschema (draft 2020-12, as OpenAPI 3.1 specifies) and every failure is translated into the
``FieldError`` Discord reports for it (``BASE_TYPE_MAX_LENGTH``, ``BASE_TYPE_REQUIRED`` ...), so
the bot sees Discord's ``50035 Invalid Form Body`` shape.

Unions (``oneOf``/``anyOf`` of component kinds, nullable fields) are resolved like Discord's own
parser: the branch whose ``type`` discriminator matches the value is the one whose errors are
reported; only when no branch matches is the discriminator itself reported.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote, urlsplit

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from .errors import FieldError, Path

SPEC_URI = "urn:evoladder:discord-openapi"
SPEC_FILE = "discord_openapi.json"
# Schemes Discord accepts: web links, discord:// deep links, attachment:// for embed images.
_URL_SCHEMES = frozenset({"http", "https", "discord", "attachment"})


def _check_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return parts.scheme in _URL_SCHEMES and bool(parts.netloc or parts.path)


def _check_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("uri")(_check_uri)
    checker.checks("date-time")(_check_datetime)
    return checker


def _pointer(*parts: str) -> str:
    escaped = (p.replace("~", "~0").replace("/", "~1") for p in parts)
    return quote("/".join(escaped), safe="/~")


@dataclass(frozen=True)
class QueryParam:
    name: str
    schema: dict[str, Any]
    pointer: str


@dataclass(frozen=True)
class Operation:
    """One operation of the spec: its id and where its schemas live in the document."""

    operation_id: str
    method: str
    path: str
    body_pointer: str | None
    query: tuple[QueryParam, ...]


class SpecValidator:
    """Validates bodies and query strings of the operations in the packaged spec."""

    def __init__(self, spec: Mapping[str, Any] | None = None) -> None:
        self.spec: Mapping[str, Any] = spec if spec is not None else load_packaged_spec()
        resource = DRAFT202012.create_resource(dict(self.spec))
        self._registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self._validator_class = _discriminating_validator(self.spec["components"]["schemas"])
        self._formats = _format_checker()
        self.operations = _index_operations(self.spec)
        self._validators: dict[str, Any] = {}

    def operation(self, method: str, path: str) -> Operation | None:
        return self.operations.get((method.upper(), path))

    def check_body(self, op: Operation, body: Any) -> list[FieldError]:
        """Field errors for ``body`` (an empty list when Discord would accept it)."""
        if op.body_pointer is None:
            return []
        validator = self._validator(op.body_pointer)
        problems: list[FieldError] = []
        for error in validator.iter_errors(body):
            problems.extend(_field_errors(error))
        return _dedupe(problems)

    def check_query(self, op: Operation, query: Mapping[str, str]) -> list[FieldError]:
        problems: list[FieldError] = []
        for param in op.query:
            if param.name not in query:
                continue
            raw = query[param.name]
            value, problem = _coerce(param, raw)
            if problem is not None:
                problems.append(problem)
                continue
            for error in self._param_validator(param).iter_errors(value):
                problems.extend(_field_errors(error, (param.name,)))
        return _dedupe(problems)

    def _param_validator(self, param: QueryParam) -> Any:
        """Self-contained parameter schemas skip the reference lookup (hot: every request)."""
        if "$ref" in json.dumps(param.schema):
            return self._validator(param.pointer)
        validator = self._validators.get(param.pointer)
        if validator is None:
            validator = self._validator_class(param.schema, format_checker=self._formats)
            self._validators[param.pointer] = validator
        return validator

    def _validator(self, pointer: str) -> Any:
        validator = self._validators.get(pointer)
        if validator is None:
            schema = {"$ref": f"{SPEC_URI}#{pointer}"}
            validator = self._validator_class(
                schema, registry=self._registry, format_checker=self._formats
            )
            self._validators[pointer] = validator
        return validator


def _discriminating_validator(schemas: Mapping[str, Any]) -> Any:
    """Draft 2020-12 with ``anyOf``/``oneOf`` that only descend into the branch that can match.

    Discord's unions are discriminated (a component's ``type``, a callback's ``type``, "null or
    an object", enums written as ``oneOf`` of ``const``). Trying every branch made validation the
    server's hottest path; picking the one branch whose discriminator fits gives the same verdict
    and the same errors. Ambiguous cases fall back to the standard keyword.
    """
    standard = Draft202012Validator.VALIDATORS

    def union(keyword: str) -> Any:
        def check(validator: Any, branches: list[Any], instance: Any, schema: Any) -> Any:
            fitting = [i for i, branch in enumerate(branches) if _may_match(schemas, branch, instance)]
            if len(fitting) == 1:
                yield from validator.descend(instance, branches[fitting[0]], schema_path=fitting[0])
            else:
                yield from standard[keyword](validator, branches, instance, schema)

        return check

    return validators.extend(Draft202012Validator, {"anyOf": union("anyOf"), "oneOf": union("oneOf")})


def _may_match(schemas: Mapping[str, Any], branch: Mapping[str, Any], instance: Any) -> bool:
    ref = branch.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        branch = schemas.get(ref.rsplit("/", 1)[1], branch)
    if "const" in branch and branch["const"] != instance:
        return False
    kinds = branch.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if kinds is not None and not any(_is_type(instance, k) for k in kinds):
        return False
    tag = (branch.get("properties") or {}).get("type")
    if isinstance(instance, dict) and isinstance(tag, Mapping) and "type" in instance:
        allowed = tag.get("enum", [tag["const"]] if "const" in tag else None)
        if allowed is not None and instance["type"] not in allowed:
            return False
    return True


def _is_type(instance: Any, kind: str) -> bool:
    if kind == "null":
        return instance is None
    if kind == "boolean":
        return isinstance(instance, bool)
    if kind == "integer":
        return isinstance(instance, int) and not isinstance(instance, bool)
    if kind == "number":
        return isinstance(instance, int | float) and not isinstance(instance, bool)
    python = {"string": str, "object": dict, "array": list}.get(kind)
    return python is None or isinstance(instance, python)


@cache
def load_packaged_spec() -> Mapping[str, Any]:
    """The request-side subset of Discord's spec shipped with the package."""
    text = resources.files(__package__).joinpath(SPEC_FILE).read_text(encoding="utf-8")
    spec: Mapping[str, Any] = json.loads(text)
    return spec


def _index_operations(spec: Mapping[str, Any]) -> dict[tuple[str, str], Operation]:
    index: dict[tuple[str, str], Operation] = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            body = None
            if "application/json" in op.get("requestBody", {}).get("content", {}):
                body = "/" + _pointer(
                    "paths", path, method, "requestBody", "content", "application/json", "schema"
                )
            query = tuple(
                QueryParam(p["name"], p["schema"], "/" + _pointer(
                    "paths", path, method, "parameters", str(i), "schema"))
                for i, p in enumerate(op.get("parameters", []))
                if p.get("in") == "query"
            )
            index[(method.upper(), path)] = Operation(
                op["operationId"], method.upper(), path, body, query
            )
    return index


def _coerce(param: QueryParam, raw: str) -> tuple[Any, FieldError | None]:
    kind = param.schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "integer" in kinds:
        try:
            return int(raw), None
        except ValueError:
            return None, FieldError((param.name,), "NUMBER_TYPE_COERCE", f'Value "{raw}" is not int.')
    if "boolean" in kinds:
        lowered = raw.lower()
        if lowered in {"true", "1", "false", "0"}:
            return lowered in {"true", "1"}, None
        return None, FieldError((param.name,), "BOOLEAN_TYPE_CONVERT", "Must be either true or false.")
    return raw, None


def _dedupe(problems: list[FieldError]) -> list[FieldError]:
    return list(dict.fromkeys(problems))


def _field_errors(error: ValidationError, prefix: Path = ()) -> list[FieldError]:
    """Translate one jsonschema error into Discord's field errors."""
    path: Path = (*prefix, *error.absolute_path)
    if error.validator in ("oneOf", "anyOf") and error.context:
        return _union_errors(error, prefix)
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        return [FieldError((*path, k), "BASE_TYPE_REQUIRED", "This field is required") for k in missing]
    code, message = _describe(error)
    return [FieldError(path, code, message)]


def _union_errors(error: ValidationError, prefix: Path) -> list[FieldError]:
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    base = list(error.absolute_path)
    candidates = [errs for errs in branches.values() if not _mismatched(errs, base)]
    if candidates:
        best = min(candidates, key=len)
        return [fe for sub in best for fe in _field_errors(sub, prefix)]
    return [_union_mismatch(error, branches, (*prefix, *base))]


def _mismatched(errors: list[ValidationError], base: list[Any]) -> bool:
    """Whether a union branch is for another kind of value (wrong discriminator or type)."""
    for sub in errors:
        where = list(sub.absolute_path)
        if where == [*base, "type"] and sub.validator in ("enum", "const"):
            return True
        if where == base and sub.validator in ("type", "const", "enum"):
            return True
    return False


def _union_mismatch(
    error: ValidationError, branches: dict[int, list[ValidationError]], path: Path
) -> FieldError:
    consts = [
        sub.validator_value
        for errs in branches.values()
        for sub in errs
        if sub.validator == "const" and list(sub.absolute_path) == list(error.absolute_path)
    ]
    if consts and len(consts) == len(branches):
        return FieldError(path, "BASE_TYPE_CHOICES", f"Value must be one of {_choices(consts)}.")
    kinds = sorted(
        {
            v
            for errs in branches.values()
            for sub in errs
            if sub.validator == "enum"
            and list(sub.absolute_path) == [*error.absolute_path, "type"]
            for v in sub.validator_value
        }
    )
    if kinds and isinstance(error.instance, dict):
        listed = ", ".join(str(k) for k in kinds)
        return FieldError(
            (*path, "type"), "UNION_TYPE_CHOICES",
            f'Value of field "type" must be one of ({listed},).',
        )
    return FieldError(path, "BASE_TYPE_INVALID", "Invalid value.")


def _choices(values: list[Any]) -> str:
    return "{" + ", ".join(json.dumps(v) for v in values) + "}"


def _describe(error: ValidationError) -> tuple[str, str]:
    kind, value, schema = error.validator, error.validator_value, error.schema
    if kind == "maxLength":
        return "BASE_TYPE_MAX_LENGTH", f"Must be {value} or fewer in length."
    if kind == "minLength":
        return "BASE_TYPE_MIN_LENGTH", f"Must be {value} or more in length."
    if kind in ("maxItems", "minItems", "maxProperties", "minProperties"):
        low = schema.get("minItems", schema.get("minProperties", 0))
        high = schema.get("maxItems", schema.get("maxProperties", "∞"))
        return "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length."
    if kind in ("enum", "const"):
        allowed = list(value) if kind == "enum" else [value]
        return "BASE_TYPE_CHOICES", f"Value must be one of {_choices(allowed)}."
    if kind in ("minimum", "exclusiveMinimum"):
        return "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {value}."
    if kind in ("maximum", "exclusiveMaximum"):
        return "NUMBER_TYPE_MAX", f"int value should be less than or equal to {value}."
    if kind == "pattern":
        return "STRING_TYPE_REGEX", "String value did not match validation regex."
    if kind == "format":
        if value == "uri":
            return "URL_TYPE_INVALID_URL", "Not a well formed URL."
        return "DATE_TYPE_PARSE", f'Could not parse {error.instance!r}. Should be ISO8601.'
    if kind == "uniqueItems":
        return "BASE_TYPE_UNIQUE", "Items must be unique."
    if kind == "type":
        return _type_error(value, error.instance)
    return "BASE_TYPE_INVALID", error.message


def _type_error(expected: Any, instance: Any) -> tuple[str, str]:
    kinds = expected if isinstance(expected, list) else [expected]
    shown = json.dumps(instance)[:100]
    if "integer" in kinds:
        return "NUMBER_TYPE_COERCE", f"Value {shown} is not int."
    if "number" in kinds:
        return "NUMBER_TYPE_COERCE", f"Value {shown} is not a valid number."
    if "boolean" in kinds:
        return "BOOLEAN_TYPE_CONVERT", "Must be either true or false."
    if "string" in kinds:
        return "STRING_TYPE_CONVERT", f"Could not interpret {shown} as string."
    if "array" in kinds:
        return "LIST_TYPE_CONVERT", "Must be an array."
    if "object" in kinds:
        return "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"
    return "BASE_TYPE_INVALID", f"Invalid type {shown}."
