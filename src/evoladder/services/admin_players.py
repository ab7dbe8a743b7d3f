"""The admin's player tools: snapshot, lookup, MMR adjustment, bans, aborts, staff, codes.

Every method takes the acting admin's Discord id first and checks the role in the database on
each call (admins are rows, so a revoked admin loses access at once, also after a redeploy).
Every write is audited in ``admin_actions`` with its reason, in the same transaction as the
change; reads (snapshot, lookup, list) are not audited. Reasons are required: 1 to 500 characters.

The player is told (``AdminChangedPlayer`` through the notifier, after the commit) when an admin
bans or unbans them, sets one of their ratings or their aborts, with the admin's reason: an
action on someone's account should never be found out by accident. Player lookup finds a player
by Discord id or mention, Discord username, main id or BattleTag (whole, or its name part).

Bans: the record is marked banned, the cache entry dropped after the commit (the guard refuses
the banned player's next command or button), the player's rows leave the leaderboard, and the
``BanListener`` (the queue service) is told so it can remove a queue entry the player holds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from evoladder.domain.errors import (
    AbortCountOutOfRange,
    AlreadyBanned,
    CodeCountOutOfRange,
    MmrOutOfRange,
    NotAnAdmin,
    NotBanned,
    OwnerIsFixed,
    ReasonRequired,
    TargetPlayerNotFound,
    UnknownRace,
)
from evoladder.domain.history import HistoryKind, HistoryRow
from evoladder.domain.identity import parse_discord_id, require_plain_text
from evoladder.domain.leaderboard import RankInfo
from evoladder.domain.players import ABORTS_PER_MONTH, ChangedBy, MmrRow, Player, aborts_left_now, month_key
from evoladder.game import GameData
from evoladder.logging_setup import event
from evoladder.services.accounts import AdminRole, AdminRoster, Audit, PlayerWriter, new_code
from evoladder.services.events import AdminChangedPlayer
from evoladder.services.leaderboard import LeaderboardService
from evoladder.services.player_cache import CacheStats, PlayerCache
from evoladder.services.ports import Clock, Notifier
from evoladder.services.read_models import IdentitySink
from evoladder.store.repositories.players import PlayerCounts
from evoladder.store.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

REASON_MAX = 500
ABORTS_MAX = 10  # what reset_aborts may set: the monthly allowance, or more to make up for a fault
MMR_MIN, MMR_MAX = 0, 10_000
CODES_MAX = 500
_MENTION = re.compile(r"<@!?([0-9]+)>")


class BanListener(Protocol):
    """Told after a ban committed (the queue service removes the player's queue entry)."""

    async def player_banned(self, discord_uid: int) -> None: ...


@dataclass(frozen=True, slots=True)
class AdminSnapshot:
    players: PlayerCounts
    ranked_rows: int
    admins: int
    cache: CacheStats


@dataclass(frozen=True, slots=True)
class PlayerLookup:
    player: Player
    ratings: tuple[MmrRow, ...]
    ranks: Mapping[str, RankInfo | None]
    aborts_left: int


@dataclass(frozen=True, slots=True)
class MmrAdjustment:
    discord_uid: int
    race: str
    before: int
    after: int


@dataclass(frozen=True, slots=True)
class ActivationBatch:
    batch: str
    codes: tuple[str, ...]


def require_reason(reason: str) -> str:
    cleaned = reason.strip()
    if not cleaned or len(cleaned) > REASON_MAX:
        raise ReasonRequired()
    return require_plain_text("reason", cleaned)


class AdminPlayerService:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        game: GameData,
        read_models: IdentitySink,
        leaderboard: LeaderboardService,
        cache: PlayerCache,
        roster: AdminRoster,
        ban_listener: BanListener | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        self._db = db
        self._roster = roster
        self._read_models = read_models
        self._leaderboard = leaderboard
        self._cache = cache
        self._clock = clock
        self._game = game
        self._writer = PlayerWriter(db=db, clock=clock, read_models=read_models)
        self._ban_listener = ban_listener
        self._notifier = notifier

    # -- reads -----------------------------------------------------------------------------------

    async def snapshot(self, admin_uid: int) -> AdminSnapshot:
        """Ladder counts from the database, ranked rows from the leaderboard, cache statistics."""
        await self._roster.require_admin(admin_uid)
        async with self._db.read() as uow:
            counts = await uow.players.counts()
            admins = len(await uow.admins.roles())
        return AdminSnapshot(counts, self._leaderboard.ranked_total(), admins, self._cache.stats())

    async def lookup(self, admin_uid: int, query: str) -> list[PlayerLookup]:
        """Players by Discord id (digits or a mention), Discord username, main id or BattleTag."""
        await self._roster.require_admin(admin_uid)
        text = require_plain_text("player", query.strip())
        mention = _MENTION.fullmatch(text)
        uid = parse_discord_id(mention.group(1) if mention else text)
        async with self._db.read() as uow:
            if uid is not None:
                found = await uow.players.get(uid)
                players = [found] if found else []
            else:
                players = await uow.players.find_by_name(text)
            ratings = {p.discord_uid: await uow.mmrs.for_player(p.discord_uid) for p in players}
        now = self._clock.now()
        return [
            PlayerLookup(
                p,
                tuple(ratings[p.discord_uid]),
                {r.race: self._leaderboard.rank_of(p.discord_uid, r.race) for r in ratings[p.discord_uid]},
                aborts_left_now(p.aborts_left, p.aborts_period, now),
            )
            for p in players
        ]

    async def list_admins(self, admin_uid: int) -> dict[int, AdminRole]:
        await self._roster.require_admin(admin_uid)
        return await self._roster.roles()

    # -- player writes ---------------------------------------------------------------------------

    async def adjust_mmr(
        self, admin_uid: int, target_uid: int, race: str, mmr: int, reason: str
    ) -> MmrAdjustment:
        """Set one race's rating to ``mmr`` (absolute); audited with before and after, and
        recorded as an ``adjust`` row of the rating's history in the current season."""
        await self._roster.require_admin(admin_uid)
        why = require_reason(reason)
        if race not in self._game.races:
            raise UnknownRace()
        if not MMR_MIN <= mmr <= MMR_MAX:
            raise MmrOutOfRange(MMR_MIN, MMR_MAX)
        now = self._clock.now()
        async with self._db.transaction() as uow:
            if await uow.players.get(target_uid) is None:
                raise TargetPlayerNotFound()
            row = await uow.mmrs.get_or_create(target_uid, race)
            await uow.mmrs.set_mmr(target_uid, race, mmr)
            season = await uow.seasons.current()
            season_id = season.id if season else 0
            await uow.history.add(
                [HistoryRow(target_uid, race, season_id, HistoryKind.ADJUST, None, row.mmr, mmr, None, now)]
            )
            await uow.admins.audit(
                admin_uid, "adjust_mmr", why, now, target_player_uid=target_uid,
                details={"race": race, "before": row.mmr, "after": mmr},
            )
            after = await uow.mmrs.get(target_uid, race)
        assert after is not None
        self._read_models.mmr_changed([after])
        event(log, "admin.adjust_mmr", admin=admin_uid, target=target_uid, race=race,
              before=row.mmr, after=mmr)
        await self._tell(
            AdminChangedPlayer(target_uid, "adjust_mmr", why, race=race, before=row.mmr, after=mmr)
        )
        return MmrAdjustment(target_uid, race, row.mmr, mmr)

    async def ban(self, admin_uid: int, target_uid: int, reason: str) -> Player:
        await self._roster.require_admin(admin_uid)
        why = require_reason(reason)

        async def decide(_uow: UnitOfWork, player: Player, _now: datetime) -> Mapping[str, Any]:
            if player.is_banned:
                raise AlreadyBanned()
            return {"is_banned": True, "ban_reason": why}

        change = await self._admin_change(admin_uid, target_uid, decide, Audit(admin_uid, "ban", why))
        event(log, "admin.ban", admin=admin_uid, target=target_uid)
        await self._tell(AdminChangedPlayer(target_uid, "ban", why))
        if self._ban_listener is not None:
            try:
                await self._ban_listener.player_banned(target_uid)
            except Exception:  # the ban is committed; a failing listener must not undo the reply
                log.exception("ban listener failed", extra={"fields": {"target": target_uid}})
        return change

    async def unban(self, admin_uid: int, target_uid: int, reason: str) -> Player:
        await self._roster.require_admin(admin_uid)
        why = require_reason(reason)

        async def decide(_uow: UnitOfWork, player: Player, _now: datetime) -> Mapping[str, Any]:
            if not player.is_banned:
                raise NotBanned()
            return {"is_banned": False, "ban_reason": None}

        player = await self._admin_change(admin_uid, target_uid, decide, Audit(admin_uid, "unban", why))
        async with self._db.read() as uow:  # the player's rows come back onto the board
            rows = await uow.mmrs.for_player(target_uid)
        self._read_models.mmr_changed(rows)
        event(log, "admin.unban", admin=admin_uid, target=target_uid)
        await self._tell(AdminChangedPlayer(target_uid, "unban", why))
        return player

    async def reset_aborts(
        self, admin_uid: int, target_uid: int, reason: str, count: int = ABORTS_PER_MONTH
    ) -> Player:
        """Set the aborts left for the current UTC month to ``count`` (default: the full monthly
        allowance; up to ``ABORTS_MAX`` to make up for aborts the ladder's fault cost)."""
        await self._roster.require_admin(admin_uid)
        why = require_reason(reason)
        if not 0 <= count <= ABORTS_MAX:
            raise AbortCountOutOfRange(0, ABORTS_MAX)

        async def decide(_uow: UnitOfWork, player: Player, now: datetime) -> Mapping[str, Any]:
            return {"aborts_left": count, "aborts_period": month_key(now)}

        audit = Audit(admin_uid, "reset_aborts", why, {"count": count})
        player = await self._admin_change(admin_uid, target_uid, decide, audit)
        await self._tell(AdminChangedPlayer(target_uid, "reset_aborts", why, aborts_left=count))
        return player

    async def _tell(self, change: AdminChangedPlayer) -> None:
        """The player's DM about an admin's change; the change has committed, so never raise."""
        if self._notifier is None:
            return
        try:
            await self._notifier.notify(change)
        except Exception:
            log.exception("admin.tell_failed", extra={"fields": {"target": change.discord_uid}})

    async def _admin_change(self, admin_uid: int, target_uid: int, decide: Any, audit: Audit) -> Player:
        change = await self._writer.change(
            target_uid, decide, changed_by=ChangedBy.ADMIN, changed_by_uid=admin_uid,
            audit=audit, missing=TargetPlayerNotFound,
        )
        return change.player

    # -- staff and codes ------------------------------------------------------------------------

    async def add_admin(self, owner_uid: int, target_uid: int, reason: str) -> None:
        """Owners only. Owners themselves come from the settings and cannot be changed here."""
        await self._roster.require_owner(owner_uid)
        why = require_reason(reason)
        now = self._clock.now()
        async with self._db.transaction() as uow:
            if await uow.admins.role_of(target_uid) == AdminRole.OWNER:
                raise OwnerIsFixed()
            await uow.admins.put(target_uid, AdminRole.ADMIN.value, owner_uid, now)
            await uow.admins.audit(owner_uid, "add_admin", why, now, target_player_uid=target_uid)
        event(log, "admin.add_admin", owner=owner_uid, target=target_uid)

    async def remove_admin(self, owner_uid: int, target_uid: int, reason: str) -> None:
        await self._roster.require_owner(owner_uid)
        why = require_reason(reason)
        now = self._clock.now()
        async with self._db.transaction() as uow:
            role = await uow.admins.role_of(target_uid)
            if role == AdminRole.OWNER:
                raise OwnerIsFixed()
            if role is None:
                raise NotAnAdmin()
            await uow.admins.remove(target_uid)
            await uow.admins.audit(owner_uid, "remove_admin", why, now, target_player_uid=target_uid)
        event(log, "admin.remove_admin", owner=owner_uid, target=target_uid)

    async def create_activation_codes(self, admin_uid: int, count: int, reason: str) -> ActivationBatch:
        """A batch of single-use codes. The codes are returned once and never logged."""
        await self._roster.require_admin(admin_uid)
        why = require_reason(reason)
        if not 1 <= count <= CODES_MAX:
            raise CodeCountOutOfRange(CODES_MAX)
        now = self._clock.now()
        batch = f"{now:%Y%m%d%H%M%S}-{new_code()[:6]}"
        codes = tuple(dict.fromkeys(new_code() for _ in range(count)))
        async with self._db.transaction() as uow:
            await uow.activation_codes.add_batch(codes, batch, admin_uid, now)
            await uow.admins.audit(
                admin_uid, "create_activation_codes", why, now, details={"batch": batch, "count": len(codes)}
            )
        event(log, "admin.activation_codes", admin=admin_uid, batch=batch, count=len(codes))
        return ActivationBatch(batch, codes)

    async def unused_codes(self, admin_uid: int, batch: str) -> Sequence[str]:
        await self._roster.require_admin(admin_uid)
        require_plain_text("batch", batch)
        async with self._db.read() as uow:
            return await uow.activation_codes.unused_in_batch(batch)
