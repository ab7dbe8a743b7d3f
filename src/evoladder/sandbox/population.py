"""Virtual players who use the ladder the way people do, for ``evoladder sandbox`` and its test.

Each :class:`Population` member is a :class:`~evoladder.sandbox.VirtualPlayer` with a script:
accept the terms (``/termsofservice`` -> Accept), fill ``/setup`` (modal -> a country page and a
region -> Confirm), then loop: sometimes look at ``/profile`` or ``/leaderboard``, queue with a
random race on its side (sometimes both games) and random vetoes, wait for the "match found" DM,
then confirm (or, now and then, abort or never answer), "play" for a short random time, report a
result, and wait until the match message is closed. Everything a player does is a click, a select
or a modal on what the bot actually sent, so the sandbox exercises the same paths as people do.

Results are decided once per match by a hidden skill per player (Elo-like odds), so over time the
leaderboard sorts the population the way a real ladder would and a newcomer can watch it happen.
Both players report that result; with a small probability one of them reports something else,
which makes a conflict for the admins, as in the field.

Every action is an interaction with what the bot sent: there is no service call standing in for
a command or a view (the services are only read, to check what a click did and to print the
summary). A view the script cannot drive is an error (logged, counted, and the player carries on
after a pause), so a change of a view's shape shows up in the sandbox's test at once.

The population needs little of the sandbox (:class:`Arena`): players on the local Discord
server, the bot's commands, and the ladder's services to read.

The run is bounded by wall time (``stop``) and/or by a number of player actions
(``max_actions``): the end-to-end test uses the latter, so it never depends on how fast the
machine is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol, TypeVar

from sqlalchemy import func, select

from evoladder.domain.match_state import MatchStatus
from evoladder.domain.players import PlayerState
from evoladder.domain.rating import Outcome
from evoladder.game import Game
from evoladder.services.wiring import Services
from evoladder.store.schema import matches_1v1

from .players import Response, VirtualPlayer
from .state import Message, State

log = logging.getLogger(__name__)
T = TypeVar("T")

NO_RACE = "-"  # the queue view's "no race of this game" option
CONFIRM_STYLE = 3  # the form's one success (green) button: Confirm, in whatever language
# Client locales handed out in turn: the ladder's five languages (Spanish both ways Discord has it).
LOCALES = ("en-US", "ko", "zh-CN", "ru", "es-419", "es-ES")
CONFIRM_ID = re.compile(r"^evo:match:(\d+):confirm$")
FOREVER = 7 * 24 * 3600.0  # "wait as long as it takes": the population is stopped from outside


class ArenaDiscord(Protocol):
    """The local Discord server as the population sees it."""

    state: State

    async def wait_commands(self, *names: str, within: float | None = None) -> None: ...


class Arena(Protocol):
    """What the population needs of :class:`~evoladder.sandbox.ladder.Sandbox`."""

    @property
    def discord(self) -> ArenaDiscord: ...

    @property
    def services(self) -> Services: ...

    def player(self, name: str | None = None, *, locale: str = "en-US") -> VirtualPlayer: ...

NAMES = (
    "Zeratul", "Artanis", "Raynor", "Kerrigan", "Fenix", "Tassadar", "Duran", "Stukov", "Mengsk",
    "Nova", "Tychus", "Swann", "Horner", "Abathur", "Dehaka", "Zagara", "Alarak", "Karax",
    "Vorazun", "Selendis", "Aldaris", "Raszagal", "Izsha", "Niadra", "Kachinsky", "Mohandar",
    "Urun", "Talandar", "Stetmann", "Dugalle", "Feniks", "Ulrezaj", "Kraith", "Zasz", "Daggoth",
)


@dataclass(frozen=True)
class Chances:
    """How often players do the things that make a ladder messy (probabilities per match)."""

    no_show: float = 0.04  # never answer the "match found" message (the match is abandoned)
    abort: float = 0.05  # abort, before or after confirming
    misreport: float = 0.03  # report another result than the game had (a conflict)
    draw: float = 0.03  # the game itself ends in a draw
    both_games: float = 0.3  # queue with a BW and an SC2 race
    look_around: float = 0.4  # run /profile or /leaderboard between matches


@dataclass(frozen=True)
class Pace:
    """Seconds a player takes: between two clicks, and for one game (uniform in the range)."""

    think: tuple[float, float] = (0.5, 2.5)
    game: tuple[float, float] = (3.0, 15.0)

    @classmethod
    def instant(cls) -> Pace:
        """No pauses at all (tests): every step waits only for the bot's answers."""
        return cls(think=(0.0, 0.0), game=(0.0, 0.0))


