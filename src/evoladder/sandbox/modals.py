"""A modal the bot opened, as the player sees it, and the submission the Discord client sends.

The client enforces the modal's own rules before sending (required fields, min/max length), so
:meth:`Modal.submission` raises ``ValueError`` for input a real user could not submit; that keeps
scenarios honest about what players can do. Fields are addressed by ``custom_id`` or by label;
fields left out keep their pre-filled ``value``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .components import LABEL, STRING_SELECT, TEXT_INPUT

Json = dict[str, Any]
Answer = str | Sequence[str]


@dataclass(frozen=True)
class Field:
    """One input of a modal: a text input, or a select inside a label."""

    custom_id: str
    label: str
    component: Mapping[str, Any]

    @property
    def type(self) -> int:
        return int(self.component["type"])

    @property
    def required(self) -> bool:
        return self.component.get("required", True) is not False

    @property
    def value(self) -> str | None:
        """The pre-filled value of a text input."""
        value = self.component.get("value")
        return None if value is None else str(value)


@dataclass(frozen=True)
class Modal:
    """A modal (callback type 9) opened by interaction ``interaction_id``."""

    interaction_id: int
    custom_id: str
    title: str
    components: Sequence[Mapping[str, Any]]

    @property
    def fields(self) -> list[Field]:
        return [fld for top in self.components for fld in _fields_of(top)]

    def field(self, key: str) -> Field:
        for fld in self.fields:
            if key in (fld.custom_id, fld.label):
                return fld
        labels = [f.label for f in self.fields]
        raise KeyError(f"modal {self.title!r} has no field {key!r} (fields: {labels})")

    def submission(self, answers: Mapping[str, Answer]) -> Json:
        """The MODAL_SUBMIT ``data`` for ``answers`` keyed by custom_id or label."""
        for key in answers:
            self.field(key)
        rows: list[Json] = []
        for top in self.components:
            inner = [self._answer(fld, answers) for fld in _fields_of(top)]
            if top.get("type") == 1:
                rows.append({"type": 1, "id": top.get("id"), "components": inner})
            elif top.get("type") == LABEL:
                rows.append({"type": LABEL, "id": top.get("id"), "component": inner[0]})
        return {"custom_id": self.custom_id, "components": rows}

    def _answer(self, fld: Field, answers: Mapping[str, Answer]) -> Json:
        given = answers.get(fld.custom_id, answers.get(fld.label))
        base = {"type": fld.type, "id": fld.component.get("id"), "custom_id": fld.custom_id}
        if fld.type == TEXT_INPUT:
            text = fld.value or "" if given is None else str(given)
            _check_text(fld, text)
            return base | {"value": text}
        values = [] if given is None else ([given] if isinstance(given, str) else list(given))
        if fld.type == STRING_SELECT:
            _check_select(fld, values)
        return base | {"values": values}


def _fields_of(top: Mapping[str, Any]) -> list[Field]:
    if top.get("type") == 1:
        inner = top.get("components") or []
        return [Field(c["custom_id"], str(c.get("label") or ""), c) for c in inner]
    if top.get("type") == LABEL:
        return [Field(top["component"]["custom_id"], str(top.get("label") or ""), top["component"])]
    return []


def _check_text(fld: Field, text: str) -> None:
    low = fld.component.get("min_length")
    high = fld.component.get("max_length")
    if fld.required and not text:
        raise ValueError(f"modal field {fld.label!r} is required")
    if text and low is not None and len(text) < low:
        raise ValueError(f"modal field {fld.label!r} needs at least {low} characters")
    if high is not None and len(text) > high:
        raise ValueError(f"modal field {fld.label!r} allows at most {high} characters")


def _check_select(fld: Field, values: list[str]) -> None:
    options = [o["value"] for o in fld.component.get("options") or []]
    unknown = [v for v in values if v not in options]
    if unknown:
        raise ValueError(f"modal select {fld.label!r} has no option(s) {unknown}")
    low = fld.component.get("min_values", 1)
    high = fld.component.get("max_values", 1)
    if fld.required and not low <= len(values) <= high:
        raise ValueError(f"modal select {fld.label!r} takes {low}..{high} values")
