"""The player record as the rest of the code sees it (a frozen value: safe to cache and share)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

ABORTS_PER_MONTH = 3


class PlayerState(StrEnum):
    IDLE = "idle"
    QUEUEING = "queueing"
    IN_MATCH = "in_match"


class ChangedBy(StrEnum):
    """Who changed a player's field, for player_action_logs."""

    PLAYER = "player"
    SYSTEM = "system"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Player:
    id: int
    discord_uid: int
    discord_username: str
    main_id: str | None
    battletag: str | None
    alt_ids: tuple[str, ...]
    country: str | None
    region: str | None
    terms_accepted_at: datetime | None
    terms_declined_at: datetime | None
    completed_setup_date: datetime | None
    activated_at: datetime | None
    quickstart_acknowledged_at: datetime | None
    is_banned: bool
    ban_reason: str | None
    aborts_left: int
    aborts_period: int
    state: PlayerState
    current_match_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int
    # The player chose to show their Discord name and BattleTag on their public web page.
    public_identity: bool = False
    language: str = "en"  # the ladder language the player reads (evoladder.i18n.LANGUAGES)

    @property
    def has_accepted_terms(self) -> bool:
        return self.terms_accepted_at is not None

    @property
    def has_completed_setup(self) -> bool:
        return self.completed_setup_date is not None

    @property
    def is_activated(self) -> bool:
        return self.activated_at is not None

    def with_changes(self, **changes: object) -> Player:
        return replace(self, **changes)  # type: ignore[arg-type]


def month_key(moment: datetime) -> int:
    """The UTC calendar month of ``moment`` as YYYYMM: the period aborts are counted in."""
    return moment.year * 100 + moment.month


def aborts_left_now(aborts_left: int, aborts_period: int, now: datetime) -> int:
    """Aborts left, applying the monthly reset lazily: a new month means a full allowance.

    The stored count belongs to ``aborts_period``; reading it in a later month gives the full
    allowance without any job having run, so the reset can never be forgotten.
    """
    return aborts_left if aborts_period == month_key(now) else ABORTS_PER_MONTH


@dataclass(frozen=True, slots=True)
class MmrRow:
    """One (player, race) rating with its counters."""

    id: int
    discord_uid: int
    race: str
    mmr: int
    games_played: int
    games_won: int
    games_lost: int
    games_drawn: int
    last_played: datetime | None
