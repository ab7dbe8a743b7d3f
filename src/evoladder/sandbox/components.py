"""Finding things in a message's components: what a player looks at before clicking.

Components arrive as Discord JSON (action rows of buttons and selects, or Components V2 layouts
with sections and containers). These helpers flatten them so a scenario can say "the button
labelled Confirm" or "the select with custom_id race" without caring about the layout.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

BUTTON, STRING_SELECT, TEXT_INPUT, LABEL = 2, 3, 4, 18
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})

Component = Mapping[str, Any]


def walk(components: Sequence[Component]) -> Iterator[Component]:
    """Every component, depth first, including those inside rows, sections and labels."""
    for item in components:
        yield item
        yield from walk(item.get("components") or [])
        for key in ("accessory", "component"):
            child = item.get(key)
            if isinstance(child, Mapping):
                yield child
                yield from walk(child.get("components") or [])


def buttons(components: Sequence[Component]) -> list[Component]:
    return [c for c in walk(components) if c.get("type") == BUTTON]


def selects(components: Sequence[Component]) -> list[Component]:
    return [c for c in walk(components) if c.get("type") in SELECT_TYPES]


def find_button(components: Sequence[Component], label_or_custom_id: str) -> Component | None:
    """The button whose custom_id or label is ``label_or_custom_id`` (custom_id wins)."""
    found = buttons(components)
    for button in found:
        if button.get("custom_id") == label_or_custom_id:
            return button
    for button in found:
        if button.get("label") == label_or_custom_id:
            return button
    return None


def find_select(components: Sequence[Component], custom_id_or_placeholder: str) -> Component | None:
    found = selects(components)
    for select in found:
        if select.get("custom_id") == custom_id_or_placeholder:
            return select
    for select in found:
        if select.get("placeholder") == custom_id_or_placeholder:
            return select
    return None


def number_components(components: list[dict[str, Any]]) -> None:
    """Give every component the numeric ``id`` Discord assigns when the sender left it out."""
    used = {c["id"] for c in walk(components) if isinstance(c.get("id"), int)}
    next_id = 1
    for item in walk(components):
        if isinstance(item.get("id"), int):
            continue
        while next_id in used:
            next_id += 1
        item["id"] = next_id  # type: ignore[index]
        used.add(next_id)
