"""The leaderboard as an in-memory order-statistic index (DESIGN section 5).

What it holds: the *ranked* (player, race) rows only: at least one game and a game within the
activity window (14 days). Order: mmr desc, last_played desc, row id. Everything a page needs is
answered from sorted lists (``sortedcontainers.SortedList``, a B-tree-like list of sublists with
a positional index), so no query or update ever re-sorts the ladder:

- one change of a row: O(log n) per list it sits in (at most 8 lists plus the expiry list);
- global rank of a row: one bisection in the list of all ranked rows, O(log n);
- a page of 40 with filters: O(k log^2 n) to find the page start in the union of the k lists the
  filter maps to, then O(k (log n + 40)) to collect the page (see ``_sources``).

Keys. A row's sort key is one integer, ``(BIAS - mmr) << 104 | (TS_MAX - last_played_us) << 40 |
row_id``: smaller is better, ties on mmr fall to the later game and then to the smaller id, and
integers compare faster and weigh less than tuples. The low 40 bits give the row back.

Filter lists. Each ranked row sits in four lists of its family: all rows, its race, its country
and its (race, country) pair. A second family holds only each player's best row (its smallest key
over all of the player's ranked rows): "best race only" = the player's best race, shown when it
passes the other filters (so "best only" + "BW Zerg" lists the players whose best race is BW Zerg).
A filter maps to the union of a few lists: races to race lists (or to "all minus the races not
chosen" when that is shorter), countries to country lists, both to pair lists. Rank letters are
contiguous ranges of the global order, so a letter is a key range [lo, hi) applied to any lists.

Time. Ranked means "a game in the last 14 days", which changes with time alone. A second sorted
list orders the ranked rows by last_played; ``refresh(now)`` pops the rows that fell out of the
window from its front, O(k log n) for k expired rows and O(1) when none did. Every read and write
of the service calls it first, so inactive rows drop out (and every letter boundary moves) without
anybody playing. Time is assumed not to run backwards: a row that expired comes back only when a
new result for it arrives.

There is no cap: pages are reached by position at any depth, not by scanning from the top.
"""

from __future__ import annotations

import heapq
import sys
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate, islice
from typing import Generic, NamedTuple, TypeVar

from sortedcontainers import SortedList

from evoladder.domain.players import MmrRow
from evoladder.domain.ranks import ACTIVITY_WINDOW, LETTERS, UNRANKED, letter_at, letter_bounds

PAGE_SIZE = 40
# A country group's key in filters and lists: every country outside the common list ("Other").
# No country code contains "*", so it never collides with one.
OTHER_GROUP = "*other"
PAGE_CACHE_SIZE = 256  # pages kept for serving again while the index is unchanged
POSITION_CACHE_SIZE = 4096  # viewers' positions, likewise
ROW_BITS = 40
ROW_MASK = (1 << ROW_BITS) - 1
TS_BITS = 64
TS_MAX = (1 << TS_BITS) - 1
MMR_SHIFT = TS_BITS + ROW_BITS
MMR_BIAS = 1 << 31
INF = 1 << 200  # above every key: the open end of a range
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
# Merge pages from the top (no position search) while the rows to skip are fewer than this many
# per list a filter uses: merging costs about one step per row, the search ~17 bisections per list.
DIRECT_MERGE_ROWS_PER_LIST = 40
_K = TypeVar("_K")