@dataclass
class PopulationStats:
    """What the players did and saw; read by the summary and the tests."""

    actions: int = 0  # interactions started, plus clicks on a control that vanished meanwhile
    vanished: int = 0  # clicks not made: the control was gone after the pause (the match closed)
    errors: int = 0  # unexpected failures (logged with their traceback)
    registered: int = 0
    queued: int = 0
    matches_seen: int = 0  # "match found" messages received
    confirmed: int = 0
    reported: int = 0
    aborted: int = 0
    no_shows: int = 0
    roundtrips: deque[float] = field(default_factory=lambda: deque(maxlen=20_000))  # seconds

    def roundtrip_quantiles(self) -> tuple[float, float] | None:
        """p50 and p99 (ms) of gateway-sent -> reply-received over the recent interactions."""
        if not self.roundtrips:
            return None
        ordered = sorted(self.roundtrips)
        return (
            ordered[len(ordered) // 2] * 1000,
            ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        )


class _Budget(Exception):
    """The action budget is spent: the player stops where it is."""


class Population:
    """``count`` virtual players on ``sandbox``, run by :meth:`run`."""

    def __init__(
        self,
        sandbox: Arena,
        count: int,
        *,
        seed: int | None = None,
        chances: Chances | None = None,
        pace: Pace | None = None,
        max_actions: int | None = None,
        patience: float = FOREVER,
    ) -> None:
        self.sandbox = sandbox
        self.patience = patience  # longest wait for a match or its end (tests: a hang guard)
        self.chances = chances or Chances()
        self.pace = pace or Pace()
        self.max_actions = max_actions
        self.stats = PopulationStats()
        self._rng = random.Random(seed)
        self._results: dict[int, Outcome] = {}
        self._spent = asyncio.Event()
        self.players = [self._member(i) for i in range(count)]
        self._skill = {p.player.id: p.skill for p in self.players}

    def _member(self, index: int) -> _Member:
        base = NAMES[index % len(NAMES)]
        suffix = "" if index < len(NAMES) else _letters(index // len(NAMES))
        main_id = (base[: 12 - len(suffix)] + suffix)
        # The ladder's players are Korean, Chinese, Russian, Spanish- and English-speaking: each
        # virtual player's client gets one of those locales, so a run shows the five languages.
        player = self.sandbox.player(main_id.lower(), locale=LOCALES[index % len(LOCALES)])
        rng = random.Random(self._rng.random())
        # Even members lean Brood War, odd ones StarCraft II: both sides of every wave have people.
        side = Game.BW if index % 2 == 0 else Game.SC2
        return _Member(self, player, main_id, side, rng, skill=rng.gauss(0, 250))

    # -- running -----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Run every player until ``stop`` is set or the action budget is spent."""
        await self.sandbox.discord.wait_commands("ping")  # the bot synced its commands
        tasks = [asyncio.create_task(m.live(), name=f"player {m.main_id}") for m in self.players]
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._spent.wait())]
        try:
            await asyncio.wait([*waiters, *tasks], return_when=asyncio.FIRST_COMPLETED)
            for task in tasks:  # a player's script ends only by failing outright: surface it
                if task.done() and not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        finally:
            for pending in (*waiters, *tasks):
                pending.cancel()
            await asyncio.gather(*waiters, *tasks, return_exceptions=True)

    # -- what members share --------------------------------------------------------------------

    def spend(self) -> None:
        """Count one action; raise :class:`_Budget` once the budget is used up."""
        if self._spent.is_set():
            raise _Budget()
        self.stats.actions += 1
        if self.max_actions is not None and self.stats.actions >= self.max_actions:
            self._spent.set()

    def result_of(self, match_id: int, player_1: int, player_2: int) -> Outcome:
        """The game's real result, the same for both players: drawn once, from their skills."""
        if match_id not in self._results:
            if self._rng.random() < self.chances.draw:
                self._results[match_id] = Outcome.DRAW
            else:
                gap = self._skill.get(player_2, 0.0) - self._skill.get(player_1, 0.0)
                p1_wins = 1 / (1 + math.pow(10, gap / 400))
                won = Outcome.PLAYER_1 if self._rng.random() < p1_wins else Outcome.PLAYER_2
                self._results[match_id] = won
        return self._results[match_id]

    def started(self, player: VirtualPlayer) -> int:
        """How many interactions ``player`` has started so far (see :meth:`observe`)."""
        return len(self.sandbox.discord.state.interactions_by_user.get(player.id, ()))

    def observe(self, player: VirtualPlayer, before: int) -> None:
        """Keep the round trips of the interactions ``player`` started since ``before``."""
        state = self.sandbox.discord.state
        for interaction_id in state.interactions_by_user.get(player.id, [])[before:]:
            roundtrip = state.interactions[interaction_id].roundtrip
            if roundtrip is not None:
                self.stats.roundtrips.append(roundtrip)


