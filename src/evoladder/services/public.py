"""What the public web pages and the JSON API show: the ladder as anyone may see it.

One service behind every public page, so the privacy rule lives in one place: a public object
carries a player's ladder id (``players.id``), ladder name (main id), country, ratings and
results, never a Discord id, and a Discord name or a BattleTag only on the player's own page
when they chose to show them (``players.public_identity``, set in /setup). Pages address
players by ladder id.

Reads come from the read models where they exist (the leaderboard index for boards, ranks and
names on a board; the profile service for a player's ratings and statistics) and from one or two
indexed statements otherwise (a player's matches paged, a match and its replays, queue counts).

Ladder ids. The leaderboard index is keyed by Discord id; ladder ids are looked up once per
player and kept (``LadderIds``): a ladder id never changes, so the map needs no invalidation,
only a lookup for players not seen before.

Open matches. A match whose players have not both confirmed shows nothing about its players:
the found message hides the opponent until both confirmed so nobody can dodge a match-up, and a
public page must not undo that.

Seasons. A season is named publicly by its id (``seasons.id``, an integer that never changes),
like players and matches: an admin's season names are free text (spaces, any script, changeable
in principle), which makes poor addresses. Pages show the name; the picker's values and the
``season`` parameter are ids; no ``season`` is the current season. A closed season's board is its
final board as archived at the season start (``LeaderboardService.season_page``).

Cursors. The live board pages by number, and also by a keyset cursor (``after``: the index key
of the last row a client saw, ``Entry.key``) for walking the whole board: rows that move while a
client pages are neither skipped nor repeated, and any depth costs the same. A closed season's
board never changes, so its cursor is simply the position of the last row seen.

"Other" as a country filter (``ZZ``) means every country outside the common list (DESIGN
section 2): it is expanded here into those countries before the leaderboard filter is built.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from evoladder.domain.errors import MatchNotFound, NotFound, PlayerNotFound
from evoladder.domain.leaderboard import Entry
from evoladder.domain.match_state import MatchState, MatchStatus
from evoladder.domain.players import Player
from evoladder.domain.records import Record
from evoladder.game import GameData
from evoladder.services.history import HistoryService
from evoladder.services.leaderboard import LeaderboardService
from evoladder.services.matches import MatchService
from evoladder.services.profile import ProfileService
from evoladder.services.queue import QueueService
from evoladder.services.read_models import ReadModels
from evoladder.services.renderings import Renderings
from evoladder.services.replays import ReplayService
from evoladder.services.seasons import SeasonBook, SeasonInfo
from evoladder.store.repositories.public import NameRow, PublicRepository, match_page, matches_of, player_head
from evoladder.store.uow import Database

OTHER_COUNTRY = "ZZ"
MATCHES_PAGE_SIZE = 20
SEARCH_LIMIT = 20
MAX_PAGE = 1_000_000
CHART_CACHE_SIZE = 256
# Matches kept with what they were built from (``PublicLadder.match``); a public match is ~2 KB.
MATCH_CACHE_SIZE = 4096


class UnknownSeason(NotFound):
    """A season id the ladder does not have (a 404 on the web, with this message)."""

    message = "That season does not exist on this ladder."


@dataclass(frozen=True, slots=True)
class PublicSeason:
    id: int
    name: str
    started_at: datetime
    ended_at: datetime | None  # None: the current season

    @property
    def current(self) -> bool:
        return self.ended_at is None


def _season(info: SeasonInfo) -> PublicSeason:
    return PublicSeason(info.id, info.name, info.started_at, info.ended_at)


@dataclass(frozen=True, slots=True)
class PublicName:
    ladder_id: int | None  # None: no player record (never happens for a finished match)
    name: str
    country: str | None


@dataclass(frozen=True, slots=True)
class BoardRow:
    position: int
    global_rank: int
    letter: str
    player: PublicName
    race: str
    mmr: int


@dataclass(frozen=True, slots=True)
class BoardQuery:
    """A board request's filters, validated (``countries`` as asked, ``ZZ`` not yet expanded)."""

    races: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    letter: str | None = None
    best_only: bool = False
    page: int = 1
    season: int | None = None  # a season id; None: the current season
    after: int | None = None  # a cursor (see the module doc); ``page`` is then ignored


