"""A tiny real discord.py bot for the local Discord server tests: one command per behaviour.

Outcomes the tests need to see from inside the bot (an exception discord.py raised) go through
``SandboxBot.outcomes``.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands
from discord.http import Route

from evoladder.sandbox import discover_gateway

COUNTRIES = {"FR": "France", "FI": "Finland", "DE": "Germany", "KR": "Korea"}


class Counter(discord.ui.View):
    def __init__(self, count: int = 0) -> None:
        super().__init__(timeout=None)
        self.count = count

    @discord.ui.button(label="Increment", custom_id="counter:inc", style=discord.ButtonStyle.primary)
    async def increment(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.count += 1
        await interaction.response.edit_message(content=f"count: {self.count}", view=self)


class SlowCounter(Counter):
    @discord.ui.button(label="Slow increment", custom_id="counter:slow")
    async def slow(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.defer()
        self.count += 1
        await interaction.edit_original_response(content=f"count: {self.count}", view=self)


class RacePicker(discord.ui.View):
    @discord.ui.select(
        custom_id="race", placeholder="Pick races", min_values=1, max_values=2,
        options=[discord.SelectOption(label=r, value=r) for r in ("bw_zerg", "sc2_terran", "sc2_protoss")],
    )
    async def race(self, interaction: discord.Interaction, select: discord.ui.Select[Any]) -> None:
        await interaction.response.edit_message(content=f"picked {', '.join(select.values)}", view=None)


class SignUp(discord.ui.Modal, title="Sign up"):
    name: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Name", custom_id="name", max_length=12)
    note: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Note", custom_id="note", style=discord.TextStyle.paragraph, required=False
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"hello {self.name.value} ({self.note.value or '-'})")


class SandboxBot(commands.Bot):
    """One command per behaviour under test; outcomes the tests await go through a queue."""

    def __init__(self) -> None:
        intents = discord.Intents.default()
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.05)
        self.outcomes: asyncio.Queue[Any] = asyncio.Queue()
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.resumed = asyncio.Event()
        self.remembered: discord.Interaction | None = None
        self.dm_ids: tuple[int, int] | None = None
        _add_commands(self)

    async def setup_hook(self) -> None:
        await discover_gateway(self.http)
        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before a re-IDENTIFY (Discord's identify limit); not needed here."""

    async def on_resumed(self) -> None:
        self.resumed.set()

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is not None or not message.attachments:
            return
        data = await message.attachments[0].read()
        digest = hashlib.sha256(data).hexdigest()[:12]
        await message.channel.send(f"got {len(data)} bytes {digest}")

    async def next_outcome(self) -> Any:
        return await asyncio.wait_for(self.outcomes.get(), timeout=5)


def _add_commands(bot: SandboxBot) -> None:
    for add in (_plain_commands, _ui_commands, _dm_commands, _rule_breaking_commands):
        add(bot)
    admin = app_commands.Group(name="admin", description="Admin commands")

    @admin.command(description="A snapshot of the ladder")
    @app_commands.describe(detail="How much to show")
    async def snapshot(interaction: discord.Interaction, detail: int = 1) -> None:
        await interaction.response.send_message(f"snapshot {detail}", ephemeral=True)

    bot.tree.add_command(admin)


def _plain_commands(bot: SandboxBot) -> None:
    @bot.tree.command(description="Answers pong")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    @bot.tree.command(description="An ephemeral answer")
    async def secret(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("for your eyes only", ephemeral=True)

    @bot.tree.command(description="Thinks, then edits the original response")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.edit_original_response(content="done thinking")

    async def country_names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=name, value=code)
            for code, name in COUNTRIES.items()
            if name.lower().startswith(current.lower())
        ]

    @bot.tree.command(description="For moderators only")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_messages=True)
    async def moderate(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("moderated", ephemeral=True)

    @bot.tree.command(description="Pick a country")
    @app_commands.autocomplete(code=country_names)
    async def country(interaction: discord.Interaction, code: str) -> None:
        await interaction.response.send_message(f"country {COUNTRIES.get(code, '?')}")


def _ui_commands(bot: SandboxBot) -> None:
    @bot.tree.command(description="Opens a modal")
    async def form(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(SignUp())

    @bot.tree.command(description="A counter with buttons")
    async def counter(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("count: 0", view=SlowCounter())

    @bot.tree.command(description="A race select")
    async def pick(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pick your races", view=RacePicker())


def _dm_commands(bot: SandboxBot) -> None:
    @bot.tree.command(description="DMs you, edits that DM through channel and message id")
    async def dmme(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        sent = await interaction.user.send("first", file=discord.File(io.BytesIO(b"bot file"), "note.txt"))
        bot.dm_ids = (sent.channel.id, sent.id)
        partial = bot.get_partial_messageable(sent.channel.id).get_partial_message(sent.id)
        await partial.edit(content="edited")
        await interaction.followup.send("sent you a DM", ephemeral=True)

    @bot.tree.command(description="Keeps the interaction for a later follow-up")
    async def remember(interaction: discord.Interaction) -> None:
        bot.remembered = interaction
        await interaction.response.send_message("noted")


def _rule_breaking_commands(bot: SandboxBot) -> None:
    @bot.tree.command(description="Answers twice (the second is refused)")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first")
        route = Route(
            "POST", "/interactions/{interaction_id}/{interaction_token}/callback",
            interaction_id=interaction.id, interaction_token=interaction.token,
        )
        try:
            await bot.http.request(route, json={"type": 4, "data": {"content": "second"}})
        except discord.HTTPException as exc:
            await bot.outcomes.put(exc)

    @bot.tree.command(description="Answers only when the test says so")
    async def late(interaction: discord.Interaction) -> None:
        bot.started.set()
        await bot.release.wait()
        try:
            await interaction.response.send_message("too late?")
        except discord.HTTPException as exc:
            await bot.outcomes.put(exc)