def _letters(n: int) -> str:
    """1 -> "B", 2 -> "C", ... : a letters-only suffix (main ids allow letters only)."""
    out = ""
    while n > 0:
        n, r = divmod(n, 26)
        out = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[r] + out
    return out


@dataclass
class _Choice:
    """What one player queues with this time."""

    bw: str | None
    sc2: str | None
    vetoes: tuple[str, ...]


class _Member:
    """One virtual player and its script."""

    def __init__(
        self, population: Population, player: VirtualPlayer, main_id: str, side: Game,
        rng: random.Random, skill: float,
    ) -> None:
        self.population = population
        self.player = player
        self.main_id = main_id
        self.side = side
        self.rng = rng
        self.skill = skill

    @property
    def services(self) -> Services:
        return self.population.sandbox.services

    @property
    def stats(self) -> PopulationStats:
        return self.population.stats

    # -- the script ------------------------------------------------------------------------------

    async def live(self) -> None:
        with contextlib.suppress(_Budget):
            await self._guarded(self.register)
            while True:
                if self.rng.random() < self.population.chances.look_around:
                    await self._guarded(self.look_around)
                await self._guarded(self.one_match)

    async def _guarded(self, step: Callable[[], Awaitable[None]]) -> None:
        """Run a step; an unexpected failure is logged and counted, and the player goes on."""
        try:
            await step()
        except (_Budget, asyncio.CancelledError):
            raise
        except Exception:
            self.stats.errors += 1
            log.exception("sandbox.player_error player=%s", self.main_id)
            await self._pause((1.0, 3.0))

    async def _pause(self, span: tuple[float, float]) -> None:
        await asyncio.sleep(self.rng.uniform(*span))  # a person's pace, not synchronisation

    async def _act(self, action: Callable[[], Awaitable[T]]) -> T:
        """One interaction: counted against the budget, started after the player's pause (so a
        stop during the pause never leaves half an action), its round trip kept for the summary."""
        self.population.spend()
        await self._pause(self.population.pace.think)
        before = self.population.started(self.player)
        result = await action()
        self.population.observe(self.player, before)
        return result

    async def _use(
        self, custom_id: str, message: Message, values: list[str] | None = None
    ) -> Response | None:
        """Click (or, with ``values``, pick in) the control ``custom_id`` of ``message``, if it is
        still there after the pause; None when it vanished meanwhile (the notifier closed the
        match while the player was reaching for it), as a person would see the button go."""

        async def use() -> Response | None:
            if values is not None:
                if message.select(custom_id) is None:
                    self.stats.vanished += 1
                    return None
                return await self.player.select(custom_id, values, message)
            button = message.button(custom_id)
            if button is None or button.get("disabled"):
                self.stats.vanished += 1
                return None
            return await self.player.click(custom_id, message)

        return await self._act(use)

    # -- registering ----------------------------------------------------------------------------

    async def register(self) -> None:
        await self._accept_terms()
        await self._setup()
        self.stats.registered += 1

    async def _accept_terms(self) -> None:
        shown = await self._act(partial(self.player.slash, "termsofservice"))
        await self._act(partial(self.player.click, "evo:tos:accept", shown.message))

    async def _setup(self) -> None:
        await self._setup_through_views(f"{self.main_id}#{self.rng.randint(1000, 99999)}")

    async def _setup_through_views(self, battletag: str) -> None:
        """Modal -> a country from one of the pages -> a region -> Confirm, as a person does it."""
        player = self.player
        opened = await self._act(partial(player.slash, "setup"))
        opened.modal  # noqa: B018 - fails (AssertionError) unless the bot opened the form
        typed = {"main_id": self.main_id, "battletag": battletag}
        message = (await self._act(partial(player.submit_modal, typed))).message
        # The selects and buttons are found by what they hold, not by their text: a player reads
        # the form in their own language (country pages, the region, the language; then Confirm).
        game = self.services.game
        country_pages = [s for s in message.selects if _values(s) <= set(game.countries)]
        page = self.rng.choice(country_pages)
        country = self.rng.choice(page["options"])["value"]
        message = (await self._act(partial(player.select, page["custom_id"], [country], message))).message
        # the view is rebuilt after each pick: read it again
        regions = next(s for s in message.selects if _values(s) <= set(game.regions))
        region = self.rng.choice(regions["options"])["value"]
        message = (await self._act(partial(player.select, regions["custom_id"], [region], message))).message
        confirm = next(b for b in message.buttons if b.get("style") == CONFIRM_STYLE)
        await self._act(partial(player.click, str(confirm["custom_id"]), message))
        stored = await self.services.accounts.get_player(player.id)
        if stored.completed_setup_date is None:
            raise AssertionError("the setup form was confirmed but the setup is not complete")

    # -- between matches ------------------------------------------------------------------------

    async def look_around(self) -> None:
        command = self.rng.choice(("profile", "leaderboard"))
        await self._act(partial(self.player.slash, command))

    # -- one match ------------------------------------------------------------------------------

    def _choice(self) -> _Choice:
        game = self.services.game
        bw_races = [r.code for r in game.races_of(Game.BW)]
        sc2_races = [r.code for r in game.races_of(Game.SC2)]
        both = self.rng.random() < self.population.chances.both_games
        bw = self.rng.choice(bw_races) if self.side is Game.BW or both else None
        sc2 = self.rng.choice(sc2_races) if self.side is Game.SC2 or both else None
        maps = [m.name for m in game.season.maps]
        vetoes = tuple(self.rng.sample(maps, self.rng.randint(0, min(4, len(maps) - 1))))
        return _Choice(bw, sc2, vetoes)

    async def one_match(self) -> None:
        choice = self._choice()
        mark = self.player.mark()
        await self._queue(choice)
        self.stats.queued += 1
        patience = self.population.patience
        found = await self.player.wait_for_dm(_has_confirm, since=mark, within=patience)
        match_id = _match_id(found)
        self.stats.matches_seen += 1
        chances = self.population.chances
        roll = self.rng.random()
        if roll < chances.no_show:
            self.stats.no_shows += 1  # ignore the message; the confirmation deadline abandons it
        elif roll < chances.no_show + chances.abort / 2:
            await self._abort(match_id, found)
        elif await self._use(f"evo:match:{match_id}:confirm", found) is not None:
            self.stats.confirmed += 1
            # The same message turns into the details once both confirmed (or closes).
            await self.player.wait_for_dm(
                lambda m: m.id == found.id and not _has_confirm(m), include_existing=True, within=patience
            )
            if not _is_closed(found):
                if self.rng.random() < chances.abort / 2:
                    await self._abort(match_id, found)
                else:
                    await self._pause(self.population.pace.game)
                    await self._report(match_id, found)
        await self.player.wait_for_dm(
            lambda m: m.id == found.id and _is_closed(m), include_existing=True, within=patience
        )

    async def _queue(self, choice: _Choice) -> None:
        """/queue -> (the quick-start guide's button, the first time) -> races, vetoes -> Join.

        The controls are found by their custom ids (``evo:queue:<what>:...``, which carry the
        picks so far and change with every pick: the message is read again after each one).
        Last time's choices come pre-selected; only what differs is picked again.
        """
        message = (await self._act(partial(self.player.slash, "queue"))).message
        guide = message.button("evo:queue:guide")
        if guide is not None:
            message = (await self._act(partial(self.player.click, "evo:queue:guide", message))).message
        wanted = {"bw": [choice.bw or NO_RACE], "sc2": [choice.sc2 or NO_RACE], "veto": list(choice.vetoes)}
        for kind, values in wanted.items():
            menu = _control(message.selects, f"evo:queue:{kind}:")
            offered = {str(o["value"]) for o in menu.get("options") or []}
            values = [v for v in values if v in offered]
            chosen = sorted(str(o["value"]) for o in menu.get("options") or [] if o.get("default"))
            if sorted(values) != chosen:
                pick = partial(self.player.select, menu["custom_id"], values, message)
                message = (await self._act(pick)).message
        join = _control(message.buttons, "evo:queue:join:")
        await self._act(partial(self.player.click, join["custom_id"], message))
        if not await self._queued():
            raise AssertionError("Join did not put the player in the queue")

    async def _queued(self) -> bool:
        player = await self.services.accounts.get_player(self.player.id)
        return bool(player.state is not PlayerState.IDLE)

    async def _abort(self, match_id: int, message: Message) -> None:
        asked = await self._use(f"evo:match:{match_id}:abort", message)
        if asked is None or asked.reply is None:
            return
        if await self._use(f"evo:match:{match_id}:abort_yes", asked.message) is not None:
            self.stats.aborted += 1
        # else the bot answered the Abort click with why it cannot (the match just closed)

    async def _report(self, match_id: int, details: Message) -> None:
        """Report the game's result: the details' result select, then the question's Confirm."""
        state = await self.services.matches.get(match_id)  # who is player 1 (the details say it too)
        if state.status is not MatchStatus.CONFIRMED:
            return  # closed meanwhile (the opponent aborted)
        outcome = self.population.result_of(match_id, state.player_1, state.player_2)
        if self.rng.random() < self.population.chances.misreport:
            outcome = self.rng.choice([o for o in Outcome if o is not outcome])
        asked = await self._use(f"evo:match:{match_id}:result", details, [str(int(outcome))])
        if asked is not None and asked.reply is not None:
            sent = await self._use(f"evo:match:{match_id}:report:{int(outcome)}", asked.message)
            if sent is not None:
                self.stats.reported += 1
        # when a control was gone, the match closed meanwhile