def to_us(moment: datetime) -> int:
    """Microseconds since the epoch, exact (a datetime has microsecond resolution)."""
    return max(0, (moment - EPOCH) // _US)


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def places_of_sorted(ordered: SortedList[int], keys: Sequence[int]) -> list[int]:
    """``ordered.bisect_left(k)`` for every key of ``keys``, which are in ascending order.

    Why not ``bisect_left`` per key: each call walks sortedcontainers' positional index (most of
    a filtered page's cost, 40 times). Keys in order can share one pass: the sublists' sizes are
    summed once, and each key is then one bisection of the sublists' maxima and one inside its
    sublist. This reads ``SortedList``'s internals (``_lists``, ``_maxes``: its documented
    implementation, unchanged since 2.0; the version is pinned below 3), and a test checks it
    against ``bisect_left`` on random lists.
    """
    lists: list[list[int]] = ordered._lists  # type: ignore[attr-defined]
    maxes: list[int] = ordered._maxes  # type: ignore[attr-defined]
    if not lists:
        return [0] * len(keys)
    starts = list(accumulate(map(len, lists), initial=0))
    out = []
    for key in keys:
        pos = bisect_left(maxes, key)
        if pos == len(maxes):
            out.append(starts[-1])
        else:
            out.append(starts[pos] + bisect_left(lists[pos], key))
    return out


class PlayerInfo(NamedTuple):
    """What a row shows and is filtered by that belongs to the player, not to the race.

    A named tuple, not a dataclass: one is made per player at start-up (100k+), and a tuple is
    the cheapest immutable record to create and to keep.
    """

    country: str | None
    name: str
    hidden: bool = False  # banned players are kept off the board (and out of everyone's ranks)


@dataclass(frozen=True, slots=True)
class LeaderboardFilter:
    """One request's filters. A plain value: each request builds its own, nothing is shared.

    Empty ``races`` / ``countries`` mean "all"; ``letter`` is one of S..F or None.
    """

    races: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    letter: str | None = None
    best_only: bool = False


class Entry(NamedTuple):
    """One row of a page. A named tuple: 40 are made per page served, and a tuple is made in
    half the time of a frozen dataclass. The last game is kept as the key's microseconds and
    made a ``datetime`` only when asked for (no board shows it)."""

    position: int  # 1-based place in the filtered list
    global_rank: int  # 1-based rank among all ranked rows
    letter: str
    discord_uid: int
    race: str
    country: str | None
    name: str
    mmr: int
    last_played_us: int  # microseconds since the epoch
    # The row's place in the index's order (rating, last game, row id), for keyset paging
    # (``LeaderboardIndex.page_after``); 0 where a row comes from elsewhere (an archived board).
    key: int = 0

    @property
    def last_played(self) -> datetime:
        return from_us(self.last_played_us)


@dataclass(frozen=True, slots=True)
class Page:
    entries: tuple[Entry, ...]
    page: int  # 1-based; clamped into [1, pages]
    pages: int  # at least 1, even when empty
    total: int  # rows matching the filter
    ranked_total: int  # all ranked rows (the base of global ranks and letters)
    page_size: int


@dataclass(frozen=True, slots=True)
class RankInfo:
    global_rank: int
    letter: str
    ranked_total: int


@dataclass(frozen=True, slots=True)
class Position:
    position: int  # 1-based place in the filtered list
    page: int
    race: str


class _Row(NamedTuple):
    """A ranked row: who, which race, and its key (mmr, last game and row id are in the key).

    Immutable (an update replaces the row) and a tuple: the cheapest record to create by the
    hundred thousand at start-up.
    """

    discord_uid: int
    race: str
    key: int

    @property
    def row_id(self) -> int:
        return self.key & ROW_MASK

    @property
    def last_us(self) -> int:
        return TS_MAX - ((self.key >> ROW_BITS) & TS_MAX)

    @property
    def mmr(self) -> int:
        return MMR_BIAS - (self.key >> MMR_SHIFT)

    @property
    def expiry_key(self) -> int:
        return (self.last_us << ROW_BITS) | (self.key & ROW_MASK)


@dataclass
class _Family:
    """The four list kinds one set of rows is filtered through.

    ``groups`` maps a country to a country group (``OTHER_GROUP``: every country outside the
    common list): a row of such a country also sits in the group's country and pair lists, so a
    filter on the group is one list per race, not one per country (about 200 for "Other").
    """

    all: SortedList[int] = field(default_factory=SortedList)
    by_race: dict[str, SortedList[int]] = field(default_factory=dict)
    by_country: dict[str | None, SortedList[int]] = field(default_factory=dict)
    by_pair: dict[tuple[str, str | None], SortedList[int]] = field(default_factory=dict)
    groups: Mapping[str | None, str] = field(default_factory=dict)

    def add(self, key: int, race: str, country: str | None) -> None:
        self.all.add(key)
        _list(self.by_race, race).add(key)
        _list(self.by_country, country).add(key)
        _list(self.by_pair, (race, country)).add(key)
        group = self.groups.get(country)
        if group is not None:
            _list(self.by_country, group).add(key)
            _list(self.by_pair, (race, group)).add(key)

    def remove(self, key: int, race: str, country: str | None) -> None:
        self.all.remove(key)
        self.by_race[race].remove(key)
        self.by_country[country].remove(key)
        self.by_pair[(race, country)].remove(key)
        group = self.groups.get(country)
        if group is not None:
            self.by_country[group].remove(key)
            self.by_pair[(race, group)].remove(key)

    @classmethod
    def bulk(
        cls, keyed: Iterable[tuple[int, str, str | None]], groups: Mapping[str | None, str]
    ) -> _Family:
        """One grouping pass (by race and country pair), then C-level sorts of integer lists."""
        pairs: dict[tuple[str, str | None], list[int]] = {}
        for key, race, country in keyed:
            found = pairs.get((race, country))
            if found is None:
                found = pairs[(race, country)] = []
            found.append(key)
        races: dict[str, list[int]] = {}
        countries: dict[str | None, list[int]] = {}
        grouped: dict[tuple[str, str | None], list[int]] = {}
        for (race, country), keys in pairs.items():
            races.setdefault(race, []).extend(keys)
            countries.setdefault(country, []).extend(keys)
            group = groups.get(country)
            if group is not None:
                countries.setdefault(group, []).extend(keys)
                grouped.setdefault((race, group), []).extend(keys)
        return cls(
            SortedList([k for keys in pairs.values() for k in keys]),
            {k: SortedList(v) for k, v in races.items()},
            {k: SortedList(v) for k, v in countries.items()},
            {k: SortedList(v) for k, v in (pairs | grouped).items()},
            groups,
        )


def _list(lists: dict[_K, SortedList[int]], name: _K) -> SortedList[int]:
    found = lists.get(name)
    if found is None:
        found = lists[name] = SortedList()
    return found


# A filter compiles to sources whose filtered union is exactly the filtered rows:
# (list, lists to subtract when counting, races a row must have when collecting, or None).
_Source = tuple[SortedList[int], tuple[SortedList[int], ...], frozenset[str] | None]


_V = TypeVar("_V")


class _Kept(Generic[_K, _V]):
    """Values computed at one ``version`` of the index, served again while it is unchanged; the
    ``size`` most recently stored are kept (the oldest evicted first). Values must be immutable:
    they are shared."""

    __slots__ = ("_entries", "_size")

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: dict[_K, tuple[int, _V]] = {}

    def fetch(self, key: _K, version: int, compute: Callable[[], _V]) -> _V:
        found = self._entries.get(key)
        if found is not None and found[0] == version:
            return found[1]
        value = compute()
        self._entries.pop(key, None)  # re-stored at the end
        if len(self._entries) >= self._size:
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = (version, value)
        return value


class LeaderboardIndex:
    """The ranked rows, kept sorted under every filter; see the module docs for the design."""

    def __init__(
        self,
        page_size: int = PAGE_SIZE,
        merge_rows_per_list: int = DIRECT_MERGE_ROWS_PER_LIST,
        country_groups: Mapping[str | None, str] | None = None,
    ) -> None:
        self.page_size = page_size
        self.merge_rows_per_list = merge_rows_per_list
        # country -> group key (``OTHER_GROUP``); a filter may name a group like a country
        self._groups: Mapping[str | None, str] = dict(country_groups or {})
        self._rows: dict[int, _Row] = {}  # row_id -> row
        # Each player's ranked rows (at most one per race): a tuple, not a dict, because a small
        # dict costs ~200 bytes and there is one per player.
        self._by_player: dict[int, tuple[_Row, ...]] = {}
        self._best: dict[int, _Row] = {}
        self._players: dict[int, PlayerInfo] = {}
        self._ranked = _Family(groups=self._groups)
        self._best_family = _Family(groups=self._groups)
        self._expiry: SortedList[int] = SortedList()
        self._cutoff_us = 0
        self._bounds_cache: tuple[int, tuple[tuple[str, int], ...]] = (0, letter_bounds(0))
        # Pages and positions already served, valid while ``version`` is unchanged.
        self.version = 0
        self._pages: _Kept[tuple[LeaderboardFilter, int], Page] = _Kept(PAGE_CACHE_SIZE)
        self._positions: _Kept[tuple[int, LeaderboardFilter], Position | None] = _Kept(
            POSITION_CACHE_SIZE
        )

    # -- building and upkeep ---------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        rows: Iterable[MmrRow],
        players: Mapping[int, PlayerInfo],
        now: datetime,
        page_size: int = PAGE_SIZE,
        merge_rows_per_list: int = DIRECT_MERGE_ROWS_PER_LIST,
    ) -> LeaderboardIndex:
        """Bulk load from complete collections (see ``IndexBuilder`` for the streaming form)."""
        builder = IndexBuilder(now, page_size, merge_rows_per_list)
        builder.add_players(players.items())
        builder.add_rows(rows)
        return builder.finish()

    def refresh(self, now: datetime) -> int:
        """Drop the rows whose last game left the activity window; returns how many dropped."""
        cutoff = to_us(now - ACTIVITY_WINDOW)
        if cutoff <= self._cutoff_us:
            return 0
        self._cutoff_us = cutoff
        expiry = self._expiry
        limit = cutoff << ROW_BITS  # rows with last_us < cutoff have expiry keys below this
        dropped = 0
        while expiry and expiry[0] < limit:
            row = self._rows[expiry[0] & ROW_MASK]
            self._drop(row)
            self._settle_best(row.discord_uid)
            dropped += 1
        if dropped:
            self.version += 1
        return dropped

    def upsert(self, source: MmrRow, now: datetime) -> None:
        """Apply one row's new state: enter, move or leave the ranked rows. O(log n)."""
        self.refresh(now)
        self.version += 1
        old = self._rows.get(source.id)
        if old is not None:
            self._drop(old)
        if self._is_rankable(source):
            row = self._put_row(source)
            self._ranked.add(row.key, row.race, self._country(row.discord_uid))
            self._expiry.add(row.expiry_key)
        self._settle_best(source.discord_uid)

    def set_player(self, discord_uid: int, info: PlayerInfo) -> None:
        """A player's country, name or visibility changed (setup, /setcountry, ban, unban).

        Hiding (a ban) takes the player's rows out at once. Un-hiding stores the info only: the
        caller re-sends the player's rating rows (``upsert``), which it reads from the database.
        """
        self.version += 1
        old_country = self._country(discord_uid)
        mine = self._by_player.get(discord_uid)
        if mine and info.hidden:
            for row in mine:
                self._drop(row)
            self._settle_best(discord_uid)
        elif mine and old_country != info.country:
            for row in mine:
                self._ranked.remove(row.key, row.race, old_country)
                self._ranked.add(row.key, row.race, info.country)
            best = self._best[discord_uid]
            self._best_family.remove(best.key, best.race, old_country)
            self._best_family.add(best.key, best.race, info.country)
        self._players[discord_uid] = info

    # -- reads -----------------------------------------------------------------------------------

    @property
    def ranked_total(self) -> int:
        return len(self._rows)

    @property
    def players_total(self) -> int:
        """Players the index knows (ranked or not): names and countries for every row."""
        return len(self._players)

    def player(self, discord_uid: int) -> PlayerInfo | None:
        return self._players.get(discord_uid)

    def rank_of(self, discord_uid: int, race: str) -> RankInfo | None:
        """Global rank and letter of one (player, race) row; None when it is not ranked."""
        row = next((r for r in self._by_player.get(discord_uid, ()) if r.race == race), None)
        if row is None:
            return None
        position = self._ranked.all.bisect_left(row.key)
        return RankInfo(position + 1, letter_at(position, self._bounds()), self.ranked_total)

    def ranks_of(self, discord_uid: int) -> dict[str, RankInfo]:
        """``rank_of`` for every ranked row of the player, by race (one lookup of the player)."""
        every, bounds, total = self._ranked.all, self._bounds(), self.ranked_total
        out: dict[str, RankInfo] = {}
        for row in self._by_player.get(discord_uid, ()):
            position = every.bisect_left(row.key)
            out[row.race] = RankInfo(position + 1, letter_at(position, bounds), total)
        return out

    def page(self, flt: LeaderboardFilter, page: int = 1) -> Page:
        """Page ``page`` (1-based, clamped) of the rows matching ``flt``.

        A page already served is served again while nothing changed (``version``: every upsert,
        player change and expiry bumps it), because the same pages (the top of the board, a
        country's first page) are asked for again and again between two changes. ``Page`` is
        immutable, so sharing it is safe; the cache keeps the ``PAGE_CACHE_SIZE`` most recent.
        """
        return self._pages.fetch((flt, page), self.version, lambda: self._page(flt, page))

    def _page(self, flt: LeaderboardFilter, page: int) -> Page:
        size = self.page_size
        family = self._best_family if flt.best_only else self._ranked
        lo_key, hi_key = self._letter_range(flt.letter)
        sources = self._sources(family, flt)
        before = _count_below(sources, lo_key)
        total = _count_below(sources, hi_key) - before
        pages = max(1, -(-total // size))
        page = min(max(page, 1), pages)
        offset = (page - 1) * size
        keys: list[int] = []
        if offset < total:
            lists = sum(1 + len(negs) for _lst, negs, _races in sources)
            if offset + size <= self.merge_rows_per_list * lists:
                keys = _merge(sources, lo_key, hi_key, offset + size, self._rows)[offset:]
            else:
                start = self._select(family, sources, lo_key, hi_key, before + offset)
                keys = _merge(sources, start, hi_key, size, self._rows)
        if len(sources) == 1 and sources[0][0] is self._ranked.all and not sources[0][1]:
            # The page is a run of the global order itself (no race, country or best-only list,
            # nothing subtracted): the global ranks are consecutive from the rows before the
            # letter's range (0 without a letter), no bisection each.
            places: Iterable[int] = range(before + offset, before + offset + len(keys))
        else:
            places = places_of_sorted(self._ranked.all, keys)
        bounds = self._bounds()
        entries = tuple(
            self._entry(key, offset + i, place, bounds)
            for i, (key, place) in enumerate(zip(keys, places, strict=True), 1)
        )
        return Page(entries, page, pages, total, self.ranked_total, size)

    def page_after(self, flt: LeaderboardFilter, after_key: int) -> Page:
        """The ``page_size`` rows of ``flt`` that come after the row whose ``Entry.key`` is
        ``after_key`` (keyset paging: a client walking the whole board neither skips nor repeats a
        row when ratings move between its requests, and any depth costs bisections plus one
        page's merge). The row need not exist any more: the key is a point in the order. The
        page number is the one the first row falls on."""
        size = self.page_size
        family = self._best_family if flt.best_only else self._ranked
        lo_key, hi_key = self._letter_range(flt.letter)
        sources = self._sources(family, flt)
        before = _count_below(sources, lo_key)
        total = _count_below(sources, hi_key) - before
        pages = max(1, -(-total // size))
        start = min(max(after_key + 1, lo_key), hi_key)
        offset = _count_below(sources, start) - before
        keys = _merge(sources, start, hi_key, size, self._rows) if offset < total else []
        places = places_of_sorted(self._ranked.all, keys)
        bounds = self._bounds()
        entries = tuple(
            self._entry(key, offset + i, place, bounds)
            for i, (key, place) in enumerate(zip(keys, places, strict=True), 1)
        )
        return Page(entries, min(offset // size + 1, pages), pages, total, self.ranked_total, size)

    def position_of(self, discord_uid: int, flt: LeaderboardFilter) -> Position | None:
        """Where the player's first row in ``flt`` stands (the "my position" jump), or None.
        Kept like pages while the index is unchanged (every board shows the viewer's place)."""
        return self._positions.fetch(
            (discord_uid, flt), self.version, lambda: self._position_of(discord_uid, flt)
        )

    def _position_of(self, discord_uid: int, flt: LeaderboardFilter) -> Position | None:
        mine = self._by_player.get(discord_uid)
        if not mine:
            return None
        info = self._players.get(discord_uid)
        if flt.countries and (
            info is None
            or (info.country not in flt.countries and self._groups.get(info.country) not in flt.countries)
        ):
            return None
        candidates = [self._best[discord_uid]] if flt.best_only else list(mine)
        lo_key, hi_key = self._letter_range(flt.letter)
        fits = [
            r for r in candidates
            if (not flt.races or r.race in flt.races) and lo_key <= r.key < hi_key
        ]
        if not fits:
            return None
        row = min(fits, key=_key_of)
        family = self._best_family if flt.best_only else self._ranked
        sources = self._sources(family, flt)
        index = _count_below(sources, row.key) - _count_below(sources, lo_key)
        return Position(index + 1, index // self.page_size + 1, row.race)

    # -- internals -------------------------------------------------------------------------------

    def _is_rankable(self, source: MmrRow) -> bool:
        info = self._players.get(source.discord_uid)
        if info is not None and info.hidden:
            return False
        return (
            source.games_played > 0
            and source.last_played is not None
            and to_us(source.last_played) >= self._cutoff_us
        )

    def _country(self, discord_uid: int) -> str | None:
        info = self._players.get(discord_uid)
        return info.country if info else None

    def _put_row(self, source: MmrRow) -> _Row:
        assert source.last_played is not None
        return self._put(source.id, source.discord_uid, source.race, source.mmr, to_us(source.last_played))

    def _put(self, row_id: int, discord_uid: int, race: str, mmr: int, last_us: int) -> _Row:
        race = sys.intern(race)
        # One integer orders rows as the board does: mmr desc, last played desc, row id.
        key = ((MMR_BIAS - mmr) << MMR_SHIFT) | ((TS_MAX - last_us) << ROW_BITS) | row_id
        row = _Row(discord_uid, race, key)
        self._rows[row_id] = row
        mine = self._by_player.get(discord_uid)
        self._by_player[discord_uid] = (row,) if mine is None else (*(r for r in mine if r.race != race), row)
        return row

    def _drop(self, row: _Row) -> None:
        """Take a row out of the ranked rows (its best-family entry is settled by the caller)."""
        self._ranked.remove(row.key, row.race, self._country(row.discord_uid))
        self._expiry.remove(row.expiry_key)
        del self._rows[row.key & ROW_MASK]
        rest = tuple(r for r in self._by_player[row.discord_uid] if r.race != row.race)
        if rest:
            self._by_player[row.discord_uid] = rest
        else:
            del self._by_player[row.discord_uid]

    def _settle_best(self, discord_uid: int) -> None:
        """Make the best family hold exactly the player's current best row."""
        mine = self._by_player.get(discord_uid)
        want = min(mine, key=_key_of) if mine else None
        have = self._best.get(discord_uid)
        if have is want:
            return
        country = self._country(discord_uid)
        if have is not None:
            self._best_family.remove(have.key, have.race, country)
            del self._best[discord_uid]
        if want is not None:
            self._best_family.add(want.key, want.race, country)
            self._best[discord_uid] = want

    def _bounds(self) -> tuple[tuple[str, int], ...]:
        total = len(self._rows)
        if self._bounds_cache[0] != total:
            self._bounds_cache = (total, letter_bounds(total))
        return self._bounds_cache[1]

    def _letter_range(self, letter: str | None) -> tuple[int, int]:
        """The key range of a rank letter in the global order ([0, INF) for no letter)."""
        if letter is None:
            return 0, INF
        start = 0
        for name, upper in self._bounds():
            if name == letter:
                every = self._ranked.all
                lo = every[start] if start < len(every) else INF
                hi = every[upper] if upper < len(every) else INF
                return lo, hi
            start = upper
        return INF, INF  # U or unknown: no ranked row has it

    def _sources(self, family: _Family, flt: LeaderboardFilter) -> list[_Source]:
        """The lists whose (filtered) union is the rows of ``flt``; empty lists are left out."""
        races, countries = flt.races, flt.countries
        out: list[_Source] = []
        if not countries:
            if not races or races.issuperset(family.by_race):
                out.append((family.all, (), None))
            elif len(races) <= len(family.by_race) - len(races):
                out.extend((lst, (), None) for r in races if (lst := family.by_race.get(r)))
            else:
                negs = tuple(lst for r, lst in family.by_race.items() if r not in races and lst)
                out.append((family.all, negs, races))
            return [s for s in out if s[0]]
        for country in countries:
            whole = family.by_country.get(country)
            if not whole:
                continue
            pairs = family.by_pair
            present = {r for r in family.by_race if pairs.get((r, country))} if races else set()
            if not races or races.issuperset(present):
                out.append((whole, (), None))
                continue
            chosen = [family.by_pair[(r, country)] for r in races if (r, country) in family.by_pair]
            others = [family.by_pair[(r, country)] for r in present if r not in races]
            if len(chosen) <= len(others) + 1:
                out.extend((lst, (), None) for lst in chosen if lst)
            else:
                out.append((whole, tuple(lst for lst in others if lst), races))
        return out

    def _select(self, family: _Family, sources: list[_Source], lo_key: int, hi_key: int, t: int) -> int:
        """The key of the filtered row that has ``t`` filtered rows before it (in the union).

        One plain list: index it. Otherwise bisect over the positions of the family's list of
        all rows: the filtered count at or below a key only grows with the key.
        """
        if len(sources) == 1 and not sources[0][1]:
            return sources[0][0][t]
        universe = family.all
        lo = universe.bisect_left(lo_key)
        hi = universe.bisect_left(hi_key)
        while lo < hi:
            mid = (lo + hi) // 2
            if _count_below(sources, universe[mid] + 1) > t:
                hi = mid
            else:
                lo = mid + 1
        return universe[lo]

    def _entry(self, key: int, position: int, place: int, bounds: tuple[tuple[str, int], ...]) -> Entry:
        """The row of ``key``, shown at ``position``; ``place`` is its 0-based global rank."""
        row = self._rows[key & ROW_MASK]
        uid = row.discord_uid
        info = self._players.get(uid)
        return Entry(
            position,
            place + 1,
            letter_at(place, bounds),
            uid,
            row.race,
            info.country if info else None,
            info.name if info else str(uid),
            MMR_BIAS - (key >> MMR_SHIFT),
            TS_MAX - ((key >> ROW_BITS) & TS_MAX),
            key,
        )


class IndexBuilder:
    """Builds an index from streamed batches: players first, then rating rows, then ``finish``.

    Rows go straight into compact internal records (nothing keeps the streamed objects), and each
    sorted list is created once from all its keys: far faster, and lighter, than n inserts.
    """

    def __init__(
        self,
        now: datetime,
        page_size: int = PAGE_SIZE,
        merge_rows_per_list: int = DIRECT_MERGE_ROWS_PER_LIST,
        country_groups: Mapping[str | None, str] | None = None,
    ) -> None:
        self._index = LeaderboardIndex(page_size, merge_rows_per_list, country_groups)
        self._index._cutoff_us = to_us(now - ACTIVITY_WINDOW)
        self._rows_added = False
        self._expiry: list[int] = []

    def add_players(self, players: Iterable[tuple[int, PlayerInfo]]) -> None:
        if self._rows_added:
            raise RuntimeError("add every player before the first row (bans decide what is ranked)")
        self._index._players.update(players)

    def add_rows(self, rows: Iterable[MmrRow]) -> None:
        self._rows_added = True
        index = self._index
        for source in rows:
            if index._is_rankable(source):
                row = index._put_row(source)
                self._expiry.append(row.expiry_key)

    def add_keys(self, rows: Iterable[tuple[int, int, str, int, int]]) -> None:
        """Rows as (row id, discord uid, race, mmr, last_played microseconds) with games > 0.

        The lean start-up form: no record objects are made for rows on their way in.
        """
        self._rows_added = True
        index = self._index
        cutoff = index._cutoff_us
        players = index._players
        put = index._put
        expiry = self._expiry
        for row_id, uid, race, mmr, last_us in rows:
            info = players.get(uid)
            if last_us >= cutoff and (info is None or not info.hidden):
                put(row_id, uid, race, mmr, last_us)
                expiry.append((last_us << ROW_BITS) | row_id)

    def finish(self) -> LeaderboardIndex:
        index = self._index
        players = index._players
        ranked: list[tuple[int, str, str | None]] = []
        best: list[tuple[int, str, str | None]] = []
        for uid, mine in index._by_player.items():
            info = players.get(uid)
            country = info.country if info else None
            top = None
            for row in mine:
                ranked.append((row.key, row.race, country))
                if top is None or row.key < top.key:
                    top = row
            assert top is not None
            index._best[uid] = top
            best.append((top.key, top.race, country))
        index._ranked = _Family.bulk(ranked, index._groups)
        index._best_family = _Family.bulk(best, index._groups)
        self._expiry.sort()
        index._expiry = SortedList(self._expiry)
        self._expiry = []
        return index


def _key_of(row: _Row) -> int:
    return row.key


def _count_below(sources: list[_Source], key: int) -> int:
    """Filtered rows with a key below ``key``: bisections only, O(lists x log n)."""
    total = 0
    for lst, negs, _races in sources:
        total += lst.bisect_left(key)
        for neg in negs:
            total -= neg.bisect_left(key)
    return total


def _merge(sources: list[_Source], start: int, hi_key: int, limit: int, rows: dict[int, _Row]) -> list[int]:
    """The first ``limit`` filtered keys in [start, hi_key): a lazy k-way merge of the sources."""
    streams: list[Iterator[int]] = []
    for lst, _negs, races in sources:
        stream: Iterator[int] = lst.islice(lst.bisect_left(start), lst.bisect_left(hi_key))
        if races is not None:
            stream = (k for k in stream if rows[k & ROW_MASK].race in races)
        streams.append(stream)
    if len(streams) == 1:
        return list(islice(streams[0], limit))
    return list(islice(heapq.merge(*streams), limit))


__all__ = [
    "LETTERS",
    "PAGE_SIZE",
    "UNRANKED",
    "Entry",
    "IndexBuilder",
    "LeaderboardFilter",
    "LeaderboardIndex",
    "Page",
    "PlayerInfo",
    "Position",
    "RankInfo",
]
