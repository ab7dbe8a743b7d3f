"""/admin: who may use it (the database roster, owners from the settings) and where.

A non-admin is refused on every subcommand and nothing is written; owners manage the admins;
admins answer in DMs (plain) and in a guild channel (ephemeral); the command as registered is
described and within Discord's limits (the local server validates the registration).
"""

from __future__ import annotations

from typing import Any

import pytest
from adminkit import (
    admin_sandbox_options,  # noqa: F401 (the ``sandbox_options`` fixture)
    audit,
    make_admin,
    match,
    player_record,
    queue,
    services,
)
from journeykit import register
from sqlalchemy import func, select

from evoladder.domain.errors import NotAuthorized, OwnerIsFixed
from evoladder.i18n.text import admin as text
from evoladder.sandbox.ladder import Sandbox
from evoladder.services.accounts import AdminRole
from evoladder.store.schema import activation_codes

pytestmark = pytest.mark.e2e

SUBCOMMANDS = {
    "snapshot",
    "season_start",
    "player",
    "matches",
    "match",
    "map_dependency",
    "resolve",
    "adjust_mmr",
    "remove_queue",
    "unblock_queue",
    "ban",
    "unban",
    "reset_aborts",
    "clear_queue",
    "codes_create",
    "codes_list",
    "admins",
    "admin_add",
    "admin_remove",
}
NOT_ALLOWED = NotAuthorized.message


def registered_admin(sandbox: Sandbox) -> dict[str, Any]:
    [command] = [c for c in sandbox.discord.state.commands.values() if c.name == "admin"]
    return command.definition


async def test_the_admin_group_registers_every_subcommand_with_descriptions(sandbox: Sandbox) -> None:
    definition = registered_admin(sandbox)
    subcommands = {o["name"]: o for o in definition["options"]}
    assert set(subcommands) == SUBCOMMANDS
    for sub in subcommands.values():
        assert sub["description"].strip()
        for option in sub.get("options") or []:
            assert option["description"].strip(), (sub["name"], option["name"])
    reason = next(o for o in subcommands["ban"]["options"] if o["name"] == "reason")
    assert reason["required"] and reason["max_length"] == 500
    assert [
        c["value"]
        for c in next(o for o in subcommands["resolve"]["options"] if o["name"] == "outcome")["choices"]
    ] == ["player_1", "player_2", "draw", "invalidate"]


async def test_a_non_admin_is_refused_everywhere_and_nothing_is_written(sandbox: Sandbox) -> None:
    alice, bob, eve = sandbox.player("alice"), sandbox.player("bob"), sandbox.player("eve")
    for player, name in ((alice, "Alice"), (bob, "Bob"), (eve, "Eve")):
        await register(sandbox, player, name)
    found = await match(sandbox, alice, bob)
    carol = sandbox.player("carol")
    await register(sandbox, carol, "Carol")
    await queue(sandbox, carol, "bw_protoss", None)
    before = {p.id: await player_record(sandbox, p.id) for p in (alice, bob, carol)}
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("snapshot", {}),
        ("player", {"uid": str(alice.id)}),
        ("matches", {}),
        ("match", {"match_id": found.id}),
        ("map_dependency", {"match_id": found.id, "reason": "x"}),
        ("resolve", {"match_id": found.id, "outcome": "player_1", "reason": "x"}),
        ("adjust_mmr", {"player": str(alice.id), "race": "bw_zerg", "value": 2000, "reason": "x"}),
        ("remove_queue", {"player": str(carol.id), "reason": "x"}),
        ("unblock_queue", {"player": str(alice.id), "reason": "x"}),
        ("ban", {"player": str(alice.id), "reason": "x"}),
        ("unban", {"player": str(alice.id), "reason": "x"}),
        ("reset_aborts", {"player": str(alice.id), "reason": "x"}),
        ("clear_queue", {"reason": "x"}),
        ("codes_create", {"count": 5, "reason": "x"}),
        ("codes_list", {}),
        ("admins", {}),
        ("admin_add", {"user": str(eve.id), "reason": "x"}),
        ("admin_remove", {"user": str(sandbox.owners[0].id), "reason": "x"}),
        ("season_start", {"reason": "x"}),
    ]
    assert {name for name, _ in attempts} == SUBCOMMANDS
    for name, options in attempts:
        reply = await eve.slash(f"admin {name}", **options)
        assert reply.content == NOT_ALLOWED, name
        assert reply.message.buttons == [] and reply.embeds == [], name

    assert await audit(sandbox) == []
    for p in (alice, bob, carol):
        after = await player_record(sandbox, p.id)
        assert (after.is_banned, after.state, after.aborts_left) == (
            before[p.id].is_banned,
            before[p.id].state,
            before[p.id].aborts_left,
        )
    assert (await services(sandbox).matches.get(found.id)).status == found.status
    assert await services(sandbox).roster.roles() == {sandbox.owners[0].id: AdminRole.OWNER}
    async with services(sandbox).db.read() as uow:
        codes = (await uow.conn.execute(select(func.count()).select_from(activation_codes))).scalar_one()
        mmr = await uow.mmrs.get(alice.id, "bw_zerg")
    assert codes == 0 and (mmr is None or mmr.mmr == 1500)


