"""The admin console behind ``/admin``: what the other services do not already offer an admin.

The player tools (``AdminPlayerService``: lookup, bans, aborts, MMR, codes, staff) and the match and
queue services (resolve, remove, clear) own their writes and audit them. This service adds:

* **Authorization where the owner service leaves it to the caller.** ``MatchService.admin_resolve``
  and ``QueueService.remove/clear`` record who acted but do not check the role (their docs say so);
  every method here checks the roster first, on every call, so a revoked admin loses access at once
  and a non-admin writes nothing.
* **Reads that span services**: the snapshot (ladder counts, queue, open matches, cache and latency),
  a player's file (identity, status, ratings, recent matches, admin actions on them) and a match's
  file (players, timeline, reports, result, MMR, admin actions, replays with their checklists).
* **Previews** for the destructive actions, computed with the same rules the write will use (the
  pure ``match_state.resolve`` and ``rating_plan``), so an impossible action is refused before the
  admin is asked to confirm, and the confirmation shows what will really happen.
* **Map dependencies** (``/admin map_dependency``): a replay whose mod check came out
  "unverified" (the map's dependencies are unknown, see ``evoladder.domain.replays``) lists the
  handles that may be the map's own files. An admin who judged the replay genuine records them as
  the map's dependencies (table ``map_dependencies``, audited as ``map_dependency``); from then on
  the mod check is exact for that map: those handles pass, anything else is critical. Only
  handles of replays that passed the map check are offered, so they are recorded for the map the
  replay really loaded. A stored replay is not re-judged: the admin resolves its match.
* **Unblock**: a player stuck in ``queueing`` or ``in_match`` with no queue entry and no open match
  goes back to ``idle`` (audited), the repair for a state left behind by a failure elsewhere.

Errors specific to the console are defined here (not in ``domain.errors``) because they describe
console situations, not ladder rules; they are ``LadderError`` like every other, so the one error
handler shows their message.

Replays: the files are read through a ``ReplayStorage`` made by the ``replay_storage`` factory the
composition root passes (today: the configured directory or S3 bucket, opened per call). When the
replay service lands and owns a storage for the process, pass that one instead; the rows are read
from the ``replays`` table either way (``AdminReadRepository``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping

from evoladder.domain import match_state as ms
from evoladder.domain.errors import (
    AlreadyBanned,
    LadderError,
    MatchNotFound,
    MmrOutOfRange,
    TargetPlayerNotFound,
    UnknownRace,
)
from evoladder.domain.match_state import MatchState, MatchStatus, RatingPlan, Resolution
from evoladder.domain.players import ChangedBy, Player, PlayerState
from evoladder.domain.rating import START_MMR
from evoladder.domain.replays import handle_hash
from evoladder.game import GameData
from evoladder.logging_setup import event
from evoladder.services.accounts import AdminRole, AdminRoster
from evoladder.services.admin_players import (
    MMR_MAX,
    MMR_MIN,
    AdminPlayerService,
    AdminSnapshot,
    MmrAdjustment,
    PlayerLookup,
    require_reason,
)
from evoladder.services.leaderboard import display_name
from evoladder.services.matches import MatchService
from evoladder.services.matchmaker import Matchmaker, WaveReport
from evoladder.services.ports import Clock, ReadModelSink
from evoladder.services.queue import QueueService, QueueStatus
from evoladder.services.timing import CommandLatency, FlowTiming
from evoladder.store.replay_storage import ReplayStorage, StorageError
from evoladder.store.repositories.admin_reads import AdminReadRepository
from evoladder.store.repositories.map_dependencies import MapDependencyRepository
from evoladder.store.repositories.replays import ReplayRecord
from evoladder.store.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

RECENT_MATCHES = 10
RECENT_ACTIONS = 10
ATTACH_MAX_FILES = 10  # Discord's limit of attachments on one message
ATTACH_MAX_BYTES = 9 * 1024 * 1024  # under Discord's 10 MiB upload limit for bots, with room
_ATTENTION = (MatchStatus.FOUND.value, MatchStatus.CONFIRMED.value, MatchStatus.CONFLICT.value)
# /admin matches: conflicts first (they wait for an admin), then the open ones.
_LISTED = (MatchStatus.CONFLICT.value, MatchStatus.CONFIRMED.value, MatchStatus.FOUND.value)
MATCHES_PER_PAGE = 15

ReplayStorageFactory = Callable[[], ReplayStorage]


# --- errors ------------------------------------------------------------------------------------


class AmbiguousPlayer(LadderError):
    """A name matched several players; the admin must pick one by Discord id."""

    def __init__(self, matches: Sequence[Player]) -> None:
        self.matches = tuple(matches)
        listed = ", ".join(
            f"{display_name(p.main_id, p.discord_username)} ({p.discord_uid})" for p in matches[:10]
        )
        super().__init__(
            f"Several players match that name: {listed}. Use the Discord id instead.",
            key="AmbiguousPlayer", players=listed,
        )


class NotStuck(LadderError):
    """Unblock refused: the player's state is backed by a live queue entry or an open match."""


