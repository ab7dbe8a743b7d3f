"""The database facade and its unit of work.

``Database.transaction()`` opens one transaction and hands out repositories bound to it; leaving
the block commits, an exception rolls back. ``Database.read()`` is the same without the write lock.
Services never see a connection outside a unit of work, so a half-done business write cannot leak.

On SQLite a write transaction starts with ``BEGIN IMMEDIATE``: it takes the database's write lock
up front, so two writers serialise instead of failing half-way with "database is locked" on
upgrade. On PostgreSQL rows that must not be changed concurrently are read ``FOR UPDATE``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from evoladder.store.repositories.activation import ActivationCodeRepository
from evoladder.store.repositories.admin import AdminRepository
from evoladder.store.repositories.command_calls import CommandCallRepository
from evoladder.store.repositories.jobs import JobRepository
from evoladder.store.repositories.matches import MatchRepository
from evoladder.store.repositories.mmrs import MmrRepository
from evoladder.store.repositories.players import PlayerRepository
from evoladder.store.repositories.preferences import PreferenceRepository
from evoladder.store.repositories.queue import QueueRepository
from evoladder.store.repositories.stats import StatsRepository


class UnitOfWork:
    """Repositories over one connection inside one transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    @cached_property
    def players(self) -> PlayerRepository:
        return PlayerRepository(self.conn)

    @cached_property
    def mmrs(self) -> MmrRepository:
        return MmrRepository(self.conn)

    @cached_property
    def admins(self) -> AdminRepository:
        return AdminRepository(self.conn)

    @cached_property
    def activation_codes(self) -> ActivationCodeRepository:
        return ActivationCodeRepository(self.conn)

    @cached_property
    def command_calls(self) -> CommandCallRepository:
        return CommandCallRepository(self.conn)

    @cached_property
    def stats(self) -> StatsRepository:
        return StatsRepository(self.conn)

    @cached_property
    def matches(self) -> MatchRepository:
        return MatchRepository(self.conn)

    @cached_property
    def queue(self) -> QueueRepository:
        return QueueRepository(self.conn)

    @cached_property
    def jobs(self) -> JobRepository:
        return JobRepository(self.conn)

    @cached_property
    def preferences(self) -> PreferenceRepository:
        return PreferenceRepository(self.conn)


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        """A write transaction: commit on success, roll back on any exception."""
        async with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                await conn.execution_options(sqlite_write=True)
            async with conn.begin():
                yield UnitOfWork(conn)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[UnitOfWork]:
        """A read-only transaction (a consistent snapshot, no write lock)."""
        async with self.engine.connect() as conn, conn.begin():
            yield UnitOfWork(conn)

    async def close(self) -> None:
        await self.engine.dispose()