def _values(menu: Mapping[str, Any]) -> set[str]:
    return {str(o["value"]) for o in menu.get("options") or []}


def _has_confirm(message: Message) -> bool:
    return any(CONFIRM_ID.match(str(b.get("custom_id", ""))) for b in message.buttons)


def _match_id(message: Message) -> int:
    for b in message.buttons:
        found = CONFIRM_ID.match(str(b.get("custom_id", "")))
        if found:
            return int(found[1])
    raise AssertionError(f"message {message.id} has no match Confirm button")


def _is_closed(message: Message) -> bool:
    """A match message without controls: the match is over (final, aborted, abandoned...)."""
    return not message.buttons and not message.selects


def _control(components: list[Any], prefix: str) -> dict[str, Any]:
    """The one control whose custom id starts with ``prefix`` (AssertionError if none)."""
    for c in components:
        if str(c.get("custom_id", "")).startswith(prefix):
            return dict(c)
    raise AssertionError(f"no control {prefix}... among {[c.get('custom_id') for c in components]}")


# --- the summary --------------------------------------------------------------------------------


async def summary_lines(sandbox: Arena, population: Population, elapsed: float) -> list[str]:
    """What ``evoladder sandbox`` prints every few seconds (and once at the end).

    Queue per side and match counts are read from the database (the source of truth); the top 5
    from the leaderboard read model; latency both as the players measured it (gateway sent the
    interaction -> the server received the reply) and from the bot's own timing metrics.
    """
    services = sandbox.services
    stats = population.stats
    status = await services.queue.status()
    by_status = await match_counts(sandbox)
    open_ = by_status.get(MatchStatus.FOUND, 0) + by_status.get(MatchStatus.CONFIRMED, 0)
    final = by_status.get(MatchStatus.FINAL, 0)
    other = ", ".join(
        f"{s.value} {by_status[s]}"
        for s in (MatchStatus.ABORTED, MatchStatus.ABANDONED, MatchStatus.CONFLICT, MatchStatus.INVALIDATED)
        if by_status.get(s)
    )
    seen = stats.roundtrip_quantiles()
    latency = "no interactions yet" if seen is None else f"p50 {seen[0]:.1f} ms, p99 {seen[1]:.1f} ms"
    minutes, seconds = divmod(int(elapsed), 60)
    lines = [
        f"[sandbox] {minutes}:{seconds:02d} | {len(population.players)} players, "
        f"{stats.registered} registered | {stats.actions} interactions, {stats.errors} errors, "
        f"round trip {latency}",
        f"[sandbox]   queue: bw {status.counts.bw}, sc2 {status.counts.sc2} | matches: open {open_}, "
        f"finished {final}" + (f" ({other})" if other else ""),
    ]
    top = services.leaderboard.page().page.entries[:5]
    board = " · ".join(f"{e.global_rank}. {e.name} {e.race} {e.mmr} ({e.letter})" for e in top)
    lines.append(f"[sandbox]   top 5: {board or 'nobody ranked yet'}")
    bot = services.timing.latencies((0.5, 0.99))[:5]
    if bot:
        shown = ", ".join(f"/{c.command} {c.quantiles_ms[0]:.1f}/{c.quantiles_ms[1]:.1f}" for c in bot)
        lines.append(f"[sandbox]   bot time p50/p99 ms: {shown}")
    return lines