@dataclass(frozen=True, slots=True)
class PublicBoard:
    query: BoardQuery
    season: PublicSeason | None  # None only before any season is loaded
    rows: tuple[BoardRow, ...]
    page: int
    pages: int
    total: int
    ranked_total: int
    page_size: int
    next_after: int | None = None  # the cursor of the following rows; None on the last page

    @property
    def final(self) -> bool:
        """A closed season's final board (ranks and letters as they stood at its end)."""
        return self.season is not None and not self.season.current


@dataclass(frozen=True, slots=True)
class RaceLine:
    race: str
    played: bool
    mmr: int | None
    letter: str
    global_rank: int | None
    record: Record
    win_percent: float | None
    recent: Mapping[int, Record]
    last_played: datetime | None


@dataclass(frozen=True, slots=True)
class MatchLine:
    """One match on a player's page, from that player's side."""

    match_id: int
    played_at: datetime
    race: str
    opponent: PublicName | None  # None while the match waits for confirmations
    opponent_race: str | None
    outcome: str  # win | loss | draw | open | conflict | void
    mmr_change: int | None


@dataclass(frozen=True, slots=True)
class PublicPlayer:
    player: PublicName
    region: str | None
    races: tuple[RaceLine, ...]
    overall: Record
    overall_win_percent: float | None
    recent: Mapping[int, Record]
    last_played: datetime | None
    matches: tuple[MatchLine, ...]
    matches_page: int
    matches_pages: int
    matches_total: int
    next_cursor: int | None  # the id to pass as ``before`` for the next (older) matches
    identity: tuple[str, str | None] | None = None  # (Discord name, BattleTag): only if opted in


@dataclass(frozen=True, slots=True)
class MatchSide:
    slot: int
    player: PublicName | None  # None while the match waits for confirmations
    race: str | None
    mmr_before: int | None
    report: int | None
    mmr_change: int | None
    confirmed_at: datetime | None
    reported_at: datetime | None


@dataclass(frozen=True, slots=True)
class CheckLine:
    check: str
    passed: bool
    critical: bool


@dataclass(frozen=True, slots=True)
class ReplayLine:
    uploaded_at: datetime
    uploader_slot: int | None
    critical_ok: bool
    checks: tuple[CheckLine, ...]


@dataclass(frozen=True, slots=True)
class PublicMatch:
    match_id: int
    status: str
    revealed: bool  # False while confirmations are pending: players and races are withheld
    sides: tuple[MatchSide, MatchSide]
    map_name: str | None
    server: str | None
    played_at: datetime
    confirmed_at: datetime | None
    finalized_at: datetime | None
    result: int | None
    replays: tuple[ReplayLine, ...]
    version: int


@dataclass(frozen=True, slots=True)
class PublicQueue:
    next_wave_at: datetime
    active_players: int
    total: int
    bw: int
    sc2: int
    by_race: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class ChartSeries:
    """One race's rating over time: parallel tuples, times in seconds since the epoch (UTC)."""

    race: str
    times: tuple[int, ...]
    ratings: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class RatingChart:
    """A player's rating history, downsampled, per race, with the starts of seasons inside it."""

    series: tuple[ChartSeries, ...]
    season_breaks: tuple[int, ...] = ()

    @property
    def points(self) -> int:
        return sum(len(s.times) for s in self.series)


@dataclass(frozen=True, slots=True)
class PlayerPage:
    """A player page's data: the player, the chart, and a key that changes whenever the chart
    could have (for the renderer's own cache of the drawn chart)."""

    player: PublicPlayer
    chart: RatingChart | None
    chart_key: Hashable


