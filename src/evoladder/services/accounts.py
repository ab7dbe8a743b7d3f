"""Accounts: the player record from first contact to a finished setup (DESIGN section 3).

Player-facing use cases (``AccountService``): first contact and username changes, the terms of
service, /setup, /setcountry, /activate, aborts left. The staff's roles (``AdminRoster``): admins
and owners live in the ``admins`` table, owners come from ``EVOLADDER_OWNER_IDS`` and are synced at
start, so nothing is kept in files on a disk a redeploy wipes.

Every change of a player's fields goes through ``PlayerWriter``: it locks the row, computes the
change, writes it with one ``player_action_logs`` row per changed field (who changed it: player,
system or admin), optionally writes the admin audit row in the same transaction, and only after the
commit tells the read models (so the guard sees a ban or a new country on the very next click).
A rule that fails raises its typed error before anything is written.
"""

from __future__ import annotations

import logging
import secrets
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from evoladder.domain.errors import (
    AlreadyActivated,
    DeclineInMatch,
    InvalidActivationCode,
    NotAuthorized,
    PlayerNotFound,
    UnknownCountry,
    UnknownLanguage,
    UnknownRegion,
)
from evoladder.domain.identity import validate_identity
from evoladder.domain.players import ChangedBy, Player, PlayerState, aborts_left_now
from evoladder.game import GameData
from evoladder.game.models import Country, Region
from evoladder.i18n.languages import LANGUAGES
from evoladder.logging_setup import event
from evoladder.services.leaderboard import display_name
from evoladder.services.ports import Clock
from evoladder.services.read_models import IdentitySink
from evoladder.store.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

USERNAME_MAX = 64  # the column's width; Discord names are at most 32
IDENTITY_FIELDS = frozenset({"country", "main_id", "discord_username", "is_banned"})
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
CODE_LENGTH = 12


# -- writing player fields -----------------------------------------------------------------------

Decide = Callable[[UnitOfWork, Player, datetime], Awaitable[Mapping[str, Any]]]


@dataclass(frozen=True, slots=True)
class Audit:
    """The admin_actions row written in the same transaction as an admin's change."""

    admin_uid: int
    action_type: str
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PlayerChange:
    player: Player  # the record after the change
    changed: Mapping[str, tuple[object, object]]  # field -> (old, new); empty when nothing changed


class PlayerWriter:
    """The one path that changes a player's fields (see the module docs for what it guarantees)."""

    def __init__(self, *, db: Database, clock: Clock, read_models: IdentitySink) -> None:
        self._db = db
        self._read_models = read_models
        self._clock = clock

    async def change(
        self,
        discord_uid: int,
        decide: Decide,
        *,
        changed_by: ChangedBy,
        changed_by_uid: int | None = None,
        audit: Audit | None = None,
        missing: Callable[[], Exception] = PlayerNotFound,
    ) -> PlayerChange:
        """Lock the player, ask ``decide`` for the new field values, write what differs.

        ``decide`` may raise a typed error (nothing is written) and may use the unit of work for
        writes that belong to the same change (redeeming an activation code).
        """
        now = self._clock.now()
        async with self._db.transaction() as uow:
            player = await uow.players.get(discord_uid, for_update=True)
            if player is None:
                raise missing()
            wanted = await decide(uow, player, now)
            changed = {k: (getattr(player, k), v) for k, v in wanted.items() if getattr(player, k) != v}
            if changed:
                new_values = {k: new for k, (_old, new) in changed.items()}
                await uow.players.update(discord_uid, now, **new_values)
                await uow.players.log_changes(discord_uid, changed, changed_by, changed_by_uid, now)
                player = player.with_changes(**new_values, updated_at=now, version=player.version + 1)
            if audit is not None:
                await uow.admins.audit(
                    audit.admin_uid, audit.action_type, audit.reason, now,
                    target_player_uid=discord_uid, details=audit.details or None,
                )
        if changed:
            self.announce(player, changed)
        return PlayerChange(player, changed)

    def announce(self, player: Player, changed: Iterable[str]) -> None:
        """After a commit: drop the cached record; re-show the player if their identity moved."""
        self._read_models.player_changed(player.discord_uid)
        if IDENTITY_FIELDS.intersection(changed):
            self._read_models.identity_changed(
                player.discord_uid, player.country,
                display_name(player.main_id, player.discord_username), player.is_banned,
            )


