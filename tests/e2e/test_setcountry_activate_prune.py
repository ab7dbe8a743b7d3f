"""/setcountry (autocomplete in any script), /activate (single use) and /prune (keeps open matches
and the last 3 hours), through the local Discord server with the real bot and database.

/prune needs messages of different ages: the bot and the local Discord share one clock here
(Discord's message ids carry their creation time, the bot compares them with its own clock), and
the test moves it forward instead of sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from journeykit import lead, register
from sqlalchemy import select

from evoladder.bot.render.accounts import flag
from evoladder.domain.errors import AlreadyActivated, InvalidActivationCode, UnknownCountry
from evoladder.i18n import names
from evoladder.i18n.native_names import NATIVE_NAMES
from evoladder.i18n.text import accounts as text
from evoladder.i18n.text import common
from evoladder.i18n.text import match as match_text
from evoladder.i18n.text import profile as profile_text
from evoladder.sandbox import Clock, VirtualPlayer
from evoladder.sandbox.ladder import Sandbox
from evoladder.sandbox.state import Message
from evoladder.settings import load_settings
from evoladder.store.schema import bot_messages

pytestmark = pytest.mark.e2e

HOUR = 3600.0


class SharedClock:
    """The bot's clock reading the local Discord's clock, so both agree on every message's age."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.time(), UTC)


@pytest.fixture
def sandbox_options() -> dict[str, Any]:
    clock = Clock()
    settings = load_settings(reporting_deadline_seconds=2 * 24 * 3600)  # the open match outlives the jumps
    return {"settings": settings, "owners": ["root"], "clock": SharedClock(clock), "discord_clock": clock}


async def registered(sb: Sandbox, name: str, main_id: str, country: str = "KR") -> VirtualPlayer:
    player = sb.player(name)
    await register(sb, player, main_id, country=country, region="KRJ")
    return player


async def country_of(sb: Sandbox, uid: int) -> str | None:
    async with sb.ladder.services.db.read() as uow:
        player = await uow.players.get(uid)
    assert player is not None
    return player.country


# --- /setcountry ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("한국", "KR"),  # Korean
        ("대한", "KR"),
        ("하", "KR"),  # half a syllable: Hangul is compared letter by letter
        ("中国", "CN"),  # Chinese
        ("台灣", "TW"),  # traditional characters
        ("Росс", "RU"),  # Cyrillic
        ("україна", "UA"),
        ("Китай", "CN"),
        ("aland", "AX"),  # accents ignored: Åland Islands
        ("türk", "TR"),
        ("kr", "KR"),  # a code
        ("south ko", "KR"),
    ],
)
async def test_country_autocomplete_finds_countries_in_any_script(
    sandbox: Sandbox, typed: str, code: str
) -> None:
    alice = await registered(sandbox, "alice", "Alice")
    choices = await alice.autocomplete("setcountry", "country", typed)
    assert 1 <= len(choices) <= 25
    assert code in [c["value"] for c in choices]
    shown = next(c["name"] for c in choices if c["value"] == code)
    assert sandbox.ladder.services.game.countries[code].name in shown


async def test_country_autocomplete_is_safe_with_any_input(sandbox: Sandbox) -> None:
    alice = await registered(sandbox, "alice", "Alice")
    common_list = await alice.autocomplete("setcountry", "country", "")
    assert len(common_list) == 25 and all(len(c["name"]) <= 100 for c in common_list)
    for typed in ("ㅋㅋㅋ", "🇰🇷", "Ж" * 100, "'; DROP TABLE players; --", "\u0301", "   "):
        choices = await alice.autocomplete("setcountry", "country", typed)
        assert len(choices) <= 25
    every = set(sandbox.ladder.services.game.countries)
    assert set(NATIVE_NAMES) <= every  # every native name points at a real country


async def test_setcountry_previews_then_confirms_any_country(sandbox: Sandbox) -> None:
    alice = await registered(sandbox, "alice", "Alice")
    game = sandbox.services.game
    thailand, korea, russia = (f"{flag(c)} {names.country(game.countries[c])}" for c in ("TH", "KR", "RU"))
    preview = await alice.slash("setcountry", country="TH")  # not one of the common countries
    assert preview.content == text.SETCOUNTRY_PREVIEW.format(new=thailand, old=korea)
    assert await country_of(sandbox, alice.id) == "KR"  # nothing written before Confirm
    done = await alice.click(text.CONFIRM_LABEL)
    assert done.message.id == preview.message.id
    assert done.content == text.SETCOUNTRY_DONE.format(new=thailand)
    assert done.message.buttons == []
    assert await country_of(sandbox, alice.id) == "TH"
    profile = await alice.slash("profile")
    assert thailand in profile.text

    by_native_name = await alice.slash("setcountry", country="Россия")  # typed, not picked
    assert russia in by_native_name.content
    cancelled = await alice.click(text.CANCEL_LABEL)
    assert cancelled.content == text.SETCOUNTRY_CANCELLED
    assert await country_of(sandbox, alice.id) == "TH"

    unknown = await alice.slash("setcountry", country="Narnia")
    assert unknown.content == UnknownCountry().message
    assert await country_of(sandbox, alice.id) == "TH"

    bob = await registered(sandbox, "bob", "Bob")
    mine = await alice.slash("setcountry", country="JP")
    refused = await bob.click(text.CONFIRM_LABEL, mine.message)
    assert refused.content == common.NOT_YOUR_BUTTON
    assert await country_of(sandbox, bob.id) == "KR" and await country_of(sandbox, alice.id) == "TH"


# --- /activate ------------------------------------------------------------------------------------


