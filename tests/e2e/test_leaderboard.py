"""/leaderboard through the local Discord server: pages, filters, "my position", global ranks,
per-player filter state, and boards that only their owner can use.

Ratings are seeded straight through the repositories and announced to the read models (as the
match service does after a result), so the board has a few pages of ranked rows. The seeded
players are Discord users who never act (``Seed``: an id and a name), registered by the one
``register`` helper; the players who do act come from the ``player`` factory. Every rendered
row is compared with the leaderboard service's own answer for the same filters.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from typing import Any, NamedTuple, Protocol

import pytest
from journeykit import (
    PlayerFactory,
    Register,
    accepted_terms,
    is_found_card,
    lead,
    race,
    result_final,
    with_text,
)

from evoladder.bot.components.leaderboard import BEST_VALUE
from evoladder.bot.render.accounts import flag
from evoladder.domain.errors import NotAuthorized
from evoladder.domain.leaderboard import Entry
from evoladder.domain.rating import Outcome
from evoladder.i18n.text import common
from evoladder.i18n.text import leaderboard as text
from evoladder.i18n.text import match as match_text
from evoladder.i18n.text import profile as profile_text
from evoladder.sandbox import VirtualPlayer
from evoladder.sandbox.ladder import Sandbox
from evoladder.sandbox.state import Message
from evoladder.services.leaderboard import LeaderboardView

pytestmark = pytest.mark.e2e

SEEDED = 110
BASE_UID = 700_000_000_000_000_000
COUNTRIES = ("KR", "US", "DE", "CN", "TH", "FR")
LONG_NAME = "a_very_long_discord_name_1234567"
ROW = re.compile(
    r"^`\s*#(?P<rank>\d+) (?P<letter>[A-Z]) (?P<race>\S+)\s+(?P<mmr>\d+)` (?P<flag>\S+) (?P<name>.+?)$"
)

Row = tuple[int, str, str, int, str, str]


def letters(i: int) -> str:
    """A main id made of letters only (the rule): Seedaa, Seedab, ..."""
    return "Seed" + string.ascii_lowercase[i // 26 % 26] + string.ascii_lowercase[i % 26]


class Seed(NamedTuple):
    """A Discord user on the board who never acts in a test."""

    id: int
    name: str


LONG = Seed(BASE_UID + SEEDED, LONG_NAME)


async def rate(sb: Sandbox, uid: int, race: str, delta: int, games: int = 1) -> None:
    deps = sb.ladder.services
    async with deps.db.transaction() as uow:
        await uow.mmrs.get_or_create(uid, race)
        await uow.mmrs.apply_result(uid, race, delta, won=games, played_at=deps.clock.now())
        row = await uow.mmrs.get(uid, race)
    assert row is not None
    deps.read_models.mmr_changed([row])


@pytest.fixture(autouse=True)
async def seeded(sandbox: Sandbox, register: Register) -> None:
    """A few pages of ranked rows on every test's board (conftest's ``sandbox``, unchanged)."""
    races = list(sandbox.ladder.services.game.races)
    for i in range(SEEDED):
        seed = Seed(BASE_UID + i, f"seed{i}")
        await register(seed, letters(i), country=COUNTRIES[i % len(COUNTRIES)])
        await rate(sandbox, seed.id, races[i % 6], (i * 37) % 401 - 200)
        if i % 4 == 0:
            await rate(sandbox, seed.id, races[(i + 3) % 6], (i * 53) % 301 - 150)
    await accepted_terms(sandbox, LONG)  # no setup: the Discord name shows
    await rate(sandbox, LONG.id, "bw_zerg", 5)


class Joined(Protocol):
    async def __call__(
        self, name: str, main_id: str, country: str, race: str, delta: int
    ) -> VirtualPlayer: ...


@pytest.fixture
def joined(sandbox: Sandbox, player: PlayerFactory) -> Joined:
    """A registered virtual player with one rated race, ``delta`` from the start rating."""

    async def joined(name: str, main_id: str, country: str, race: str, delta: int) -> VirtualPlayer:
        made = await player(name, main_id, country=country)
        await rate(sandbox, made.id, race, delta)
        return made

    return joined



def rows(message: Message) -> list[Row]:
    [embed] = message.embeds
    lines = str(embed["description"]).splitlines()[1:]  # the first line is the header
    out = []
    for line in lines:
        found = ROW.match(line)
        assert found is not None, line
        name = found["name"].removesuffix(" ◀ you").strip("*").replace("\\", "")
        out.append(
            (int(found["rank"]), found["letter"], found["race"], int(found["mmr"]), found["flag"], name)
        )
    return out


def expected(sb: Sandbox, entries: Iterable[Entry]) -> list[Row]:
    game = sb.ladder.services.game
    return [
        (e.global_rank, e.letter, game.races[e.race].short_name, e.mmr, flag(e.country), _cut(e.name))
        for e in entries
    ]


def _cut(name: str) -> str:
    return name if len(name) <= 16 else name[:15] + "…"


def footer(message: Message) -> str:
    return str(message.embeds[0]["footer"]["text"])


def field(message: Message, name: str) -> str:
    return next(str(f["value"]) for f in message.embeds[0]["fields"] if f["name"] == name)


def disabled(message: Message, label: str) -> bool:
    found = message.button(label)
    assert found is not None
    return bool(found.get("disabled"))


def select_named(message: Message, prefix: str) -> dict[str, Any]:
    return dict(next(s for s in message.selects if str(s.get("placeholder", "")).startswith(prefix)))


def select_with(message: Message, value: str) -> dict[str, Any]:
    return dict(next(s for s in message.selects if any(o["value"] == value for o in s["options"])))


def record(wins: int, losses: int, draws: int) -> str:
    return profile_text.RECORD.format(wins=wins, losses=losses, draws=draws)


def record_line(wins: int, losses: int, draws: int, percent: float) -> str:
    """A race's W-L-D and win share on /profile."""
    return profile_text.RACE_RECORD.format(
        record=record(wins, losses, draws), percent=profile_text.PERCENT.format(value=percent)
    )


