"""End-to-end fixtures: the real bot, through the local Discord server, on a fresh database.

- ``sandbox``: a :class:`~evoladder.sandbox.ladder.Sandbox` built from ``sandbox_options`` (a
  module overrides that fixture to pass settings, a clock, owners, ``background=False``...). After
  the test it checks, in this one place, that the bot broke none of Discord's rules
  (``sandbox.discord.violations``: bad payloads, a reply after the 3-second window, ...).
- ``register``: a player who accepted the terms and finished setup, as /termsofservice and
  /setup leave them (those commands have their own journeys in ``test_accounts_journey.py``); the
  one implementation is ``journeykit.register``, for helpers that take the sandbox.
- ``player``: the player factory: a virtual Discord user, registered unless ``main_id`` is None
  (``dms_open=False``: a user whose DMs are closed to the bot).

Their types (``PlayerFactory``, ``Register``) live in ``journeykit``, so a test module can name
them (a conftest is not imported by name: ``tests/`` has one too).

    async def test_something(sandbox: Sandbox, player: PlayerFactory) -> None:
        alice = await player("alice", "Alice")
        reply = await alice.slash("profile")
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from journeykit import Person, PlayerFactory, Register
from journeykit import register as kit_register

from evoladder.sandbox import VirtualPlayer
from evoladder.sandbox.ladder import Sandbox

SandboxOptions = dict[str, Any]


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """Keyword arguments of :class:`Sandbox` (override in a module for other settings)."""
    return {}


@pytest.fixture
async def sandbox(sandbox_options: SandboxOptions) -> AsyncIterator[Sandbox]:
    async with Sandbox(**sandbox_options) as sb:
        yield sb
        assert not sb.discord.violations, sb.discord.violations.describe()


@pytest.fixture
def register(sandbox: Sandbox) -> Register:
    async def register(
        player: Person, main_id: str, *, alt_ids: Sequence[str] = (), country: str = "FR",
        region: str = "EUW",
    ) -> None:
        await kit_register(sandbox, player, main_id, alt_ids=alt_ids, country=country, region=region)

    return register


@pytest.fixture
def player(sandbox: Sandbox) -> PlayerFactory:
    async def player(
        name: str, main_id: str | None = None, *, alt_ids: Sequence[str] = (), country: str = "FR",
        region: str = "EUW", dms_open: bool = True,
    ) -> VirtualPlayer:
        made = sandbox.discord.player(name, dms_open=dms_open)
        if main_id is not None:
            await kit_register(sandbox, made, main_id, alt_ids=alt_ids, country=country, region=region)
        return made

    return player
