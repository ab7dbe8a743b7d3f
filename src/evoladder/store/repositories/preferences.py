"""A player's last queue choices (races and vetoes), offered again the next time they queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from evoladder.store.repositories.base import Repository
from evoladder.store.schema import preferences_1v1


@dataclass(frozen=True, slots=True)
class QueuePreferences:
    races: tuple[str, ...]
    vetoes: tuple[str, ...]


class PreferenceRepository(Repository):
    async def get(self, discord_uid: int) -> QueuePreferences | None:
        stmt = select(preferences_1v1.c.last_chosen_races, preferences_1v1.c.last_chosen_vetoes).where(
            preferences_1v1.c.discord_uid == discord_uid
        )
        row = (await self.conn.execute(stmt)).first()
        if row is None:
            return None
        return QueuePreferences(tuple(row[0] or ()), tuple(row[1] or ()))

    async def save(
        self, discord_uid: int, races: Sequence[str], vetoes: Sequence[str], now: datetime
    ) -> None:
        """Insert or replace; callers hold the player's row lock, so two saves cannot both insert."""
        values = {"last_chosen_races": list(races), "last_chosen_vetoes": list(vetoes), "updated_at": now}
        result = await self.conn.execute(
            update(preferences_1v1).where(preferences_1v1.c.discord_uid == discord_uid).values(**values)
        )
        if not result.rowcount:
            await self.conn.execute(insert(preferences_1v1).values(discord_uid=discord_uid, **values))
