"""A new player's journey through the local Discord server with the real bot and database:
/termsofservice -> /setup (every invalid input, Restart, Cancel, Confirm) -> /profile.

Each step asserts what the player sees (embeds, buttons, modal fields) and, where it matters,
what the database holds: an invalid input or a cancelled form writes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from journeykit import lead
from sqlalchemy import func, select

from evoladder.bot.render.accounts import flag
from evoladder.domain.errors import NotAuthorized, TargetPlayerNotFound, TermsNotAccepted
from evoladder.domain.identity import MESSAGES
from evoladder.domain.players import Player
from evoladder.i18n import names
from evoladder.i18n.text import accounts as text
from evoladder.i18n.text import common
from evoladder.i18n.text import profile as profile_text
from evoladder.sandbox import Response, VirtualPlayer
from evoladder.sandbox.ladder import Sandbox
from evoladder.settings import load_settings
from evoladder.store.schema import player_action_logs

pytestmark = pytest.mark.e2e

TERMS = ("https://example.org/ladder/terms", "https://example.org/ladder/privacy")
VALID = {"main_id": "Alice", "battletag": "Alice#1234", "alt_1": "앨리스", "alt_2": "Алиса"}


@pytest.fixture
def sandbox_options() -> dict[str, Any]:
    return {"settings": load_settings(terms_urls=",".join(TERMS)), "owners": ["root"]}


async def record(sb: Sandbox, uid: int) -> Player:
    async with sb.ladder.services.db.read() as uow:
        player = await uow.players.get(uid)
    assert player is not None
    return player


async def logged_fields(sb: Sandbox, uid: int) -> list[str]:
    async with sb.ladder.services.db.read() as uow:
        rows = await uow.conn.execute(
            select(player_action_logs.c.field)
            .where(player_action_logs.c.discord_uid == uid, player_action_logs.c.field != "terms_accepted_at")
            .order_by(player_action_logs.c.id)
        )
        return [str(r[0]) for r in rows]


async def log_rows(sb: Sandbox, uid: int) -> int:
    async with sb.ladder.services.db.read() as uow:
        count = await uow.conn.scalar(
            select(func.count())
            .select_from(player_action_logs)
            .where(player_action_logs.c.discord_uid == uid)
        )
    return int(count or 0)


def field(response: Response, name: str) -> str:
    [embed] = response.embeds
    return next(str(f["value"]) for f in embed["fields"] if f["name"] == name)


def button(response: Response, label: str) -> dict[str, Any]:
    found = response.message.button(label)
    assert found is not None, response.message.buttons
    return dict(found)


async def accept_terms(player: VirtualPlayer) -> None:
    await player.slash("termsofservice")
    await player.click(text.ACCEPT_LABEL)


async def test_terms_show_every_link_and_record_the_answer_with_its_time(sandbox: Sandbox) -> None:
    alice = sandbox.player("alice")
    shown = await alice.slash("termsofservice")
    assert not shown.ephemeral  # plain in DMs
    for url in TERMS:
        assert url in shown.text
    assert text.TERMS_STATUS_NONE in shown.text
    assert {b["label"] for b in shown.message.buttons} == {text.ACCEPT_LABEL, text.DECLINE_LABEL}
    first = await record(sandbox, alice.id)  # first contact created the record
    assert first.terms_accepted_at is None and first.terms_declined_at is None

    refused = await alice.slash("setup")
    assert refused.content == TermsNotAccepted.message

    declined = await alice.click(text.DECLINE_LABEL)
    assert declined.message.id == shown.message.id  # the same message, edited
    assert lead(text.TERMS_STATUS_DECLINED) in declined.text
    stored = await record(sandbox, alice.id)
    assert stored.terms_declined_at is not None and stored.terms_accepted_at is None
    assert f"<t:{int(stored.terms_declined_at.timestamp())}:f>" in declined.text

    accepted = await alice.click(text.ACCEPT_LABEL)
    assert lead(text.TERMS_STATUS_ACCEPTED) in accepted.text and text.TERMS_NEXT in accepted.text
    stored = await record(sandbox, alice.id)
    assert stored.terms_accepted_at is not None and stored.terms_declined_at is None
    assert f"<t:{int(stored.terms_accepted_at.timestamp())}:f>" in accepted.text

    await sandbox.restart_bot()  # the buttons are persistent
    again = await alice.click(text.DECLINE_LABEL)
    assert lead(text.TERMS_STATUS_DECLINED) in again.text


@pytest.mark.parametrize(
    ("values", "rule"),
    [
        ({"main_id": "Al"}, "main_id"),
        ({"main_id": "Alice1"}, "main_id"),
        ({"main_id": "Алиса"}, "main_id"),
        ({"battletag": "Alice1234"}, "battletag"),
        ({"battletag": "Alice#12"}, "battletag"),
        ({"battletag": "1lice#1234"}, "battletag"),
        ({"alt_1": "no spaces"}, "alt_ids"),
        ({"alt_2": "x!"}, "alt_ids"),
        ({"alt_1": "ALICE"}, "distinct"),
        ({"alt_1": "Bobby", "alt_2": "bobby"}, "distinct"),
    ],
)
async def test_each_invalid_input_shows_its_rule_and_writes_nothing(
    sandbox: Sandbox, values: dict[str, str], rule: str
) -> None:
    bob = sandbox.player("bob")
    await accept_terms(bob)
    rows_before = await log_rows(sandbox, bob.id)
    opened = await bob.slash("setup")
    assert opened.modal.title == text.SETUP_MODAL_TITLE
    answer = await bob.submit_modal({**VALID, **values})
    assert answer.content == text.SETUP_INVALID.format(message=MESSAGES[rule])
    assert answer.embeds == []
    stored = await record(sandbox, bob.id)
    assert stored.main_id is None and stored.battletag is None and stored.completed_setup_date is None
    assert await log_rows(sandbox, bob.id) == rows_before

    # Edit reopens the modal with what was typed, and a correction moves on in the same message.
    reopened = await bob.click(text.EDIT_LABEL)
    for key, value in {**VALID, **values}.items():
        assert reopened.modal.field(key).value == value
    fixed = await bob.submit_modal(VALID)
    assert fixed.message.id == answer.message.id
    assert fixed.content == ""
    assert field(fixed, text.SETUP_MAIN_ID) == "Alice"


async def test_setup_restart_cancel_confirm_then_profile(sandbox: Sandbox) -> None:
    carol = sandbox.player("carol")
    await accept_terms(carol)
    opened = await carol.slash("setup")
    assert [f.value for f in opened.modal.fields] == [None, None, None, None]  # nothing to pre-fill yet
    step = await carol.submit_modal(VALID)
    [embed] = step.embeds
    assert embed["title"] == text.SETUP_PICK_TITLE
    assert field(step, text.SETUP_ALT_IDS) == "앨리스, Алиса"
    assert button(step, text.CONFIRM_LABEL).get("disabled") is True
    selects = step.message.selects
    assert [len(s["options"]) for s in selects] == [25, 25, 16, 5]  # two country pages, regions, languages
    assert selects[1]["options"][-1]["value"] == "ZZ"  # Other, last

    page_two = next(s for s in selects if any(o["value"] == "KR" for o in s["options"]))
    picked = await carol.select(page_two["placeholder"], ["KR"])
    assert picked.message.id == step.message.id
    korea = sandbox.services.game.countries["KR"]
    assert field(picked, text.SETUP_COUNTRY) == f"{flag('KR')} {names.country(korea)}"
    assert button(picked, text.CONFIRM_LABEL).get("disabled") is True  # no region yet
    preview = await carol.select(text.REGION_PLACEHOLDER, ["KRJ"])
    assert preview.embeds[0]["title"] == text.SETUP_PREVIEW_TITLE
    korea_and_japan = names.region(sandbox.services.game.regions["KRJ"])
    assert field(preview, text.SETUP_REGION) == korea_and_japan
    assert button(preview, text.CONFIRM_LABEL).get("disabled") is False

    # Restart: the modal again, pre-filled with the draft; the picks survive it.
    restarted = await carol.click(text.RESTART_LABEL)
    assert restarted.modal.field("main_id").value == "Alice"
    assert restarted.modal.field("alt_2").value == "Алиса"
    changed = await carol.submit_modal({"battletag": "Carol#98765"})
    assert changed.message.id == step.message.id
    assert field(changed, text.SETUP_BATTLETAG) == "Carol#98765"
    assert field(changed, text.SETUP_COUNTRY) == f"{flag('KR')} {names.country(korea)}"

    cancelled = await carol.click(text.CANCEL_LABEL)
    assert cancelled.embeds[0]["title"] == text.SETUP_CANCELLED
    assert cancelled.message.buttons == [] and cancelled.message.selects == []
    stored = await record(sandbox, carol.id)
    assert stored.main_id is None and stored.completed_setup_date is None and stored.country is None
    assert await logged_fields(sandbox, carol.id) == []

    await carol.slash("setup")
    await carol.submit_modal(VALID)
    await carol.select(page_two["placeholder"], ["KR"])
    await carol.select(text.REGION_PLACEHOLDER, ["KRJ"])
    saved = await carol.click(text.CONFIRM_LABEL)
    assert saved.embeds[0]["title"] == text.SETUP_SAVED_TITLE
    assert text.SETUP_SAVED_FIRST in saved.text
    assert saved.message.buttons == []
    stored = await record(sandbox, carol.id)
    assert (stored.main_id, stored.battletag, stored.alt_ids) == ("Alice", "Alice#1234", ("앨리스", "Алиса"))
    assert (stored.country, stored.region) == ("KR", "KRJ")
    assert stored.completed_setup_date is not None
    assert sorted(await logged_fields(sandbox, carol.id)) == sorted(
        ["main_id", "battletag", "alt_ids", "country", "region", "completed_setup_date"]
    )

    # The next /setup is pre-filled from the record; saving it unchanged logs nothing.
    again = await carol.slash("setup")
    assert [f.value for f in again.modal.fields] == ["Alice", "Alice#1234", "앨리스", "Алиса"]
    same = await carol.submit_modal({})
    assert same.embeds[0]["title"] == text.SETUP_PREVIEW_TITLE  # country and region pre-picked
    unchanged = await carol.click(text.CONFIRM_LABEL)
    assert text.SETUP_SAVED_SAME in unchanged.text
    assert len(await logged_fields(sandbox, carol.id)) == 6

    profile = await carol.slash("profile")
    [card] = profile.embeds
    assert card["title"] == "Alice"
    shown = {f["name"]: f["value"] for f in card["fields"]}
    p = profile_text
    assert "Alice#1234" in shown[p.IDENTITY] and "앨리스, Алиса" in shown[p.IDENTITY]
    game = sandbox.ladder.services.game
    assert shown[p.WHERE] == p.WHERE_LINE.format(
        flag=flag("KR"), country=names.country(game.countries["KR"]), region=names.region(game.regions["KRJ"])
    )
    for code, race in game.races.items():
        assert shown[names.race(race, code)] == p.RACE_UNPLAYED
    assert shown[p.ABORTS] == p.ABORTS_LINE.format(left=3, total=3)
    assert shown[p.STATUS] == p.STATUS_LINE.format(
        status=p.table("STATUS_TEXT")["active"], state=p.table("STATE_TEXT")["idle"]
    )
    assert p.RECORD.format(wins=0, losses=0, draws=0) in shown[p.OVERALL]


async def test_a_stranger_cannot_use_someone_elses_setup_form(sandbox: Sandbox) -> None:
    dave, erin = sandbox.player("dave"), sandbox.player("erin")
    for p in (dave, erin):
        await accept_terms(p)
    await dave.slash("setup")
    form = await dave.submit_modal(VALID)
    refused = await erin.click(text.CANCEL_LABEL, form.message)
    assert refused.content == common.NOT_YOUR_BUTTON
    assert form.message.embeds[0]["title"] == text.SETUP_PICK_TITLE  # untouched


async def test_an_admin_can_open_another_players_profile(sandbox: Sandbox) -> None:
    [root] = sandbox.owners
    frank = sandbox.player("frank")
    for p in (root, frank):
        await accept_terms(p)
    await frank.slash("setup")
    await frank.submit_modal({**VALID, "main_id": "Frank", "battletag": "Frank#4321"})
    await frank.select(text.REGION_PLACEHOLDER, ["EUW"])
    await frank.select(text.COUNTRY_PLACEHOLDER.format(first="Argentina", last="Indonesia"), ["FR"])
    await frank.click(text.CONFIRM_LABEL)

    by_name = await root.slash("profile", player="frank")
    france = names.country(sandbox.services.game.countries["FR"])
    assert by_name.embeds[0]["title"] == "Frank" and f"{flag('FR')} {france}" in by_name.text
    by_id = await root.slash("profile", player=str(frank.id))
    assert by_id.embeds[0]["title"] == "Frank"
    nobody = await root.slash("profile", player="nobody")
    assert nobody.content == TargetPlayerNotFound.message
    denied = await frank.slash("profile", player=str(root.id))
    assert denied.content == NotAuthorized.message
