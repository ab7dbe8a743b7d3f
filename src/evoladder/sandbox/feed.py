"""Change notifications for waiters: "tell me when something I care about changed".

Virtual players wait for the bot's answers (a reply, an edit, a DM). Polling with sleeps would be
slow and flaky, and one global condition would wake every player on every change (quadratic with
hundreds of players in the load bench). Instead every change names its topics (a channel, an
interaction, a user, or the catch-all ``ANY``) and only waiters subscribed to one of them wake up.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

T = TypeVar("T")
ANY: Hashable = "*"


class WaitTimeout(AssertionError):
    """A waited-for condition did not happen in time: the test that waited fails."""


class ChangeFeed:
    """Wake the waiters subscribed to the topics of each change."""

    def __init__(self) -> None:
        self._subscribers: defaultdict[Hashable, set[asyncio.Event]] = defaultdict(set)
        self.revision = 0

    def notify(self, *topics: Hashable) -> None:
        """Record a change touching ``topics`` (``ANY`` subscribers always wake)."""
        self.revision += 1
        for topic in (*topics, ANY):
            for event in self._subscribers.get(topic, ()):
                event.set()

    async def wait_for(
        self,
        check: Callable[[], T | None],
        topics: Iterable[Hashable],
        within: float,
        describe: Callable[[], str],
    ) -> T:
        """Return the first non-``None`` value of ``check()``, re-checked after each change.

        Raises :class:`WaitTimeout` (an ``AssertionError``) with ``describe()`` after ``within``
        real seconds, so a missing answer fails the test instead of hanging it.
        """
        event = asyncio.Event()
        keys = tuple(topics) or (ANY,)
        for key in keys:
            self._subscribers[key].add(event)
        try:
            async with asyncio.timeout(within):
                while (result := check()) is None:
                    await event.wait()
                    event.clear()
                return result
        except TimeoutError:
            raise WaitTimeout(f"timed out after {within:g}s waiting for {describe()}") from None
        finally:
            for key in keys:
                subscribers = self._subscribers.get(key)
                if subscribers is not None:
                    subscribers.discard(event)
                    if not subscribers:
                        del self._subscribers[key]
