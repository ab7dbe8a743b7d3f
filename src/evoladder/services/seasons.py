"""Seasons: which one is current, its map pool, and the admin's season start (DESIGN section 11).

The database is the authority on seasons (``seasons`` table; exactly one row has no end). The
packaged game data names the pool the *first* season plays (``current_season`` in maps.json);
migration 0004 opens that season. From then on the current season's ``map_pool`` decides the
maps the queue offers and waves pick (``SeasonBook.pool``), so a season start switches the pool
without a redeploy.

A match belongs to the season it was made in: the latest season started by its ``played_at``
(the first season also holds anything older, such as imported matches). Nothing is stored on the
match; a match found before a season start and finished after it is therefore still the closing
season's: its history rows carry that season, and its game joins that season's final record
(``MatchService._apply_rating``), while the rating it moves is the one that carried over.

**Season start** (``SeasonService.preview`` then ``start``; admins only, audited) is one
transaction, so it happens completely or not at all and a restart can never leave half a
change-over. In it:

1. the current season row is locked and must still be the one the preview showed (a second
   confirm, or two admins at once, gets ``SeasonChanged``, not a second season);
2. the closing season's final board is archived in ``season_standings_1v1``: every rating row
   with a game this season, with its global rank and letter as the live board computes them at
   this moment (ranked rows: a game in the last 14 days, not banned), rating and W-L-D;
3. every rating moves ``percent`` % of the way toward the start rating (0: carried over), with
   one ``season_reset`` history row per rating that played this season or moved, and the
   season's counters (games, W-L-D) start again from zero, so the new board fills as people play;
4. every player gets the monthly allowance of aborts back;
5. the closing season gets its end and the new one starts with its map pool.

After the commit the in-process read models follow (``SeasonBook`` reloaded, leaderboard rebuilt,
player and statistics caches dropped); a crash between the commit and that point is the same as a
restart: every read model is built from the database at start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    case,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)

from evoladder.domain.errors import (
    BadResetPercent,
    BadSeasonName,
    NoSuchSeason,
    ReasonRequired,
    SeasonChanged,
    UnknownMapPool,
)
from evoladder.domain.history import SEASONS_BEGIN, HistoryKind, season_name
from evoladder.domain.match_state import MatchStatus
from evoladder.domain.players import ABORTS_PER_MONTH, month_key
from evoladder.domain.ranks import ACTIVITY_WINDOW, UNRANKED, letter_bounds
from evoladder.domain.rating import START_MMR
from evoladder.game import GameData
from evoladder.game.models import Season as MapPool
from evoladder.logging_setup import event
from evoladder.services.ports import Clock
from evoladder.store.repositories.history import SeasonRecord
from evoladder.store.schema import matches_1v1, mmrs_1v1, players, rating_history_1v1, season_standings_1v1
from evoladder.store.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

NAME_MAX = 64


@dataclass(frozen=True, slots=True)
class SeasonInfo:
    id: int
    name: str
    map_pool: str
    started_at: datetime
    ended_at: datetime | None

    @property
    def is_current(self) -> bool:
        return self.ended_at is None


def info_of(record: SeasonRecord) -> SeasonInfo:
    return SeasonInfo(record.id, record.name, record.map_pool, record.started_at, record.ended_at)


class SeasonBook:
    """The seasons, in memory: which one is current and the pool it plays.

    Loaded at start-up and after every season start; everything that offers or picks maps asks
    it (``pool``) instead of the game data's first pool.
    """

    def __init__(self, *, game: GameData) -> None:
        self._game = game
        self._seasons: tuple[SeasonInfo, ...] = ()

    async def load(self, db: Database) -> None:
        async with db.read() as uow:
            records = await uow.seasons.all()
        self.set(info_of(r) for r in records)

    def set(self, seasons: Iterable[SeasonInfo]) -> None:
        self._seasons = tuple(sorted(seasons, key=lambda s: s.id))

    @property
    def seasons(self) -> tuple[SeasonInfo, ...]:
        """Every season, oldest first."""
        return self._seasons

    @property
    def current(self) -> SeasonInfo | None:
        return next((s for s in reversed(self._seasons) if s.is_current), None)

    @property
    def pool(self) -> MapPool:
        """The current season's maps; the game data's own current pool before any season is
        loaded or when the stored pool left the data (logged once per call site's use)."""
        current = self.current
        if current is not None and current.map_pool in self._game.seasons:
            return self._game.seasons[current.map_pool]
        return self._game.season

    @property
    def current_from(self) -> datetime:
        """Where the current season's matches begin: its start, or the beginning of time for
        the first season (which also holds the matches older than the ladder's seasons)."""
        current = self.current
        if current is None or not self._seasons or current.id == self._seasons[0].id:
            return SEASONS_BEGIN
        return current.started_at

    def get(self, season_id: int) -> SeasonInfo | None:
        return next((s for s in self._seasons if s.id == season_id), None)

    def past(self) -> tuple[SeasonInfo, ...]:
        """Closed seasons, newest first (what a season picker lists)."""
        return tuple(s for s in reversed(self._seasons) if not s.is_current)


@dataclass(frozen=True, slots=True)
class SeasonStartPlan:
    """What a season start would do, shown to the admin before they confirm."""

    closing: SeasonInfo
    name: str
    map_pool: str
    percent: int
    archived_rows: int  # rating rows with a game this season (the final board)
    ranked_rows: int  # of which ranked at the close
    ratings: int  # rating rows in all
    moved: int  # rating rows whose value changes
    players: int  # players whose aborts come back
    open_matches: int  # matches that finish under the closing season


@dataclass(frozen=True, slots=True)
class SeasonStartResult:
    closing: SeasonInfo
    opening: SeasonInfo
    plan: SeasonStartPlan
    history_rows: int


class SeasonListener(Protocol):
    """The read models a season start changes, told after its commit (the composition root
    passes the ladder's ``ReadModels``; tests may pass nothing)."""

    async def season_changed(self) -> None: ...


class _NoListener:
    async def season_changed(self) -> None:
        return None


class SeasonService:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        game: GameData,
        listener: SeasonListener | None = None,
        seasons: SeasonBook,
        require_admin: Callable[[int], Awaitable[object]],
        reset_percent: int = 0,
    ) -> None:
        self._db = db
        self._clock = clock
        self._game = game
        self._book = seasons
        self._require_admin = require_admin
        self._listener: SeasonListener = listener or _NoListener()
        self.reset_percent = reset_percent

    @property
    def book(self) -> SeasonBook:
        return self._book

    # -- reads ------------------------------------------------------------------------------------

    def current(self) -> SeasonInfo | None:
        return self._book.current

    def seasons(self) -> tuple[SeasonInfo, ...]:
        return self._book.seasons

    def season(self, season_id: int) -> SeasonInfo:
        found = self._book.get(season_id)
        if found is None:
            raise NoSuchSeason()
        return found

    # -- season start -------------------------------------------------------------------------------

    async def preview(
        self, admin_uid: int, *, name: str | None = None, map_pool: str | None = None,
        percent: int | None = None,
    ) -> SeasonStartPlan:
        """What ``start`` would do now (nothing is written)."""
        await self._require_admin(admin_uid)
        async with self._db.read() as uow:
            closing = await uow.seasons.current()
            if closing is None:
                raise SeasonChanged()
            return await self._plan(uow, info_of(closing), name, map_pool, percent, self._clock.now())

    async def start(self, admin_uid: int, plan: SeasonStartPlan, reason: str) -> SeasonStartResult:
        """Carry out a previewed plan in one transaction (see the module doc); audited."""
        await self._require_admin(admin_uid)
        why = reason.strip()
        if not why or len(why) > 500:
            raise ReasonRequired()
        now = self._clock.now()
        async with self._db.transaction() as uow:
            closing = await uow.seasons.current(for_update=True)
            if closing is None or closing.id != plan.closing.id:
                raise SeasonChanged()
            await _lock_players_in_order(uow)
            archived = await _archive_board(uow, closing.id, now)
            opening_id = await uow.seasons.open(plan.name, plan.map_pool, now)
            history = await _reset_history(uow, opening_id, plan.percent, now)
            await _reset_ratings(uow, plan.percent)
            await _give_aborts_back(uow, now)
            if not await uow.seasons.close(closing.id, now):
                raise SeasonChanged()
            await uow.admins.audit(
                admin_uid, "season_start", why, now,
                details={
                    "closing": closing.id, "opening": opening_id, "name": plan.name,
                    "map_pool": plan.map_pool, "percent": plan.percent, "archived": archived,
                    "history_rows": history,
                },
            )
            seasons = await uow.seasons.all()
        self._book.set(info_of(s) for s in seasons)
        opening, closed = self._book.get(opening_id), self._book.get(closing.id)
        assert opening is not None and closed is not None
        event(log, "season.started", admin=admin_uid, closing=closing.id, opening=opening_id,
              pool=plan.map_pool, percent=plan.percent, archived=archived, history_rows=history)
        await self._listener.season_changed()
        return SeasonStartResult(closed, opening, plan, history)

    async def _plan(
        self, uow: UnitOfWork, closing: SeasonInfo, name: str | None, map_pool: str | None,
        percent: int | None, now: datetime,
    ) -> SeasonStartPlan:
        pool = map_pool or closing.map_pool
        if pool not in self._game.seasons:
            raise UnknownMapPool()
        chosen = (name or "").strip() or _next_name(closing.name, pool)
        if len(chosen) > NAME_MAX:
            raise BadSeasonName()
        share = self.reset_percent if percent is None else percent
        if not 0 <= share <= 100:
            raise BadResetPercent()
        r = mmrs_1v1.c
        counts = (await uow.conn.execute(
            select(
                func.count(),
                func.count(case((r.games_played > 0, 1))),
                func.count(case((r.mmr != _new_rating(share), 1))),
            )
        )).one()
        ranked = await _ranked_count(uow, now)
        player_count = (await uow.players.counts()).total
        open_count = await _open_matches(uow)
        return SeasonStartPlan(closing, chosen, pool, share, int(counts[1]), ranked, int(counts[0]),
                               int(counts[2]), player_count, open_count)


