"""Each player's DM channel id, remembered in the database and in memory.

Why: discord.py keeps only 128 DM channels in its connection state (an LRU) and none after a
restart, so past 128 players every notification would first cost a ``POST /users/@me/channels``
under the same global limit as the message itself, halving what a big wave can send. The id is
learnt for free from any interaction a player makes in their DMs, or from the first channel
creation, and never changes for a user.
"""

from __future__ import annotations

from evoladder.store.uow import Database


class DmChannels:
    def __init__(self, *, db: Database) -> None:
        self._db = db
        self._known: dict[int, int] = {}

    async def get(self, discord_uid: int) -> int | None:
        known = self._known.get(discord_uid)
        if known is not None:
            return known
        async with self._db.read() as uow:
            stored = await uow.players.dm_channel(discord_uid)
        if stored is not None:
            self._known[discord_uid] = stored
        return stored

    async def remember(self, discord_uid: int, channel_id: int) -> None:
        """Store the id (one write the first time it is seen; nothing after that)."""
        if self._known.get(discord_uid) == channel_id:
            return
        async with self._db.transaction() as uow:
            stored = await uow.players.set_dm_channel(discord_uid, channel_id)
        if stored:
            self._known[discord_uid] = channel_id
