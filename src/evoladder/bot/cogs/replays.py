"""Replay uploads: a file sent to the bot in DM -> the replay service -> the replay details embed.

Players hand in replays by sending the ``.SC2Replay`` file to the bot in their DM (there is no
command: dropping a file is what players already do). Every file attached to a DM message runs
through the wrapper's message path (:meth:`~evoladder.bot.interaction.Flows.run_message`: command
log, timing, the guard with the match buttons' policy, error mapping), one flow per file. Any
attachment counts, not only ``.SC2Replay`` names, so a player who sends a screenshot or a zip is
told what the bot takes instead of hearing nothing.

Per file: the size and name checks run before the download (``Attachment.size`` is what Discord
stored; the service checks the downloaded bytes again), then the service parses, verifies, stores
and applies the replay. The answer is the details embed; after it, through the outbound queue in
each player's order: the opponent's notice when the replay reported or disputed the result, and
the replay-status field of both players' match messages.
"""

from __future__ import annotations

import functools
import logging

import aiohttp
import discord
from discord.ext import commands

from evoladder.bot.interaction import FlowSpec, LadderCog, MessageCall, custom_id
from evoladder.bot.notifier import MATCH_MESSAGE, NOTICE
from evoladder.bot.outbound import Priority, channel_bucket, user_bucket
from evoladder.bot.render import replays as render
from evoladder.bot.render.match import result_view, unlocked, with_replay_status
from evoladder.bot.reply import Reply
from evoladder.domain.errors import LadderError
from evoladder.i18n import Catalog, using
from evoladder.i18n.text import replays as text
from evoladder.logging_setup import event
from evoladder.services.replays import ReplayTooLarge, UploadResult

log = logging.getLogger(__name__)

UPLOAD = FlowSpec(name="replay.upload", policy="match")
MAX_FILES_PER_MESSAGE = 4  # a message carries at most 10; more than a few is not a player's upload


class ReplayDownloadFailed(LadderError):
    message = "The file could not be downloaded from Discord. Please send it again."


class ReplayCog(LadderCog):
    @commands.Cog.listener("on_message")
    async def on_dm_file(self, message: discord.Message) -> None:
        if not is_dm_upload(message):
            return
        for attachment in message.attachments[:MAX_FILES_PER_MESSAGE]:
            await self.flows.run_message(message, UPLOAD, functools.partial(self.upload, attachment))

    async def upload(self, attachment: discord.Attachment, call: MessageCall) -> Reply:
        replays = self.deps.replays
        replays.precheck(attachment.filename, attachment.size)
        data = await download(attachment, replays.max_bytes)
        call.checkpoint("download")
        result = await replays.upload(call.uid, attachment.filename, data)
        catalogs = {uid: await self.deps.languages.catalog(uid) for uid in result.match.players}
        statuses = await self._statuses(result, catalogs)
        call.checkpoint("reads")
        if call.client is not None:
            self._announce(call.client, result, statuses, catalogs)
        return render.details(result, self.deps.game)

    async def _statuses(
        self, result: UploadResult, catalogs: dict[int, Catalog]
    ) -> dict[int, tuple[str, str]]:
        """The replay-status field (name, value) of each player's match message, over every replay
        of the match, in that player's language."""
        stored = await self.deps.replays.for_match(result.match.id, with_bytes=False)
        statuses = {}
        for uid in result.match.players:
            with using(catalogs[uid]):
                statuses[uid] = (text.STATUS_FIELD, render.status_text(stored, result.match, uid))
        return statuses

    def _announce(
        self, client: discord.Client, result: UploadResult, statuses: dict[int, tuple[str, str]],
        catalogs: dict[int, Catalog],
    ) -> None:
        match = result.match
        opponent = match.opponent_of(result.record.uploader_uid)
        with using(catalogs[opponent]):
            notice = render.opponent_notice(result)
        if notice is not None:
            self._send_notice(client, opponent, match.id, notice)
        unlock = result.report.critical_ok and match.is_open
        for uid, (field, status) in statuses.items():
            self._set_status(client, uid, match.id, field, status, unlock=unlock)

    def _send_notice(self, client: discord.Client, uid: int, match_id: int, content: str) -> None:
        outbound, messages = self.deps.outbound, self.deps.messages

        async def send() -> discord.Message:
            channel = await client.create_dm(discord.Object(uid))
            outbound.alias(channel_bucket(channel.id), user_bucket(uid))
            return await channel.send(content, allowed_mentions=discord.AllowedMentions.none())

        async def remember(sent: discord.Message) -> None:
            await messages.record(
                channel_id=sent.channel.id, message_id=sent.id, discord_uid=uid, kind=NOTICE,
                match_id=match_id,
            )

        outbound.submit(send, bucket=user_bucket(uid), kind="dm:replay_notice", then=remember)

    def _set_status(
        self, client: discord.Client, uid: int, match_id: int, field: str, status: str, *, unlock: bool
    ) -> None:
        """Set the replay-status field of the player's match message (fetched, one field changed);
        with ``unlock`` (a replay passed the critical checks) the result menu is enabled too."""
        messages = self.deps.messages

        async def edit() -> discord.Message | None:
            ref = await messages.latest(uid, MATCH_MESSAGE, match_id)
            if ref is None:
                event(log, "replay.no_match_message", uid=uid, match_id=match_id)
                return None
            channel = client.get_partial_messageable(ref.channel_id, type=discord.ChannelType.private)
            current = await channel.fetch_message(ref.message_id)
            if not current.embeds:
                return None
            embed = with_replay_status(current.embeds[0], field, status)
            options = result_select_options(current, match_id) if unlock else None
            if options is None:
                return await current.edit(embeds=[embed, *current.embeds[1:]])
            view = result_view(match_id, options, locked=False)
            return await current.edit(embeds=[unlocked(embed), *current.embeds[1:]], view=view)

        self.deps.outbound.submit(
            edit, bucket=user_bucket(uid), kind="edit:replay_status", priority=Priority.NORMAL,
            idempotent=True,
        )


def result_select_options(message: discord.Message, match_id: int) -> list[discord.SelectOption] | None:
    """The options of the match message's result select, or None when it has none (closed)."""
    wanted = custom_id("match", match_id, "result")
    for row in message.components:
        for child in getattr(row, "children", ()):
            if isinstance(child, discord.SelectMenu) and child.custom_id == wanted:
                return list(child.options)
    return None


def is_dm_upload(message: discord.Message) -> bool:
    """A player's DM to the bot with at least one file (the bot's own messages never count)."""
    return message.guild is None and not message.author.bot and bool(message.attachments)


async def download(attachment: discord.Attachment, max_bytes: int) -> bytes:
    """The attachment's bytes; a failed download is the player's to retry, not a bug."""
    try:
        data = await attachment.read()
    except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
        event(log, "replay.download_failed", logging.WARNING, filename=attachment.filename[:100],
              error=type(exc).__name__)
        raise ReplayDownloadFailed() from exc
    if len(data) > max_bytes:
        raise ReplayTooLarge(len(data), max_bytes)
    return data
