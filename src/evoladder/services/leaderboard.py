"""The leaderboard read model as a service: built from the database at start, kept current by
the writers (through ``ReadModels``), queried by /leaderboard, /profile and the admin snapshot.

Filters are plain arguments of each call and are turned into a fresh ``LeaderboardFilter`` value
per request; the service keeps no per-user or "current" filter state, so one player's choices can
never show up in another player's view.

"Other" (``ZZ``) in a country filter stands for every country outside the common list (the
filter the players pick from lists the common countries and "Other"): the index keeps those
countries' rows in one group (``OTHER_GROUP``) as well, which the filter is turned into, while the
view keeps the filter as the player chose it.

Every call first moves the index to the clock's ``now`` (``refresh``), which is how the 14-day
activity cut-off and the rank letters move with time even when nobody plays.
"""

from __future__ import annotations

import gc
import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

from evoladder.domain.errors import UnknownCountry, UnknownRace, UnknownRankLetter
from evoladder.domain.leaderboard import (
    OTHER_GROUP,
    PAGE_SIZE,
    Entry,
    IndexBuilder,
    LeaderboardFilter,
    LeaderboardIndex,
    Page,
    PlayerInfo,
    Position,
    RankInfo,
    to_us,
)
from evoladder.domain.players import MmrRow
from evoladder.domain.ranks import ACTIVITY_WINDOW, LETTERS
from evoladder.game import GameData
from evoladder.game.models import OTHER_COUNTRY
from evoladder.logging_setup import event
from evoladder.services.ports import Clock
from evoladder.services.renderings import Renderings
from evoladder.store.repositories.history import BoardQuery
from evoladder.store.uow import Database

log = logging.getLogger(__name__)

# Renderings kept: a board's embed and its controls per page object and viewer (a few KB each),
# the recently shown boards of the players who are looking.
RENDERINGS_KEPT = 1024



def display_name(main_id: str | None, username: str) -> str:
    """The name a row shows: the in-game main id once set up, the Discord name before."""
    return main_id or username


@dataclass(frozen=True, slots=True)
class LeaderboardView:
    """One page as the bot renders it, plus where the viewer stands under the same filters."""

    page: Page
    filters: LeaderboardFilter
    viewer: Position | None


@dataclass(frozen=True, slots=True)
class BuildReport:
    players: int
    ranked_rows: int
    seconds: float


