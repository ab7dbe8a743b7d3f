"""Links from Discord to the ladder's web pages, when the operator set ``EVOLADDER_PUBLIC_URL``.

/profile links the player's page and /leaderboard the same board (filters, page and, for a closed
season, the season) on the web. The link is the message's text in angle brackets (after the text
the answer already has, such as a past season's line), which Discord shows as a link without
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
    page: int, season: int | None = None,
) -> str:
    """The web board; ``season`` only for a closed season (the web shows the current one by
    default, so a live board's link stays the same across season starts)."""
    query: list[tuple[str, str]] = [("race", r) for r in sorted(races)]
    query += [("country", c) for c in sorted(countries)]
    if letter:
        query.append(("letter", letter))
    if best_only:
        query.append(("best", "1"))
    if page > 1:
        query.append(("page", str(page)))
    if season is not None:
        query.append(("season", str(season)))
    tail = f"?{urlencode(query)}" if query else ""
    return f"{public_url.rstrip('/')}/leaderboard{tail}"


def with_link(reply: Reply, url: str | None) -> Reply:
    """The reply with ``url`` as the last line of its text (unchanged without a public URL)."""
    if not url:
        return reply
    return replace(reply, content=f"{reply.content}\n<{url}>" if reply.content else f"<{url}>")
