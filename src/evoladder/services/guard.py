"""The command guard: one check before every command and every button of a live view.

In order: the player record exists (created on first contact, a changed Discord username is
stored), the player is not banned, has accepted the terms where the command needs them, finished
setup where needed (/queue), is activated where the operator enabled activation (the queue gate),
and is in a state that allows the action (idle / queueing / in match). Each failure is the typed
error of ``evoladder.domain.errors`` whose message the bot shows.

The record comes from ``PlayerCache``; writers invalidate it after their commits, so a ban or a
finished setup is seen on the next click, and the cached path costs a dict lookup and a copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from evoladder.domain.errors import (
    AlreadyQueued,
    Banned,
    InMatch,
    NotActivated,
    NotQueued,
    SetupIncomplete,
    TermsNotAccepted,
    WrongState,
)
from evoladder.domain.players import Player, PlayerState
from evoladder.services.accounts import USERNAME_MAX, AccountService
from evoladder.services.player_cache import PlayerCache

ANY_STATE = frozenset(PlayerState)


@dataclass(frozen=True, slots=True)
class Policy:
    """What one command or button needs. ``activation`` applies only when the setting is on."""

    terms: bool = True
    setup: bool = False
    activation: bool = False
    states: frozenset[PlayerState] = ANY_STATE


IDLE = frozenset({PlayerState.IDLE})
QUEUEING = frozenset({PlayerState.QUEUEING})

# Keys are slash command names; buttons use "<feature>.<action>". Unknown names get DEFAULT_POLICY.
# Match buttons leave the state to the match service (it knows which match the button belongs
# to); the guard still stops banned players and players without setup on them.
POLICIES: Mapping[str, Policy] = MappingProxyType(
    {
        "termsofservice": Policy(terms=False),
        "help": Policy(terms=False),
        "language": Policy(terms=False),
        "prune": Policy(terms=False),
        "admin": Policy(terms=False),
        "setup": Policy(),
        "setcountry": Policy(),
        "activate": Policy(),
        "profile": Policy(),
        "leaderboard": Policy(),
        "queue": Policy(setup=True, activation=True, states=IDLE),
        "queue.join": Policy(setup=True, activation=True, states=IDLE),
        "queue.cancel": Policy(setup=True, states=QUEUEING),
        "match": Policy(setup=True),
    }
)
DEFAULT_POLICY = Policy()


def state_error(state: PlayerState, allowed: frozenset[PlayerState]) -> WrongState:
    """The clearest message for being in ``state`` when only ``allowed`` states may act."""
    if state is PlayerState.IN_MATCH:
        return InMatch()
    if state is PlayerState.QUEUEING:
        return AlreadyQueued()
    if PlayerState.QUEUEING in allowed:
        return NotQueued()
    return WrongState()


class CommandGuard:
    def __init__(
        self,
        *,
        cache: PlayerCache,
        accounts: AccountService,
        activation_required: bool,
        policies: Mapping[str, Policy] = POLICIES,
    ) -> None:
        self._accounts = accounts
        self._cache = cache
        self._activation_required = activation_required
        self._policies = policies

    async def check(self, discord_uid: int, username: str, command: str, language: str = "en") -> Player:
        """The player's record if ``command`` may run now; otherwise the typed error.
        ``language`` (the client's) is stored only when this first contact creates the record."""
        username = username[:USERNAME_MAX]
        player = self._cache.get(discord_uid)
        if player is None or player.discord_username != username:
            player = await self._load(discord_uid, username, language)
        self.enforce(player, self._policies.get(command, DEFAULT_POLICY))
        return player

    def enforce(self, player: Player, policy: Policy) -> None:
        if player.is_banned:
            raise Banned()
        if policy.terms and player.terms_accepted_at is None:
            raise TermsNotAccepted()
        if policy.setup and player.completed_setup_date is None:
            raise SetupIncomplete()
        if policy.activation and self._activation_required and player.activated_at is None:
            raise NotActivated()
        if player.state not in policy.states:
            raise state_error(player.state, policy.states)

    async def _load(self, discord_uid: int, username: str, language: str) -> Player:
        return await self._cache.fill(
            discord_uid, lambda: self._accounts.ensure_player(discord_uid, username, language))
