"""Rating history: what one change of a rating records, how history is rebuilt from matches, how
a season start moves ratings, and how a long history is thinned for a chart (DESIGN section 11).

Pure functions over plain values; the store writes and reads the rows, the services decide when.

Kinds of row (``HistoryKind``):

- ``match``: a result applied when a match turned final (reports, a replay, a deadline);
- ``reversal``: a result taken back (an admin re-resolves, or a replay disputes a final result);
- ``resolve``: the result an admin's resolution applied;
- ``adjust``: an admin set the rating;
- ``season_reset``: a new season started (the rating carried over or moved toward the start);
- ``baseline``: written only by a rebuild, where replaying the matches does not reach the stored
  rating (an adjustment made before history was kept, a hand edit), so the last row of every
  rating always equals the stored rating.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from itertools import pairwise
from typing import NamedTuple

from evoladder.domain.rating import START_MMR, expected_score

# Where the first season's matches begin: it also holds every match older than the ladder's
# seasons (matches from before seasons were kept, imported ones).
SEASONS_BEGIN = datetime(1970, 1, 1, tzinfo=UTC)


class HistoryKind(StrEnum):
    MATCH = "match"
    REVERSAL = "reversal"
    RESOLVE = "resolve"
    ADJUST = "adjust"
    SEASON_RESET = "season_reset"
    BASELINE = "baseline"


class HistoryRow(NamedTuple):
    """One change of one (player, race) rating, as stored (without its id)."""

    discord_uid: int
    race: str
    season_id: int
    kind: HistoryKind
    match_id: int | None
    rating_before: int
    rating_after: int
    expected: float | None
    at: datetime


def expected_for(slot: int, mmr_1: int, mmr_2: int) -> float:
    """The expected score of the player in ``slot`` from the match's rating snapshots (the same
    numbers the match's delta was computed from)."""
    e1 = expected_score(mmr_1, mmr_2)
    return e1 if slot == 1 else 1.0 - e1


# --- seasons ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SeasonSpan:
    """A season's id and when it started (its end is the next season's start)."""

    id: int
    started_at: datetime


def season_at(spans: Sequence[SeasonSpan], moment: datetime) -> int:
    """The id of the season a match made at ``moment`` belongs to: the newest season (highest
    id, seasons are opened in order) that had started by then, or the first season for anything
    older (a match imported from before the ladder kept seasons). ``spans`` are in id order and
    not empty."""
    found = spans[0].id
    for span in spans:
        if span.started_at <= moment:
            found = span.id
    return found


def season_name(pool: str) -> str:
    """A readable default name for a season playing ``pool`` ("season_alpha" -> "Season Alpha")."""
    return pool.replace("_", " ").strip().title() or pool


def toward_start(mmr: int, percent: int) -> int:
    """A rating moved ``percent`` % of the way toward the start rating, rounded toward the rating
    it came from (integer division toward zero), so 0 % carries it over unchanged and 100 % resets
    it to the start; a rating at the start stays there."""
    if not 0 <= percent <= 100:
        raise ValueError("percent must be within 0..100")
    gap = mmr - START_MMR
    move = abs(gap) * percent // 100
    return mmr - move if gap > 0 else mmr + move


# --- rebuild ------------------------------------------------------------------------------------


class FinalLeg(NamedTuple):
    """One player's side of one final match, in the order the matches are replayed."""

    match_id: int
    discord_uid: int
    race: str
    delta: int  # what the match moved this player's rating by
    expected: float
    at: datetime  # when the result was applied (finalized, else made)
    season_id: int
    resolved: bool  # an admin decided it


@dataclass(slots=True)
class Replay:
    """Rebuilds history rows from final matches replayed in order from the start rating.

    Feed legs in application order (``add`` returns each leg's row), then ``finish`` with the
    stored ratings: a rating the replay does not reach gets one ``baseline`` row to the stored
    value, so the last row of every rating equals it. A stored rating without any match gets a
    baseline row only when it is not the start rating (nothing to draw otherwise). Only one
    running value and one last row per rating are kept, so a million matches can stream through.
    """

    current: dict[tuple[int, str], int]
    last: dict[tuple[int, str], HistoryRow]

    @classmethod
    def start(cls) -> Replay:
        return cls({}, {})

    def add(self, leg: FinalLeg) -> HistoryRow:
        key = (leg.discord_uid, leg.race)
        before = self.current.get(key, START_MMR)
        after = before + leg.delta
        self.current[key] = after
        kind = HistoryKind.RESOLVE if leg.resolved else HistoryKind.MATCH
        row = HistoryRow(
            leg.discord_uid, leg.race, leg.season_id, kind, leg.match_id, before, after, leg.expected, leg.at
        )
        self.last[key] = row
        return row

    def finish(
        self, stored: Mapping[tuple[int, str], int], season_id: int, now: datetime
    ) -> list[HistoryRow]:
        """The baseline rows the stored ratings need (stamped at the rating's last row, or ``now``
        in ``season_id`` for a rating without matches)."""
        added = []
        for key, mmr in stored.items():
            reached = self.current.get(key, START_MMR)
            if reached == mmr:
                continue
            last = self.last.get(key)
            at = last.at if last is not None else now
            season = last.season_id if last is not None else season_id
            row = HistoryRow(key[0], key[1], season, HistoryKind.BASELINE, None, reached, mmr, None, at)
            added.append(row)
        return added


# --- chart --------------------------------------------------------------------------------------


def season_breaks(seasons: Sequence[int]) -> list[int]:
    """Indices of the points that start another season than the point before them."""
    return [i for i, (a, b) in enumerate(pairwise(seasons), 1) if a != b]


def downsample(ratings: Sequence[int], seasons: Sequence[int], limit: int) -> list[int]:
    """Indices (ascending) of at most ``limit`` points of a rating's history (``ratings[i]``
    after the i-th change, in season ``seasons[i]``) that still draw the same story.

    Always kept: the first and the last point, the highest and the lowest (first occurrence),
    and every season break (the last point of a season and the first of the next). The rest of
    the budget goes to buckets of equal width, each keeping its lowest and highest point, so
    peaks and dips survive the thinning (min-max decimation). When the breaks alone exceed the
    budget the latest breaks are kept; below four points of budget the ends come first.
    """
    n = len(ratings)
    if limit < 2:
        raise ValueError("a chart needs at least two points")
    if n <= limit:
        return list(range(n))
    values = list(ratings)  # builtin min/max/index on a list run in C: no key function per point
    hi = values.index(max(values))
    lo = values.index(min(values))
    must = set(list(dict.fromkeys((0, n - 1, hi, lo)))[:limit])
    breaks = [j for i in season_breaks(seasons) for j in (i - 1, i)]
    room = limit - len(must)
    extra = [i for i in breaks if i not in must]
    if len(extra) > room:
        extra = extra[len(extra) - room:] if room > 0 else []
    must.update(extra)
    room = limit - len(must)
    if room >= 2:
        buckets = room // 2
        width = n / buckets
        for b in range(buckets):
            start, stop = int(b * width), min(n, int((b + 1) * width))
            if start >= stop:
                continue
            part = values[start:stop]
            must.add(start + part.index(min(part)))
            must.add(start + part.index(max(part)))
    return sorted(must)  # each bucket adds at most two: never more than ``limit``


def rows_by_rating(rows: Iterable[HistoryRow]) -> dict[tuple[int, str], list[HistoryRow]]:
    """Rows grouped by (player, race), each group in the given order (tests and tools)."""
    out: dict[tuple[int, str], list[HistoryRow]] = {}
    for row in rows:
        out.setdefault((row.discord_uid, row.race), []).append(row)
    return out