class LadderIds:
    """Discord id <-> ladder id. Ids never change, so nothing is ever invalidated.

    Every player's pair is read in one statement the first time a board asks (a deep board page
    is 40 players nobody looked up before; one query each would cost a database hop per page),
    and kept as two sorted integer arrays (16 bytes a player: 1.6 MB at 100k, where two dicts
    would take ~20 MB of a process whose budget is 300 MB). Players who register later are
    looked up one statement per page and kept in small dicts.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._uids: array[int] = array("q")  # sorted
        self._ids: array[int] = array("q")  # the ladder id of _uids[i]
        self._loaded = False
        self._by_uid: dict[int, int] = {}  # players not in the arrays
        self._by_id: dict[int, int] = {}

    async def _load(self) -> None:
        self._loaded = True  # set first: a failed load is not retried on every request
        async with self._db.read() as uow:
            pairs = await PublicRepository(uow.conn).all_ladder_ids()
        self._uids = array("q", (u for u, _ in pairs))
        self._ids = array("q", (i for _, i in pairs))

    def _known(self, uid: int) -> int | None:
        at = bisect_left(self._uids, uid)
        if at < len(self._uids) and self._uids[at] == uid:
            return self._ids[at]
        return self._by_uid.get(uid)

    async def of(self, discord_uids: Iterable[int]) -> Mapping[int, int]:
        """Ladder ids of the players who have a record (others are left out)."""
        if not self._loaded:
            await self._load()
        out: dict[int, int] = {}
        missing = []
        for uid in discord_uids:
            lid = self._known(uid)
            if lid is None:
                missing.append(uid)
            else:
                out[uid] = lid
        if missing:
            async with self._db.read() as uow:
                found = await PublicRepository(uow.conn).ladder_ids(missing)
            for uid, lid in found.items():
                self._by_uid[uid] = lid
                self._by_id[lid] = uid
                out[uid] = lid
        return out

    async def discord_uid(self, ladder_id: int) -> int | None:
        uid = self._by_id.get(ladder_id)
        if uid is None:
            async with self._db.read() as uow:
                uid = await PublicRepository(uow.conn).discord_uid_of(ladder_id)
            if uid is not None:
                self._by_id[ladder_id] = uid
                self._by_uid[uid] = ladder_id
        return uid


class PublicLadder:
    def __init__(
        self,
        *,
        db: Database,
        game: GameData,
        read_models: ReadModels,
        profiles: ProfileService,
        matches: MatchService,
        queue: QueueService,
        replays: ReplayService,
        history: HistoryService,
        seasons: SeasonBook,
    ) -> None:
        self._db = db
        self._seasons = seasons
        self._history = history
        self._game = game
        self._read_models = read_models
        self._board: LeaderboardService = read_models.leaderboard
        self._profiles = profiles
        self._matches = matches
        self._queue = queue
        self._replays = replays
        self.ids = LadderIds(db)
        self._others = frozenset(c for c, country in game.countries.items() if not country.common)
        # ladder id -> (what the chart was drawn from, the chart); see ``player_page``
        self._charts: OrderedDict[int, tuple[Hashable, RatingChart | None]] = OrderedDict()
        # match id -> (what the public match was built from, the public match); see ``match``
        self._matches_kept: OrderedDict[int, tuple[Hashable, PublicMatch]] = OrderedDict()
        # The web's bodies of the public matches this service hands out (kept per result object).
        self.renderings = Renderings()

    # -- versions (for ETags and the page cache) --------------------------------------------------

    def board_version(self) -> tuple[int, int]:
        """Changes whenever anything a board shows changed (rows, names, countries, time, and
        the season: a season start rebuilds the index, whose own count may then repeat)."""
        return self._board.version(), len(self._seasons.seasons)

    def ladder_version(self) -> tuple[int, int, int]:
        """Changes whenever a player record, a rating, a board or the season changed."""
        return self._read_models.version, self._board.version(), len(self._seasons.seasons)

    def ranked_total(self) -> int:
        return self._board.ranked_total()

    @property
    def current_season(self) -> PublicSeason | None:
        current = self._seasons.current
        return _season(current) if current is not None else None

    @property
    def seasons(self) -> tuple[PublicSeason, ...]:
        """Every season a board can be asked for, newest (the current one) first."""
        return tuple(_season(s) for s in reversed(self._seasons.seasons))

    def season(self, season_id: int | None) -> PublicSeason | None:
        """The season a board asks for (None: the current one); ``UnknownSeason`` otherwise."""
        if season_id is None:
            return self.current_season
        found = self._seasons.get(season_id)
        if found is None:
            raise UnknownSeason()
        return _season(found)

    # -- reads ---------------------------------------------------------------------------------

    def check_board(self, query: BoardQuery) -> BoardQuery:
        """Validate the filters (typed errors: unknown race, country, letter or season)."""
        self.season(query.season)
        self._board.make_filter(query.races, self._countries(query.countries), query.letter, query.best_only)
        return query

    async def board(self, query: BoardQuery) -> PublicBoard:
        season = self.season(query.season)
        page_number = max(1, min(query.page, MAX_PAGE))
        if season is not None and not season.current:
            return await self._final_board(query, season, page_number)
        countries = self._countries(query.countries)
        if query.after is not None:
            view = self._board.page_after(query.after, races=query.races, countries=countries,
                                          rank_letter=query.letter, best_only=query.best_only)
        else:
            view = self._board.page(races=query.races, countries=countries, rank_letter=query.letter,
                                    best_only=query.best_only, page=page_number)
        page = view.page
        rows = await self._rows(page.entries)
        last = page.entries[-1] if page.entries else None
        after = last.key if last is not None and last.position < page.total else None
        return PublicBoard(query, season, rows, page.page, page.pages, page.total, page.ranked_total,
                           page.page_size, after)

    async def _final_board(self, query: BoardQuery, season: PublicSeason, page_number: int) -> PublicBoard:
        """A closed season's archived board; its cursor is the last position seen (the board
        never changes), turned into the page that follows it."""
        size = self._board.page_size
        if query.after is not None:
            page_number = min(query.after // size + 1, MAX_PAGE)
        view = await self._board.season_page(
            season.id, races=query.races, countries=query.countries, rank_letter=query.letter,
            best_only=query.best_only, page=page_number,
        )
        page = view.page
        rows = await self._rows(page.entries)
        last = page.entries[-1] if page.entries else None
        after = last.position if last is not None and last.position < page.total else None
        return PublicBoard(query, season, rows, page.page, page.pages, page.total, page.ranked_total,
                           page.page_size, after)

    async def _rows(self, entries: Sequence[Entry]) -> tuple[BoardRow, ...]:
        ids = await self.ids.of(e.discord_uid for e in entries)
        return tuple(
            BoardRow(
                e.position, e.global_rank, e.letter,
                PublicName(ids.get(e.discord_uid), e.name, e.country), e.race, e.mmr,
            )
            for e in entries
        )

    async def search(self, text: str) -> tuple[PublicName, ...]:
        """Players whose ladder name starts with ``text`` (the "find a player" box)."""
        text = text.strip()
        if not text:
            return ()
        async with self._db.read() as uow:
            found = await PublicRepository(uow.conn).search_names(text[:32], SEARCH_LIMIT)
        return tuple(PublicName(lid, name, country) for lid, name, country in found)

    async def player(self, ladder_id: int, *, page: int = 1, before: int | None = None) -> PublicPlayer:
        uid = await self.ids.discord_uid(ladder_id)
        if uid is None:
            raise PlayerNotFound()
        profile = await self._profiles.profile(uid, await self._record(uid))
        total, identity = await player_head(self._db, uid)
        pages = max(1, math.ceil(total / MATCHES_PAGE_SIZE))
        page = max(1, min(page, pages))
        offset = 0 if before is not None else (page - 1) * MATCHES_PAGE_SIZE
        found = await matches_of(self._db, uid, limit=MATCHES_PAGE_SIZE, offset=offset, before_id=before)
        lines = tuple(_line(m, uid, _public_name(people[2 - m.slot_of(uid)])) for m, people in found)
        next_cursor = found[-1][0].id if len(found) == MATCHES_PAGE_SIZE else None
        name = profile.main_id or f"#{ladder_id}"
        return PublicPlayer(
            player=PublicName(ladder_id, name, profile.country.code if profile.country else None),
            region=profile.region.code if profile.region else None,
            races=tuple(
                RaceLine(r.race, r.played, r.mmr, r.letter, r.global_rank, r.record, r.win_percent,
                         r.recent, r.last_played)
                for r in profile.races
            ),
            overall=profile.overall,
            overall_win_percent=profile.overall_win_percent,
            recent=profile.recent,
            last_played=profile.last_played,
            matches=lines,
            matches_page=page,
            matches_pages=pages,
            matches_total=total,
            next_cursor=next_cursor,
            identity=identity,
        )

    async def _record(self, discord_uid: int) -> Player:
        """The player's record through the player cache (the command guard's: every writer of a
        player invalidates it after its commit, and the ticket refuses a read that raced a write).
        A page-cache miss of a known player then costs no read transaction for the record (three
        hops to the database thread, an ORM statement); a player seen once by the web is held for
        the cache's TTL, as the guard holds one who clicked."""
        cache = self._read_models.players
        player = cache.get(discord_uid)
        if player is not None:
            return player

        async def read() -> Player:
            async with self._db.read() as uow:
                found = await uow.players.get(discord_uid)
            if found is None:
                raise PlayerNotFound()
            return found

        return await cache.fill(discord_uid, read)

    async def player_page(self, ladder_id: int, *, page: int = 1, before: int | None = None) -> PlayerPage:
        """The player and their chart. The chart is kept per player while what it is drawn from
        is unchanged: a new history row always comes with a rating that moved, a match more or a
        season started, so the ratings, the match count and the season count key it. Reading
        and thinning 3,000 history rows cost ~10 ms a page; each page of the player's matches
        (and the JSON, and the card) asked for it again."""
        player = await self.player(ladder_id, page=page, before=before)
        key = (tuple((r.race, r.mmr) for r in player.races), player.matches_total, player.last_played,
               len(self._seasons.seasons))
        found = self._charts.get(ladder_id)
        if found is not None and found[0] == key:
            self._charts.move_to_end(ladder_id)
            return PlayerPage(player, found[1], key)
        chart = await self.chart(ladder_id)
        self._charts[ladder_id] = (key, chart)
        if len(self._charts) > CHART_CACHE_SIZE:
            self._charts.popitem(last=False)
        return PlayerPage(player, chart, key)

    async def chart(self, ladder_id: int) -> RatingChart | None:
        """The player's rating-history chart, one series per race they have a history in; None
        when the player has no history yet (or no ladder id matches).

        Drawn from the rating history rows (every change of a rating, with its season), never
        from counters or match snapshots, over the whole history and thinned by the history
        service (first and last points, extremes and every season break kept). Season breaks are
        the union of the races' breaks, in seconds since the epoch like the series' times.
        """
        uid = await self.ids.discord_uid(ladder_id)
        if uid is None:
            return None
        series: list[ChartSeries] = []
        breaks: set[int] = set()
        for race in self._game.races:
            found = await self._history.chart(uid, race)
            if not found.points:
                continue
            series.append(ChartSeries(
                race,
                tuple(int(p.at.timestamp()) for p in found.points),
                tuple(p.rating for p in found.points),
            ))
            breaks.update(int(b.at.timestamp()) for b in found.season_breaks)
        if not series:
            return None
        return RatingChart(tuple(series), tuple(sorted(breaks)))

    async def match(self, match_id: int) -> PublicMatch:
        """The public match. One statement reads the match, its players' names and its replays'
        (count, newest id); a match built from the same version, names and replays is handed out
        again as the same object (so the web's rendering of it is kept too, ``renderings``).
        Nothing else shows on the page: every change of a match row moves its version, replay
        rows are only inserted, and the server's name comes from the game data. The replays
        themselves are read only when the match has some and they changed; before, every
        request made that second read through the database's thread."""
        if match_id < 1:
            raise MatchNotFound()
        found = await match_page(self._db, match_id)
        if found is None:
            raise MatchNotFound()
        state, people, replay_mark = found
        key = (state.version, people, replay_mark)
        kept = self._matches_kept.get(match_id)
        if kept is not None and kept[0] == key:
            self._matches_kept.move_to_end(match_id)
            return kept[1]
        built = await self._build_match(state, people, replay_mark[0] > 0)
        self._matches_kept[match_id] = (key, built)
        if len(self._matches_kept) > MATCH_CACHE_SIZE:
            self._matches_kept.popitem(last=False)
        return built

    async def _build_match(
        self, state: MatchState, people: tuple[NameRow, NameRow], has_replays: bool
    ) -> PublicMatch:
        revealed = _revealed(state)
        names = {state.player_1: _public_name(people[0]), state.player_2: _public_name(people[1])}
        replays = (
            await self._replays.for_match(state.id, with_bytes=False) if revealed and has_replays else []
        )
        sides = tuple(_side(state, slot, names, revealed) for slot in (1, 2))
        server = self._game.servers.get(state.server)
        return PublicMatch(
            match_id=state.id,
            status=state.status.value,
            revealed=revealed,
            sides=(sides[0], sides[1]),
            map_name=state.map_name if revealed else None,
            server=(server.name if server else state.server) if revealed else None,
            played_at=state.played_at,
            confirmed_at=state.confirmed_at,
            finalized_at=state.finalized_at,
            result=state.result if revealed else None,
            replays=tuple(
                ReplayLine(
                    r.record.uploaded_at,
                    state.slot_of(r.record.uploader_uid) if r.record.uploader_uid in state.players else None,
                    bool(r.record.critical_ok),
                    tuple(CheckLine(c.id.value, c.passed, c.critical) for c in r.checks),
                )
                for r in replays
            ),
            version=state.version,
        )

    async def replay_file(self, match_id: int, number: int) -> tuple[str, bytes]:
        """The ``number``-th (1-based) replay file of a revealed match: (file name, bytes)."""
        state = await self._matches.get(match_id)
        if not _revealed(state):
            raise MatchNotFound()
        replays = await self._replays.for_match(match_id, with_bytes=True)
        if not 1 <= number <= len(replays) or replays[number - 1].data is None:
            raise MatchNotFound()
        data = replays[number - 1].data
        assert data is not None
        return f"evoladder-match-{match_id}-{number}.SC2Replay", data

    async def queue(self) -> PublicQueue:
        status = await self._queue.status()
        async with self._db.read() as uow:
            by_race = await PublicRepository(uow.conn).queued_by_race()
        counts = status.counts
        return PublicQueue(
            status.next_wave_at, status.active_players, counts.total, counts.bw, counts.sc2,
            {race: by_race.get(race, 0) for race in self._game.races},
        )

    # -- helpers -------------------------------------------------------------------------------

    def _countries(self, countries: Sequence[str]) -> frozenset[str]:
        chosen = {c.upper() for c in countries}
        if OTHER_COUNTRY in chosen:
            chosen |= self._others
        return frozenset(chosen)