async def match_counts(sandbox: Arena) -> dict[MatchStatus, int]:
    """Matches per status, counted in the database."""
    async with sandbox.services.db.read() as uow:
        rows = await uow.conn.execute(
            select(matches_1v1.c.status, func.count()).group_by(matches_1v1.c.status)
        )
        return {MatchStatus(str(status)): int(n) for status, n in rows}


async def run_population(
    population: Population,
    *,
    minutes: float | None,
    stop: asyncio.Event,
    summary_every: float = 5.0,
    printer: Callable[[str], None] = print,
) -> None:
    """Run ``population`` until ``minutes`` pass, ``stop`` is set or its action budget is spent.

    The summary is printed every ``summary_every`` seconds and once more at the end.
    """
    sandbox = population.sandbox
    started = time.monotonic()
    deadline = started + minutes * 60 if minutes is not None else None
    finished = asyncio.Event()

    async def report() -> None:
        while not finished.is_set():
            wait = summary_every if deadline is None else min(summary_every, deadline - time.monotonic())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(finished.wait(), max(0.0, wait))
            if deadline is not None and time.monotonic() >= deadline:
                stop.set()  # the final summary follows
                return
            if not finished.is_set():
                for line in await summary_lines(sandbox, population, time.monotonic() - started):
                    printer(line)

    reporter = asyncio.create_task(report())
    try:
        if deadline is None or deadline > time.monotonic():
            await population.run(stop)
    finally:
        finished.set()
        await reporter
    elapsed = time.monotonic() - started
    printer(f"[sandbox] final summary after {elapsed:.0f} s:")
    for line in await summary_lines(sandbox, population, elapsed):
        printer(line)
