"""The interaction wrapper: what it records, times, refuses, guards, sends and how it fails."""

from __future__ import annotations

import asyncio
import logging
import re
from types import SimpleNamespace
from typing import Any, cast

import discord
import pytest
from botfakes import harness
from discord import app_commands
from discord.ext import commands

from evoladder.bot.client import LadderBot
from evoladder.bot.interaction import Call, FlowSpec, LadderCog, custom_id, iter_commands, ladder_command
from evoladder.bot.reply import Ack, ModalReply, Reply, Track
from evoladder.domain.errors import Banned, NotAuthorized
from evoladder.i18n.text import common as text

SPEC = FlowSpec("profile")
DM_ANYWHERE = FlowSpec("help", dm_only=False)


async def ok_handler(call: Call) -> Reply:
    call.checkpoint("reads")
    return Reply(content=f"hello {call.username}")


async def test_a_command_is_logged_guarded_timed_and_answered_plain_in_a_dm() -> None:
    h = harness()
    interaction = h.interaction()
    await h.flows.run(interaction.as_discord(), SPEC, ok_handler)

    assert h.recorder.calls == [(1001, "profile", None)]
    assert h.guard.calls == [(1001, "alice", "profile")]
    [timer] = h.timing.timers
    assert timer.command == "profile"
    assert timer.checkpoints == ["guard", "reads", "render", "send"]
    assert timer.finished == 1
    [(kind, sent)] = interaction.sent
    assert kind == "send_message" and sent["content"] == "hello alice"
    assert sent["ephemeral"] is False


async def test_in_a_guild_the_answer_is_ephemeral() -> None:
    h = harness()
    interaction = h.interaction(guild_id=5)
    await h.flows.run(interaction.as_discord(), DM_ANYWHERE, ok_handler)
    [(_, sent)] = interaction.sent
    assert sent["ephemeral"] is True


async def test_a_dm_only_command_in_a_guild_points_to_the_dm_without_running() -> None:
    h = harness()
    interaction = h.interaction(guild_id=5, command="profile")
    ran = False

    async def handler(call: Call) -> Reply:
        nonlocal ran
        ran = True
        return Reply(content="secret")

    await h.flows.run(interaction.as_discord(), SPEC, handler)
    assert not ran and h.guard.calls == []
    [(_, sent)] = interaction.sent
    assert sent["ephemeral"] is True
    assert sent["content"] == text.DM_ONLY.format(command="profile", bot="<@9>")
    assert h.recorder.calls == [(1001, "profile", 5)]  # the call is still counted
    assert h.timing.timers[0].finished == 1


async def test_the_dm_only_rule_follows_the_setting() -> None:
    h = harness(dm_only=False)
    interaction = h.interaction(guild_id=5)
    await h.flows.run(interaction.as_discord(), SPEC, ok_handler)
    assert interaction.texts() == ["hello alice"]


async def test_a_guard_refusal_shows_its_message_and_skips_the_handler() -> None:
    h = harness(guard_error=Banned())
    interaction = h.interaction()
    ran = False

    async def handler(call: Call) -> Reply:
        nonlocal ran
        ran = True
        return Reply(content="x")

    await h.flows.run(interaction.as_discord(), SPEC, handler)
    assert not ran
    assert interaction.texts() == [Banned.message]
    assert h.timing.timers[0].finished == 1


async def test_an_unguarded_flow_never_calls_the_guard() -> None:
    h = harness(guard_error=Banned())
    interaction = h.interaction()
    await h.flows.run(interaction.as_discord(), FlowSpec("ping", guard=False, dm_only=False), ok_handler)
    assert h.guard.calls == [] and interaction.texts() == ["hello alice"]


async def test_the_policy_name_can_differ_from_the_logged_name() -> None:
    h = harness()
    interaction = h.interaction(type=discord.InteractionType.component)
    await h.flows.run(interaction.as_discord(), FlowSpec("match.confirm", policy="match"), ok_handler)
    assert h.guard.calls[0][2] == "match"
    assert h.recorder.calls[0][1] == "match.confirm"


async def test_an_unexpected_error_gives_a_reference_that_is_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    h = harness()
    interaction = h.interaction(data={"options": [{"name": "page", "value": 3}]})

    async def handler(call: Call) -> Reply:
        raise KeyError("boom")

    with caplog.at_level(logging.ERROR):
        await h.flows.run(interaction.as_discord(), SPEC, handler)
    [message] = interaction.texts()
    reference = re.search(r"`([0-9a-f]{8})`", message)
    assert reference is not None
    [record] = [r for r in caplog.records if r.getMessage() == "interaction.error"]
    fields = record.fields  # type: ignore[attr-defined]
    assert fields["reference"] == reference.group(1)
    assert fields["uid"] == 1001 and fields["options"] == "page=3" and fields["error"] == "KeyError"
    assert record.exc_info is not None