def board(sb: Sandbox, uid: int | None = None, **filters: Any) -> LeaderboardView:
    return sb.ladder.services.leaderboard.page(uid, **filters)


async def test_pages_show_global_ranks_and_move_with_prev_next_and_go_to(
    sandbox: Sandbox, joined: Joined
) -> None:
    alice = await joined("alice", "Alice", "KR", "sc2_zerg", 0)
    first = await alice.slash("leaderboard")
    live = board(sandbox, alice.id)
    pages = live.page.pages
    assert live.page.total == live.page.ranked_total > 120 and pages >= 4
    assert len(rows(first.message)) == 40
    assert rows(first.message) == expected(sandbox, live.page.entries)
    assert [r[0] for r in rows(first.message)] == list(range(1, 41))
    assert footer(first.message).startswith(lead(text.FOOTER, page=1, pages=pages))
    assert disabled(first.message, text.PREV_LABEL) and not disabled(first.message, text.NEXT_LABEL)

    second = await alice.click(text.NEXT_LABEL)
    assert second.message.id == first.message.id  # edited in place
    assert rows(second.message) == expected(sandbox, board(sandbox, page=2).page.entries)
    assert [r[0] for r in rows(second.message)] == list(range(41, 81))
    back = await alice.click(text.PREV_LABEL)
    assert rows(back.message) == expected(sandbox, live.page.entries)

    modal = await alice.click(text.GOTO_LABEL)
    assert modal.modal.field("page").label == text.PAGE_FIELD.format(pages=pages)
    wrong = await alice.submit_modal({"page": "0"})
    assert wrong.content == text.BAD_PAGE.format(pages=pages)
    await alice.click(text.GOTO_LABEL)
    last = await alice.submit_modal({"page": str(pages)})
    assert last.message.id == first.message.id
    assert rows(last.message) == expected(sandbox, board(sandbox, page=pages).page.entries)
    assert footer(last.message).startswith(lead(text.FOOTER, page=pages, pages=pages))
    assert disabled(last.message, text.NEXT_LABEL) and not disabled(last.message, text.PREV_LABEL)
    where = sandbox.ladder.services.leaderboard.my_page(LONG.id).viewer
    assert where is not None
    with_long = await alice.slash("leaderboard", page=where.page)
    [long_row] = [r for r in rows(with_long.message) if r[5].startswith("a")]
    assert long_row[5] == _cut(LONG_NAME) == "a_very_long_dis…"  # cut and markdown-escaped
    assert "a\\_very" in str(with_long.embeds[0]["description"])

    deep = await alice.slash("leaderboard", page=pages + 50)  # clamped to the last page
    assert footer(deep.message).startswith(lead(text.FOOTER, page=pages, pages=pages))


