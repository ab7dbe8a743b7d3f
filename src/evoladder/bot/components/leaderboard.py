"""The leaderboard's controls: filters, pages, "my position", each carrying the whole view state.

Where the filters live. Every control's custom id holds the complete state of the board it sits
on, and the owner's Discord id::

    evo:lb:<owner>:<action>:<page>:<races>:<letter>:<best>:<countries>

(races as a bit mask over the game data's race order, ``x`` for no letter, countries as
concatenated two-letter codes or ``x``). A click decodes the state from the control that was
clicked, applies its action and renders a new board whose controls carry the new state. Nothing
is kept in memory between clicks, so one player's filters cannot reach another player's board,
two boards of the same player are independent, and the controls keep working after a restart.
Only the owner may use them (a forged click by anyone else gets "belongs to someone else").

The custom id limit (100 characters) bounds the countries: at most ``MAX_COUNTRIES`` at once.

Layout (Discord allows 5 rows, 5 buttons a row): races (multi-select, with "best race of each
player only" as its last option: it filters races too, and the buttons' row is full), two pages
of common countries (the second ends with "Other": every country outside the common list), the
rank letter, then Previous / Next / Go to page… (a modal) / My position / Clear filters (back to
the whole board, page 1; disabled when no filter is set). A "best" button of a board sent before
this layout still works: its action is kept.

Cost. A board is answered often and its controls carry ~70 select options, so what does not
depend on the state is built once per game data (``_SelectStatics``: the option lists, labels and
placeholders, each option prebuilt selected and not selected) and a state's nine custom ids share
one encoding. A board is sent as JSON assembled from those parts (``board_components`` in a
``PayloadView``): no ``discord.ui`` item is built per answer, since nothing listens to a board's
view (its controls are DynamicItems found by custom id, and a click builds its items from the
message's data). ``controls`` builds the same controls as ``discord.ui`` items; it is the
reference the JSON is tested against, and what code that wants items uses.

What is kept between answers lives in the leaderboard service's renderings
(:mod:`evoladder.services.renderings`), not here: the selects' fixed parts per game data, and a
board's embed and controls per page object (the index serves an unchanged page as the same
object), so an unchanged board is sent again without being built again (:func:`board_reply`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Self

import discord

from evoladder.bot.components.forms import answer_modal, options, require_owner
from evoladder.bot.components.payload import PayloadView
from evoladder.bot.interaction import (
    CUSTOM_ID_PREFIX,
    Call,
    FlowSpec,
    LadderItem,
    LadderModal,
    custom_id,
    flows_of,
)
from evoladder.bot.render import accounts as render_accounts
from evoladder.bot.render import leaderboard as render
from evoladder.bot.reply import Answer, ModalReply, Reply
from evoladder.bot.weblinks import board_link, with_link
from evoladder.domain.errors import ValidationError
from evoladder.domain.ranks import LETTERS
from evoladder.game import GameData
from evoladder.i18n import active_language, names
from evoladder.i18n.text import leaderboard as text
from evoladder.services.leaderboard import LeaderboardService, LeaderboardView
from evoladder.services.renderings import Renderings

POLICY = "leaderboard"
MAX_COUNTRIES = 20
NO_VALUE = "x"
ANY_RANK = "any"
PAGE_INPUT_MAX = 7
BEST_VALUE = "best"  # the race select's "best race only" option (no race code is this)
BUTTONS = ("prev", "next", "goto", "me", "clear")
SELECTS = ("race", "c1", "c2", "rank")
ACTIONS = frozenset(BUTTONS + SELECTS + ("best",))


@dataclass(frozen=True, slots=True)
class BoardState:
    """One board's filters and page, and who may use it. A value: each click makes a new one."""

    owner: int
    page: int = 1
    races: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    letter: str | None = None
    best_only: bool = False

    def query(self, service: LeaderboardService, *, mine: bool = False) -> LeaderboardView:
        """The board this state shows (``mine``: the page holding the owner's row)."""
        filters: dict[str, Any] = {
            "races": self.races,
            "countries": self.countries,
            "rank_letter": self.letter,
            "best_only": self.best_only,
        }
        if mine:
            return service.my_page(self.owner, **filters)
        return service.page(self.owner, page=self.page, **filters)


