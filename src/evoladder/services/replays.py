"""Replay uploads: file checks, parsing, verification against the match, storage, auto-report.

DESIGN sections 4 and 6. No Discord here: the bot hands in (uploader, file name, bytes) and
renders the plain :class:`UploadResult` it gets back.

One upload (:meth:`ReplayService.upload`), cheapest refusal first; nothing is written until the
file is known to be a new, readable replay of the uploader's match:

1. **File checks**: size (``replay_max_bytes``), a ``.SC2Replay`` name, the MPQ magic. Each has its
   own message (:class:`ReplayRefused` subclasses).
2. **The candidate matches**: the uploader's recent matches that can still take a replay:
   confirmed and open ones, and ones closed less than ``evidence_window`` ago. None: refused
   (the newest still waiting for confirmations: "not confirmed yet"; else "too old" or "no match").
3. **Duplicates**: a blake2b hash (computed in a thread for large files) already stored for *any*
   match is refused.
4. **Parse** in the worker pool (time and memory limits; a failure answers with its message; a
   file that exhausts the memory limit is "too large to check" and its worker is replaced).
5. **Which match**: the candidate the replay shows (``domain.replays.fits``: races, map, start
   time), so a replay uploaded after the player's next match was found still counts for the match
   it was played for; the closest start wins when several fit. When none fits, the newest
   candidate (its checklist says what differs), unless the newest match overall still waits for
   confirmations (refused as before: the replay is not of an earlier match either).
6. **Per-player limit**: at most ``max_per_player`` replays stored per player and match. Rows and
   files are kept one to one (step 8), so the rows count what is stored.
7. **Verify**: the mod verdict with the map's dependency handles (the game data's and those an
   admin recorded, ``map_dependencies``), then every check against the match (``MatchFacts``:
   races, map, the time both confirmed, the players' main and alt ids).
8. **Store** the bytes under ``replay_key(match, hash, now)``, then insert the ``replays`` row
   (the hash is UNIQUE, so a concurrent identical upload loses here and is refused). When the row
   cannot be written, the file is deleted again (unless it is the file of the row that won the
   race), so a failed attempt leaves nothing behind and cannot fill the disk.
9. **Effect** (:class:`ReplayEffect`): a replay that may report by itself
   (``ReplayReport.can_report``: every critical check and the time check passed, a winner is
   known, the mod is verified and both names are the players' ids) reports its winner, mapped
   through the races, for both players (``MatchService.report_verified``): the match turns final,
   or a conflict when a player had reported otherwise. A critical failure locks reporting for
   that replay (the player is told to ask an admin); any other replay stores its checklist
   without reporting, and the players report by hand.
10. **Flags**: a replay whose mod is unverified (module ``domain.replays``, case 4) or whose two
   names are neither player's id is announced to the admin log (:class:`ReplayFlagged`).

**After the match closed** (decision): the first verified replay finalizes the match at once, so
the other player's replay always arrives after the end. Uploads for a match closed less than
``evidence_window`` ago (the composition root passes the reporting deadline, 3 h by default) are
stored and checked as evidence. When such a replay passes its checks and names another winner than
a final result that reports or a replay made, the match becomes a conflict
(``MatchService.dispute_by_replay``: MMR reversed, staff pinged); when it agrees it is just stored;
an admin's decision, a conflict or a cancelled match keep it as evidence for the admins. Later
uploads are refused: a result is not reopened days after by a file.

Storage and row are two writes: only a crash between them leaves an unreferenced file (under the
same key a retry of the same bytes would use, so it is reused, not piled up); a row never points at
a file that was not written.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from evoladder.domain.errors import IllegalTransition, LadderError
from evoladder.domain.match_state import MatchState, MatchStatus
from evoladder.domain.rating import Outcome
from evoladder.domain.replays import (
    Check,
    CheckId,
    Checklist,
    MatchFacts,
    ParsedReplay,
    PlayerIds,
    ReplayReport,
    account_handles,
    fits,
    handle_hash,
    verify,
)
from evoladder.game import GameData
from evoladder.game.replay_inspect import replay_mod_verdict
from evoladder.game.replay_parse import ParseFailure, ParseOutcome, looks_like_replay, replay_hash
from evoladder.logging_setup import event
from evoladder.services.events import ReplayFlagged, SharedAccount
from evoladder.services.matches import MatchService
from evoladder.services.ports import Clock, Notifier, Receipt
from evoladder.services.timing import LadderMetrics
from evoladder.store.replay_storage import REPLAY_SUFFIX, ReplayStorage, StorageError, replay_key
from evoladder.store.repositories.map_dependencies import MapDependencyRepository
from evoladder.store.repositories.replays import (
    DuplicateReplayHash,
    NewReplay,
    ReplayRecord,
    ReplayRepository,
)
from evoladder.store.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

HASH_IN_THREAD_ABOVE = 256 * 1024  # hashing more than this on the loop would stall other players
MAX_PER_PLAYER = 3  # replays one player may store for one match (a rematch, a corrected file)
CANDIDATE_MATCHES = 5  # the uploader's newest matches a replay may belong to (step 2)
DEFAULT_EVIDENCE_WINDOW = timedelta(hours=3)
_CHECK_IDS = frozenset(c.value for c in CheckId)


# --- refusals: nothing was written, the message says why ----------------------------------------


class ReplayRefused(LadderError):
    """The upload was refused before anything was stored."""

    message = "That replay was not accepted."


class ReplayTooLarge(ReplayRefused):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"The file is {_megabytes(size)}; replays are accepted up to {_megabytes(limit)}.",
            key="ReplayTooLarge", size=_megabytes(size), limit=_megabytes(limit),
        )


class NotAReplayName(ReplayRefused):
    message = "Only StarCraft II replay files (.SC2Replay) are accepted here."


class NotAReplayFile(ReplayRefused):
    message = (
        "This file is not a StarCraft II replay. Please upload the .SC2Replay file the game saved, "
        "unchanged."
    )


class NoMatchForReplay(ReplayRefused):
    message = (
        "You have no match to attach this replay to. Upload it here once both players confirmed "
        "the match (or soon after it ended)."
    )


class MatchNotConfirmedYet(ReplayRefused):
    def __init__(self, match_id: int) -> None:
        super().__init__(
            f"Match #{match_id} is not confirmed yet. Upload the replay after you played it.",
            key="MatchNotConfirmedYet", match_id=match_id,
        )


class MatchTooOld(ReplayRefused):
    def __init__(self, match_id: int) -> None:
        super().__init__(
            f"Match #{match_id} ended a while ago, so replays are no longer taken for it. "
            "Please ask an admin if the result is wrong.",
            key="MatchTooOld", match_id=match_id,
        )


class TooManyReplays(ReplayRefused):
    def __init__(self, match_id: int, limit: int) -> None:
        super().__init__(
            f"You already uploaded {limit} replays for match #{match_id}. Please ask an admin.",
            key="TooManyReplays", match_id=match_id, count=limit,
        )


class DuplicateReplay(ReplayRefused):
    def __init__(self, match_id: int | None) -> None:
        where = f" (match #{match_id})" if match_id is not None else ""
        super().__init__(
            f"This replay was already uploaded{where}. Each file is accepted once.",
            key="DuplicateReplay" if match_id is None else "DuplicateReplayOfMatch", match_id=match_id,
        )


class ReplayUnreadable(ReplayRefused):
    """The parser's answer (damaged file, timeout, memory, crash); its message is the player's."""

    def __init__(self, failure: ParseFailure) -> None:
        self.failure = failure
        super().__init__(failure.message, key=f"REPLAY_UNREADABLE_{failure.kind.name}")


class ReplayStorageDown(ReplayRefused):
    message = "The replay could not be saved right now. Please upload it again in a few minutes."


# --- results ---------------------------------------------------------------------------------------


class ReplayEffect(StrEnum):
    """What an accepted upload did to its match."""

    REPORTED = "reported"  # it reported the result for both players: the match is final
    CONFLICT = "conflict"  # its result disagrees with a report or the final result: an admin decides
    AGREES = "agrees"  # the match already had this result
    LOCKED = "locked"  # a critical check failed: it cannot report; the player asks an admin
    UNVERIFIED = "unverified"  # critical checks passed but not the time check, or no winner
    EVIDENCE = "evidence"  # stored for the admins: the match is closed (or its reporting is)


class ReplayParser(Protocol):
    """Where bytes are parsed: the worker pool in production (``ReplayPool``)."""

    async def parse(self, data: bytes) -> ParseOutcome: ...


@dataclass(frozen=True, slots=True)
class UploadResult:
    """An accepted upload: the match after its effect, the stored row and what the file said."""

    match: MatchState
    record: ReplayRecord
    parsed: ParsedReplay
    report: ReplayReport
    effect: ReplayEffect

    @property
    def uploader_slot(self) -> int:
        return self.match.slot_of(self.record.uploader_uid)

    @property
    def outcome(self) -> Outcome | None:
        """The match outcome the replay shows (player 1 / player 2 / draw), if it shows one."""
        return Outcome(self.report.outcome) if self.report.outcome is not None else None


@dataclass(frozen=True, slots=True)
class MatchReplay(Checklist):
    """One stored replay of a match with its checklist and, when asked for, its bytes.

    ``data`` is None when the bytes were not asked for or are ``missing`` from the storage.
    """

    record: ReplayRecord
    parsed: ParsedReplay | None
    checks: tuple[Check, ...]
    outcome: int | None
    can_report: bool
    data: bytes | None = None
    missing: bool = False


# --- the service -----------------------------------------------------------------------------------


class ReplayService:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        game: GameData,
        matches: MatchService,
        parser: ReplayParser,
        storage: ReplayStorage,
        max_bytes: int,
        evidence_window: timedelta = DEFAULT_EVIDENCE_WINDOW,
        max_per_player: int = MAX_PER_PLAYER,
        notifier: Notifier | None = None,
        metrics: LadderMetrics | None = None,
    ) -> None:
        self._notifier: Notifier = notifier or _Quiet()
        self._metrics = metrics or LadderMetrics()
        self._db = db
        self._clock = clock
        self._game = game
        self._matches = matches
        self._parser = parser
        self._storage = storage
        self.max_bytes = max_bytes
        self._evidence_window = evidence_window
        self._max_per_player = max_per_player

    # -- upload -----------------------------------------------------------------------------------

    def precheck(self, filename: str, size: int) -> None:
        """The checks that need no bytes (the bot runs them before downloading an attachment)."""
        if size > self.max_bytes:
            raise ReplayTooLarge(size, self.max_bytes)
        if not filename.lower().endswith(REPLAY_SUFFIX.lower()):
            raise NotAReplayName()

    async def upload(self, uploader_uid: int, filename: str, data: bytes) -> UploadResult:
        """Check, parse, verify and store one file, then apply its effect (see the module doc)."""
        self.precheck(filename, len(data))
        if not looks_like_replay(data):
            raise NotAReplayFile()
        candidates, newest = await self._candidates(uploader_uid)
        digest = await _hash(data)
        await self._refuse_known(digest)
        parsed = await self._parse(data)
        async with self._db.read() as uow:
            match, facts = await self._choose(uow, candidates, newest, parsed)
            if await ReplayRepository(uow.conn).count_for(match.id, uploader_uid) >= self._max_per_player:
                raise TooManyReplays(match.id, self._max_per_player)
            recorded = await MapDependencyRepository(uow.conn).for_map(parsed.map_name)
        report = verify(parsed, facts, replay_mod_verdict(parsed, self._game, recorded))
        self._metrics.replay_verdict("passed" if report.critical_ok else "failed")
        record = await self._store(match, uploader_uid, digest, data, parsed, report)
        effect, after = await self._apply(match, uploader_uid, report)
        await self._flag(record, parsed, report)
        event(log, "replay.uploaded", match_id=match.id, uid=uploader_uid, replay_id=record.id,
              effect=effect.value, critical_ok=report.critical_ok, outcome=report.outcome,
              warnings=len(report.warnings), bytes=len(data), newest_match=newest.id,
              mod_unverified=report.mod.unverified, names_match=report.names_match)
        return UploadResult(after, record, parsed, report, effect)

    async def _candidates(self, uid: int) -> tuple[list[MatchState], MatchState]:
        """The uploader's recent matches that can take a replay (newest first), and the newest."""
        async with self._db.read() as uow:
            recent = await uow.matches.history(uid, CANDIDATE_MATCHES)
        if not recent:
            raise NoMatchForReplay()
        now = self._clock.now()
        usable = [m for m in recent if m.status is not MatchStatus.FOUND and self._takes_replays(m, now)]
        if usable:
            return usable, recent[0]
        newest = recent[0]
        if newest.status is MatchStatus.FOUND:
            raise MatchNotConfirmedYet(newest.id)
        raise MatchTooOld(newest.id)

    def _takes_replays(self, match: MatchState, now: datetime) -> bool:
        if match.is_open:
            return True
        ended = match.finalized_at or match.played_at
        return now - ended <= self._evidence_window

    async def _choose(
        self, uow: UnitOfWork, candidates: list[MatchState], newest: MatchState, parsed: ParsedReplay
    ) -> tuple[MatchState, MatchFacts]:
        """The candidate the replay shows (step 5 of the module doc), with its facts."""
        facts = [(m, await match_facts(uow, m)) for m in candidates]
        fitting = [(m, f) for m, f in facts if fits(parsed, f)]
        if fitting:
            return min(fitting, key=lambda mf: abs(parsed.start_time - mf[1].start_time))
        if newest.status is MatchStatus.FOUND:
            raise MatchNotConfirmedYet(newest.id)
        return facts[0]

    async def _refuse_known(self, digest: str) -> None:
        async with self._db.read() as uow:
            known = await ReplayRepository(uow.conn).by_hash(digest)
        if known is not None:
            raise DuplicateReplay(known.match_id)

    async def _parse(self, data: bytes) -> ParsedReplay:
        started = time.perf_counter()
        outcome = await self._parser.parse(data)
        self._metrics.replay_parsed(time.perf_counter() - started)
        if isinstance(outcome, ParseFailure):
            self._metrics.replay_verdict("unreadable")
            raise ReplayUnreadable(outcome)
        return outcome

    async def _store(
        self,
        match: MatchState,
        uid: int,
        digest: str,
        data: bytes,
        parsed: ParsedReplay,
        report: ReplayReport,
    ) -> ReplayRecord:
        now = self._clock.now()
        key = replay_key(match.id, digest, now)
        try:
            await self._storage.put(key, data)
        except (StorageError, OSError) as exc:
            event(log, "replay.storage_failed", logging.ERROR, match_id=match.id, key=key,
                  error=f"{type(exc).__name__}: {exc}"[:300])
            raise ReplayStorageDown() from exc
        row = _new_row(match, uid, digest, key, len(data), now, parsed, report)
        try:
            async with self._db.transaction() as uow:
                replay_id = await ReplayRepository(uow.conn).insert(row)
                shared = await self._record_accounts(uow, match, parsed, report, now)
        except DuplicateReplayHash:
            await asyncio.shield(self._discard(key, digest))
            raise DuplicateReplay(match.id) from None
        except BaseException as exc:
            event(log, "replay.record_failed", logging.ERROR, match_id=match.id, key=key,
                  error=f"{type(exc).__name__}: {exc}"[:300])
            await asyncio.shield(self._discard(key, digest))
            raise
        for item in shared:
            event(log, "replay.shared_account", match_id=match.id, uid=item.discord_uid,
                  others=len(item.others))
            try:
                await self._notifier.notify(item)
            except Exception:  # the replay is stored; telling the admins must not undo it
                log.exception("notify failed for SharedAccount")
        return ReplayRecord(id=replay_id, **asdict(row))

    async def _record_accounts(
        self, uow: UnitOfWork, match: MatchState, parsed: ParsedReplay, report: ReplayReport, now: datetime
    ) -> list[SharedAccount]:
        """Record the SC2 accounts a verified replay shows (the critical checks passed, so the
        races, and with them the players, are the match's). A handle that is new for a player
        and that other Discord accounts used before is returned for the admin log."""
        if not report.critical_ok:
            return []
        found = account_handles(parsed, match.player_1, match.race_1, match.player_2, match.race_2)
        out = []
        for uid, handle in found:
            if not await uow.toon_handles.record(uid, handle, now):
                continue
            others = await uow.toon_handles.sharing([handle], uid)
            if others:
                out.append(SharedAccount(uid, handle, tuple(o.discord_uid for o in others), match.id))
        return out

    async def _discard(self, key: str, digest: str) -> None:
        """Delete the file of an upload whose row was not written, unless a row stores it.

        A concurrent identical upload for the same match (same key) may have won the insert: its
        row points at this very file, which must stay. When the database cannot even be read (why
        the row failed, most likely), the file is deleted: a winning row would have needed the
        database too.
        """
        try:
            async with self._db.read() as uow:
                owner = await ReplayRepository(uow.conn).by_hash(digest)
        except Exception:
            owner = None
        try:
            if owner is not None and owner.storage_key == key:
                return
            await self._storage.delete(key)
        except Exception as exc:  # the upload failed already; say what is left behind
            event(log, "replay.orphan_left", logging.ERROR, key=key,
                  error=f"{type(exc).__name__}: {exc}"[:300])

    async def _flag(self, record: ReplayRecord, parsed: ParsedReplay, report: ReplayReport) -> None:
        """Tell the admin log about a replay an admin should look at (step 10 of the module doc)."""
        reasons = []
        if report.mod.unverified:
            reasons.append("mod_unverified")
        if report.names_unknown and len(parsed.players) == 2:
            reasons.append("names_unknown")
        if not reasons:
            return
        event(log, "replay.flagged", match_id=record.match_id, replay_id=record.id, reasons=reasons)
        await self._notifier.notify(
            ReplayFlagged(
                match_id=record.match_id or 0,
                replay_id=record.id,
                uploader_uid=record.uploader_uid,
                map_name=parsed.map_name,
                reasons=tuple(reasons),
                names=tuple(p.name for p in parsed.players),
                handles=tuple(handle_hash(h) for h in report.mod.unexpected) if report.mod.unverified else (),
            )
        )

    # -- effect -----------------------------------------------------------------------------------

    async def _apply(
        self, match: MatchState, uid: int, report: ReplayReport
    ) -> tuple[ReplayEffect, MatchState]:
        if not report.critical_ok:
            return ReplayEffect.LOCKED, match
        if not report.can_report or report.outcome is None:
            return (ReplayEffect.UNVERIFIED if match.is_open else ReplayEffect.EVIDENCE), match
        outcome = Outcome(report.outcome)
        if match.is_open:
            try:
                after = await self._matches.report_verified(match.id, outcome)
            except IllegalTransition:  # closed meanwhile: another replay, a report, the deadline
                match = await self._matches.get(match.id)
            else:
                return _effect_of_report(after), after
        return await self._on_closed(match, uid, outcome)

    async def _on_closed(
        self, match: MatchState, uid: int, outcome: Outcome
    ) -> tuple[ReplayEffect, MatchState]:
        """A verified replay of a closed match: agree, dispute a final result, or keep as evidence."""
        if match.status is not MatchStatus.FINAL:
            return ReplayEffect.EVIDENCE, match
        if match.outcome is outcome:
            return ReplayEffect.AGREES, match
        if match.resolved_by is not None:
            return ReplayEffect.EVIDENCE, match
        try:
            after = await self._matches.dispute_by_replay(match.id, uid, outcome)
        except IllegalTransition:  # changed meanwhile (an admin, another replay): keep the file
            return ReplayEffect.EVIDENCE, await self._matches.get(match.id)
        return ReplayEffect.CONFLICT, after

    # -- reads --------------------------------------------------------------------------------------

    async def for_match(self, match_id: int, *, with_bytes: bool = True) -> list[MatchReplay]:
        """Every replay of a match, oldest first, with its checklist (and bytes unless told not to).

        For ``/admin match`` (both replays, their checklists and files) and the match message's
        replay status. A file missing from the storage is reported as ``missing``, not raised.
        """
        async with self._db.read() as uow:
            records = await ReplayRepository(uow.conn).for_match(match_id)
        out = []
        for record in records:
            data, missing = (await self._read(record)) if with_bytes else (None, False)
            out.append(_match_replay(record, data, missing))
        return out

    async def _read(self, record: ReplayRecord) -> tuple[bytes | None, bool]:
        try:
            return await self._storage.get(record.storage_key), False
        except (StorageError, ValueError, OSError):
            event(log, "replay.file_missing", logging.WARNING, replay_id=record.id, key=record.storage_key)
            return None, True