class NotInQueue(LadderError):
    message = "That player is not in the queue."


class RatingMovedMeanwhile(LadderError):
    """The rating changed between the preview and the confirmation (a game finished)."""

    def __init__(self, now: int) -> None:
        super().__init__(
            f"The rating changed since you asked (it is {now} now, a game may have finished). "
            "Nothing was changed: run the command again.",
            key="RatingMovedMeanwhile", now=now,
        )


class QueueEmpty(LadderError):
    message = "The queue is already empty."


class NothingToRecord(LadderError):
    """No replay of the match has unverified handles that are not recorded yet."""

    def __init__(self, match_id: int) -> None:
        super().__init__(
            f"No replay of match #{match_id} loaded a file waiting to be recorded as its map's "
            "dependency (its mod check is not 'unverified', or the files are recorded already)."
        )


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AdminActionLine:
    """One ``admin_actions`` row as the console shows it."""

    id: int
    admin_uid: int
    action_type: str
    target_player_uid: int | None
    target_match_id: int | None
    reason: str
    details: Mapping[str, Any] | None
    performed_at: datetime


@dataclass(frozen=True, slots=True)
class MatchCounts:
    found: int  # waiting for both confirmations
    confirmed: int  # being played / waiting for reports
    conflict: int  # waiting for an admin

    @property
    def open(self) -> int:
        return self.found + self.confirmed


@dataclass(frozen=True, slots=True)
class ConsoleSnapshot:
    ladder: AdminSnapshot  # player counts, ranked rows, admins, player cache statistics
    queue: QueueStatus
    matches: MatchCounts
    latencies: tuple[CommandLatency, ...]  # busiest commands first; quantiles p50, p95, p99
    last_wave: WaveReport | None


@dataclass(frozen=True, slots=True)
class PlayerFile:
    lookup: PlayerLookup  # identity, status, ratings with ranks, aborts left
    recent: tuple[MatchState, ...]  # newest first
    actions: tuple[AdminActionLine, ...]  # admin actions that targeted the player, newest first
    names: Mapping[int, str]  # display names of the people the file mentions
    accounts: tuple[AccountLine, ...] = ()  # SC2 accounts seen in the player's verified replays


@dataclass(frozen=True, slots=True)
class AccountLine:
    """One SC2 account (toon handle) a player used, and the other Discord accounts that used it."""

    toon_handle: str
    replays: int
    first_seen: datetime
    last_seen: datetime
    shared_with: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ReplayFile:
    """A stored replay and, when it fits on the message, its bytes (``data``)."""

    stored: ReplayRecord
    data: bytes | None
    missing: bool = False  # the row exists but the storage has no file under its key

    @property
    def filename(self) -> str:
        return f"match{self.stored.match_id}-{self.stored.uploader_uid}-{self.stored.hash[:8]}.SC2Replay"


@dataclass(frozen=True, slots=True)
class MatchFile:
    state: MatchState
    names: Mapping[int, str]  # display names of both players and of acting admins
    actions: tuple[AdminActionLine, ...]  # oldest first
    replays: tuple[ReplayFile, ...]


@dataclass(frozen=True, slots=True)
class ResolvePreview:
    state: MatchState
    resolution: Resolution
    plan: RatingPlan  # what the match contributes now and after
    names: Mapping[int, str]