async def test_my_position_jumps_to_the_page_with_my_row(
    sandbox: Sandbox, joined: Joined, player: PlayerFactory
) -> None:
    alice = await joined("alice", "Alice", "KR", "sc2_zerg", -190)  # low: a later page
    start = await alice.slash("leaderboard")
    mine = sandbox.ladder.services.leaderboard.my_page(alice.id)
    assert mine.viewer is not None and mine.viewer.page > 1
    assert field(start.message, text.YOU) == text.YOU_AT.format(
        position=mine.viewer.position, page=mine.viewer.page, race=race("sc2_zerg")
    )
    jumped = await alice.click(text.ME_LABEL)
    assert footer(jumped.message).startswith(lead(text.FOOTER, page=mine.viewer.page))
    [you] = [line for line in str(jumped.embeds[0]["description"]).splitlines() if "◀ you" in line]
    assert "**Alice**" in you
    assert rows(jumped.message) == expected(sandbox, mine.page.entries)

    outsider = await player("outsider", "Outsider", country="US")  # never played: not on the board
    theirs = await outsider.slash("leaderboard")
    assert field(theirs.message, text.YOU) == text.YOU_ABSENT
    stays = await outsider.click(text.ME_LABEL)
    assert footer(stays.message).startswith(lead(text.FOOTER, page=1))


async def test_filters_combine_and_keep_global_ranks(sandbox: Sandbox, joined: Joined) -> None:
    alice = await joined("alice", "Alice", "KR", "sc2_zerg", 0)
    start = await alice.slash("leaderboard")
    game = sandbox.ladder.services.game

    by_race = await alice.select(text.RACES_PLACEHOLDER, ["sc2_zerg", "bw_terran"])
    want = board(sandbox, races=["sc2_zerg", "bw_terran"])
    assert rows(by_race.message) == expected(sandbox, want.page.entries)
    assert {r[2] for r in rows(by_race.message)} == {"Z2", "T1"}
    ranks = [r[0] for r in rows(by_race.message)]
    assert ranks != list(range(1, len(ranks) + 1))  # global ranks, not renumbered within the filter
    assert race("sc2_zerg") in field(by_race.message, text.FILTERS)
    assert race("bw_terran") in field(by_race.message, text.FILTERS)
    picked = select_named(by_race.message, text.RACES_PLACEHOLDER)
    assert {o["value"] for o in picked["options"] if o.get("default")} == {"sc2_zerg", "bw_terran"}

    korea = await alice.select(select_with(by_race.message, "KR")["placeholder"], ["KR"])
    want = board(sandbox, races=["sc2_zerg", "bw_terran"], countries=["KR"])
    assert rows(korea.message) == expected(sandbox, want.page.entries)
    assert {r[4] for r in rows(korea.message)} == {"🇰🇷"}

    by_letter = await alice.select(text.RANK_PLACEHOLDER, ["C"])
    want = board(sandbox, races=["sc2_zerg", "bw_terran"], countries=["KR"], rank_letter="C")
    assert rows(by_letter.message) == expected(sandbox, want.page.entries)
    assert {r[1] for r in rows(by_letter.message)} <= {"C"}

    cleared = await alice.select(text.RACES_PLACEHOLDER, [])
    cleared = await alice.select(select_with(cleared.message, "KR")["placeholder"], [])
    cleared = await alice.select(text.RANK_PLACEHOLDER, ["any"])
    assert rows(cleared.message) == rows(start.message)
    assert field(cleared.message, text.FILTERS) == text.FILTERS_NONE

    best = await alice.select(text.RACES_PLACEHOLDER, [BEST_VALUE])
    want = board(sandbox, best_only=True)
    assert rows(best.message) == expected(sandbox, want.page.entries)
    assert len({r[5] for r in rows(best.message)}) == len(rows(best.message))  # each player once
    picked = select_named(best.message, text.RACES_PLACEHOLDER)
    assert {o["value"] for o in picked["options"] if o.get("default")} == {BEST_VALUE}

    b_rank = await alice.select(text.RANK_PLACEHOLDER, ["B"])
    assert rows(b_rank.message) == expected(
        sandbox, board(sandbox, best_only=True, rank_letter="B").page.entries
    )

    thai = await alice.slash("leaderboard", country="Thailand", race="저그")  # a non-common country, an alias
    want = board(sandbox, countries=["TH"], races=["sc2_zerg"])
    assert rows(thai.message) == expected(sandbox, want.page.entries)
    assert "Thailand" in field(thai.message, text.FILTERS)
    assert game.countries["TH"].common is False