async def test_owners_manage_admins_and_admins_cannot(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    carol, dave = sandbox.player("carol"), sandbox.player("dave")
    await register(sandbox, carol, "Carol")

    refused = await carol.slash("admin snapshot")
    assert refused.content == NOT_ALLOWED
    added = await root.slash("admin admin_add", user=carol.mention, reason="new moderator")
    assert added.content == text.ADMIN_ADDED.format(user=carol.mention)
    assert "Ladder snapshot" in (await carol.slash("admin snapshot")).text

    staff = await carol.slash("admin admins")
    owners_field = staff.embeds[0]["fields"][0]
    admins_field = staff.embeds[0]["fields"][1]
    assert root.mention in owners_field["value"] and carol.mention not in owners_field["value"]
    assert carol.mention in admins_field["value"] and "Carol" in admins_field["value"]

    not_owner = await carol.slash("admin admin_add", user=str(dave.id), reason="my friend")
    assert not_owner.content == NOT_ALLOWED
    fixed = await root.slash("admin admin_remove", user=str(root.id), reason="test")
    assert fixed.content == OwnerIsFixed.message
    bad_id = await root.slash("admin admin_add", user="dave", reason="test")
    assert bad_id.content == text.NOT_A_USER_ID

    removed = await root.slash("admin admin_remove", user=str(carol.id), reason="stepped down")
    assert removed.content == text.ADMIN_REMOVED.format(user=carol.mention)
    assert (await carol.slash("admin snapshot")).content == NOT_ALLOWED

    rows = [(r["action_type"], r["target_player_uid"], r["reason"]) for r in await audit(sandbox)]
    assert rows == [("add_admin", carol.id, "new moderator"), ("remove_admin", carol.id, "stepped down")]
    assert dave.id not in await services(sandbox).roster.roles()


async def test_an_admin_is_still_an_admin_after_a_restart(sandbox: Sandbox) -> None:
    """The roster lives in the database: an admin list kept in the process (or in a file on an
    ephemeral disk) would lose the admin at the next restart or deploy."""
    root, carol = sandbox.owners[0], sandbox.player("carol")
    await register(sandbox, carol, "Carol")
    await make_admin(sandbox, carol)
    assert (await carol.slash("admin snapshot")).embeds[0]["title"] == text.SNAPSHOT_TITLE

    await sandbox.restart_bot()  # a new process's services over the same database
    assert (await carol.slash("admin snapshot")).embeds[0]["title"] == text.SNAPSHOT_TITLE
    assert await services(sandbox).roster.roles() == {root.id: AdminRole.OWNER, carol.id: AdminRole.ADMIN}


async def test_admins_answer_in_dms_plainly_and_ephemerally_in_a_guild_channel(sandbox: Sandbox) -> None:
    root = sandbox.owners[0]
    in_dm = await root.slash("admin snapshot")
    assert not in_dm.ephemeral and in_dm.embeds[0]["title"] == text.SNAPSHOT_TITLE
    staff_channel = root.at(sandbox.discord.general)
    in_guild = await staff_channel.slash("admin snapshot")
    assert in_guild.ephemeral and in_guild.embeds[0]["title"] == text.SNAPSHOT_TITLE

    mallory = sandbox.player("mallory")
    await register(sandbox, mallory, "Mallory")
    question = await staff_channel.slash("admin ban", player=str(mallory.id), reason="cheating")
    labels = [b["label"] for b in question.message.buttons]
    assert question.ephemeral and labels == [text.CONFIRM_LABEL, text.CANCEL_LABEL]
    done = await staff_channel.click(text.CONFIRM_LABEL, question.message)
    assert done.content == text.BAN_DONE.format(name="Mallory") and done.message.buttons == []
    assert (await player_record(sandbox, mallory.id)).is_banned


async def test_an_admin_added_later_can_act_and_is_audited_as_themselves(sandbox: Sandbox) -> None:
    erin, frank = sandbox.player("erin"), sandbox.player("frank")
    await register(sandbox, frank, "Frank")
    await make_admin(sandbox, erin)
    reply = await erin.slash(
        "admin reset_aborts", player="Frank", reason="disconnects were the server's fault"
    )
    assert reply.content == text.RESET_ABORTS_DONE.format(name="Frank", left=3)
    last = (await audit(sandbox))[-1]
    assert (last["admin_discord_uid"], last["action_type"], last["target_player_uid"]) == (
        erin.id,
        "reset_aborts",
        frank.id,
    )
    assert last["reason"] == "disconnects were the server's fault"
