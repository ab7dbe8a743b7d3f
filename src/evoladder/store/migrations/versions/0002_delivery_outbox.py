"""Delivery and the outbox: notifications a player must act on, DM channel ids, delivery-based deadlines

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 02:05:00

Reserved in advance so that parallel work on the schema keeps one linear chain; it stays a no-op
until its change fills it.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