# --- helpers ---------------------------------------------------------------------------------------


class _Quiet:
    """The notifier of a replay service built without one (tools, some tests)."""

    async def notify(self, event: object, *, key: str | None = None) -> Awaitable[Receipt] | None:
        return None


async def match_facts(uow: UnitOfWork, match: MatchState) -> MatchFacts:
    """What a replay is held against: races, map, when the game should have started, the ids.

    The start is when both players confirmed (the lobby is made after that), else when the match
    was made.
    """
    people = await uow.players.get_many(list(match.players))

    def ids(uid: int) -> PlayerIds:
        player = people.get(uid)
        if player is None:
            return PlayerIds("")
        return PlayerIds(player.main_id or "", tuple(player.alt_ids))

    return MatchFacts(
        player_1_race=match.race_1,
        player_2_race=match.race_2,
        map_name=match.map_name,
        start_time=match.confirmed_at or match.played_at,
        player_1_ids=ids(match.player_1),
        player_2_ids=ids(match.player_2),
    )


def _effect_of_report(after: MatchState) -> ReplayEffect:
    if after.status is MatchStatus.CONFLICT:
        return ReplayEffect.CONFLICT
    return ReplayEffect.REPORTED


def _new_row(
    match: MatchState,
    uid: int,
    digest: str,
    key: str,
    size: int,
    now: datetime,
    parsed: ParsedReplay,
    report: ReplayReport,
) -> NewReplay:
    winner = match.player(report.outcome) if report.outcome in (1, 2) else None
    return NewReplay(
        match_id=match.id,
        uploader_uid=uid,
        hash=digest,
        storage_key=key,
        size_bytes=size,
        uploaded_at=now,
        date=parsed.start_time,
        map_name=parsed.map_name[:128],
        official=report.mod.official,
        critical_ok=report.critical_ok,
        winner_uid=winner,
        parsed=parsed.to_dict(),
        checks=report.to_dict(),
    )


def _match_replay(record: ReplayRecord, data: bytes | None, missing: bool) -> MatchReplay:
    stored = record.checks or {}
    return MatchReplay(
        record=record,
        parsed=ParsedReplay.from_dict(record.parsed) if record.parsed else None,
        checks=checks_from(stored.get("checks")),
        outcome=stored.get("outcome") if isinstance(stored.get("outcome"), int) else None,
        can_report=bool(stored.get("can_report")),
        data=data,
        missing=missing,
    )


def checks_from(raw: object) -> tuple[Check, ...]:
    """The checklist as stored (``Check.to_dict`` items); unknown ids are skipped."""
    if not isinstance(raw, list):
        return ()
    out = []
    for item in raw:
        if not isinstance(item, dict) or item.get("id") not in _CHECK_IDS:
            continue
        fields = item.get("fields")
        out.append(Check(CheckId(item["id"]), bool(item.get("passed")), bool(item.get("critical")),
                         str(item.get("message", "")), str(item.get("key", "")),
                         fields if isinstance(fields, dict) else {}))
    return tuple(out)


async def _hash(data: bytes) -> str:
    if len(data) > HASH_IN_THREAD_ABOVE:
        return await asyncio.to_thread(replay_hash, data)
    return replay_hash(data)


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