def _set(**values: Any) -> Decide:
    """A ``decide`` that always asks for the same values."""

    async def decide(_uow: UnitOfWork, _player: Player, _now: datetime) -> Mapping[str, Any]:
        return values

    return decide


# -- the player's own account ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetupDraft:
    """A validated /setup form: what the preview shows and the confirm writes."""

    main_id: str
    battletag: str
    alt_ids: tuple[str, ...]
    country: Country
    region: Region


@dataclass(frozen=True, slots=True)
class SetupResult:
    player: Player
    changed_fields: tuple[str, ...]
    first_setup: bool


def fold(text: str) -> str:
    """Case- and accent-insensitive form for searching ("Åland" ~ "aland", "Türkiye" ~ "turk")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


class AccountService:
    def __init__(self, *, db: Database, clock: Clock, game: GameData, read_models: IdentitySink) -> None:
        self._db = db
        self._clock = clock
        self._game = game
        self.writer = PlayerWriter(db=db, clock=clock, read_models=read_models)
        self._folded = [(fold(c.name), c.code.casefold(), c) for c in game.countries.values()]

    async def ensure_player(self, discord_uid: int, username: str, language: str = "en") -> Player:
        """The player's record, created on first contact; a changed Discord username is stored.

        Reads without the write lock first: the common case (known player, same name) writes
        nothing. Creation is ``INSERT ... ON CONFLICT DO NOTHING``, so two first interactions at
        the same instant both succeed. ``language`` (from the Discord client's locale) is stored
        only at creation: afterwards the player's own choice (/setup, /language) stands.
        """
        username = username[:USERNAME_MAX]
        async with self._db.read() as uow:
            player = await uow.players.get(discord_uid)
        if player is None:
            now = self._clock.now()
            async with self._db.transaction() as uow:
                created = await uow.players.insert_if_absent(discord_uid, username, now, language)
                player = await uow.players.get(discord_uid)
            assert player is not None
            if created:
                event(log, "player.created", discord_uid=discord_uid)
                self.writer.announce(player, IDENTITY_FIELDS)
        if player.discord_username == username:
            return player
        change = await self.writer.change(
            discord_uid, _set(discord_username=username), changed_by=ChangedBy.SYSTEM
        )
        return change.player

    async def set_language(self, discord_uid: int, language: str) -> Player:
        """Store the language the ladder speaks to the player (logged like every player field)."""
        if language not in LANGUAGES:
            raise UnknownLanguage()
        change = await self.writer.change(discord_uid, _set(language=language), changed_by=ChangedBy.PLAYER)
        return change.player

    async def language_of(self, discord_uid: int) -> str:
        """The player's stored language (English for someone the ladder has never seen)."""
        async with self._db.read() as uow:
            player = await uow.players.get(discord_uid)
        return player.language if player is not None else "en"

    async def get_player(self, discord_uid: int) -> Player:
        async with self._db.read() as uow:
            player = await uow.players.get(discord_uid)
        if player is None:
            raise PlayerNotFound()
        return player

    async def accept_terms(self, discord_uid: int) -> Player:
        """Record the acceptance and its time (a later decline withdraws it)."""

        async def decide(_uow: UnitOfWork, _player: Player, now: datetime) -> Mapping[str, Any]:
            return {"terms_accepted_at": now, "terms_declined_at": None}

        change = await self.writer.change(discord_uid, decide, changed_by=ChangedBy.PLAYER)
        return change.player

    async def decline_terms(self, discord_uid: int) -> Player:
        """Record the decline and its time; the guard then refuses commands that need the terms.

        Declining must not trap anyone behind the guard: a queued player leaves the queue in the
        same transaction (the entry concerns nobody else, and a queue the player can no longer
        cancel would match them into a match they cannot confirm); a player in a match is refused
        (``DeclineInMatch``) until it is over, because an opponent waits on its confirmation,
        report or abort, and the match buttons need the terms.
        """

        async def decide(uow: UnitOfWork, player: Player, now: datetime) -> Mapping[str, Any]:
            if player.state is PlayerState.IN_MATCH:
                raise DeclineInMatch()
            changes: dict[str, Any] = {"terms_declined_at": now, "terms_accepted_at": None}
            if player.state is PlayerState.QUEUEING:
                await uow.queue.remove(discord_uid)
                changes["state"] = PlayerState.IDLE
            return changes

        change = await self.writer.change(discord_uid, decide, changed_by=ChangedBy.PLAYER)
        return change.player

    def validate_setup(
        self, main_id: str, battletag: str, alt_ids: Iterable[str], country: str, region: str
    ) -> SetupDraft:
        """Check the whole form (first broken rule raises its typed error); writes nothing."""
        identity = validate_identity(main_id, battletag, tuple(alt_ids))
        return SetupDraft(
            identity.main_id, identity.battletag, identity.alt_ids,
            self.country(country), self.region(region),
        )

    async def complete_setup(
        self,
        discord_uid: int,
        main_id: str,
        battletag: str,
        alt_ids: Iterable[str],
        country: str,
        region: str,
        *,
        changed_by: ChangedBy = ChangedBy.PLAYER,
        changed_by_uid: int | None = None,
        language: str | None = None,
    ) -> SetupResult:
        """Store a validated setup: one log row per changed field; the setup date is set once.
        ``language`` (the form's language select) is stored with it when given."""
        draft = self.validate_setup(main_id, battletag, alt_ids, country, region)
        if language is not None and language not in LANGUAGES:
            raise UnknownLanguage()

        async def decide(_uow: UnitOfWork, player: Player, now: datetime) -> Mapping[str, Any]:
            values: dict[str, Any] = {
                "main_id": draft.main_id,
                "battletag": draft.battletag,
                "alt_ids": draft.alt_ids,
                "country": draft.country.code,
                "region": draft.region.code,
            }
            if language is not None:
                values["language"] = language
            if player.completed_setup_date is None:
                values["completed_setup_date"] = now
            return values

        change = await self.writer.change(
            discord_uid, decide, changed_by=changed_by, changed_by_uid=changed_by_uid
        )
        return SetupResult(change.player, tuple(change.changed), "completed_setup_date" in change.changed)

    async def set_country(
        self,
        discord_uid: int,
        country: str,
        *,
        changed_by: ChangedBy = ChangedBy.PLAYER,
        changed_by_uid: int | None = None,
    ) -> Player:
        """Any of the 251 codes of the game data (not only the common ones /setup offers)."""
        code = self.country(country).code
        change = await self.writer.change(
            discord_uid, _set(country=code), changed_by=changed_by, changed_by_uid=changed_by_uid
        )
        return change.player

    def country(self, code: str) -> Country:
        found = self._game.countries.get(code.strip().upper())
        if found is None:
            raise UnknownCountry()
        return found

    def region(self, code: str) -> Region:
        found = self._game.regions.get(code.strip().upper())
        if found is None:
            raise UnknownRegion()
        return found

    def search_countries(self, query: str, limit: int = 25) -> list[Country]:
        """Autocomplete over all countries: code, then name prefix, word prefix, substring.

        Matching ignores case and accents, so "aland", "cote", "curacao" and "turk" find
        Åland Islands, Côte d'Ivoire, Curaçao and Türkiye. An empty query lists the common ones.
        """
        q = fold(query)
        if not q:
            return sorted(self._game.common_countries(), key=lambda c: c.name)[:limit]
        scored = []
        for name, code, country in self._folded:
            if code == q:
                score = 0
            elif name.startswith(q):
                score = 1
            elif any(word.startswith(q) for word in name.replace("-", " ").split()):
                score = 2
            elif q in name:
                score = 3
            else:
                continue
            scored.append((score, name, country))
        scored.sort(key=lambda item: (item[0], item[1]))
        return [country for _score, _name, country in scored[:limit]]

    async def redeem_activation_code(self, discord_uid: int, code: str) -> Player:
        """Activate with a single-use code; a player activates once and a code works once.

        The code is marked used by the same statement that checks it (no double redemption), in
        the transaction that sets ``activated_at``; a wrong code writes nothing.
        """
        canonical = normalize_code(code)

        async def decide(uow: UnitOfWork, player: Player, now: datetime) -> Mapping[str, Any]:
            if player.activated_at is not None:
                raise AlreadyActivated()
            if not canonical or not await uow.activation_codes.redeem(canonical, discord_uid, now):
                raise InvalidActivationCode()
            return {"activated_at": now}

        change = await self.writer.change(discord_uid, decide, changed_by=ChangedBy.PLAYER)
        event(log, "player.activated", discord_uid=discord_uid)
        return change.player

    async def set_public_identity(self, discord_uid: int, shown: bool) -> Player:
        """Show (or stop showing) the player's Discord name and BattleTag on their public page.
        Off unless the player turns it on; logged like every other change of a field."""
        change = await self.writer.change(
            discord_uid, _set(public_identity=shown), changed_by=ChangedBy.PLAYER
        )
        event(log, "player.public_identity", discord_uid=discord_uid, shown=shown)
        return change.player

    async def acknowledge_quickstart(self, discord_uid: int) -> Player:
        """Record that the player read the /queue quick-start guide, so it is shown only once.

        The first acknowledgement's time is kept (a second click changes nothing and logs nothing).
        """

        async def decide(_uow: UnitOfWork, player: Player, now: datetime) -> Mapping[str, Any]:
            if player.quickstart_acknowledged_at is not None:
                return {}
            return {"quickstart_acknowledged_at": now}

        change = await self.writer.change(discord_uid, decide, changed_by=ChangedBy.PLAYER)
        return change.player

    async def aborts_left(self, discord_uid: int) -> int:
        """Aborts left this UTC month; a count from an earlier month reads as a full allowance."""
        player = await self.get_player(discord_uid)
        return aborts_left_now(player.aborts_left, player.aborts_period, self._clock.now())


def normalize_code(code: str) -> str:
    """Upper case without spaces or dashes: codes are shown grouped but stored plain."""
    return "".join(ch for ch in code.upper() if ch.isalnum())[:32]


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


# -- the staff --------------------------------------------------------------------------------------


class AdminRole(StrEnum):
    ADMIN = "admin"
    OWNER = "owner"


class AdminRoster:
    """Who may use /admin: rows of the ``admins`` table. Owners also manage the admins."""

    def __init__(self, *, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def sync_owners(self, owner_ids: Iterable[int]) -> None:
        """Make the owners in the database exactly the operator's ``EVOLADDER_OWNER_IDS``.

        Runs at start. An id removed from the setting loses the owner role entirely (not demoted
        to admin): the operator's list is the authority, and silent leftover rights are a risk.
        """
        wanted = set(owner_ids)
        now = self._clock.now()
        async with self._db.transaction() as uow:
            roles = await uow.admins.roles()
            for uid in sorted(wanted):
                if roles.get(uid) != AdminRole.OWNER:
                    await uow.admins.put(uid, AdminRole.OWNER.value, None, now)
            removed = [uid for uid, role in roles.items() if role == AdminRole.OWNER and uid not in wanted]
            for uid in removed:
                await uow.admins.remove(uid)
        event(log, "admins.owners_synced", owners=len(wanted), removed=len(removed))

    async def roles(self) -> dict[int, AdminRole]:
        async with self._db.read() as uow:
            return {uid: AdminRole(role) for uid, role in (await uow.admins.roles()).items()}

    async def role_of(self, discord_uid: int) -> AdminRole | None:
        async with self._db.read() as uow:
            role = await uow.admins.role_of(discord_uid)
        return AdminRole(role) if role else None

    async def require_admin(self, discord_uid: int) -> AdminRole:
        """The caller's role; ``NotAuthorized`` unless admin or owner (checked on every use)."""
        role = await self.role_of(discord_uid)
        if role is None:
            raise NotAuthorized()
        return role

    async def require_owner(self, discord_uid: int) -> None:
        if await self.role_of(discord_uid) != AdminRole.OWNER:
            raise NotAuthorized()
