"""The queue behind /queue: join, leave, admin removal, and the searching view's facts.

A player holds at most one entry (the table's primary key, and the player's state checked under
the player's row lock): ``idle -> queueing`` on join, back to ``idle`` on leave or removal, and
``queueing -> in_match`` only by a wave (``Matchmaker``). Entries are rows, so a restart keeps the
queue with its wait counts.

Choices: at most one Brood War race and one StarCraft II race, at least one of them; up to
``MAX_VETOES`` maps of the *current* season's pool (full or short names accepted, stored as full
names). The last choices are saved and offered again by ``options``.

Bans: the accounts service calls ``remove(uid, by_admin=admin_uid, reason=...)`` when it bans a
queued player (and ``MatchService.abandon_for_ban`` for an open match). Removing someone who is
not queued is a harmless ``False``, so a ban can always call it. Every admin removal is audited
and the removed player is told (``RemovedFromQueue``).

"Players active in the last 15 minutes" counts distinct players who are queued now, were matched
in that window, or used any bot command in it (``command_calls``): what a searching player wants
to know is how many people are around to be matched with.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from evoladder.domain.errors import (
    AlreadyQueued,
    Banned,
    InMatch,
    NotQueued,
    PlayerNotFound,
    ReasonRequired,
    ValidationError,
)
from evoladder.domain.matchmaking import next_wave_at
from evoladder.domain.players import Player, PlayerState
from evoladder.game import Game, GameData
from evoladder.game.models import Season
from evoladder.logging_setup import event
from evoladder.services.events import RemovedFromQueue
from evoladder.services.matches import MatchService
from evoladder.services.ports import Clock, Notifier, ReadModelSink
from evoladder.services.seasons import SeasonBook
from evoladder.store.repositories.queue import QueueCounts, StoredEntry
from evoladder.store.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

MAX_VETOES = 4
RECENT_MAPS = 3  # how many of a player's last maps the map choice steers away from
ACTIVE_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class QueueOptions:
    """What the queue view offers: the races, the season's maps, and last time's choices."""

    bw_races: tuple[str, ...]
    sc2_races: tuple[str, ...]
    maps: tuple[str, ...]
    max_vetoes: int
    last_bw_race: str | None
    last_sc2_race: str | None
    last_vetoes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class QueueStatus:
    """The queue as everyone sees it."""

    next_wave_at: datetime
    active_players: int  # distinct players active in the last 15 minutes
    counts: QueueCounts
    matches_in_progress: int = 0  # open matches (found or confirmed), as the live ladder shows


@dataclass(frozen=True, slots=True)
class SearchingView:
    """The searching view of one queued player."""

    discord_uid: int
    bw_race: str | None
    sc2_race: str | None
    vetoes: tuple[str, ...]
    waits: int
    joined_at: datetime
    status: QueueStatus


class QueueService:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        game: GameData,
        read_models: ReadModelSink,
        notifier: Notifier,
        wave_interval: int = 45,
        seasons: SeasonBook | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._game = game
        self._notifier = notifier
        self._read_models = read_models
        self._interval = wave_interval
        self._seasons = seasons

    def _pool(self) -> Season:
        """The current season's maps (a season start switches them)."""
        return self._seasons.pool if self._seasons is not None else self._game.season

    # --- player --------------------------------------------------------------------------------

    async def options(self, discord_uid: int) -> QueueOptions:
        async with self._db.read() as uow:
            prefs = await uow.preferences.get(discord_uid)
        bw = tuple(r.code for r in self._game.races_of(Game.BW))
        sc2 = tuple(r.code for r in self._game.races_of(Game.SC2))
        maps = tuple(m.name for m in self._pool().maps)
        races = prefs.races if prefs else ()
        return QueueOptions(
            bw_races=bw,
            sc2_races=sc2,
            maps=maps,
            max_vetoes=MAX_VETOES,
            last_bw_race=next((r for r in races if r in bw), None),
            last_sc2_race=next((r for r in races if r in sc2), None),
            # a map that left the pool with a new season is not offered again
            last_vetoes=tuple(v for v in (prefs.vetoes if prefs else ()) if v in maps),
        )

    async def join(
        self, discord_uid: int, bw_race: str | None, sc2_race: str | None, vetoes: Sequence[str] = ()
    ) -> SearchingView:
        """Queue with the given races and vetoes; the choices are remembered for next time."""
        bw_race, sc2_race = self._races(bw_race, sc2_race)
        chosen_vetoes = self._vetoes(vetoes)
        now = self._clock.now()
        async with self._db.transaction() as uow:
            player = await self._lock_player(uow, discord_uid)
            if player.is_banned:
                raise Banned()
            _require_idle(player)
            history = await uow.matches.history(discord_uid, RECENT_MAPS)
            entry = StoredEntry(
                discord_uid=discord_uid,
                bw_race=bw_race,
                sc2_race=sc2_race,
                vetoes=chosen_vetoes,
                waits=0,
                joined_at=now,
                last_opponent=history[0].opponent_of(discord_uid) if history else None,
                recent_maps=tuple(m.map_name for m in history),
            )
            await uow.queue.add(entry)
            await uow.players.update(discord_uid, now, state=PlayerState.QUEUEING)
            races = [r for r in (bw_race, sc2_race) if r is not None]
            await uow.preferences.save(discord_uid, races, chosen_vetoes, now)
        self._read_models.player_changed(discord_uid)
        event(log, "queue.join", uid=discord_uid, bw=bw_race, sc2=sc2_race, vetoes=len(chosen_vetoes))
        return self._view(entry, await self.status())

    async def leave(self, discord_uid: int) -> None:
        """Leave the queue (the searching view's Cancel)."""
        now = self._clock.now()
        async with self._db.transaction() as uow:
            player = await self._lock_player(uow, discord_uid)
            if player.state is PlayerState.IN_MATCH:
                raise InMatch()  # a wave matched them a moment ago: the match view is on its way
            if not await uow.queue.remove(discord_uid):
                raise NotQueued()
            await uow.players.update(discord_uid, now, state=PlayerState.IDLE)
        self._read_models.player_changed(discord_uid)
        event(log, "queue.leave", uid=discord_uid)

    async def searching(self, discord_uid: int) -> SearchingView:
        async with self._db.read() as uow:
            entry = await uow.queue.get(discord_uid)
        if entry is None:
            raise NotQueued()
        return self._view(entry, await self.status())

    async def status(self) -> QueueStatus:
        now = self._clock.now()
        async with self._db.read() as uow:
            counts = await uow.queue.counts()
            active = await uow.queue.active_players(now - ACTIVE_WINDOW)
            playing = await uow.matches.in_progress()
        at = datetime.fromtimestamp(next_wave_at(now.timestamp(), self._interval), UTC)
        return QueueStatus(next_wave_at=at, active_players=active, counts=counts, matches_in_progress=playing)

    async def queued_players(self) -> frozenset[int]:
        """Who holds a queue entry right now (the bot's searching messages follow this set)."""
        async with self._db.read() as uow:
            return frozenset(await uow.queue.uids())

    # --- admin ---------------------------------------------------------------------------------

    async def remove(self, discord_uid: int, *, by_admin: int | None, reason: str) -> bool:
        """Take one player out of the queue; False if they were not queued.

        ``by_admin`` is the admin who asked (audited as ``remove_queue``), or ``None`` when the
        system removes the entry for an action audited elsewhere (a ban: see ``BanCascade``).
        """
        reason = _reason(reason)
        now = self._clock.now()
        async with self._db.transaction() as uow:
            player = await uow.players.get(discord_uid, for_update=True)
            if player is None or not await uow.queue.remove(discord_uid):
                return False
            if player.state is PlayerState.QUEUEING:
                await uow.players.update(discord_uid, now, state=PlayerState.IDLE)
            if by_admin is not None:
                await uow.admins.audit(by_admin, "remove_queue", reason, now, target_player_uid=discord_uid)
        self._read_models.player_changed(discord_uid)
        event(log, "queue.removed", uid=discord_uid, admin=by_admin)
        await self._tell([discord_uid], by_admin, reason)
        return True

    async def clear(self, *, by_admin: int, reason: str) -> list[int]:
        """Empty the queue; every removed player is told. Returns who was removed."""
        reason = _reason(reason)
        now = self._clock.now()
        async with self._db.transaction() as uow:
            for uid in await uow.queue.uids():  # lock players first, in uid order, as every writer
                await uow.players.get(uid, for_update=True)
            removed = await uow.queue.remove_all()
            for uid in removed:
                player = await uow.players.get(uid)
                if player is not None and player.state is PlayerState.QUEUEING:
                    await uow.players.update(uid, now, state=PlayerState.IDLE)
            await uow.admins.audit(by_admin, "clear_queue", reason, now, details={"removed": len(removed)})
        for uid in removed:
            self._read_models.player_changed(uid)
        event(log, "queue.cleared", admin=by_admin, removed=len(removed))
        await self._tell(removed, by_admin, reason)
        return removed

    # --- helpers -------------------------------------------------------------------------------

    def _races(self, bw_race: str | None, sc2_race: str | None) -> tuple[str | None, str | None]:
        bw_race, sc2_race = (bw_race or None), (sc2_race or None)
        if bw_race is None and sc2_race is None:
            raise ValidationError(
                "races", "Pick at least one race: a Brood War race, a StarCraft II race, or both.",
                key="QUEUE_NO_RACE",
            )
        for value, game, label in ((bw_race, Game.BW, "Brood War"), (sc2_race, Game.SC2, "StarCraft II")):
            race = self._game.races.get(value) if value is not None else None
            if value is not None and (race is None or race.game is not game):
                raise ValidationError(
                    f"{game.value}_race", f"{value} is not a {label} race.",
                    key=f"QUEUE_NOT_{game.value.upper()}_RACE", value=value,
                )
        return bw_race, sc2_race

    def _vetoes(self, vetoes: Sequence[str]) -> tuple[str, ...]:
        by_name = {m.name: m.name for m in self._pool().maps}
        by_name.update({m.short_name: m.name for m in self._pool().maps})
        chosen: list[str] = []
        for raw in vetoes:
            name = by_name.get(raw)
            if name is None:
                raise ValidationError(
                    "vetoes", f"{raw} is not a map of the current season.", key="QUEUE_NOT_A_MAP", value=raw
                )
            if name not in chosen:
                chosen.append(name)
        if len(chosen) > MAX_VETOES:
            raise ValidationError(
                "vetoes", f"You can veto at most {MAX_VETOES} maps.",
                key="QUEUE_TOO_MANY_VETOES", max=MAX_VETOES,
            )
        return tuple(chosen)

    async def _lock_player(self, uow: UnitOfWork, discord_uid: int) -> Player:
        player = await uow.players.get(discord_uid, for_update=True)
        if player is None:
            raise PlayerNotFound()
        return player

    def _view(self, entry: StoredEntry, status: QueueStatus) -> SearchingView:
        return SearchingView(
            discord_uid=entry.discord_uid,
            bw_race=entry.bw_race,
            sc2_race=entry.sc2_race,
            vetoes=entry.vetoes,
            waits=entry.waits,
            joined_at=entry.joined_at,
            status=status,
        )

    async def _tell(self, uids: Sequence[int], admin_uid: int | None, reason: str) -> None:
        for uid in uids:
            try:
                await self._notifier.notify(RemovedFromQueue(uid, admin_uid, reason))
            except Exception:
                log.exception("notify failed for RemovedFromQueue")


class BanCascade:
    """The accounts service's ``BanListener``: a banned player leaves the queue and any open match.

    Called after the ban committed (the ban itself is audited there): the queue entry is removed
    (the player is told), and an open match ends as aborted by the banned player without using an
    abort; the opponent is not at fault and is told.
    """

    def __init__(self, *, queue: QueueService, matches: MatchService) -> None:
        self._queue = queue
        self._matches = matches

    async def player_banned(self, discord_uid: int) -> None:
        await self._queue.remove(discord_uid, by_admin=None, reason="banned")
        await self._matches.abandon_for_ban(discord_uid)


def _require_idle(player: Player) -> None:
    if player.state is PlayerState.QUEUEING:
        raise AlreadyQueued()
    if player.state is PlayerState.IN_MATCH:
        raise InMatch()


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ReasonRequired()
    return reason