def encode(state: BoardState, action: str, game: GameData) -> str:
    """The custom id of the control ``action`` on the board ``state`` (see the module doc)."""
    mask = sum(1 << i for i, code in enumerate(game.races) if code in state.races)
    codes = sorted(state.countries)
    if len(codes) > MAX_COUNTRIES or any(len(c) != 2 for c in codes):
        raise ValueError(f"a board carries at most {MAX_COUNTRIES} two-letter country codes: {codes}")
    return custom_id(
        "lb",
        state.owner,
        action,
        state.page,
        f"{mask:x}",
        state.letter or NO_VALUE,
        int(state.best_only),
        "".join(codes) or NO_VALUE,
    )


def encoder(state: BoardState, game: GameData) -> Callable[[str], str]:
    """``action -> custom id`` for one state: encoded (and validated) once, the action swapped in.

    Every action name is a fixed lowercase word (``BUTTONS``, ``SELECTS``), so only the state's
    part needs the checks of ``custom_id``; the ids are the same as ``encode`` would make.
    """
    first = encode(state, SELECTS[0], game)
    head = f"{CUSTOM_ID_PREFIX}:lb:{state.owner}:"
    tail = first[len(head) + len(SELECTS[0]) :]

    def of(action: str) -> str:
        if action not in ACTIONS:
            raise ValueError(f"unknown board action {action!r}")
        return head + action + tail

    return of


def decode(match: re.Match[str], game: GameData) -> BoardState:
    mask = int(match["races"], 16)
    countries = match["countries"]
    return BoardState(
        owner=int(match["owner"]),
        page=int(match["page"]),
        races=frozenset(code for i, code in enumerate(game.races) if mask >> i & 1),
        countries=frozenset() if countries == NO_VALUE else frozenset(re.findall("..", countries)),
        letter=None if match["letter"] == NO_VALUE else match["letter"],
        best_only=match["best"] == "1",
    )


def apply(state: BoardState, action: str, values: Sequence[str], game: GameData) -> BoardState:
    """The state after one control was used (a filter change goes back to page 1)."""
    if action == "prev":
        return replace(state, page=max(1, state.page - 1))
    if action == "next":
        return replace(state, page=state.page + 1)
    if action == "best":
        return replace(state, best_only=not state.best_only, page=1)
    if action == "clear":
        return BoardState(owner=state.owner)
    if action == "race":
        races = frozenset(values).intersection(game.races)
        return replace(state, races=races, best_only=BEST_VALUE in values, page=1)
    if action == "rank":
        letter = values[0] if values and values[0] in LETTERS else None
        return replace(state, letter=letter, page=1)
    if action in ("c1", "c2"):
        pages = render_accounts.country_pages(game)
        index = int(action[1]) - 1
        on_page = {c.code for c in pages[index]} if index < len(pages) else set()
        chosen = (state.countries - on_page) | (set(values) & on_page)
        if len(chosen) > MAX_COUNTRIES:
            raise ValidationError("countries", text.TOO_MANY_COUNTRIES.format(limit=MAX_COUNTRIES))
        return replace(state, countries=frozenset(chosen), page=1)
    return state


KEPT_SELECTS = "discord.board_selects"  # the renderings' key of the selects' fixed parts (per game)
KEPT_CONTROLS = "discord.board_controls"


def board_reply(
    state: BoardState, view: LeaderboardView, game: GameData, kept: Renderings, *, edit: bool = False,
    public_url: str | None = None,
) -> Reply:
    """The board's message: its embed and controls, taken from ``kept`` (the leaderboard service's
    renderings) while the page object is the same, built on a miss. They are shared: a reply
    sends them as they are and nobody changes them. With ``public_url``, its text links the same
    board on the web."""
    state = replace(state, page=view.page.page)  # the service clamps pages that no longer exist
    page = view.page
    language = active_language()
    embed = kept.get(page, render.board_key(view, state.owner), lambda: render.board(view, game, state.owner))
    selects = kept.get(game, (KEPT_SELECTS, language), lambda: _build_statics(game))
    # Finished, so discord.py neither stores nor changes it: one object serves every reply of it.
    rows = kept.get(
        page, (KEPT_CONTROLS, state, language),
        lambda: PayloadView(_components(state, page.pages, game, selects)),
    )
    reply = Reply(embeds=(embed,), view=rows, edit=edit)
    if public_url:
        link = board_link(public_url, state.races, state.countries, state.letter, state.best_only, state.page)
        return with_link(reply, link)
    return reply


