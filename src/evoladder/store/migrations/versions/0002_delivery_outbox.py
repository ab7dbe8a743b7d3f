"""Delivery and the outbox: notifications a player must act on, DM channel ids, delivery-based deadlines

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 02:05:00

The outbox table (notifications written in the transaction that causes them, delivered after the
commit), each player's own confirmation deadline (armed at delivery), and the player's DM channel.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import evoladder.store.types

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('discord_uid', sa.BigInteger(), nullable=True),
    sa.Column('match_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('created_at', evoladder.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', evoladder.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_pending', ['done_at', 'id'], unique=False)
    with op.batch_alter_table('matches_1v1', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'player_1_confirm_deadline', evoladder.store.types.UTCDateTime(timezone=True), nullable=True
        ))
        batch_op.add_column(sa.Column(
            'player_2_confirm_deadline', evoladder.store.types.UTCDateTime(timezone=True), nullable=True
        ))
    with op.batch_alter_table('players', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dm_channel_id', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('players', schema=None) as batch_op:
        batch_op.drop_column('dm_channel_id')
    with op.batch_alter_table('matches_1v1', schema=None) as batch_op:
        batch_op.drop_column('player_2_confirm_deadline')
        batch_op.drop_column('player_1_confirm_deadline')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_pending')
    op.drop_table('outbox')
