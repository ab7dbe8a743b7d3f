"""Test kit for the queue and match journeys: a sandbox on an injected clock, and player steps.

Players are seeded through the services (terms accepted, setup complete: those are other
features' journeys), and from there they act only as a Discord user can: /queue, picks, clicks.
Waves and deadlines run when a test says so (``run_wave``, ``run_due`` after moving the ladder's
clock), never by waiting: ``background=False`` keeps the matchmaker and the scheduler stopped,
and every wait is for what a player receives.

A module runs as a journey by importing the ``journey_clock`` and ``journey_sandbox_options``
fixtures. What players read is asserted through the catalogs: ``race``, ``result_final``,
``closed_card``, ``is_found_card``, and ``lead`` / ``matching`` (``tests/textmatch.py``) for texts
known only in part.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import pytest

from evoladder.bot.cogs.queue import QueueCog, SearchingMessages
from evoladder.domain.match_state import MatchState
from evoladder.domain.players import MmrRow, Player
from evoladder.i18n.text import match as match_text
from evoladder.i18n.text import queue as queue_text
from evoladder.i18n.text import races as race_text
from evoladder.sandbox import Message, VirtualPlayer
from evoladder.sandbox.ladder import Sandbox
from evoladder.services.queue import MAX_VETOES
from evoladder.services.wiring import Services
from ladderclock import ManualClock
from textmatch import lead as lead  # re-exported: the journeys take every text helper from here
from textmatch import matching as matching

START = datetime(2026, 3, 30, 18, 0, 5, tzinfo=UTC)


class LadderClock(ManualClock):
    """The ladder's clock (services, deadlines, aborts); Discord's own clock is not moved."""

    start = START


def journey_options(clock: LadderClock) -> dict[str, Any]:
    """The journeys' sandbox (conftest's ``sandbox_options``): the real bot on a fresh database,
    one owner ("root"), the ladder on ``clock``, no background loops."""
    return {"clock": clock, "owners": ["root"], "background": False}


@pytest.fixture(name="clock")
def journey_clock() -> LadderClock:
    """The ladder's clock of a journey (import with ``journey_sandbox_options`` into a module)."""
    return LadderClock()


@pytest.fixture(name="sandbox_options")
def journey_sandbox_options(clock: LadderClock) -> dict[str, Any]:
    """conftest's ``sandbox`` as the journeys run it (:func:`journey_options`): import this and
    ``journey_clock`` into a test module to use them."""
    return journey_options(clock)


def services(sandbox: Sandbox) -> Services:
    return sandbox.ladder.services


def board(sandbox: Sandbox) -> SearchingMessages:
    cog = sandbox.ladder.bot.get_cog("queue")
    assert isinstance(cog, QueueCog)
    return cog.board