async def test_a_typed_error_from_the_handler_shows_its_message() -> None:
    h = harness()
    interaction = h.interaction()

    async def handler(call: Call) -> Reply:
        raise NotAuthorized()

    await h.flows.run(interaction.as_discord(), SPEC, handler)
    assert interaction.texts() == [NotAuthorized.message]


async def test_after_shutdown_began_new_interactions_are_refused_politely() -> None:
    h = harness()
    h.lifecycle.stop_accepting()
    interaction = h.interaction()
    await h.flows.run(interaction.as_discord(), SPEC, ok_handler)
    assert interaction.texts() == [text.SHUTTING_DOWN]
    assert h.guard.calls == []


async def test_shutdown_waits_for_the_interactions_in_flight() -> None:
    h = harness()
    release = asyncio.Event()
    started = asyncio.Event()

    async def handler(call: Call) -> Reply:
        started.set()
        await release.wait()
        return Reply(content="done")

    interaction = h.interaction()
    running = asyncio.ensure_future(h.flows.run(interaction.as_discord(), SPEC, handler))
    await started.wait()
    finishing = asyncio.ensure_future(h.lifecycle.finish_in_flight(grace=30))
    await asyncio.sleep(0)
    assert not finishing.done() and h.lifecycle.in_flight == 1
    release.set()
    assert await finishing == 0
    await running
    assert interaction.texts() == ["done"]


async def test_a_slow_handler_is_deferred_and_answered_with_a_follow_up() -> None:
    h = harness()
    interaction = h.interaction(guild_id=5)

    async def slow(call: Call) -> Reply:
        await interaction.deferred.wait()  # finishes only once the wrapper deferred
        return Reply(content="late answer")

    await h.flows.run(interaction.as_discord(), FlowSpec("leaderboard", dm_only=False, defer_after=0.0), slow)
    kinds = [kind for kind, _ in interaction.sent]
    assert kinds == ["defer", "followup"]
    assert interaction.sent[0][1] == {"thinking": True, "ephemeral": True}
    assert interaction.sent[1][1]["content"] == "late answer" and interaction.sent[1][1]["ephemeral"] is True


async def test_a_component_reply_can_edit_the_clicked_message() -> None:
    h = harness()
    interaction = h.interaction(type=discord.InteractionType.component)

    async def handler(call: Call) -> Reply:
        return Reply(content="updated", edit=True)

    await h.flows.run(interaction.as_discord(), SPEC, handler)
    assert [kind for kind, _ in interaction.sent] == ["edit_message"]


async def test_ack_is_a_silent_deferred_update_for_components_only() -> None:
    h = harness()
    click = h.interaction(type=discord.InteractionType.component)

    async def ack(call: Call) -> Ack:
        return Ack()

    await h.flows.run(click.as_discord(), SPEC, ack)
    assert click.sent == [("defer", {})]

    slash = h.interaction()  # a slash command must answer visibly: a silent ack is a bug
    await h.flows.run(slash.as_discord(), SPEC, ack)
    [message] = slash.texts()
    assert re.search(r"`[0-9a-f]{8}`", message)


async def test_a_modal_is_opened_as_the_first_response() -> None:
    h = harness()
    interaction = h.interaction()
    modal = discord.ui.Modal(title="Setup")

    async def handler(call: Call) -> ModalReply:
        return ModalReply(modal)

    await h.flows.run(interaction.as_discord(), SPEC, handler)
    assert interaction.sent == [("send_modal", {"modal": modal})]


async def test_a_tracked_reply_is_remembered_by_channel_and_message_id() -> None:
    h = harness()
    interaction = h.interaction()

    async def handler(call: Call) -> Reply:
        return Reply(content="searching…", track=Track("queue.searching"))

    await h.flows.run(interaction.as_discord(), SPEC, handler)
    assert h.messages.recorded == [
        {
            "channel_id": 77,
            "message_id": 501,
            "discord_uid": 1001,
            "kind": "queue.searching",
            "match_id": None,
        }
    ]


async def test_an_ephemeral_reply_is_not_tracked() -> None:
    h = harness()
    interaction = h.interaction(guild_id=5)

    async def handler(call: Call) -> Reply:
        return Reply(content="searching…", track=Track("queue.searching"))

    await h.flows.run(interaction.as_discord(), DM_ANYWHERE, handler)
    assert h.messages.recorded == []


