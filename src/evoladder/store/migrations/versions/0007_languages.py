"""Languages: each player's language

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 02:05:00

Each player's language (``players.language``): filled at first contact from the Discord client's
locale, changed in /setup and /language, used for every text the bot sends the player. Existing
players read English, the ladder's language until now.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("players", sa.Column("language", sa.String(8), nullable=False, server_default="en"))


def downgrade() -> None:
    with op.batch_alter_table("players") as batch:
        batch.drop_column("language")