class Person(Protocol):
    """Whom ``register`` registers: a :class:`VirtualPlayer`, or a Discord user who never acts
    (a row seeded for the leaderboard), named by id and Discord name."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...


class Register(Protocol):
    """conftest's ``register`` fixture: :func:`register` on the test's sandbox."""

    async def __call__(
        self, player: Person, main_id: str, *, alt_ids: Sequence[str] = (), country: str = "FR",
        region: str = "EUW",
    ) -> None: ...


class PlayerFactory(Protocol):
    """conftest's ``player`` fixture: a new virtual player, registered unless ``main_id`` is None;
    ``dms_open=False`` is a user who refuses DMs from the bot."""

    async def __call__(
        self, name: str, main_id: str | None = None, *, alt_ids: Sequence[str] = (), country: str = "FR",
        region: str = "EUW", dms_open: bool = True,
    ) -> VirtualPlayer: ...


async def accepted_terms(sandbox: Sandbox, player: Person) -> None:
    """What /termsofservice leaves behind: a player record with the terms accepted (setup not done,
    so boards and pages show the Discord name)."""
    accounts = services(sandbox).accounts
    await accounts.ensure_player(player.id, player.name)
    await accounts.accept_terms(player.id)


async def register(
    sandbox: Sandbox, player: Person, main_id: str, alt_ids: Sequence[str] = (), region: str = "EUW",
    country: str = "FR",
) -> None:
    """What /termsofservice and /setup leave behind: terms accepted, setup complete (the one
    implementation; tests take it as the ``register`` fixture of conftest.py)."""
    await accepted_terms(sandbox, player)
    await services(sandbox).accounts.complete_setup(
        player.id, main_id, f"{main_id}#1234", tuple(alt_ids), country, region
    )


async def open_queue(player: VirtualPlayer) -> Message:
    """/queue, acknowledging the quick-start guide if it is shown: the queue view."""
    view = (await player.slash("queue")).message
    if view.button(queue_text.GUIDE_ACK_LABEL) is not None:
        view = (await player.click(queue_text.GUIDE_ACK_LABEL, view)).message
    return view


async def pick(
    player: VirtualPlayer, view: Message, bw: str | None, sc2: str | None, vetoes: Sequence[str] = ()
) -> Message:
    """Set both race selects (``None``: not playing that game) and the vetoes on a queue view."""
    view = (await player.select(queue_text.BW_PLACEHOLDER, [bw or "-"], view)).message
    view = (await player.select(queue_text.SC2_PLACEHOLDER, [sc2 or "-"], view)).message
    vetoes_menu = queue_text.VETO_PLACEHOLDER.format(max_vetoes=MAX_VETOES)
    return (await player.select(vetoes_menu, list(vetoes), view)).message


async def queue_up(
    player: VirtualPlayer, bw: str | None, sc2: str | None, vetoes: Sequence[str] = ()
) -> Message:
    """/queue, pick, Join: the searching view."""
    view = await pick(player, await open_queue(player), bw, sc2, vetoes)
    return (await player.click(queue_text.JOIN_LABEL, view)).message


def is_found_card(message: Message) -> bool:
    """A "match found" card (its title, whatever the match's number)."""
    return titled(match_text.FOUND_TITLE.split("{")[0])(message)


async def found_message(player: VirtualPlayer) -> Message:
    return await player.wait_for_dm(is_found_card, include_existing=True)


def match_id_of(message: Message) -> int:
    return int(str(message.embeds[0]["title"]).split("#")[1].split(":")[0])


async def details_message(player: VirtualPlayer, match_id: int) -> Message:
    return await player.wait_for_dm(
        lambda m: titled(f"Match #{match_id}:")(m) and bool(m.selects), include_existing=True
    )


async def report(player: VirtualPlayer, details: Message, value: str) -> Message:
    """Pick an outcome on the details ("1", "2" or "0"), then confirm it: the answer's message."""
    question = (await player.select(match_text.RESULT_PLACEHOLDER, [value], details)).message
    assert question.button(match_text.REPORT_CONFIRM_LABEL) is not None, question.content
    return (await player.click(match_text.REPORT_CONFIRM_LABEL, question)).message


# --- texts as the bot renders them (the catalogs, never copies) -----------------------------------


def race(code: str) -> str:
    """The race as the bot names it (``bw_zerg`` -> "BW Zerg")."""
    return race_text.get(code, code)


def result_final(match_id: int, outcome: str, race_code: str, after: int, shift: int) -> str:
    """The "match is final" DM: ``outcome`` is ``OUTCOME_WON``, ``OUTCOME_LOST`` or ``OUTCOME_DRAW``."""
    return match_text.RESULT_FINAL.format(
        match_id=match_id, outcome=outcome, race=race(race_code), after=after, shift=shift
    )


def closed_card(match_id: int, status: str) -> Callable[[Message], bool]:
    """The match message once closed (``status``: ``STATUS_FINAL``, ``STATUS_ABORTED``...)."""
    return titled(match_text.CLOSED_TITLE.format(match_id=match_id, status=status))


def titled(prefix: str) -> Callable[[Message], bool]:
    return lambda m: bool(m.embeds) and str(m.embeds[0].get("title", "")).startswith(prefix)


def with_text(fragment: str) -> Callable[[Message], bool]:
    return lambda m: fragment in m.text


def fields(message: Message) -> dict[str, str]:
    return {str(f["name"]): str(f["value"]) for f in message.embeds[0].get("fields") or []}


def option_labels(message: Message, placeholder: str) -> list[str]:
    menu = message.select(placeholder)
    assert menu is not None, f"no select {placeholder!r}"
    return [str(o["label"]) for o in menu.get("options") or []]


def defaults(message: Message, placeholder: str) -> list[str]:
    menu = message.select(placeholder)
    assert menu is not None, f"no select {placeholder!r}"
    return [str(o["value"]) for o in menu.get("options") or [] if o.get("default")]


async def match_state(sandbox: Sandbox, match_id: int) -> MatchState:
    return await services(sandbox).matches.get(match_id)


async def rating(sandbox: Sandbox, uid: int, race: str) -> MmrRow | None:
    async with services(sandbox).db.read() as uow:
        return await uow.mmrs.get(uid, race)


async def record(sandbox: Sandbox, uid: int) -> Player:
    async with services(sandbox).db.read() as uow:
        found = await uow.players.get(uid)
    assert found is not None
    return found


def button_labels(message: Message) -> list[str]:
    return [str(b.get("label")) for b in message.buttons]


def component_ids(message: Message) -> list[Any]:
    return [c.get("custom_id") for c in [*message.buttons, *message.selects]]
