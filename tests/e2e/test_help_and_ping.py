"""The bot core end to end: the real bot, real discord.py, the local Discord server.

Besides /ping and /help, a small test cog adds what the core must handle whatever the feature:
a DM-only command, a command that fails unexpectedly, and a persistent button.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Self

import discord
import pytest
from sqlalchemy import func, select

from evoladder.bot.interaction import Call, FlowSpec, LadderCog, LadderItem, custom_id, ladder_command
from evoladder.bot.reply import Reply
from evoladder.i18n.text import common as text
from evoladder.i18n.text import help as help_text
from evoladder.sandbox.ladder import Sandbox
from evoladder.store.schema import command_calls

pytestmark = pytest.mark.e2e

REFERENCE = re.compile(r"`([0-9a-f]{8})`")


class Bump(LadderItem[discord.ui.Button[Any]], template=r"evo:test:bump:(?P<count>\d+)"):
    """A persistent button whose state lives in its custom id (like the match buttons)."""

    spec = FlowSpec("test.bump", guard=False, dm_only=False)

    def __init__(self, count: int) -> None:
        super().__init__(
            discord.ui.Button(label=f"Bump ({count})", custom_id=custom_id("test", "bump", count))
        )
        self.count = count

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(int(match["count"]))

    async def handle(self, call: Call) -> Reply:
        view = discord.ui.View(timeout=None)
        view.add_item(Bump(self.count + 1))
        return Reply(content=f"count {self.count + 1}", view=view, edit=True)


class CoreTestCog(LadderCog):
    dynamic_items = (Bump,)

    @ladder_command(name="secret", description="A DM-only command", guard=False)
    async def secret(self, call: Call) -> Reply:
        return Reply(content="only in DMs")

    @ladder_command(name="boom", description="Fails unexpectedly", guard=False, dm_only=False)
    async def boom(self, call: Call) -> Reply:
        raise RuntimeError("the database caught fire")

    @ladder_command(name="orphan", description="A button nobody handles", guard=False, dm_only=False)
    async def orphan(self, call: Call) -> Reply:
        view = discord.ui.View(timeout=None)
        view.add_item(discord.ui.Button(label="Orphan", custom_id="nobody:home"))
        return Reply(content="an old view", view=view)

    @ladder_command(name="bump", description="A persistent button", guard=False, dm_only=False)
    async def bump(self, call: Call) -> Reply:
        view = discord.ui.View(timeout=None)
        view.add_item(Bump(0))
        return Reply(content="count 0", view=view)


def _slash_commands(definitions: Any, prefix: str = "") -> Any:
    """(qualified name, description) of every slash command, subcommands of groups included."""
    for d in definitions:
        name = f"{prefix}{d['name']}"
        children = [o for o in d.get("options") or () if o.get("type") in (1, 2)]  # subcommand, group
        if children:
            yield from _slash_commands(children, f"{name} ")
        else:
            yield name, d["description"]


@pytest.fixture
def owners() -> list[str]:
    """The owners the settings name (a test parametrizes it to look at the bot as one)."""
    return []


@pytest.fixture
def sandbox_options(owners: list[str]) -> dict[str, Any]:
    return {"extra_cogs": [CoreTestCog], "owners": owners}


async def test_ping_answers_ok_plain_in_dms_and_ephemeral_in_a_guild(sandbox: Sandbox) -> None:
    alice = sandbox.player("alice")
    in_dm = await alice.slash("ping")
    assert in_dm.content == help_text.PING_REPLY and not in_dm.ephemeral
    in_guild = await alice.at(sandbox.discord.general).slash("ping")
    assert in_guild.content == help_text.PING_REPLY and in_guild.ephemeral


async def test_help_lists_every_registered_command_with_its_description(sandbox: Sandbox) -> None:
    registered = dict(_slash_commands(c.definition for c in sandbox.discord.state.commands.values()))
    assert {"help", "ping", "secret", "boom", "bump"} <= registered.keys()
    reply = await sandbox.player("newcomer").slash("help")
    [embed] = reply.embeds
    shown = "\n".join(str(f["value"]) for f in embed["fields"])
    assert "/termsofservice" in shown and "/setup" in shown and "/queue" in shown  # how to start
    for name, description in registered.items():
        if name.startswith("admin "):
            assert f"/{name}:" not in shown  # a player is not shown the admin tools one by one
        else:
            assert f"/{name}: {description}" in shown
    assert "/admin: " in shown


@pytest.mark.parametrize("owners", [["olivia"]])
async def test_help_lists_the_admin_tools_to_an_owner(sandbox: Sandbox) -> None:
    registered = dict(_slash_commands(c.definition for c in sandbox.discord.state.commands.values()))
    admin_commands = {n: d for n, d in registered.items() if n.startswith("admin ")}
    assert admin_commands, "the /admin group is registered"
    [owner] = sandbox.owners
    reply = await owner.slash("help")
    shown = "\n".join(str(f["value"]) for e in reply.embeds for f in e["fields"])
    for name, description in admin_commands.items():
        assert f"/{name}: {description}" in shown


async def test_a_dm_only_command_used_in_a_guild_points_to_the_dm(sandbox: Sandbox) -> None:
    bob = sandbox.player("bob")
    in_guild = await bob.at(sandbox.discord.general).slash("secret")
    assert in_guild.ephemeral
    bot = sandbox.discord.bot_user
    assert in_guild.content == text.DM_ONLY.format(command="secret", bot=f"<@{bot.id}>")
    in_dm = await bob.slash("secret")
    assert in_dm.content == "only in DMs"


async def test_an_unexpected_exception_gives_a_reference_id_that_the_log_explains(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="evoladder.bot.errors"):
        reply = await sandbox.player("carol").slash("boom")
    found = REFERENCE.search(reply.content)
    assert found is not None
    assert "fire" not in reply.content
    [record] = [r for r in caplog.records if r.getMessage() == "interaction.error"]
    assert record.fields["reference"] == found.group(1)  # type: ignore[attr-defined]
    assert record.fields["command"] == "boom"  # type: ignore[attr-defined]
    assert record.exc_info is not None and "the database caught fire" in str(record.exc_info[1])


async def test_every_call_is_in_the_command_log_after_a_clean_shutdown(sandbox: Sandbox) -> None:
    dave = sandbox.player("dave")
    for _ in range(5):
        await dave.slash("ping")
    await dave.slash("help")
    db_url = sandbox.settings.database_url
    await sandbox.stop_bot()  # the production shutdown path: the command log drains
    from evoladder.store.engine import create_engine

    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(command_calls.c.command, func.count()).group_by(command_calls.c.command)
                )
            ).all()
    finally:
        await engine.dispose()
    assert {str(row[0]): int(row[1]) for row in rows} == {"ping": 5, "help": 1}


async def test_a_persistent_button_keeps_working_after_a_restart(sandbox: Sandbox) -> None:
    erin = sandbox.player("erin")
    first = await erin.slash("bump")
    assert first.content == "count 0"
    clicked = await erin.click("Bump (0)")
    assert clicked.content == "count 1"
    await sandbox.restart_bot()
    again = await erin.click("Bump (1)")
    assert again.content == "count 2"


async def test_a_button_nobody_handles_says_so_instead_of_failing_silently(sandbox: Sandbox) -> None:
    frank = sandbox.player("frank")
    await frank.slash("orphan")
    answer = await frank.click("Orphan")
    assert answer.content == text.STALE_COMPONENT