@dataclass(frozen=True, slots=True)
class _SelectStatics:
    """One select's fixed parts: its values in order and each option prebuilt both ways."""

    action: str
    placeholder: str
    values: tuple[str, ...]
    off: dict[str, discord.SelectOption]
    on: dict[str, discord.SelectOption]
    row: int
    low: int
    high: int
    off_json: tuple[Mapping[str, object], ...]  # the options' JSON in order, none chosen
    on_json: dict[str, Mapping[str, object]]  # each option's JSON, chosen
    json: dict[str, Any]  # the select's JSON without its custom id and options

    @classmethod
    def of(
        cls, action: str, pairs: Sequence[tuple[str, str]], placeholder: str, *, row: int, low: int,
        high: int | None = None,
    ) -> _SelectStatics:
        values = tuple(value for value, _label in pairs)
        off = {o.value: o for o in options(pairs, ())}
        on = {o.value: o for o in options(pairs, values)}
        high = high if high is not None else len(pairs)
        item = discord.ui.Select[Any](
            custom_id="x", placeholder=placeholder[:150], options=list(off.values()), min_values=low,
            max_values=high, row=row,
        )
        bare = {k: v for k, v in item.to_component_dict().items() if k not in ("custom_id", "options")}
        return cls(
            action, placeholder[:150], values, off, on, row, low, high,
            tuple(o.to_dict() for o in off.values()), {v: o.to_dict() for v, o in on.items()}, bare,
        )

    def payload(self, chosen: Iterable[str], item_id: str) -> dict[str, Any]:
        """This select's JSON on a board: what ``discord.ui.Select.to_component_dict`` gives."""
        picked = set(chosen)
        if not picked:
            listed = list(self.off_json)
        else:
            pairs = zip(self.values, self.off_json, strict=True)
            listed = [self.on_json[v] if v in picked else off for v, off in pairs]
        return {"type": 3, "custom_id": item_id, **self.json, "options": listed}

    def options(self, chosen: Iterable[str]) -> list[discord.SelectOption]:
        picked = set(chosen)
        if not picked:
            return list(self.off.values())
        return [self.on[v] if v in picked else self.off[v] for v in self.values]


def _build_statics(game: GameData) -> tuple[_SelectStatics, ...]:
    races = [(code, names.race(race, code)) for code, race in game.races.items()]
    races.append((BEST_VALUE, text.BEST_RACE_OPTION))
    selects = [_SelectStatics.of("race", races, text.RACES_PLACEHOLDER, row=0, low=0)]
    for index, page in enumerate(render_accounts.country_pages(game)[:2]):
        placeholder = text.COUNTRY_PLACEHOLDER.format(
            first=names.country(page[0]), last=names.country(page[-1])
        )
        pairs = [(c.code, names.country(c)) for c in page]
        selects.append(_SelectStatics.of(f"c{index + 1}", pairs, placeholder, row=1 + index, low=0))
    ranks = [(ANY_RANK, text.RANK_ANY)] + [
        (letter, text.RANK_OPTION_LABEL.format(letter=letter)) for letter in LETTERS
    ]
    selects.append(_SelectStatics.of("rank", ranks, text.RANK_PLACEHOLDER, row=3, low=1, high=1))
    return tuple(selects)


def _buttons(state: BoardState, pages: int) -> tuple[tuple[str, str, bool], ...]:
    """(action, label, disabled) of the bottom row, in order."""
    return (
        ("prev", text.PREV_LABEL, state.page <= 1),
        ("next", text.NEXT_LABEL, state.page >= pages),
        ("goto", text.GOTO_LABEL, pages <= 1),
        ("me", text.ME_LABEL, False),
        ("clear", text.CLEAR_FILTERS_LABEL, not has_filters(state)),
    )


def has_filters(state: BoardState) -> bool:
    return bool(state.races or state.countries or state.letter or state.best_only)


def _button_style(action: str) -> discord.ButtonStyle:
    return discord.ButtonStyle.primary if action == "me" else discord.ButtonStyle.secondary


def board_components(state: BoardState, pages: int, game: GameData) -> list[dict[str, Any]]:
    """The board's controls as Discord's JSON, exactly ``controls(...).to_components()`` (tested),
    assembled from prebuilt parts: one action row per select, then the buttons' row."""
    return _components(state, pages, game, _build_statics(game))


def _components(
    state: BoardState, pages: int, game: GameData, selects: tuple[_SelectStatics, ...]
) -> list[dict[str, Any]]:
    ids = encoder(state, game)
    rows: list[dict[str, Any]] = [
        {"type": 1, "components": [select.payload(_chosen(state, select.action), ids(select.action))]}
        for select in selects
    ]
    buttons = [
        {"type": 2, "style": _button_style(action).value, "disabled": disabled, "label": label,
         "custom_id": ids(action)}
        for action, label, disabled in _buttons(state, pages)
    ]
    rows.append({"type": 1, "components": buttons})
    return rows


