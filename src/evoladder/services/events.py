"""What the queue and match services announce, as typed, frozen events.

Services hand these to the ``Notifier`` port *after* the business write committed; the bot turns
them into DMs (and admin-log posts), tests record them. Each event carries the ids and facts a
renderer needs, so rendering never has to query the database again, and ``recipients`` says who
is to be told. Events addressed by ``discord_uid`` need no subscription made in advance: a
"match found" reaches a player however long ago they queued, even across a restart.

``admin_log`` marks events the admin log channel also receives (final, aborted, abandoned,
invalidated and conflicted matches); ``ping_staff`` marks the one that pings the staff role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from evoladder.domain.rating import Outcome

LOBBY_SETTINGS: tuple[tuple[str, str], ...] = (
    ("Privacy", "Normal"),
    ("Game speed", "Faster"),
    ("Game duration", "Infinite"),
    ("Locked alliances", "Yes"),
)


@dataclass(frozen=True, slots=True)
class LadderEvent:
    """Base of every event: who is told, and whether the admin log shows it."""

    admin_log: ClassVar[bool] = False
    ping_staff: ClassVar[bool] = False

    @property
    def recipients(self) -> tuple[int, ...]:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class ToPlayer(LadderEvent):
    """An event for one player (``discord_uid``)."""

    discord_uid: int

    @property
    def recipients(self) -> tuple[int, ...]:
        return (self.discord_uid,)


@dataclass(frozen=True, slots=True)
class ToMatch(LadderEvent):
    """An event about a match, told to both its players."""

    match_id: int
    player_1: int
    player_2: int

    @property
    def recipients(self) -> tuple[int, ...]:
        return (self.player_1, self.player_2)


# --- queue ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RemovedFromQueue(ToPlayer):
    """An admin took the player out of the queue (one entry, a ban, or a cleared queue)."""

    admin_uid: int | None  # None: removed by the system for a ban
    reason: str


@dataclass(frozen=True, slots=True)
class AdminChangedPlayer(ToPlayer):
    """An admin banned or unbanned the player, set a rating or their aborts: they are told why.

    ``action``: ``"ban"``, ``"unban"``, ``"adjust_mmr"`` (``race``, ``before``, ``after``) or
    ``"reset_aborts"`` (``aborts_left``). A resolved match is told by ``ResultFinal`` /
    ``MatchInvalidated``, which carry the admin's reason.
    """

    action: str
    reason: str
    race: str | None = None
    before: int | None = None
    after: int | None = None
    aborts_left: int | None = None


# --- confirmation --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MatchFound(ToPlayer):
    """A wave paired the player. Only their own race and the deadline are shown: nothing about
    the opponent (name, race, rating) until both confirmed, so nobody can dodge a match-up.

    ``confirm_deadline`` is None until the player's confirmation time was armed (it starts when
    this message is delivered); the message then shows ``confirm_within`` from the moment it is
    sent, which the armed deadline can only exceed.
    """

    match_id: int
    race: str
    confirm_deadline: datetime | None
    aborts_left: int
    confirm_within: timedelta = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class ConfirmationReminder(ToPlayer):
    match_id: int
    confirm_deadline: datetime


@dataclass(frozen=True, slots=True)
class OpponentConfirmed(ToPlayer):
    match_id: int
    opponent_uid: int


@dataclass(frozen=True, slots=True)
class OpponentCard:
    """What a player may know of their opponent once both confirmed."""

    discord_uid: int
    username: str
    main_id: str | None
    battletag: str | None
    alt_ids: tuple[str, ...]
    country: str | None
    race: str
    mmr: int


@dataclass(frozen=True, slots=True)
class DetailsRevealed(ToPlayer):
    """Both confirmed: opponent, map, server and lobby settings, and the reporting deadline."""

    match_id: int
    slot: int  # 1 or 2: how "player 1 won" / "player 2 won" reads for this player
    race: str
    opponent: OpponentCard
    map_name: str
    map_short_name: str
    map_link: str | None  # battle.net link for the server's game region
    server_code: str
    server_name: str
    game_region: str
    mod_link: str | None
    report_deadline: datetime
    lobby: tuple[tuple[str, str], ...] = LOBBY_SETTINGS
    # The result menu stays locked until a replay of the match passed the critical checks.
    report_locked: bool = False


# --- reporting -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpponentReported(ToPlayer):
    """The opponent reported; this is also the warning that a lone report applies at the deadline."""

    match_id: int
    opponent_uid: int
    outcome: Outcome
    report_deadline: datetime


@dataclass(frozen=True, slots=True)
class DeadlineWarning(ToPlayer):
    """The reporting deadline is near and this player has not reported."""

    match_id: int
    report_deadline: datetime
    opponent_outcome: Outcome | None  # what the opponent reported, if anything


# --- ends ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResultFinal(ToMatch):
    """A result counts: MMR moved. Also sent again when an admin re-resolves (``previous``).

    ``mmr_*_after`` are the ratings right after this change (later games keep their effect, so
    they are not ``snapshot + delta`` on a re-resolve); ``shift_1`` is what this change moved player
    1 by (player 2 moved by ``-shift_1``).
    """

    admin_log: ClassVar[bool] = True

    race_1: str
    race_2: str
    outcome: Outcome
    delta: int  # the match's delta for player 1, computed from the snapshots
    shift_1: int
    mmr_1_after: int
    mmr_2_after: int
    source: str  # "reports" | "deadline" | "replay" | "admin"
    previous: Outcome | None = None  # the result this one replaced (admin re-resolve)
    resolved_by: int | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class MatchConflict(ToMatch):
    """The reports disagree: no MMR, both players are free again, the staff is pinged."""

    admin_log: ClassVar[bool] = True
    ping_staff: ClassVar[bool] = True

    report_1: int | None
    report_2: int | None


@dataclass(frozen=True, slots=True)
class MatchAborted(ToMatch):
    admin_log: ClassVar[bool] = True

    aborted_by: int
    aborts_left: int | None  # the aborting player's allowance left (None: not charged, e.g. a ban)
    reason: str  # "player" | "banned"


@dataclass(frozen=True, slots=True)
class MatchAbandoned(ToMatch):
    """Nobody is at fault in MMR terms: no abort used, no MMR moved."""

    admin_log: ClassVar[bool] = True

    reason: str  # "not_confirmed" | "undeliverable" (a "match found" DM failed) | "not_reported"
    unconfirmed: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class MatchInvalidated(ToMatch):
    """An admin voided the match; ``shift_1`` reverses whatever it had moved."""

    admin_log: ClassVar[bool] = True

    admin_uid: int
    reason: str
    shift_1: int
    mmr_1_after: int | None
    mmr_2_after: int | None


# --- account integrity ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SharedAccount(LadderEvent):
    """A verified replay showed ``discord_uid`` on an SC2 account (toon handle) that other
    Discord accounts used before. Told to the admins only; nothing is done to anyone."""

    admin_log: ClassVar[bool] = True

    discord_uid: int
    toon_handle: str
    others: tuple[int, ...]
    match_id: int

    @property
    def recipients(self) -> tuple[int, ...]:
        return ()


# --- replays -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReplayFlagged(LadderEvent):
    """A stored replay an admin should look at; told to the admin log only, never to players.

    ``reasons``: ``"mod_unverified"`` (the map's dependencies are unknown and the replay loaded a
    file that may be one: ``handles``) and/or ``"names_unknown"`` (neither name in the replay is
    either player's id: ``names``). Such a replay never reports the result by itself.
    """

    admin_log: ClassVar[bool] = True

    match_id: int
    replay_id: int
    uploader_uid: int
    map_name: str
    reasons: tuple[str, ...]
    names: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()

    @property
    def recipients(self) -> tuple[int, ...]:
        return ()
