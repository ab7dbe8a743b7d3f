"""The services' Notifier port, delivered as Discord DMs, message edits and admin-log posts.

Each player has one **match message** per match (``bot_messages.kind = "match"``): sent on "match
found" with Confirm / Abort, replaced by the details once both confirmed, and closed (buttons
removed, outcome shown) when the match ends. It is edited through its channel and message id with
the bot token, never through an interaction token (those die after 15 minutes, and a match can
last hours). Other announcements (reminders, the opponent's report, the result) are new DMs, so
the player's client notifies them; they are recorded too, so /prune can remove them later.

The admin log channel gets final, conflicted, aborted, abandoned and invalidated matches (the
events' ``admin_log`` flag); a conflict pings the staff role, and only that role.

Each player's messages are rendered in that player's stored language (:mod:`evoladder.bot.languages`),
whatever task announced the event (often the opponent's click); the admin log is in English.

Delivery goes through the outbound queue and never raises into the service that announced: the
business write has committed already, and a player with closed DMs must not fail a match. All
jobs for one player share the bucket ``user:<uid>``, so their order is kept: the details edit
runs after the "match found" message was sent and its id stored.

``notify`` returns the event's receipt (an awaitable) for the outbox relay: delivered once every
job of the event went out; ``unreachable`` when Discord refused a DM for good (403: DMs closed,
or the user is gone). Re-deliveries after a crash are never shown twice: messages carry the
outbox key as Discord's nonce (discord.py sends ``enforce_nonce``, so Discord returns the message
already posted with it), and a "match found" whose match message is already stored edits it.

DM channels: a player's DM channel id is remembered in the database (``DmChannels``), so a DM
needs no ``POST /users/@me/channels`` after the first (discord.py keeps only 128 DM channels in
memory, and none after a restart, and each creation costs a request under the global limit).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import UTC

import discord

from evoladder.bot.languages import PlayerLanguages
from evoladder.bot.outbound import Delivery, Outbound, Priority, channel_bucket, user_bucket
from evoladder.bot.render import match as render
from evoladder.bot.reply import Reply, message_kwargs
from evoladder.game import GameData
from evoladder.i18n import Catalog, using
from evoladder.logging_setup import event as log_event
from evoladder.services import events as ev
from evoladder.services.dm_channels import DmChannels
from evoladder.services.messages import MessageLog
from evoladder.services.ports import Clock, Receipt, SystemClock

log = logging.getLogger(__name__)

MATCH_MESSAGE = "match"
NOTICE = "notice"

_URGENT = (ev.MatchFound, ev.ConfirmationReminder, ev.DetailsRevealed)


class DiscordNotifier:
    """Implements :class:`evoladder.services.ports.Notifier` for the bot."""

    def __init__(
        self,
        *,
        outbound: Outbound,
        messages: MessageLog,
        languages: PlayerLanguages,
        game: GameData,
        admin_log_channel_id: int | None,
        staff_role_id: int | None,
        clock: Clock | None = None,
        dm_channels: DmChannels | None = None,
    ) -> None:
        self._outbound = outbound
        self._messages = messages
        self._languages = languages
        self._game = game
        self._admin_channel = admin_log_channel_id
        self._staff_role = staff_role_id
        self._clock: Clock = clock or SystemClock()
        self.dm_channels = dm_channels
        self._client: discord.Client | None = None
        self._jobs: list[asyncio.Future[Delivery]] | None = None  # the jobs of the event being routed
        self._key: str | None = None

    def attach(self, client: discord.Client) -> None:
        """The client whose HTTP session sends (built after the services, hence not in __init__)."""
        self._client = client

    async def notify(self, event: object, *, key: str | None = None) -> Awaitable[Receipt] | None:
        jobs: list[asyncio.Future[Delivery]] = []
        self._jobs, self._key = jobs, key
        try:
            if not isinstance(event, ev.LadderEvent):
                log_event(log, "notifier.unknown_event", logging.WARNING, event=type(event).__name__)
                return None
            catalogs = {uid: await self._languages.catalog(uid) for uid in _recipients(event)}
            self._route(event, catalogs)
        except Exception:
            log.exception("notifier.failed", extra={"fields": {"event": type(event).__name__}})
            failed: asyncio.Future[Receipt] = asyncio.get_running_loop().create_future()
            failed.set_result(Receipt(False))
            return failed
        finally:
            self._jobs, self._key = None, None
        # A task, not a bare coroutine: a caller that does not wait for the receipt leaks nothing.
        return asyncio.get_running_loop().create_task(_receipt(jobs)) if jobs else None

    # -- routing ------------------------------------------------------------------------------

    def _route(self, event: ev.LadderEvent, catalogs: dict[int, Catalog]) -> None:
        priority = Priority.URGENT if isinstance(event, _URGENT) else Priority.NORMAL
        name = type(event).__name__
        if isinstance(event, ev.MatchFound):
            self._match_found(event, priority, name, catalogs[event.discord_uid])
        elif isinstance(event, ev.DetailsRevealed):
            with using(catalogs[event.discord_uid]):
                details = render.details(event, self._game)
            self._edit_match_message(event.discord_uid, event.match_id, details, priority, name, resend=True)
        else:
            match_id = getattr(event, "match_id", None)
            for uid in event.recipients:
                with using(catalogs[uid]):
                    status = render.closed_status(event)
                    line = render.player_text(event, uid, self._game)
                    card = (
                        render.closed(match_id, status, line or "")
                        if status is not None and match_id is not None else None
                    )
                if card is not None and match_id is not None:
                    self._edit_match_message(uid, match_id, card, priority, name, resend=False)
                if line is not None:
                    self._send_dm(
                        uid, Reply(content=line), kind=NOTICE, match_id=match_id, priority=priority, job=name
                    )
        with using(self._languages.catalogs.english):
            admin = render.admin_log(event, self._game, self._staff_role)
        if admin is not None:
            self._post_admin_log(admin, name)

    # -- jobs ---------------------------------------------------------------------------------

    def _match_found(self, event: ev.MatchFound, priority: Priority, job: str, catalog: Catalog) -> None:
        """The match card, rendered when it is sent (its deadline counts from then: the player's
        own deadline, armed at delivery, can only be later), in the player's language (``catalog``:
        the outbound queue runs the job on its own task); an edit when it was sent before."""
        uid, match_id = event.discord_uid, event.match_id

        def card() -> Reply:
            deadline = event.confirm_deadline or self._clock.now().astimezone(UTC) + event.confirm_within
            with using(catalog):
                return render.match_found(event, self._game, deadline)

        async def edit_or_send() -> discord.Message:
            ref = await self._messages.latest(uid, MATCH_MESSAGE, match_id)
            if ref is None:
                return await self._send_now(uid, card(), nonce)
            channel = self._require_client().get_partial_messageable(
                ref.channel_id, type=discord.ChannelType.private
            )
            return await channel.get_partial_message(ref.message_id).edit(**message_kwargs(card()))

        nonce = self._nonce(uid)

        async def remember(message: discord.Message) -> None:
            if await self._messages.latest(uid, MATCH_MESSAGE, match_id) is None:
                await self._messages.record(
                    channel_id=message.channel.id, message_id=message.id, discord_uid=uid,
                    kind=MATCH_MESSAGE, match_id=match_id,
                )

        self._track(self._outbound.submit(
            edit_or_send, bucket=user_bucket(uid), kind=f"dm:{job}", priority=priority, then=remember
        ))

    def _nonce(self, uid: int) -> str | None:
        """Discord's nonce for this event's message to ``uid`` (25 characters at most)."""
        return None if self._key is None else f"{self._key}:{uid}"[-25:]

    def _track(self, future: asyncio.Future[Delivery]) -> None:
        if self._jobs is not None:
            self._jobs.append(future)

    async def _send_now(self, uid: int, reply: Reply, nonce: str | None) -> discord.Message:
        channel = await self._dm_channel(uid)
        kwargs = message_kwargs(reply)
        if nonce is not None:
            kwargs["nonce"] = nonce
        return await channel.send(**kwargs)

    def _send_dm(
        self, uid: int, reply: Reply, *, kind: str, match_id: int | None, priority: Priority, job: str
    ) -> None:
        nonce = self._nonce(uid) if kind != MATCH_MESSAGE else None

        async def send() -> discord.Message:
            return await self._send_now(uid, reply, nonce)

        async def remember(message: discord.Message) -> None:
            await self._messages.record(
                channel_id=message.channel.id,
                message_id=message.id,
                discord_uid=uid,
                kind=kind,
                match_id=match_id,
            )

        self._track(self._outbound.submit(
            send, bucket=user_bucket(uid), kind=f"dm:{job}", priority=priority, then=remember
        ))

    def _edit_match_message(
        self, uid: int, match_id: int, reply: Reply, priority: Priority, job: str, *, resend: bool
    ) -> None:
        """Edit the player's match message; without one, send it instead when ``resend``."""

        async def edit() -> discord.Message | None:
            ref = await self._messages.latest(uid, MATCH_MESSAGE, match_id)
            if ref is None:
                if resend:  # queued behind this job in the same bucket, so order still holds
                    self._send_dm(
                        uid, reply, kind=MATCH_MESSAGE, match_id=match_id, priority=priority, job=job
                    )
                else:
                    log_event(log, "notifier.no_match_message", uid=uid, match_id=match_id)
                return None
            channel = self._require_client().get_partial_messageable(
                ref.channel_id, type=discord.ChannelType.private
            )
            return await channel.get_partial_message(ref.message_id).edit(**message_kwargs(reply))

        self._track(self._outbound.submit(
            edit, bucket=user_bucket(uid), kind=f"edit:{job}", priority=priority, idempotent=True
        ))

    def _post_admin_log(self, reply: Reply, job: str) -> None:
        if self._admin_channel is None:
            return
        channel_id = self._admin_channel

        nonce = None if self._key is None else self._key[-25:]

        async def post() -> discord.Message:
            channel = self._require_client().get_partial_messageable(channel_id)
            kwargs = message_kwargs(reply)
            if nonce is not None:
                kwargs["nonce"] = nonce
            return await channel.send(**kwargs)

        self._outbound.submit(
            post, bucket=channel_bucket(channel_id), kind=f"admin:{job}", priority=Priority.BULK
        )

    async def _dm_channel(self, uid: int) -> discord.abc.Messageable:
        """The player's DM channel: the remembered id when there is one (no request), else created
        through discord.py once and remembered."""
        client = self._require_client()
        known = await self.dm_channels.get(uid) if self.dm_channels is not None else None
        if known is not None:
            self._outbound.alias(channel_bucket(known), user_bucket(uid))
            return client.get_partial_messageable(known, type=discord.ChannelType.private)
        channel = await client.create_dm(discord.Object(uid))
        self._outbound.alias(channel_bucket(channel.id), user_bucket(uid))
        if self.dm_channels is not None:
            await self.dm_channels.remember(uid, channel.id)
        return channel

    def _require_client(self) -> discord.Client:
        if self._client is None:
            raise RuntimeError("the notifier is not attached to a client yet")
        return self._client



async def _receipt(jobs: list[asyncio.Future[Delivery]]) -> Receipt:
    """All jobs delivered; or a refusal that will not change (403/404: DMs closed, user gone)."""
    results = await asyncio.gather(*jobs)
    if all(r.ok for r in results):
        return Receipt(True)
    refused = any(isinstance(r.error, discord.Forbidden | discord.NotFound) for r in results)
    return Receipt(False, unreachable=refused)


def _recipients(event: ev.LadderEvent) -> tuple[int, ...]:
    """The players ``event`` sends a message to (each gets it in their own language)."""
    if isinstance(event, ev.MatchFound | ev.DetailsRevealed):
        return (event.discord_uid,)
    return tuple(event.recipients)

