"""Players and their field-change log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping

from evoladder.domain.players import ChangedBy, Player, PlayerState
from evoladder.store.repositories.base import Repository
from evoladder.store.schema import player_action_logs, players


def player_from_row(row: RowMapping) -> Player:
    return Player(
        id=row["id"],
        discord_uid=row["discord_uid"],
        discord_username=row["discord_username"],
        main_id=row["main_id"],
        battletag=row["battletag"],
        alt_ids=tuple(row["alt_ids"] or ()),
        country=row["country"],
        region=row["region"],
        terms_accepted_at=row["terms_accepted_at"],
        terms_declined_at=row["terms_declined_at"],
        completed_setup_date=row["completed_setup_date"],
        activated_at=row["activated_at"],
        quickstart_acknowledged_at=row["quickstart_acknowledged_at"],
        is_banned=bool(row["is_banned"]),
        ban_reason=row["ban_reason"],
        aborts_left=row["aborts_left"],
        aborts_period=row["aborts_period"],
        state=PlayerState(row["state"]),
        current_match_id=row["current_match_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


class PlayerRepository(Repository):
    async def get(self, discord_uid: int, *, for_update: bool = False) -> Player | None:
        stmt = select(players).where(players.c.discord_uid == discord_uid)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self.conn.execute(stmt)).mappings().first()
        return player_from_row(row) if row else None

    async def get_many(self, discord_uids: Iterable[int]) -> dict[int, Player]:
        uids = list(discord_uids)
        if not uids:
            return {}
        rows = (await self.conn.execute(select(players).where(players.c.discord_uid.in_(uids)))).mappings()
        return {r["discord_uid"]: player_from_row(r) for r in rows}

    async def find_by_username(self, username: str) -> list[Player]:
        stmt = select(players).where(func.lower(players.c.discord_username) == username.lower())
        return [player_from_row(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def insert(self, discord_uid: int, username: str, now: datetime, aborts_period: int) -> Player:
        await self.conn.execute(
            insert(players).values(
                discord_uid=discord_uid,
                discord_username=username,
                alt_ids=[],
                is_banned=False,
                aborts_left=3,
                aborts_period=aborts_period,
                state=PlayerState.IDLE.value,
                created_at=now,
                updated_at=now,
                version=1,
            )
        )
        player = await self.get(discord_uid)
        assert player is not None
        return player

    async def update(self, discord_uid: int, now: datetime, **fields: Any) -> None:
        """Change fields and bump the row version (so concurrent writers can be detected)."""
        values = {k: (v.value if isinstance(v, PlayerState) else v) for k, v in fields.items()}
        if "alt_ids" in values:
            values["alt_ids"] = list(values["alt_ids"])
        await self.conn.execute(
            update(players)
            .where(players.c.discord_uid == discord_uid)
            .values(**values, updated_at=now, version=players.c.version + 1)
        )

    async def count(self) -> int:
        return int((await self.conn.execute(select(func.count()).select_from(players))).scalar_one())

    async def in_state(self, state: PlayerState) -> list[Player]:
        stmt = select(players).where(players.c.state == state.value)
        return [player_from_row(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def log_changes(
        self,
        discord_uid: int,
        changes: Mapping[str, tuple[object, object]],
        changed_by: ChangedBy,
        changed_by_uid: int | None,
        now: datetime,
    ) -> None:
        """One player_action_logs row per changed field (old and new as text)."""
        rows = [
            {
                "discord_uid": discord_uid,
                "field": field,
                "old_value": _text(old),
                "new_value": _text(new),
                "changed_by": changed_by.value,
                "changed_by_uid": changed_by_uid,
                "changed_at": now,
            }
            for field, (old, new) in changes.items()
            if old != new
        ]
        if rows:
            await self.conn.execute(insert(player_action_logs), rows)

    async def action_logs(self, discord_uid: int) -> list[RowMapping]:
        stmt = (
            select(player_action_logs)
            .where(player_action_logs.c.discord_uid == discord_uid)
            .order_by(player_action_logs.c.id)
        )
        return list((await self.conn.execute(stmt)).mappings())


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
