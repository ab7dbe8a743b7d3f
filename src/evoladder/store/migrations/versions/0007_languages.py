"""Languages: each player's language

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 02:05:00

Reserved in advance so that parallel work on the schema keeps one linear chain; it stays a no-op
until its change fills it.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
