"""Import from EvoLadderBot: bookkeeping for idempotent re-runs

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 02:05:00

Reserved in advance so that parallel work on the schema keeps one linear chain; it stays a no-op
until its change fills it.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