class Cog(LadderCog):
    @ladder_command(name="profile", description="Show a profile", policy="profile")
    async def profile(self, call: Call, race: str, page: int = 1) -> Reply:
        """Show a profile.

        Parameters
        ----------
        race:
            The race to show
        """
        return Reply(content=f"{race} {page}")


def test_ladder_command_builds_a_discord_command_with_the_options() -> None:
    command = Cog.profile
    assert isinstance(command, app_commands.Command)
    assert command.name == "profile" and command.description == "Show a profile"
    params = {p.name: p for p in command.parameters}
    assert list(params) == ["race", "page"]
    assert params["race"].required and not params["page"].required
    assert params["page"].type is discord.AppCommandOptionType.integer
    assert params["race"].description == "The race to show"
    assert command.extras["flow"] == FlowSpec("profile", policy="profile")


def test_ladder_command_needs_a_description() -> None:
    with pytest.raises(ValueError, match="description"):
        ladder_command(name="x", description=" ")


async def test_the_built_command_runs_through_the_wrapper() -> None:
    h = harness()
    cog = Cog(deps=h.flows.deps, flows=h.flows)
    interaction = h.interaction()
    callback: Any = Cog.profile.callback
    await callback(cog, interaction.as_discord(), race="bw_zerg", page=2)
    assert interaction.texts() == ["bw_zerg 2"]
    assert h.recorder.calls[0][1] == "profile"


def test_custom_ids_are_checked() -> None:
    assert custom_id("match", 12, "confirm") == "evo:match:12:confirm"
    with pytest.raises(ValueError, match="letters"):
        custom_id("match", "a:b")
    with pytest.raises(ValueError, match="100"):
        custom_id("x" * 120)


def test_iter_commands_walks_groups() -> None:
    client = discord.Client(intents=discord.Intents.none())
    tree = app_commands.CommandTree(client)
    admin = app_commands.Group(name="admin", description="Admin tools")

    @admin.command(name="ban", description="Ban a player")
    async def ban(interaction: discord.Interaction) -> None: ...

    @app_commands.command(name="ping", description="Ping")
    async def ping(interaction: discord.Interaction) -> None: ...

    tree.add_command(admin)
    tree.add_command(ping)
    assert [c.qualified_name for c in iter_commands(tree)] == ["admin ban", "ping"]


class AdminCog(LadderCog, commands.GroupCog, group_name="admin", group_description="Admin tools"):
    @ladder_command(name="snapshot", description="Ladder snapshot", policy="admin")
    async def snapshot(self, call: Call) -> Reply:
        return Reply(content="snapshot")


async def test_a_group_cog_makes_subcommands_that_run_through_the_wrapper() -> None:
    h = harness()
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.none())
    cog = AdminCog(deps=h.flows.deps, flows=h.flows)
    await bot.add_cog(cog)
    assert [c.qualified_name for c in iter_commands(bot.tree)] == ["admin snapshot"]
    group = bot.tree.get_command("admin")
    assert isinstance(group, app_commands.Group)
    command = group.get_command("snapshot")
    assert isinstance(command, app_commands.Command) and command.binding is cog
    interaction = h.interaction()
    callback: Any = command.callback
    await callback(cog, interaction.as_discord())
    assert interaction.texts() == ["snapshot"] and h.guard.calls[0][2] == "admin"


async def test_the_bot_counts_as_busy_from_the_gateway_frame_until_the_wrapper_answered() -> None:
    # The site on the bot's loop yields while ``busy``; the frame's parse is the earliest point.
    h = harness()
    bot = LadderBot(deps=cast(Any, SimpleNamespace(catalogs=None)), flows=h.flows,
                    outbound=cast(Any, object()), cogs=())
    interaction = h.interaction().as_discord()
    assert not h.flows.busy
    async with bot:  # discord.py gives the client its loop here (no login, no gateway)
        bot.dispatch("interaction", interaction)
    assert h.flows.busy
    seen: list[bool] = []

    async def handler(call: Call) -> Reply:
        seen.append(h.flows.busy)
        return Reply(content="done")

    await h.flows.run(interaction, SPEC, handler)
    assert seen == [True] and not h.flows.busy


async def test_an_arrival_no_wrapper_takes_stops_counting_when_forgotten() -> None:
    h = harness()
    h.flows.arrived(77)  # an autocomplete: no wrapper runs for it
    assert h.flows.busy
    h.flows.forget(77)
    assert not h.flows.busy
