"""/profile: who the player is, and how each race went (DESIGN section 3).

Statistics (W-L-D, win %, last 14/30/90 days, last played) are computed from the final matches in
``matches_1v1``, not from the per-race counters: the matches are the record, the counters are a
cache for the leaderboard. The counters are returned beside them (``RaceProfile.counters``) so a
test, or an admin, can see that they agree. MMR, rank letter and global rank come from the rating
row and the in-memory leaderboard. Every race of the game data is listed; a race never played
says so (``played`` False) instead of being left out.

Win % counts draws as games that were not won: wins / (wins + losses + draws).

Reads: the player record comes from the guard's cache (the bot just checked it); the rating rows
and the statistics come from the statistics read model (``StatsCache``: kept by the writers,
aware of when time moves a window), and on a miss from one statement (``player_stats_statement``)
read through ``Database.snapshot``, which on SQLite is one hop to the driver's thread. Two
statements in a read transaction cost about 1.2 ms of thread hops, the one statement ~0.2-0.5 ms,
the cache a dictionary lookup (BENCHMARKS.md). MMR rank letters and global ranks are always read
live from the leaderboard index, so they move with time and with other players' games.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

from evoladder.domain.errors import NoSuchSeason, PlayerNotFound
from evoladder.domain.history import SEASONS_BEGIN
from evoladder.domain.leaderboard import RankInfo
from evoladder.domain.players import ABORTS_PER_MONTH, Player, PlayerState, aborts_left_now, month_key
from evoladder.domain.ranks import UNRANKED
from evoladder.domain.records import DEFAULT_WINDOWS_DAYS, Record
from evoladder.game import GameData
from evoladder.game.models import Country, Region
from evoladder.services.leaderboard import LeaderboardService
from evoladder.services.player_cache import PlayerCache
from evoladder.services.ports import Clock
from evoladder.services.renderings import Renderings
from evoladder.services.seasons import SeasonBook, SeasonInfo
from evoladder.services.stats_cache import StatsCache
from evoladder.store.repositories.stats import (
    PlayerStats,
    RaceStats,
    RatingCounters,
    player_stats_from,
    player_stats_params,
    player_stats_statement,
)
from evoladder.store.uow import Database


class AccountStatus(StrEnum):
    """The first thing that stands between the player and the queue, or ACTIVE."""

    BANNED = "banned"
    TERMS_PENDING = "terms_pending"
    SETUP_PENDING = "setup_pending"
    ACTIVATION_PENDING = "activation_pending"
    ACTIVE = "active"


def win_percent(record: Record) -> float | None:
    """Wins over all games, in percent; None before the first game."""
    return 100.0 * record.wins / record.games if record.games else None


class RaceProfile(NamedTuple):
    """One race of a profile. (Named tuples, here and in ``Profile``: immutable like a frozen
    dataclass, built in a third of its time, and a /profile builds one per race.)"""

    race: str
    played: bool
    mmr: int | None  # None: no rating row yet
    letter: str  # S..F, or U when unranked
    global_rank: int | None
    record: Record  # from the matches
    win_percent: float | None
    recent: Mapping[int, Record]  # days -> W-L-D in the trailing window
    last_played: datetime | None
    counters: Record  # from the rating row (agrees with ``record``)


class Profile(NamedTuple):
    discord_uid: int
    discord_username: str
    main_id: str | None
    battletag: str | None
    alt_ids: tuple[str, ...]
    country: Country | None
    region: Region | None
    races: tuple[RaceProfile, ...]  # every race of the game data, in its order
    overall: Record
    overall_win_percent: float | None
    recent: Mapping[int, Record]
    last_played: datetime | None
    aborts_left: int
    aborts_per_month: int
    status: AccountStatus
    state: PlayerState
    ranked_total: int
    season: SeasonInfo | None = None  # a closed season's final standing; None: the current season


def _total(records: Iterable[Record]) -> Record:
    wins = losses = draws = 0
    for r in records:
        wins += r.wins
        losses += r.losses
        draws += r.draws
    return Record(wins, losses, draws)


def account_status(player: Player, activation_required: bool) -> AccountStatus:
    if player.is_banned:
        return AccountStatus.BANNED
    if player.terms_accepted_at is None:
        return AccountStatus.TERMS_PENDING
    if player.completed_setup_date is None:
        return AccountStatus.SETUP_PENDING
    if activation_required and player.activated_at is None:
        return AccountStatus.ACTIVATION_PENDING
    return AccountStatus.ACTIVE


BUILT_PROFILES = 2_000  # the most recently viewed profiles, kept with what they were built from


@dataclass(slots=True)
class _Built:
    """A profile and everything it was built from. The statistics are the statistics cache's own
    object (a new one after every change), compared by identity; the player record (the player
    cache's, or read again on a miss), the ranks and the month (aborts reset monthly) by value."""

    player: Player
    read: PlayerStats
    ranks: Mapping[str, RankInfo]
    ranked_total: int
    month: int
    profile: Profile


class ProfileService:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        game: GameData,
        cache: PlayerCache,
        leaderboard: LeaderboardService,
        stats: StatsCache | None = None,
        activation_required: bool,
        windows_days: tuple[int, ...] = DEFAULT_WINDOWS_DAYS,
        seasons: SeasonBook | None = None,
    ) -> None:
        self._db = db
        self._cache = cache
        self._leaderboard = leaderboard
        self._clock = clock
        self._game = game
        self._activation_required = activation_required
        self._windows = windows_days
        self._seasons = seasons
        self._stats = stats if stats is not None else StatsCache(0)  # None: always read
        # A race without a rating row or a match looks the same for everyone: built once.
        self._unplayed = {race: self._race(race, None, None, None) for race in game.races}
        # A profile viewed again while nothing it shows changed is not assembled again.
        self._built: dict[int, _Built] = {}
        # ... nor rendered again: what the adapters made of it, per profile object.
        self.renderings = Renderings(BUILT_PROFILES)

    async def profile(
        self, discord_uid: int, player: Player | None = None, *, season_id: int | None = None
    ) -> Profile:
        """The profile of any player by Discord id; ``PlayerNotFound`` without a record.

        ``player``: the player's record when the caller holds it already (the command guard just
        read it for the caller's own profile); otherwise it comes from the cache or the database.
        ``season_id``: a closed season shows the player's final standing in it (rating, rank,
        letter, W-L-D per race from the archived board); None or the current season, the live
        profile, whose record counts the current season's matches.
        """
        if season_id is not None and self._seasons is not None:
            season = self._seasons.get(season_id)
            if season is None:
                raise NoSuchSeason()
            if not season.is_current:
                return await self._past(discord_uid, player, season)
        now = self._clock.now()
        if player is not None and player.discord_uid != discord_uid:
            raise ValueError("profile: the record given is another player's")
        player = player or self._cache.get(discord_uid)
        if player is None:
            async with self._db.read() as uow:
                player = await uow.players.get(discord_uid)
            if player is None:
                raise PlayerNotFound()
        read = await self._statistics(discord_uid, now)
        ranks, ranked_total = self._leaderboard.ranks_of(discord_uid)
        month = month_key(now)
        built = self._built.get(discord_uid)
        if (
            built is not None and (built.player is player or built.player == player) and built.read is read
            and built.ranks == ranks and built.ranked_total == ranked_total and built.month == month
        ):
            return built.profile
        profile = self._assemble(player, read, ranks, ranked_total, now)
        self._built.pop(discord_uid, None)  # re-stored at the end: the oldest are evicted first
        if len(self._built) >= BUILT_PROFILES:
            self._built.pop(next(iter(self._built)))
        self._built[discord_uid] = _Built(player, read, ranks, ranked_total, month, profile)
        return profile

    def _assemble(
        self,
        player: Player,
        read: PlayerStats,
        ranks: Mapping[str, RankInfo],
        ranked_total: int,
        now: datetime,
    ) -> Profile:
        ratings, stats = read.ratings, read.races
        races = tuple(
            self._race(race, ratings.get(race), stats.get(race), ranks.get(race))
            if race in ratings or race in stats
            else self._unplayed[race]
            for race in self._game.races
        )
        played = [r for r in races if r.played]
        overall = _total(r.record for r in played)
        recent = {d: _total(r.recent[d] for r in played) for d in self._windows}
        played_times = [r.last_played for r in played if r.last_played is not None]
        return Profile(
            discord_uid=player.discord_uid,
            discord_username=player.discord_username,
            main_id=player.main_id,
            battletag=player.battletag,
            alt_ids=player.alt_ids,
            country=self._game.countries.get(player.country) if player.country else None,
            region=self._game.regions.get(player.region) if player.region else None,
            races=races,
            overall=overall,
            overall_win_percent=win_percent(overall),
            recent=recent,
            last_played=max(played_times, default=None),
            aborts_left=aborts_left_now(player.aborts_left, player.aborts_period, now),
            aborts_per_month=ABORTS_PER_MONTH,
            status=account_status(player, self._activation_required),
            state=player.state,
            ranked_total=ranked_total,
        )

    async def _statistics(self, discord_uid: int, now: datetime) -> PlayerStats:
        cached = self._stats.get(discord_uid, now)
        if cached is not None:
            return cached
        season_from = self._seasons.current_from if self._seasons is not None else SEASONS_BEGIN

        async def read() -> PlayerStats:
            rows = await self._db.snapshot(
                player_stats_statement(self._windows),
                player_stats_params(discord_uid, now, self._windows, season_from),
            )
            return player_stats_from(rows, self._windows)

        return await self._stats.fill(discord_uid, read)

    async def _past(self, discord_uid: int, player: Player | None, season: SeasonInfo) -> Profile:
        player = player or self._cache.get(discord_uid)
        async with self._db.read() as uow:
            if player is None:
                player = await uow.players.get(discord_uid)
            if player is None:
                raise PlayerNotFound()
            standings = {s.race: s for s in await uow.standings.for_player(season.id, discord_uid)}
            ranked_total = await uow.standings.ranked_count(season.id)
        empty = MappingProxyType({d: Record() for d in self._windows})
        races = []
        for race in self._game.races:
            s = standings.get(race)
            if s is None:
                races.append(self._unplayed[race])
                continue
            record = Record(s.games_won, s.games_lost, s.games_drawn)
            races.append(RaceProfile(
                race=race, played=True, mmr=s.mmr, letter=s.letter, global_rank=s.global_rank, record=record,
                win_percent=win_percent(record), recent=empty, last_played=s.last_played, counters=record,
            ))
        profile = self._assemble(player, PlayerStats({}, {}), {}, ranked_total, self._clock.now())
        played = [r for r in races if r.played]
        overall = _total(r.record for r in played)
        times = [r.last_played for r in played if r.last_played is not None]
        return profile._replace(
            races=tuple(races), overall=overall, overall_win_percent=win_percent(overall),
            recent=empty, last_played=max(times, default=None), season=season,
        )

    def _race(
        self, race: str, rating: RatingCounters | None, stats: RaceStats | None, rank: RankInfo | None
    ) -> RaceProfile:
        record = stats.all_time if stats else Record()
        counters = rating.counters if rating else Record()
        rank = rank if rating else None
        return RaceProfile(
            race=race,
            played=record.games > 0 or counters.games > 0,
            mmr=rating.mmr if rating else None,
            letter=rank.letter if rank else UNRANKED,
            global_rank=rank.global_rank if rank else None,
            record=record,
            win_percent=win_percent(record),
            recent=MappingProxyType(stats.windows if stats else {d: Record() for d in self._windows}),
            last_played=stats.last_played if stats else None,
            counters=counters,
        )