async def test_other_means_every_country_outside_the_common_list(sandbox: Sandbox, joined: Joined) -> None:
    game = sandbox.ladder.services.game
    assert not game.countries["TH"].common and game.countries["KR"].common
    alice = await joined("alice", "Alice", "KR", "sc2_zerg", 0)
    picked_other = await joined("zed", "Zed", "ZZ", "bw_zerg", 40)
    start = await alice.slash("leaderboard")
    other = await alice.select(select_with(start.message, "ZZ")["placeholder"], ["ZZ"])
    shown = rows(other.message)
    thai = {r[5] for r in expected(sandbox, board(sandbox, countries=["TH"]).page.entries)}
    names = {r[5] for r in shown}
    assert thai and thai <= names  # the Thai players (TH is not a common country) are "Other"
    assert "Zed" in names  # and so is the player who picked "Other"
    assert "Alice" not in names and {r[4] for r in shown} == {flag("TH"), flag("ZZ")}
    assert picked_other.id != alice.id


async def test_one_button_clears_every_filter(sandbox: Sandbox, joined: Joined) -> None:
    alice = await joined("alice", "Alice", "KR", "sc2_zerg", 0)
    start = await alice.slash("leaderboard")
    assert start.message.button(text.CLEAR_FILTERS_LABEL)["disabled"] is True  # nothing to clear
    await alice.select(text.RACES_PLACEHOLDER, ["sc2_zerg", BEST_VALUE])
    korea = await alice.select(select_with(start.message, "KR")["placeholder"], ["KR"])
    ranked = await alice.select(text.RANK_PLACEHOLDER, ["C"], korea.message)
    assert field(ranked.message, text.FILTERS) != text.FILTERS_NONE
    cleared = await alice.click(text.CLEAR_FILTERS_LABEL, ranked.message)
    assert field(cleared.message, text.FILTERS) == text.FILTERS_NONE
    assert rows(cleared.message) == rows(start.message)
    assert cleared.message.button(text.CLEAR_FILTERS_LABEL)["disabled"] is True