def controls(state: BoardState, pages: int, game: GameData) -> discord.ui.View:
    """The board's controls as ``discord.ui`` items (the reference for ``board_components``)."""
    view = discord.ui.View(timeout=None)
    ids = encoder(state, game)
    for select in _build_statics(game):
        view.add_item(BoardControl.select(state, select, ids(select.action)))
    for action, label, disabled in _buttons(state, pages):
        view.add_item(BoardControl.button(state, action, ids(action), label, disabled))
    # Nothing listens to this view: its items are DynamicItems, found by their custom id template
    # (registered once at start-up). Finished, it is not kept in discord.py's view store, where an
    # ephemeral reply's view would otherwise live (with a timeout task) for 15 minutes per board.
    view.stop()
    return view


def _chosen(state: BoardState, action: str) -> Iterable[str]:
    if action == "race":
        return state.races | {BEST_VALUE} if state.best_only else state.races
    if action == "rank":
        return [state.letter or ANY_RANK]
    return state.countries


class BoardControl(
    LadderItem[Any],
    template=(
        r"evo:lb:(?P<owner>\d+):(?P<action>[a-z0-9]+):(?P<page>\d+):(?P<races>[0-9a-f]+)"
        r":(?P<letter>[A-Z]|x):(?P<best>[01]):(?P<countries>x|(?:[A-Z]{2})+)"
    ),
):
    """Any control of a board; the action in its custom id says what it does."""

    spec = FlowSpec("leaderboard.control", policy=POLICY)

    def __init__(self, item: discord.ui.Item[Any], action: str, state: BoardState) -> None:
        super().__init__(item)
        self.action = action
        self.state = state

    @classmethod
    def button(cls, state: BoardState, action: str, item_id: str, label: str, disabled: bool) -> Self:
        item = discord.ui.Button[Any](
            label=label, style=_button_style(action), disabled=disabled, custom_id=item_id, row=4
        )
        return cls(item, action, state)

    @classmethod
    def select(cls, state: BoardState, select: _SelectStatics, item_id: str) -> Self:
        item = discord.ui.Select[Any](
            custom_id=item_id,
            placeholder=select.placeholder,
            options=select.options(_chosen(state, select.action)),
            min_values=select.low,
            max_values=select.high,
            row=select.row,
        )
        return cls(item, select.action, state)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(item, match["action"], decode(match, flows_of(interaction).deps.game))

    async def handle(self, call: Call) -> Answer:
        require_owner(call, self.state.owner)
        game, service = call.deps.game, call.deps.leaderboard
        if self.action == "goto":
            return ModalReply(PageModal(self.state, self.state.query(service).page.pages))
        if self.action == "me":
            state, view = self.state, self.state.query(service, mine=True)
        else:
            values = [str(v) for v in getattr(self.item, "values", ())]  # a select's picks
            state = apply(self.state, self.action, values, game)
            view = state.query(service)
        call.checkpoint("reads")
        return board_reply(
            state, view, game, service.renderings, edit=True, public_url=call.deps.settings.public_url
        )


class PageModal(LadderModal):
    """The "Go to page…" modal: any page of the board, however deep."""

    spec = FlowSpec("leaderboard.goto", policy=POLICY)

    def __init__(self, state: BoardState, pages: int) -> None:
        super().__init__(title=text.PAGE_MODAL_TITLE)
        self.state = state
        self.pages = pages
        self.number: discord.ui.TextInput[PageModal] = discord.ui.TextInput(
            label=text.PAGE_FIELD.format(pages=pages),
            custom_id="page",
            default=str(state.page),
            max_length=PAGE_INPUT_MAX,
        )
        self.add_item(self.number)

    async def handle(self, call: Call) -> Answer:
        require_owner(call, self.state.owner)
        typed = self.number.value.strip()
        if not typed.isdecimal() or not 1 <= int(typed) <= self.pages:
            raise ValidationError("page", text.BAD_PAGE.format(pages=self.pages))
        state = replace(self.state, page=int(typed))
        service = call.deps.leaderboard
        view = state.query(service)
        call.checkpoint("reads")
        public_url = call.deps.settings.public_url
        reply = board_reply(state, view, call.deps.game, service.renderings, public_url=public_url)
        return await answer_modal(call, reply)


LEADERBOARD_ITEMS: tuple[type[LadderItem[Any]], ...] = (BoardControl,)