def _next_name(previous: str, pool: str) -> str:
    base = season_name(pool)
    return base if base != previous else f"{base} 2"


def _ranked(now: datetime) -> ColumnElement[bool]:
    """The live board's rule (``domain.ranks.is_ranked``): a game this season, one in the last
    14 days, and not banned (banned players are kept off the board)."""
    r, p = mmrs_1v1.c, players.c
    banned = select(p.discord_uid).where(p.discord_uid == r.discord_uid, p.is_banned.is_(True)).exists()
    return and_(r.games_played > 0, r.last_played >= now - ACTIVITY_WINDOW, ~banned)


async def _ranked_count(uow: UnitOfWork, now: datetime) -> int:
    stmt = select(func.count()).select_from(mmrs_1v1).where(_ranked(now))
    return int((await uow.conn.execute(stmt)).scalar_one())


async def _archive_board(uow: UnitOfWork, season_id: int, now: datetime) -> int:
    """Archive the closing board in one INSERT ... SELECT: every rating row with a game this
    season; ranked rows numbered in the live board's order (rating, last game, row id) with the
    letter of their place (``domain.ranks.letter_bounds`` of the ranked count, as thresholds), the
    others U; ``best`` on each player's best-placed ranked row."""
    r = mmrs_1v1.c
    order = (r.mmr.desc(), r.last_played.desc(), r.id)
    ranked = (
        select(
            r.id.label("id"),
            func.row_number().over(order_by=order).label("place"),
            func.row_number().over(partition_by=r.discord_uid, order_by=order).label("own"),
        )
        .where(_ranked(now))
        .subquery()
    )
    bounds = letter_bounds(await _ranked_count(uow, now))
    whens = [(ranked.c.place <= upper, literal(name)) for name, upper in bounds if upper > 0]
    # Nobody ranked (a new ladder, or no game in the activity window): a CASE needs a WHEN.
    letter = case(*whens, else_=literal(UNRANKED)) if whens else literal(UNRANKED)
    source = (
        select(
            literal(season_id), r.discord_uid, r.race, ranked.c.place, letter,
            case((ranked.c.own == 1, true()), else_=false()), r.mmr, r.games_won, r.games_lost,
            r.games_drawn, r.last_played,
        )
        .select_from(mmrs_1v1.outerjoin(ranked, ranked.c.id == r.id))
        .where(r.games_played > 0)
    )
    s = season_standings_1v1.c
    columns = [s.season_id, s.discord_uid, s.race, s.global_rank, s.letter, s.best, s.mmr, s.games_won,
               s.games_lost, s.games_drawn, s.last_played]
    result = await uow.conn.execute(insert(season_standings_1v1).from_select(columns, source))
    return int(result.rowcount)


