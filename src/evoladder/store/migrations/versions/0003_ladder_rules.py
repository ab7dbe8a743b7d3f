"""Ladder rules: map dependency handles recorded by admins, replay flags

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 02:05:00

``map_dependencies``: handles admins recorded as a map's own dependencies (the mod verdict is
exact for a map once its dependencies are known; see ``evoladder.domain.replays``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import evoladder.store.types

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('map_dependencies',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('map_name', sa.String(length=128), nullable=False),
    sa.Column('handle', sa.String(length=64), nullable=False),
    sa.Column('recorded_by', sa.BigInteger(), nullable=False),
    sa.Column('recorded_at', evoladder.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('match_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_map_dependencies')),
    sa.UniqueConstraint('map_name', 'handle', name=op.f('uq_map_dependencies_map_name_handle'))
    )


def downgrade() -> None:
    op.drop_table('map_dependencies')