def _revealed(state: MatchState) -> bool:
    """Players of a match are public once both confirmed (or the match ended after that)."""
    return state.status is not MatchStatus.FOUND and not (
        state.status is MatchStatus.ABANDONED and state.confirmed_at is None
    )


def _public_name(row: tuple[int | None, str | None, str | None]) -> PublicName:
    """A match player's public name: the main id only (never the Discord name)."""
    lid, main_id, country = row
    return PublicName(lid, main_id or (f"#{lid}" if lid else "?"), country)


def _line(state: MatchState, uid: int, opponent: PublicName) -> MatchLine:
    slot = state.slot_of(uid)
    revealed = _revealed(state)
    change = state.mmr_change if state.status is MatchStatus.FINAL else None
    if change is not None and slot == 2:
        change = -change
    return MatchLine(
        state.id, state.played_at, state.race(slot),
        opponent if revealed else None,
        state.race(3 - slot) if revealed else None,
        _outcome(state, slot), change,
    )


def _outcome(state: MatchState, slot: int) -> str:
    if state.status.is_open:
        return "open"
    if state.status is MatchStatus.CONFLICT:
        return "conflict"
    if state.status is not MatchStatus.FINAL or state.result is None:
        return "void"
    if state.result == 0:
        return "draw"
    return "win" if state.result == slot else "loss"


def _side(state: MatchState, slot: int, names: Mapping[int, PublicName], revealed: bool) -> MatchSide:
    change = state.mmr_change if state.status is MatchStatus.FINAL else None
    if change is not None and slot == 2:
        change = -change
    if not revealed:
        return MatchSide(slot, None, None, None, None, None, None, None)
    return MatchSide(
        slot=slot,
        player=names.get(state.player(slot)),
        race=state.race(slot),
        mmr_before=state.mmr_1 if slot == 1 else state.mmr_2,
        report=state.report_1 if slot == 1 else state.report_2,
        mmr_change=change,
        confirmed_at=state.confirmed_1_at if slot == 1 else state.confirmed_2_at,
        reported_at=state.reported_1_at if slot == 1 else state.reported_2_at,
    )