async def test_an_activation_code_works_once(sandbox: Sandbox) -> None:
    [root] = sandbox.owners
    batch = await sandbox.ladder.services.admin_players.create_activation_codes(root.id, 2, "new players")
    first, second = batch.codes
    alice = await registered(sandbox, "alice", "Alice")
    bob = await registered(sandbox, "bob", "Bob")

    wrong = await alice.slash("activate", code="NOPE-NOPE-NOPE")
    assert wrong.content == InvalidActivationCode.message
    done = await alice.slash("activate", code=f"{first[:4].lower()}-{first[4:8]} {first[8:]}")  # as typed
    assert done.content == text.ACTIVATED_NOT_NEEDED
    again = await alice.slash("activate", code=second)
    assert again.content == AlreadyActivated.message
    taken = await bob.slash("activate", code=first)
    assert taken.content == InvalidActivationCode.message
    ok = await bob.slash("activate", code=second)
    assert ok.content == text.ACTIVATED_NOT_NEEDED
    profile = await bob.slash("profile")
    assert profile_text.table("STATUS_TEXT")["active"] in profile.text

    async with sandbox.ladder.services.db.read() as uow:
        a, b = await uow.players.get(alice.id), await uow.players.get(bob.id)
    assert a is not None and a.activated_at is not None
    assert b is not None and b.activated_at is not None


# --- /prune ---------------------------------------------------------------------------------------


async def live_bot_dms(player: VirtualPlayer, bot_id: int) -> list[Message]:
    return [m for m in player.dms if m.author_id == bot_id and not m.deleted]


async def found_match(sb: Sandbox, a: VirtualPlayer, b: VirtualPlayer) -> int:
    """Queue both through the queue service and run one wave; both get their match message."""
    deps = sb.ladder.services
    await deps.queue.join(a.id, "bw_zerg", None)
    await deps.queue.join(b.id, None, "sc2_terran")
    await deps.matchmaker.run_wave()
    current = await deps.matches.current_for(a.id)
    assert current is not None
    for p in (a, b):
        await p.wait_for_dm(
            lambda m: f"#{current.id}" in m.text and m.button(match_text.CONFIRM_LABEL) is not None,
            include_existing=True,
        )
    return current.id


async def test_prune_deletes_old_messages_and_keeps_open_matches_and_the_last_3_hours(
    sandbox: Sandbox,
) -> None:
    alice = await registered(sandbox, "alice", "Alice")
    bob = await registered(sandbox, "bob", "Bob")
    bot_id = sandbox.discord.bot_user.id

    # Old messages: two command replies and a match that ended (its message and notices).
    await alice.slash("help")
    await alice.slash("termsofservice")
    ended = await found_match(sandbox, alice, bob)
    await alice.click(match_text.ABORT_LABEL.format(count=3))
    await alice.click(match_text.ABORT_CONFIRM_LABEL)
    await alice.wait_for_dm(
        lambda m: m.content.startswith(lead(match_text.ABORTED_BY_YOU, match_id=ended)), include_existing=True
    )
    await bob.wait_for_dm(lambda m: f"aborted match #{ended}" in m.content, include_existing=True)

    # The open match: found and confirmed (Bob first, so Alice's confirm needs no reply of its own).
    open_id = await found_match(sandbox, alice, bob)
    open_card = await alice.wait_for_dm(lambda m: f"#{open_id}" in m.text, include_existing=True)
    await bob.click(match_text.CONFIRM_LABEL)
    await alice.wait_for_dm(
        lambda m: m.content == match_text.OPPONENT_CONFIRMED.format(match_id=open_id), include_existing=True
    )
    await alice.click(match_text.CONFIRM_LABEL, open_card)
    await alice.wait_for_dm(
        lambda m: m.id == open_card.id and match_text.DETAILS_INTRO in m.text, include_existing=True
    )
    await bob.wait_for_dm(
        lambda m: f"#{open_id}" in m.text and match_text.DETAILS_INTRO in m.text, include_existing=True
    )
    # Notifications go out after their commit, from the outbox: let every one of them be
    # delivered and recorded before the snapshot, or a late one looks like a message /prune made.
    await sandbox.ladder.services.matches.outbox.settled()
    old = await live_bot_dms(alice, bot_id)
    bobs = [m.id for m in await live_bot_dms(bob, bot_id)]

    sandbox.discord.advance_time(4 * HOUR)
    await alice.slash("help")  # recent: 2 hours old when /prune runs
    sandbox.discord.advance_time(2 * HOUR)
    recent = [m for m in await live_bot_dms(alice, bot_id) if m not in old]

    pruned = await alice.slash("prune")
    kept_match = [m for m in old if f"#{open_id}" in m.text]
    deleted = [m for m in old if m not in kept_match]
    assert {m.id for m in kept_match} >= {open_card.id}
    assert len(kept_match) == 2  # the match message (now the details) and "your opponent confirmed"
    assert pruned.content == text.PRUNE_DONE.format(count=len(deleted), hours=3)
    assert all(m.deleted for m in deleted)
    assert {m.id for m in await live_bot_dms(alice, bot_id)} == {m.id for m in [*kept_match, *recent]} | {
        pruned.message.id
    }
    assert open_card.button(match_text.ABORT_SHORT_LABEL) is not None  # the open match still has its buttons
    assert [m.id for m in await live_bot_dms(bob, bot_id)] == bobs  # only the caller's DM

    async with sandbox.ladder.services.db.read() as uow:
        rows = (
            await uow.conn.execute(
                select(bot_messages.c.message_id, bot_messages.c.match_id, bot_messages.c.deleted_at).where(
                    bot_messages.c.discord_uid == alice.id
                )
            )
        ).all()
    assert rows and all((r.deleted_at is None) == (r.match_id == open_id) for r in rows)

    again = await alice.slash("prune")
    assert again.content == text.PRUNE_NOTHING.format(hours=3)
