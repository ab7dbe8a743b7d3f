"""Text chosen by players (Discord names, ids, BattleTags) made inert inside our messages.

Discord names may hold ``_``, ``*``, ``~``, ``|`` or a backtick, which Discord reads as formatting,
and ``@everyone`` or a ``<@id>`` mention. Every player-chosen name goes through :func:`plain`
before it is placed in a message, so it shows exactly as typed and pings nobody.
"""

from __future__ import annotations

from collections.abc import Mapping

import discord


def plain(value: str) -> str:
    """``value`` shown as typed: markdown and mentions escaped."""
    return discord.utils.escape_markdown(discord.utils.escape_mentions(value))


def plain_names(names: Mapping[int, str]) -> dict[int, str]:
    """A Discord id -> name mapping with every name passed through :func:`plain`."""
    return {uid: plain(name) for uid, name in names.items()}
