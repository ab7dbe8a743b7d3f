"""A view that is only its JSON: for messages whose controls nothing listens to in memory.

discord.py sends a view as ``view.to_components()`` (Discord's component JSON) and, when the view
is finished, keeps nothing of it. Controls made of ``DynamicItem``s are found by their custom id
when clicked, so a message of them needs no live ``discord.ui`` objects at all: its components can
be assembled straight as JSON from prebuilt parts, which is several times cheaper than building
the items, the view and then their dictionaries (the leaderboard answers with ~70 select options
on every page; BENCHMARKS.md). The JSON must be exactly what the items would give: the
builders of such payloads are tested against ``to_components()`` of the equivalent view.
"""

from __future__ import annotations

from typing import Any

import discord


class PayloadView(discord.ui.View):
    """A finished view whose components are given as Discord's JSON (rows of components).

    It has no children: nothing dispatches to it, and discord.py does not store it. The rows are
    sent as they are; parts shared between payloads (prebuilt option dictionaries) must never be
    changed by anyone.
    """

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        super().__init__(timeout=None)
        self._rows = rows
        self.stop()

    def to_components(self) -> list[dict[str, Any]]:
        return self._rows

    def is_finished(self) -> bool:
        """Always: discord.py stores unfinished views (and times them out); this one never listens.
        (``stop`` alone does not finish a view built outside a running event loop.)"""
        return True
