"""Import from EvoLadderBot: bookkeeping for idempotent re-runs

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 02:05:00

``peer_import_marks``: per peer table, the highest peer id an import from EvoLadderBot has
written (see ``store/schema.py`` and ``services/peer_import.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import evoladder.store.types

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('peer_import_marks',
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('step', sa.String(length=32), nullable=False),
    sa.Column('last_peer_id', sa.BigInteger(), nullable=False),
    sa.Column('rows_written', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', evoladder.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('source', 'step', name=op.f('pk_peer_import_marks'))
    )


def downgrade() -> None:
    op.drop_table('peer_import_marks')