async def test_two_players_filters_never_leak_and_a_stranger_cannot_press_a_board(
    sandbox: Sandbox, joined: Joined
) -> None:
    alice = await joined("alice", "Alice", "KR", "sc2_zerg", 0)
    bob = await joined("bob", "Bob", "US", "bw_terran", 30)
    mine = await alice.slash("leaderboard")
    filtered = await alice.select(text.RACES_PLACEHOLDER, ["sc2_protoss", BEST_VALUE])
    alice_board = filtered.message
    alice_rows = rows(alice_board)
    assert {r[2] for r in alice_rows} == {"P2"}

    theirs = await bob.slash("leaderboard")  # opened after Alice filtered: unfiltered
    assert rows(theirs.message) == expected(sandbox, board(sandbox).page.entries)
    assert field(theirs.message, text.FILTERS) == text.FILTERS_NONE
    bob_next = await bob.click(text.NEXT_LABEL)
    assert rows(bob_next.message) == expected(sandbox, board(sandbox, page=2).page.entries)
    assert rows(alice_board) == alice_rows  # Bob's clicks did not touch Alice's board

    alice_again = await alice.slash("leaderboard")  # a second board of Alice's starts clean
    assert field(alice_again.message, text.FILTERS) == text.FILTERS_NONE
    assert rows(alice_board) == alice_rows

    before = alice_board.text
    refused = await bob.click(text.CLEAR_FILTERS_LABEL, alice_board)  # a forged click on Alice's board
    assert refused.content == common.NOT_YOUR_BUTTON
    refused = await bob.select(text.RACES_PLACEHOLDER, ["bw_zerg"], alice_board)
    assert refused.content == common.NOT_YOUR_BUTTON
    assert alice_board.text == before

    await sandbox.restart_bot()  # the state lives in the custom ids: the board still works
    after = await alice.select(text.RACES_PLACEHOLDER, ["sc2_protoss"], mine.message)
    assert field(after.message, text.FILTERS) == text.FILTER_RACES.format(races=race("sc2_protoss"))
    assert rows(after.message) == expected(sandbox, board(sandbox, races=["sc2_protoss"]).page.entries)


async def test_a_played_match_moves_profile_and_leaderboard(
    sandbox: Sandbox, joined: Joined, player: PlayerFactory
) -> None:
    """Queue, confirm and report a real match; both players see it in /profile and /leaderboard."""
    deps = sandbox.ladder.services
    alice = await joined("alice", "Alice", "KR", "bw_zerg", 0)  # 1500, like Bob
    bob = await player("bob", "Bob", country="US")
    await deps.queue.join(alice.id, "bw_zerg", None)
    await deps.queue.join(bob.id, None, "sc2_terran")
    await deps.matchmaker.run_wave()
    match = await deps.matches.current_for(alice.id)
    assert match is not None and match.player_1 == alice.id  # the BW side is player 1
    for p in (alice, bob):
        card = await p.wait_for_dm(is_found_card, include_existing=True)
        await p.click(match_text.CONFIRM_LABEL, card)
    for p in (alice, bob):
        await deps.matches.report(match.id, p.id, Outcome.PLAYER_1)
    final = result_final(match.id, match_text.OUTCOME_WON, "bw_zerg", 1520, +20)
    await alice.wait_for_dm(with_text(final), include_existing=True)

    profile = await alice.slash("profile")
    [embed] = profile.embeds
    shown = {f["name"]: str(f["value"]) for f in embed["fields"]}
    rank = deps.leaderboard.rank_of(alice.id, "bw_zerg")
    assert rank is not None
    global_rank = profile_text.RACE_GLOBAL.format(rank=rank.global_rank, total=rank.ranked_total)
    won = record_line(1, 0, 0, 100.0)
    assert shown[race("bw_zerg")].splitlines() == [
        profile_text.RACE_MMR.format(mmr=1520, letter=rank.letter, rank=global_rank),
        won,
        " · ".join(profile_text.WINDOW.format(days=days, record=record(1, 0, 0)) for days in (14, 30, 90)),
    ]
    assert shown[race("sc2_terran")] == profile_text.RACE_UNPLAYED
    assert won in shown[profile_text.OVERALL]
    theirs = await bob.slash("profile")
    bob_fields = {f["name"]: str(f["value"]) for f in theirs.embeds[0]["fields"]}
    assert bob_fields[race("sc2_terran")].splitlines()[1] == record_line(0, 1, 0, 0.0)
    assert lead(profile_text.RACE_MMR, mmr=1480) in bob_fields[race("sc2_terran")]

    jumped = await alice.slash("leaderboard", race="bw_zerg")
    moved = await alice.click(text.ME_LABEL, jumped.message)
    [you] = [r for r in rows(moved.message) if r[5] == "Alice"]
    assert you == (rank.global_rank, rank.letter, "Z1", 1520, "🇰🇷", "Alice")

    denied = await bob.slash("profile", player="Alice")  # only admins look at others
    assert denied.content == NotAuthorized.message
