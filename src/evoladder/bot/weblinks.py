"""Links from Discord to the ladder's web pages, when the operator set ``EVOLADDER_PUBLIC_URL``.

/profile links the player's page and /leaderboard the same board (filters and page) on the web.
The link is the message's text in angle brackets, which Discord shows as a link without
unfurling a preview under the embed the answer already is.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from evoladder.bot.reply import Reply


def player_link(public_url: str, ladder_id: int) -> str:
    return f"{public_url.rstrip('/')}/players/{ladder_id}"


def board_link(
    public_url: str, races: frozenset[str], countries: frozenset[str], letter: str | None, best_only: bool,
    page: int,
) -> str:
    query: list[tuple[str, str]] = [("race", r) for r in sorted(races)]
    query += [("country", c) for c in sorted(countries)]
    if letter:
        query.append(("letter", letter))
    if best_only:
        query.append(("best", "1"))
    if page > 1:
        query.append(("page", str(page)))
    tail = f"?{urlencode(query)}" if query else ""
    return f"{public_url.rstrip('/')}/leaderboard{tail}"


def with_link(reply: Reply, url: str | None) -> Reply:
    """The reply with ``url`` as its text (unchanged without a public URL)."""
    return replace(reply, content=f"<{url}>") if url else reply
