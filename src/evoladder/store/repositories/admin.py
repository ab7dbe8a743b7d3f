"""Admins, owners and the audit trail of every admin action."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import RowMapping

from evoladder.store.repositories.base import Repository
from evoladder.store.schema import admin_actions, admins


class AdminRepository(Repository):
    async def roles(self) -> dict[int, str]:
        rows = (await self.conn.execute(select(admins.c.discord_uid, admins.c.role))).all()
        return {int(uid): str(role) for uid, role in rows}

    async def role_of(self, discord_uid: int) -> str | None:
        stmt = select(admins.c.role).where(admins.c.discord_uid == discord_uid)
        return (await self.conn.execute(stmt)).scalar_one_or_none()

    async def put(self, discord_uid: int, role: str, added_by: int | None, now: datetime) -> None:
        if await self.role_of(discord_uid) is None:
            await self.conn.execute(
                insert(admins).values(discord_uid=discord_uid, role=role, added_by=added_by, added_at=now)
            )
        else:
            await self.conn.execute(
                update(admins).where(admins.c.discord_uid == discord_uid).values(role=role)
            )

    async def remove(self, discord_uid: int) -> bool:
        result = await self.conn.execute(delete(admins).where(admins.c.discord_uid == discord_uid))
        return bool(result.rowcount)

    async def audit(
        self,
        admin_uid: int,
        action_type: str,
        reason: str,
        now: datetime,
        *,
        target_player_uid: int | None = None,
        target_match_id: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        await self.conn.execute(
            insert(admin_actions).values(
                admin_discord_uid=admin_uid,
                action_type=action_type,
                reason=reason,
                performed_at=now,
                target_player_uid=target_player_uid,
                target_match_id=target_match_id,
                details=details,
            )
        )

    async def actions(
        self, *, target_player_uid: int | None = None, target_match_id: int | None = None, limit: int = 50
    ) -> list[RowMapping]:
        stmt = select(admin_actions).order_by(admin_actions.c.id.desc()).limit(limit)
        if target_player_uid is not None:
            stmt = stmt.where(admin_actions.c.target_player_uid == target_player_uid)
        if target_match_id is not None:
            stmt = stmt.where(admin_actions.c.target_match_id == target_match_id)
        return list((await self.conn.execute(stmt)).mappings())
