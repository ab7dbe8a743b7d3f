"""The web: privacy opt-in and what the public pages need

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 02:05:00

``players.public_identity``: the player chose to show their Discord name and BattleTag on their
public page (false for everyone until they choose it in /setup).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "players", sa.Column("public_identity", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    with op.batch_alter_table("players") as batch:
        batch.drop_column("public_identity")