@dataclass(frozen=True, slots=True)
class MmrPreview:
    player: Player
    race: str
    before: int
    after: int
    has_row: bool  # False: the player never had a rating for this race (``before`` is the start)


@dataclass(frozen=True, slots=True)
class BanPreview:
    player: Player
    queued: bool
    open_match: MatchState | None


@dataclass(frozen=True, slots=True)
class CodeBatch:
    """One batch of activation codes: who made it, when, and how many are still unused."""

    batch: str
    created_by: int
    created_at: datetime
    total: int
    unused: int


@dataclass(frozen=True, slots=True)
class MatchesPage:
    """A page of ``/admin matches``: conflicted and open matches, conflicts first, oldest first."""

    matches: tuple[MatchState, ...]
    names: Mapping[int, str]
    page: int  # 1-based, clamped to the pages there are
    pages: int
    total: int
    now: datetime  # ages are counted from here


@dataclass(frozen=True, slots=True)
class DependencyPreview:
    """What ``/admin map_dependency`` would record: the handles (content hashes) for the map."""

    match_id: int
    map_name: str
    handles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Unblocked:
    player: Player  # after
    from_state: PlayerState
    stale_match_id: int | None


class AdminConsole:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        game: GameData,
        read_models: ReadModelSink,
        roster: AdminRoster,
        players: AdminPlayerService,
        queue: QueueService,
        matches: MatchService,
        timing: FlowTiming,
        matchmaker: Matchmaker | None = None,
        replay_storage: ReplayStorageFactory | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._game = game
        self._roster = roster
        self._players = players
        self._queue = queue
        self._matches = matches
        self._read_models = read_models
        self._timing = timing
        self._matchmaker = matchmaker
        self._replay_storage = replay_storage

    async def require_admin(self, admin_uid: int) -> AdminRole:
        return await self._roster.require_admin(admin_uid)

    # -- reads -----------------------------------------------------------------------------------

    async def snapshot(self, admin_uid: int) -> ConsoleSnapshot:
        ladder = await self._players.snapshot(admin_uid)  # checks the role
        queue = await self._queue.status()
        async with self._db.read() as uow:
            counts = await AdminReadRepository(uow.conn).match_status_counts(_ATTENTION)
        matches = MatchCounts(*(counts[status] for status in _ATTENTION))
        last_wave = getattr(self._matchmaker, "last_report", None) if self._matchmaker else None
        return ConsoleSnapshot(ladder, queue, matches, tuple(self._timing.latencies()), last_wave)

    async def player_files(self, admin_uid: int, query: str) -> list[PlayerFile]:
        """Every player ``query`` names (Discord id, mention, username or main id), with history."""
        found = await self._players.lookup(admin_uid, query)  # checks the role
        files = []
        async with self._db.read() as uow:
            for lookup in found:
                uid = lookup.player.discord_uid
                recent = tuple(await uow.matches.history(uid, RECENT_MATCHES))
                rows = await uow.admins.actions(target_player_uid=uid, limit=RECENT_ACTIONS)
                actions = tuple(_action(r) for r in rows)
                handles = await uow.toon_handles.for_player(uid)
                shared = await uow.toon_handles.sharing([h.toon_handle for h in handles], uid)
                accounts = tuple(
                    AccountLine(
                        h.toon_handle, h.replays, h.first_seen, h.last_seen,
                        tuple(o.discord_uid for o in shared if o.toon_handle == h.toon_handle),
                    )
                    for h in handles
                )
                people = {uid, *(m.opponent_of(uid) for m in recent), *(a.admin_uid for a in actions)}
                people.update(o.discord_uid for o in shared)
                files.append(PlayerFile(lookup, recent, actions, await _names(uow, people), accounts))
        return files

    async def target(self, admin_uid: int, query: str) -> Player:
        """Exactly one player for an action: by Discord id or mention, else by unique name."""
        found = await self._players.lookup(admin_uid, query)  # checks the role
        if not found:
            raise TargetPlayerNotFound()
        if len(found) > 1:
            raise AmbiguousPlayer([f.player for f in found])
        return found[0].player

    async def match_file(self, admin_uid: int, match_id: int) -> MatchFile:
        """The match with its players, admin actions and replays (files attached when they fit)."""
        await self._roster.require_admin(admin_uid)
        async with self._db.read() as uow:
            state = await self._match(uow, match_id)
            rows = await uow.admins.actions(target_match_id=match_id, limit=50)
            actions = tuple(sorted((_action(r) for r in rows), key=lambda a: a.id))
            stored = await AdminReadRepository(uow.conn).replays_for_match(match_id)
            people = {*state.players, *(a.admin_uid for a in actions), *(r.uploader_uid for r in stored)}
            names = await _names(uow, people)
        return MatchFile(state, names, actions, tuple(await self._replay_files(stored)))

    async def attention_matches(self, admin_uid: int, page: int = 1) -> MatchesPage:
        """What needs an admin without the log channel: conflicted, then open matches, paged."""
        await self._roster.require_admin(admin_uid)
        async with self._db.read() as uow:
            reads = AdminReadRepository(uow.conn)
            _, total = await reads.matches_with_status(_LISTED, 0, 0)
            pages = max(1, -(-total // MATCHES_PER_PAGE))
            page = min(max(1, page), pages)
            found, total = await reads.matches_with_status(
                _LISTED, (page - 1) * MATCHES_PER_PAGE, MATCHES_PER_PAGE
            )
            names = await _names(uow, {uid for m in found for uid in m.players})
        return MatchesPage(tuple(found), names, page, pages, total, self._clock.now())

    async def admins(self, admin_uid: int) -> tuple[dict[int, AdminRole], Mapping[int, str]]:
        roles = await self._players.list_admins(admin_uid)  # checks the role
        async with self._db.read() as uow:
            return roles, await _names(uow, roles)

    async def code_batches(self, admin_uid: int) -> list[CodeBatch]:
        await self._roster.require_admin(admin_uid)
        async with self._db.read() as uow:
            rows = await AdminReadRepository(uow.conn).code_batches()
        return [CodeBatch(r.batch, r.created_by, r.created_at, r.total, r.unused) for r in rows]

    # -- previews (nothing is written) -------------------------------------------------------------

    async def resolve_preview(self, admin_uid: int, match_id: int, resolution: Resolution) -> ResolvePreview:
        """What resolving would do; raises the rule's error (e.g. same result) before any question."""
        await self._roster.require_admin(admin_uid)
        async with self._db.read() as uow:
            state = await self._match(uow, match_id)
            names = await _names(uow, state.players)
        transition = ms.resolve(state, resolution, admin_uid, self._clock.now())
        assert transition.rating is not None
        return ResolvePreview(state, resolution, transition.rating, names)

    async def mmr_preview(
        self, admin_uid: int, query: str, race: str, *, value: int | None, delta: int | None
    ) -> MmrPreview:
        """Before and after of an MMR change given as a new value or as a difference."""
        player = await self.target(admin_uid, query)
        if race not in self._game.races:
            raise UnknownRace()
        async with self._db.read() as uow:
            row = await uow.mmrs.get(player.discord_uid, race)
        before = row.mmr if row is not None else START_MMR
        after = value if value is not None else before + (delta or 0)
        if not MMR_MIN <= after <= MMR_MAX:
            raise MmrOutOfRange(MMR_MIN, MMR_MAX)
        return MmrPreview(player, race, before, after, row is not None)

    async def ban_preview(self, admin_uid: int, query: str) -> BanPreview:
        """Who would be banned and what the ban ends with them (queue entry, open match)."""
        player = await self.target(admin_uid, query)
        if player.is_banned:
            raise AlreadyBanned()
        async with self._db.read() as uow:
            queued = await uow.queue.get(player.discord_uid) is not None
            open_matches = await uow.matches.open_for_player(player.discord_uid)
        return BanPreview(player, queued, open_matches[-1] if open_matches else None)

    async def dependency_preview(self, admin_uid: int, match_id: int) -> DependencyPreview:
        """The unverified handles of the match's replays not recorded yet (see the module doc)."""
        await self._roster.require_admin(admin_uid)
        async with self._db.read() as uow:
            state = await self._match(uow, match_id)
            stored = await AdminReadRepository(uow.conn).replays_for_match(match_id)
            recorded = await MapDependencyRepository(uow.conn).for_map(state.map_name)
        handles = [h for r in stored for h in unverified_handles(r.checks) if h not in recorded]
        if not handles:
            raise NothingToRecord(match_id)
        return DependencyPreview(match_id, state.map_name, tuple(dict.fromkeys(handles)))

    async def record_map_dependencies(
        self, admin_uid: int, preview: DependencyPreview, reason: str
    ) -> list[str]:
        """Record the previewed handles as the map's dependencies, audited; returns those added."""
        await self._roster.require_admin(admin_uid)
        why = require_reason(reason)
        now = self._clock.now()
        async with self._db.transaction() as uow:
            added = await MapDependencyRepository(uow.conn).record(
                preview.map_name, preview.handles, admin_uid, now, preview.match_id
            )
            if added:
                details = {"map": preview.map_name, "handles": added}
                await uow.admins.audit(
                    admin_uid, "map_dependency", why, now, target_match_id=preview.match_id,
                    details=details,
                )
        event(log, "admin.map_dependency", admin=admin_uid, match_id=preview.match_id,
              map=preview.map_name, added=len(added))
        return added

    async def queued_count(self, admin_uid: int) -> int:
        """How many players a clear would remove (``QueueEmpty`` when none: nothing to confirm)."""
        await self._roster.require_admin(admin_uid)
        queued = (await self._queue.status()).counts.total
        if not queued:
            raise QueueEmpty()
        return queued

    # -- writes ------------------------------------------------------------------------------------

    async def resolve(self, admin_uid: int, match_id: int, resolution: Resolution, reason: str) -> MatchState:
        """Player 1 / player 2 / draw / invalidate on any match (audited by the match service)."""
        await self._roster.require_admin(admin_uid)
        return await self._matches.admin_resolve(match_id, resolution, admin_uid, require_reason(reason))

    async def adjust_mmr(
        self, admin_uid: int, target_uid: int, race: str, expected_before: int, after: int, reason: str
    ) -> MmrAdjustment:
        """Set the rating the preview showed, unless it moved since (then nothing is written).

        The check and the write are two steps; a game finishing in the milliseconds between them
        would be overwritten, but the audit row keeps the real ``before`` of the write.
        """
        async with self._db.read() as uow:
            row = await uow.mmrs.get(target_uid, race)
        current = row.mmr if row is not None else START_MMR
        if current != expected_before:
            raise RatingMovedMeanwhile(current)
        return await self._players.adjust_mmr(admin_uid, target_uid, race, after, reason)

    async def remove_from_queue(self, admin_uid: int, target_uid: int, reason: str) -> None:
        """Take one player out of the queue; the queue service audits it and tells the player."""
        await self._roster.require_admin(admin_uid)
        if not await self._queue.remove(target_uid, by_admin=admin_uid, reason=require_reason(reason)):
            raise NotInQueue()

    async def clear_queue(self, admin_uid: int, reason: str) -> list[int]:
        """Empty the queue; everyone removed is told (by the queue service, which audits it)."""
        await self._roster.require_admin(admin_uid)
        return await self._queue.clear(by_admin=admin_uid, reason=require_reason(reason))

    async def unblock(self, admin_uid: int, target_uid: int, reason: str) -> Unblocked:
        """Back to idle a player whose ``queueing`` / ``in_match`` state nothing backs any more.

        Refused (``NotStuck``) when the player is idle, holds a queue entry (use remove_queue) or
        is in an open match (resolve or wait for it): unblocking must never strand a live entry or
        match. Checked and written under the player's row lock in one transaction with the audit.
        """
        await self._roster.require_admin(admin_uid)
        why = require_reason(reason)
        now = self._clock.now()
        async with self._db.transaction() as uow:
            player = await uow.players.get(target_uid, for_update=True)
            if player is None:
                raise TargetPlayerNotFound()
            await self._require_stuck(uow, player)
            changes: dict[str, tuple[object, object]] = {"state": (player.state, PlayerState.IDLE)}
            if player.current_match_id is not None:
                changes["current_match_id"] = (player.current_match_id, None)
            await uow.players.update(target_uid, now, state=PlayerState.IDLE, current_match_id=None)
            await uow.players.log_changes(target_uid, changes, ChangedBy.ADMIN, admin_uid, now)
            details = {"from_state": player.state.value, "match_id": player.current_match_id}
            await uow.admins.audit(
                admin_uid, "unblock_queue", why, now, target_player_uid=target_uid, details=details
            )
            after = await uow.players.get(target_uid)
        assert after is not None
        self._read_models.player_changed(target_uid)
        event(log, "admin.unblock", admin=admin_uid, target=target_uid, from_state=player.state.value)
        return Unblocked(after, player.state, player.current_match_id)

    # -- helpers -----------------------------------------------------------------------------------

    async def _require_stuck(self, uow: UnitOfWork, player: Player) -> None:
        if player.state is PlayerState.IDLE:
            raise NotStuck("That player is idle already; nothing to unblock.", key="NotStuckIdle")
        if await uow.queue.get(player.discord_uid) is not None:
            raise NotStuck(
                "That player has a live queue entry. Use /admin remove_queue instead.", key="NotStuckQueued"
            )
        open_matches = await uow.matches.open_for_player(player.discord_uid)
        if open_matches:
            raise NotStuck(
                f"That player is in open match #{open_matches[-1].id}. "
                "Resolve it with /admin resolve (or let it finish) instead.",
                key="NotStuckInMatch", match_id=open_matches[-1].id,
            )

    async def _match(self, uow: UnitOfWork, match_id: int) -> MatchState:
        state = await uow.matches.get(match_id)
        if state is None:
            raise MatchNotFound()
        return state

    async def _replay_files(self, stored: Sequence[ReplayRecord]) -> list[ReplayFile]:
        """Read the files that fit on one message (count and size); the others are listed only."""
        if not stored:
            return []
        if self._replay_storage is None:
            return [ReplayFile(r, None) for r in stored]
        try:
            storage = self._replay_storage()
        except StorageError:  # misconfigured or unreachable: list the replays without files
            log.warning("admin.replay_storage_unavailable", exc_info=True)
            return [ReplayFile(r, None, missing=True) for r in stored]
        budget, files = ATTACH_MAX_BYTES, list[ReplayFile]()
        try:
            for replay in stored:
                fits = len([f for f in files if f.data is not None]) < ATTACH_MAX_FILES
                if not fits or replay.size_bytes > budget:
                    files.append(ReplayFile(replay, None))
                    continue
                files.append(await self._read_replay(storage, replay))
                budget -= replay.size_bytes
        finally:
            await storage.close()
        return files

    async def _read_replay(self, storage: ReplayStorage, replay: ReplayRecord) -> ReplayFile:
        try:
            return ReplayFile(replay, await storage.get(replay.storage_key))
        except (StorageError, ValueError):  # not stored, unreachable, or a malformed key
            log.warning("admin.replay_unavailable", extra={"fields": {"replay_id": replay.id}})
            return ReplayFile(replay, None, missing=True)


def _action(row: RowMapping) -> AdminActionLine:
    return AdminActionLine(
        id=int(row["id"]),
        admin_uid=int(row["admin_discord_uid"]),
        action_type=str(row["action_type"]),
        target_player_uid=row["target_player_uid"],
        target_match_id=row["target_match_id"],
        reason=str(row["reason"]),
        details=row["details"] if isinstance(row["details"], dict) else None,
        performed_at=row["performed_at"],
    )


def unverified_handles(checks: Mapping[str, Any] | None) -> list[str]:
    """The handles (hashes) a stored checklist holds as "mod unverified", when its map check passed."""
    if not checks:
        return []
    mod = checks.get("mod")
    if not isinstance(mod, dict) or not mod.get("unverified"):
        return []
    items = checks.get("checks")
    map_ok = isinstance(items, list) and any(
        isinstance(c, dict) and c.get("id") == "map" and c.get("passed") for c in items
    )
    if not map_ok:
        return []
    return [handle_hash(str(h)) for h in mod.get("unexpected") or ()]


async def _names(uow: UnitOfWork, uids: Iterable[int]) -> dict[int, str]:
    """Display names (main id, else Discord name) of those who have a player record."""
    people = await uow.players.get_many(sorted(set(uids)))
    return {uid: display_name(p.main_id, p.discord_username) for uid, p in people.items()}
