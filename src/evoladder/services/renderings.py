"""What the adapters made of a service's results, kept while the service hands out the same result.

Why: /profile and /leaderboard are answered many times for every change of what they show, and
building the answer (an embed, a board's controls, a web page) costs more than finding the
result in the read models (BENCHMARKS.md, the bot rows). The services already serve an unchanged
result as the very same object: the leaderboard index serves a page again while its version is
unchanged, the profile service its last profile while the record, statistics, ranks and month it
was built from are unchanged. So a rendering is kept per result *object*: a new version of the
data is a new object and gets a new rendering, and nothing can be served stale.

Where: one :class:`Renderings` per service, owned by the service whose versions key it
(``LeaderboardService.renderings``, ``ProfileService.renderings``). The renderers themselves are
plain functions of their inputs; the adapter asks the service's renderings for a result's
rendering and passes the renderer to call on a miss. The key beside the result says which
rendering (and of what): the adapter's name for it, the language, the viewer, whatever else the
renderer reads. A key must determine the rendering's type, since one store serves several.

Sharing: a kept rendering is handed to every caller, so callers must not change it (a
``discord.Embed`` is sent as it is). The store keeps each result alive beside its rendering, so
an ``id`` cannot be reused by another object while cached.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar, cast

V = TypeVar("V")

DEFAULT_SIZE = 1024


class Renderings:
    """(result object, key) -> rendering; the ``size`` most recently used are kept."""

    __slots__ = ("_entries", "_size")

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._size = size
        self._entries: dict[tuple[int, Hashable], tuple[object, object]] = {}

    def get(self, result: object, key: Hashable, render: Callable[[], V]) -> V:
        """The rendering of ``result`` under ``key``; ``render()`` builds it on a miss."""
        slot = (id(result), key)
        entries = self._entries
        found = entries.pop(slot, None)
        if found is not None and found[0] is result:
            entries[slot] = found  # moved to the end: the most recently used
            return cast(V, found[1])
        value = render()
        entries[slot] = (result, value)
        if len(entries) > self._size:
            del entries[next(iter(entries))]
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