def player_info(country: str | None, main_id: str | None, username: str, banned: bool) -> PlayerInfo:
    # Country codes repeat across thousands of players: one shared string each.
    return PlayerInfo(sys.intern(country) if country else None, display_name(main_id, username), banned)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large acyclic structure is built.

    The build allocates a few hundred thousand tuples and integers that all stay alive; the
    collector would walk the growing heap again and again for nothing (a third of the build's
    time at 100k players). Reference counting still frees everything as usual, and the previous
    state is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class LeaderboardService:
    def __init__(self, *, db: Database, clock: Clock, game: GameData, page_size: int = PAGE_SIZE) -> None:
        self._db = db
        self._clock = clock
        self._game = game
        self._outside_common = game.outside_common()
        self._groups: dict[str | None, str] = dict.fromkeys(self._outside_common, OTHER_GROUP)
        self._page_size = page_size
        self._index = LeaderboardIndex(page_size, country_groups=self._groups)
        self._during_build: list[Callable[[], None]] | None = None
        # What the adapters made of the pages this serves, per page object (see the module).
        self.renderings = Renderings(RENDERINGS_KEPT)

    # -- build and upkeep ------------------------------------------------------------------------

    async def build(self) -> BuildReport:
        """Stream every player's identity and every rankable rating row into a fresh index.

        Updates that arrive while the build reads are queued and replayed on the new index (they
        carry absolute values, so replaying one the snapshot already saw changes nothing).
        """
        started = time.perf_counter()
        self._during_build = []
        try:
            now = self._clock.now()
            builder = IndexBuilder(now, self._page_size, country_groups=self._groups)
            with cyclic_gc_paused():
                await self._load(builder, now)
                self._index = builder.finish()
            pending, self._during_build = self._during_build, None
            for replay in pending:
                replay()
        finally:
            self._during_build = None
        index = self._index
        report = BuildReport(index.players_total, index.ranked_total, time.perf_counter() - started)
        event(log, "leaderboard.built", players=report.players, ranked_rows=report.ranked_rows,
              seconds=round(report.seconds, 3))
        return report

    async def _load(self, builder: IndexBuilder, now: datetime) -> None:
        async with self._db.read() as uow:
            async for idents in uow.players.identity_batches():
                builder.add_players(
                    (i.discord_uid, player_info(i.country, i.main_id, i.discord_username, i.is_banned))
                    for i in idents
                )
            async for keys in uow.mmrs.rankable_batches(now - ACTIVITY_WINDOW):
                builder.add_keys(keys)

    def apply(self, rows: Sequence[MmrRow]) -> None:
        """Rating rows after a committed change (a result, a reversal, an admin adjustment)."""
        if self._during_build is not None:
            frozen = tuple(rows)
            self._during_build.append(lambda: self.apply(frozen))
        now = self._clock.now()
        for row in rows:
            self._index.upsert(row, now)

    def set_player(self, discord_uid: int, country: str | None, name: str, hidden: bool) -> None:
        """A player's country, shown name or visibility (ban) changed."""
        if self._during_build is not None:
            self._during_build.append(lambda: self.set_player(discord_uid, country, name, hidden))
        shared = sys.intern(country) if country else None
        self._index.set_player(discord_uid, PlayerInfo(shared, name, hidden))

    # -- queries ---------------------------------------------------------------------------------

    def page(
        self,
        viewer_uid: int | None = None,
        *,
        races: Iterable[str] = (),
        countries: Iterable[str] = (),
        rank_letter: str | None = None,
        best_only: bool = False,
        page: int = 1,
    ) -> LeaderboardView:
        """Page ``page`` (1-based, clamped) of the filtered board; ``viewer`` is the caller's place."""
        flt = self.make_filter(races, countries, rank_letter, best_only)
        query = self._expanded(flt)
        index = self._fresh()
        viewer = index.position_of(viewer_uid, query) if viewer_uid is not None else None
        return LeaderboardView(index.page(query, page), flt, viewer)

    def page_after(
        self,
        after_key: int,
        *,
        races: Iterable[str] = (),
        countries: Iterable[str] = (),
        rank_letter: str | None = None,
        best_only: bool = False,
    ) -> LeaderboardView:
        """The page of the filtered board that follows the row of key ``after_key`` (the last
        ``Entry.key`` a client saw): the JSON API's cursor, stable while ratings move."""
        flt = self.make_filter(races, countries, rank_letter, best_only)
        return LeaderboardView(self._fresh().page_after(self._expanded(flt), after_key), flt, None)

    def my_page(
        self,
        viewer_uid: int,
        *,
        races: Iterable[str] = (),
        countries: Iterable[str] = (),
        rank_letter: str | None = None,
        best_only: bool = False,
    ) -> LeaderboardView:
        """The "my position" jump: the page that holds the viewer's row (page 1 when unranked)."""
        flt = self.make_filter(races, countries, rank_letter, best_only)
        query = self._expanded(flt)
        index = self._fresh()
        viewer = index.position_of(viewer_uid, query)
        return LeaderboardView(index.page(query, viewer.page if viewer else 1), flt, viewer)

    def rank_of(self, discord_uid: int, race: str) -> RankInfo | None:
        return self._fresh().rank_of(discord_uid, race)

    def ranked_total(self) -> int:
        return self._fresh().ranked_total

    @property
    def page_size(self) -> int:
        return self._page_size

    def version(self) -> int:
        """A number that changes whenever any page could change (a row, a player, time's cut-off);
        the web derives its ETags from it."""
        index = self._fresh()
        return index.version + (id(index) << 32)  # a rebuilt index restarts its count

    def ranks_of(self, discord_uid: int) -> tuple[Mapping[str, RankInfo], int]:
        """The player's ranked rows (race -> rank) and the number of ranked rows, read at one
        moment (one expiry check for what ``rank_of`` per race and ``ranked_total`` would do)."""
        index = self._fresh()
        return index.ranks_of(discord_uid), index.ranked_total

    def make_filter(
        self,
        races: Iterable[str] = (),
        countries: Iterable[str] = (),
        rank_letter: str | None = None,
        best_only: bool = False,
    ) -> LeaderboardFilter:
        """Validate the request's filters into a new value (typed errors for unknown values)."""
        race_set = frozenset(races)
        if not race_set <= self._game.races.keys():
            raise UnknownRace()
        country_set = frozenset(c.upper() for c in countries)
        if not country_set <= self._game.countries.keys():
            raise UnknownCountry()
        letter = rank_letter.upper() if rank_letter else None
        if letter is not None and letter not in LETTERS:
            raise UnknownRankLetter()
        return LeaderboardFilter(race_set, country_set, letter, best_only)

    def _expanded(self, flt: LeaderboardFilter) -> LeaderboardFilter:
        """``flt`` with "Other" standing for every country outside the common list: the index's
        group of those countries (one list per race), the single countries it covers dropped."""
        if OTHER_COUNTRY not in flt.countries:
            return flt
        return replace(flt, countries=(flt.countries - self._outside_common) | {OTHER_GROUP})

    # -- past seasons ------------------------------------------------------------------------------

    async def season_page(
        self,
        season_id: int,
        viewer_uid: int | None = None,
        *,
        races: Iterable[str] = (),
        countries: Iterable[str] = (),
        rank_letter: str | None = None,
        best_only: bool = False,
        page: int = 1,
        mine: bool = False,
    ) -> LeaderboardView:
        """A closed season's final board with the same filters, pages and "my position" jump
        (``mine``: the page holding the viewer's row). Read from the archive in the database
        (``season_standings_1v1``: ranks and letters as they stood at the close); names and
        countries are the players' current ones, and banned players stay off it as on the live
        board. Past boards are rare reads, so they are not kept in memory."""
        flt = self.make_filter(races, countries, rank_letter, best_only)
        query = BoardQuery(
            season_id, flt.races, flt.countries, OTHER_COUNTRY in flt.countries,
            frozenset(c.code for c in self._game.common_countries()), flt.letter, flt.best_only,
        )
        size = self._page_size
        async with self._db.read() as uow:
            viewer = None
            if viewer_uid is not None:
                found = await uow.standings.board_position(query, viewer_uid)
                if found is not None:
                    viewer = Position(found[0], (found[0] - 1) // size + 1, found[1])
            total_ranked = await uow.standings.ranked_count(season_id)
            total = await uow.standings.board_count(query)
            pages = max(1, -(-total // size))
            wanted = viewer.page if mine and viewer is not None else page
            number = min(max(1, wanted), pages)
            rows = await uow.standings.board_page(query, (number - 1) * size, size)
        entries = tuple(
            Entry((number - 1) * size + i + 1, rank, letter, uid, race, country, display_name(main_id, user),
                  mmr, to_us(last) if last is not None else 0)
            for i, (rank, letter, uid, race, country, main_id, user, mmr, last) in enumerate(rows)
        )
        return LeaderboardView(Page(entries, number, pages, total, total_ranked, size), flt, viewer)

    def _fresh(self) -> LeaderboardIndex:
        self._index.refresh(self._clock.now())
        return self._index
