"""Ladder rules: map dependency handles recorded by admins, replay flags

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 02:05:00

Reserved in advance so that parallel work on the schema keeps one linear chain; it stays a no-op
until its change fills it.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