def _new_rating(percent: int) -> ColumnElement[int]:
    """Every rating toward the start by ``percent`` % in SQL: the same integer arithmetic as
    ``domain.history.toward_start`` (integer division truncates toward zero in both databases and
    the operands are not negative)."""
    r = mmrs_1v1.c
    if not percent:
        return r.mmr
    return case(
        (r.mmr > START_MMR, r.mmr - ((r.mmr - START_MMR) * percent) // 100),
        (r.mmr < START_MMR, r.mmr + ((START_MMR - r.mmr) * percent) // 100),
        else_=r.mmr,
    )


async def _reset_history(uow: UnitOfWork, season_id: int, percent: int, now: datetime) -> int:
    """One ``season_reset`` row per rating that played this season or moves, from the values
    before the reset (written before ``_reset_ratings``, in the same transaction)."""
    r, h = mmrs_1v1.c, rating_history_1v1.c
    after = _new_rating(percent)
    source = select(
        r.discord_uid, r.race, literal(season_id), literal(HistoryKind.SEASON_RESET.value), r.mmr, after,
        bindparam("reset_at", now, type_=h.at.type),
    ).where(or_(r.games_played > 0, after != r.mmr))
    columns = [h.discord_uid, h.race, h.season_id, h.kind, h.rating_before, h.rating_after, h.at]
    result = await uow.conn.execute(insert(rating_history_1v1).from_select(columns, source))
    return int(result.rowcount)


async def _reset_ratings(uow: UnitOfWork, percent: int) -> None:
    """Ratings toward the start (``_new_rating``), the season's counters back to zero."""
    values: dict[str, object] = {"games_played": 0, "games_won": 0, "games_lost": 0, "games_drawn": 0}
    if percent:
        values["mmr"] = _new_rating(percent)
    await uow.conn.execute(update(mmrs_1v1).values(**values))


async def _lock_players_in_order(uow: UnitOfWork) -> None:
    """On PostgreSQL, lock every player row in Discord id order before touching any, the order a
    wave locks its players in: a season start and a wave then queue behind each other instead
    of each holding rows the other needs (a deadlock PostgreSQL would break by failing one).
    SQLite needs nothing: the transaction already holds the database's write lock."""
    if uow.conn.dialect.name != "postgresql":
        return
    p = players.c
    locked = select(p.discord_uid).order_by(p.discord_uid).with_for_update().subquery()
    await uow.conn.execute(select(func.count()).select_from(locked))


async def _give_aborts_back(uow: UnitOfWork, now: datetime) -> None:
    p = players.c
    await uow.conn.execute(
        update(players).values(
            aborts_left=ABORTS_PER_MONTH, aborts_period=month_key(now), updated_at=now, version=p.version + 1
        )
    )


async def _open_matches(uow: UnitOfWork) -> int:
    m = matches_1v1.c
    open_statuses = [s.value for s in MatchStatus if s.is_open]
    stmt = select(func.count()).select_from(matches_1v1).where(m.status.in_(open_statuses))
    return int((await uow.conn.execute(stmt)).scalar_one())
