"""What every repository shares: the connection of the unit of work it belongs to."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection


class Repository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name
