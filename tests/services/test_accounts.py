"""Accounts on SQLite and PostgreSQL: first contact, terms, setup, country, activation, aborts."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from accountkit import ADMIN, OWNER, T0, Stack, register, started_stack

from evoladder.domain.errors import (
    AlreadyActivated,
    InvalidActivationCode,
    LadderError,
    NotAuthorized,
    PlayerNotFound,
    UnknownCountry,
    UnknownRegion,
    ValidationError,
)
from evoladder.domain.identity import MESSAGES
from evoladder.domain.players import ChangedBy
from evoladder.store.uow import Database

UID = 111_111_111_111_111_111


@pytest.fixture
async def stack(db: Database) -> Stack:
    return await started_stack(db)


async def logs(s: Stack, uid: int) -> list[tuple[str, str | None, str | None, str]]:
    async with s.db.read() as uow:
        rows = await uow.players.action_logs(uid)
    return [(r["field"], r["old_value"], r["new_value"], r["changed_by"]) for r in rows]


async def test_first_contact_creates_the_record_once(stack: Stack) -> None:
    first, second = await asyncio.gather(
        stack.accounts.ensure_player(UID, "유저"), stack.accounts.ensure_player(UID, "유저")
    )
    assert first.discord_uid == second.discord_uid == UID
    assert first.discord_username == "유저"
    assert first.aborts_left == 3 and first.terms_accepted_at is None
    async with stack.db.read() as uow:
        assert await uow.players.count() == 1
    assert await logs(stack, UID) == []  # creation is not a field change


async def test_changed_username_is_stored_and_logged_as_system(stack: Stack) -> None:
    await stack.accounts.ensure_player(UID, "old_name")
    player = await stack.accounts.ensure_player(UID, "new_name")
    assert player.discord_username == "new_name"
    assert (await stack.accounts.get_player(UID)).discord_username == "new_name"
    assert await logs(stack, UID) == [("discord_username", "old_name", "new_name", ChangedBy.SYSTEM.value)]


async def test_terms_accept_and_decline_record_their_time(stack: Stack) -> None:
    await stack.accounts.ensure_player(UID, "p")
    accepted = await stack.accounts.accept_terms(UID)
    assert accepted.terms_accepted_at == T0
    stack.clock.advance(hours=1)
    declined = await stack.accounts.decline_terms(UID)
    assert declined.terms_declined_at == T0 + timedelta(hours=1)
    assert declined.terms_accepted_at is None
    stored = await stack.accounts.get_player(UID)
    assert (stored.terms_accepted_at, stored.terms_declined_at) == (None, T0 + timedelta(hours=1))
    fields = [row[0] for row in await logs(stack, UID)]
    assert fields == ["terms_accepted_at", "terms_declined_at", "terms_accepted_at"]
    assert {row[3] for row in await logs(stack, UID)} == {"player"}


async def test_terms_for_an_unknown_player_is_a_typed_error(stack: Stack) -> None:
    with pytest.raises(PlayerNotFound) as err:
        await stack.accounts.accept_terms(UID)
    assert err.value.message == PlayerNotFound.message


async def test_setup_logs_one_row_per_changed_field_and_sets_the_date_once(stack: Stack) -> None:
    await stack.accounts.ensure_player(UID, "p")
    await stack.accounts.accept_terms(UID)
    first = await stack.accounts.complete_setup(UID, "Maru", "Maru#1234", ["테란왕"], "kr", "KRJ")
    assert first.first_setup
    assert set(first.changed_fields) == {
        "main_id", "battletag", "alt_ids", "country", "region", "completed_setup_date"
    }
    setup_logs = (await logs(stack, UID))[1:]
    assert [r[0] for r in setup_logs] == [
        "main_id", "battletag", "alt_ids", "country", "region", "completed_setup_date"
    ]
    assert ("country", None, "KR", "player") in setup_logs

    stack.clock.advance(days=3)
    again = await stack.accounts.complete_setup(UID, "Maru", "Maru#1234", ["테란왕"], "DE", "EUW")
    assert not again.first_setup
    assert set(again.changed_fields) == {"country", "region"}
    assert again.player.completed_setup_date == T0  # set once, kept
    assert [r[0] for r in (await logs(stack, UID))[7:]] == ["country", "region"]

    unchanged = await stack.accounts.complete_setup(UID, "Maru", "Maru#1234", ["테란왕"], "DE", "EUW")
    assert unchanged.changed_fields == ()
    assert len(await logs(stack, UID)) == 9


async def test_setup_by_an_admin_is_logged_as_admin(stack: Stack) -> None:
    await register(stack, UID, "Serral", country="FI", region="EUE")
    await stack.accounts.complete_setup(
        UID, "Serral", "Serral#1234", [], "SE", "EUE", changed_by=ChangedBy.ADMIN, changed_by_uid=ADMIN
    )
    async with stack.db.read() as uow:
        last = (await uow.players.action_logs(UID))[-1]
    assert (last["field"], last["changed_by"], last["changed_by_uid"]) == ("country", "admin", ADMIN)


GOOD: dict[str, Any] = {
    "main_id": "Maru", "battletag": "Maru#1234", "alt_ids": ["테란왕", "Зерг"],
    "country": "KR", "region": "KRJ",
}
BAD_SETUPS = [
    ({"main_id": "ab"}, MESSAGES["main_id"]),
    ({"main_id": "abcdefghijklm"}, MESSAGES["main_id"]),
    ({"main_id": "Maru2"}, MESSAGES["main_id"]),
    ({"main_id": "마루마루"}, MESSAGES["main_id"]),
    ({"main_id": "Ma ru"}, MESSAGES["main_id"]),
    ({"battletag": "Maru"}, MESSAGES["battletag"]),
    ({"battletag": "Maru#12"}, MESSAGES["battletag"]),
    ({"battletag": "1Maru#1234"}, MESSAGES["battletag"]),
    ({"battletag": "Ma#1234"}, MESSAGES["battletag"]),
    ({"alt_ids": ["ab"]}, MESSAGES["alt_ids"]),
    ({"alt_ids": ["테란 왕"]}, MESSAGES["alt_ids"]),
    ({"alt_ids": ["Zerg!"]}, MESSAGES["alt_ids"]),
    ({"alt_ids": ["one", "two", "three"]}, MESSAGES["alt_count"]),
    ({"alt_ids": ["maru"]}, MESSAGES["distinct"]),
    ({"alt_ids": ["Зерг", "зерг"]}, MESSAGES["distinct"]),
    ({"country": "QQ"}, UnknownCountry().message),
    ({"country": ""}, UnknownCountry().message),
    ({"region": "MARS"}, UnknownRegion().message),
]


@pytest.mark.parametrize(("change", "message"), BAD_SETUPS)
async def test_every_setup_rule_shows_its_message_and_writes_nothing(
    stack: Stack, change: dict[str, Any], message: str
) -> None:
    await stack.accounts.ensure_player(UID, "p")
    await stack.accounts.accept_terms(UID)
    before = await stack.accounts.get_player(UID)
    form = GOOD | change
    with pytest.raises(ValidationError) as preview:
        stack.accounts.validate_setup(**form)
    assert preview.value.message == message
    with pytest.raises(ValidationError) as err:
        await stack.accounts.complete_setup(UID, **form)
    assert err.value.message == message
    after = await stack.accounts.get_player(UID)
    assert after == before
    assert [r[0] for r in await logs(stack, UID)] == ["terms_accepted_at"]


async def test_unicode_alt_ids_are_stored_and_shown(stack: Stack) -> None:
    await register(stack, UID, "Maru", alt_ids=("테란왕", "虫族大师"))
    profile = await stack.profiles.profile(UID)
    assert profile.alt_ids == ("테란왕", "虫族大师")
    await stack.accounts.complete_setup(UID, "Maru", "마루짱#5678", ["Зерг"], "RU", "FER")
    player = await stack.accounts.get_player(UID)
    assert (player.battletag, player.alt_ids, player.country) == ("마루짱#5678", ("Зерг",), "RU")
    assert ("alt_ids", "테란왕, 虫族大师", "Зерг", "player") in await logs(stack, UID)


async def test_every_one_of_the_251_countries_can_be_set(stack: Stack) -> None:
    await register(stack, UID)
    codes = list(stack.game.countries)
    assert len(codes) == 251
    for code in codes:
        player = await stack.accounts.set_country(UID, code.lower())
        assert player.country == code
    assert (await stack.accounts.get_player(UID)).country == codes[-1]


async def test_unknown_country_writes_nothing(stack: Stack) -> None:
    await register(stack, UID)
    before = await stack.accounts.get_player(UID)
    n_logs = len(await logs(stack, UID))
    for bad in ("QQ", "KOR", "", "한국"):
        with pytest.raises(UnknownCountry) as err:
            await stack.accounts.set_country(UID, bad)
        assert err.value.message == "That country is not in the list. Pick one from the suggestions."
    assert await stack.accounts.get_player(UID) == before
    assert len(await logs(stack, UID)) == n_logs


@pytest.mark.parametrize(
    ("query", "first"),
    [("aland", "AX"), ("Åland", "AX"), ("cote", "CI"), ("curaçao", "CW"), ("curacao", "CW"),
     ("türk", "TR"), ("turk", "TR"), ("kr", "KR"), ("reun", "RE"), ("barth", "BL"), ("korea", "KP")],
)
def test_country_search_ignores_case_and_accents(stack: Stack, query: str, first: str) -> None:
    found = stack.accounts.search_countries(query)
    assert found and found[0].code == first
    assert len(stack.accounts.search_countries("")) == 25
    assert stack.accounts.search_countries("한국") == []


def test_country_display_keeps_its_unicode(stack: Stack) -> None:
    names = {c.code: c.name for c in stack.accounts.search_countries("i", limit=300)}
    assert names["CI"] == "Côte d'Ivoire" and names["AX"] == "Åland Islands"


async def test_activation_codes_are_single_use_and_a_player_activates_once(stack: Stack) -> None:
    await register(stack, UID)
    await register(stack, UID + 1)
    batch = await stack.admin.create_activation_codes(ADMIN, 3, "spring invitations")
    assert len(batch.codes) == 3 and len(set(batch.codes)) == 3
    code = batch.codes[0]
    typed = f" {code[:4].lower()}-{code[4:8]} {code[8:]} "  # as a player might paste it
    player = await stack.accounts.redeem_activation_code(UID, typed)
    assert player.activated_at == T0

    with pytest.raises(InvalidActivationCode) as used:
        await stack.accounts.redeem_activation_code(UID + 1, code)
    assert used.value.message == InvalidActivationCode.message
    with pytest.raises(AlreadyActivated) as again:
        await stack.accounts.redeem_activation_code(UID, batch.codes[1])
    assert again.value.message == "Your account is already activated."
    assert set(await stack.admin.unused_codes(ADMIN, batch.batch)) == set(batch.codes[1:])
    async with stack.db.read() as uow:
        audit = await uow.admins.actions()
    assert [(a["action_type"], a["reason"]) for a in audit] == [
        ("create_activation_codes", "spring invitations")
    ]


async def test_a_wrong_code_writes_nothing(stack: Stack) -> None:
    await register(stack, UID)
    before = await stack.accounts.get_player(UID)
    for bad in ("NOPE-NOPE-NOPE", "", "----"):
        with pytest.raises(InvalidActivationCode):
            await stack.accounts.redeem_activation_code(UID, bad)
    assert await stack.accounts.get_player(UID) == before


async def test_two_players_racing_for_one_code_one_wins(stack: Stack) -> None:
    await register(stack, UID)
    await register(stack, UID + 1)
    code = (await stack.admin.create_activation_codes(OWNER, 1, "race")).codes[0]
    results = await asyncio.gather(
        stack.accounts.redeem_activation_code(UID, code),
        stack.accounts.redeem_activation_code(UID + 1, code),
        return_exceptions=True,
    )
    assert sum(1 for r in results if isinstance(r, InvalidActivationCode)) == 1
    assert sum(1 for r in results if not isinstance(r, LadderError)) == 1


async def test_only_admins_create_codes_and_nothing_is_written_otherwise(stack: Stack) -> None:
    await register(stack, UID)
    with pytest.raises(NotAuthorized):
        await stack.admin.create_activation_codes(UID, 5, "I want codes")
    async with stack.db.read() as uow:
        assert await uow.admins.actions() == []


async def test_aborts_reset_lazily_at_the_start_of_each_utc_month(stack: Stack) -> None:
    await register(stack, UID)
    async with stack.db.transaction() as uow:
        assert await uow.players.consume_abort(UID, stack.clock.now())
        assert await uow.players.consume_abort(UID, stack.clock.now())
        assert await uow.players.consume_abort(UID, stack.clock.now())
        assert not await uow.players.consume_abort(UID, stack.clock.now())  # none left
    assert await stack.accounts.aborts_left(UID) == 0
    stack.clock.current = T0.replace(month=12, day=1, hour=0)  # a new UTC month; no job ran
    assert await stack.accounts.aborts_left(UID) == 3
    async with stack.db.transaction() as uow:
        assert await uow.players.consume_abort(UID, stack.clock.now())
    assert await stack.accounts.aborts_left(UID) == 2


async def test_owners_come_from_settings_and_follow_them(stack: Stack) -> None:
    assert (await stack.roster.roles())[OWNER] == "owner"
    await stack.roster.sync_owners({OWNER + 10})
    roles = await stack.roster.roles()
    assert OWNER not in roles  # removed from the settings: no leftover rights
    assert roles[OWNER + 10] == "owner" and roles[ADMIN] == "admin"
    with pytest.raises(NotAuthorized):
        await stack.roster.require_admin(OWNER)
