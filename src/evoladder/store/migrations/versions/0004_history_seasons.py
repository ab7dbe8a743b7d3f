"""Rating history, seasons, and SC2 account handles

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 02:05:00

Creates the seasons, the rating history, closed seasons' final boards and the toon handles; opens
the first season (the packaged game data's current pool, started at the first match on record,
or now on an empty database); and backfills the history of the matches already stored with
``evoladder.store.history_rebuild.rebuild_rating_history`` (the same code the importer runs).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import evoladder.store.types

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('seasons',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('map_pool', sa.String(length=32), nullable=False),
    sa.Column('started_at', evoladder.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', evoladder.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seasons'))
    )
    with op.batch_alter_table('seasons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seasons_started_at'), ['started_at'], unique=False)

    op.create_table('rating_history_1v1',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('discord_uid', sa.BigInteger(), nullable=False),
    sa.Column('race', sa.String(length=16), nullable=False),
    sa.Column('season_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('match_id', sa.Integer(), nullable=True),
    sa.Column('rating_before', sa.Integer(), nullable=False),
    sa.Column('rating_after', sa.Integer(), nullable=False),
    sa.Column('expected', sa.Float(), nullable=True),
    sa.Column('at', evoladder.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('match', 'reversal', 'resolve', 'adjust', 'season_reset', 'baseline')", name=op.f('ck_rating_history_1v1_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_history_1v1'))
    )
    with op.batch_alter_table('rating_history_1v1', schema=None) as batch_op:
        batch_op.create_index(
            'ix_rating_history_1v1_rating',
            ['discord_uid', 'race', 'id', 'season_id', 'rating_after', 'at'], unique=False,
        )
        batch_op.create_index(batch_op.f('ix_rating_history_1v1_match_id'), ['match_id'], unique=False)

    op.create_table('season_standings_1v1',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('season_id', sa.Integer(), nullable=False),
    sa.Column('discord_uid', sa.BigInteger(), nullable=False),
    sa.Column('race', sa.String(length=16), nullable=False),
    sa.Column('global_rank', sa.Integer(), nullable=True),
    sa.Column('letter', sa.String(length=1), nullable=False),
    sa.Column('best', sa.Boolean(), nullable=False),
    sa.Column('mmr', sa.Integer(), nullable=False),
    sa.Column('games_won', sa.Integer(), nullable=False),
    sa.Column('games_lost', sa.Integer(), nullable=False),
    sa.Column('games_drawn', sa.Integer(), nullable=False),
    sa.Column('last_played', evoladder.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_season_standings_1v1')),
    sa.UniqueConstraint('season_id', 'discord_uid', 'race', name=op.f('uq_season_standings_1v1_season_id_discord_uid_race'))
    )
    with op.batch_alter_table('season_standings_1v1', schema=None) as batch_op:
        batch_op.create_index('ix_season_standings_1v1_board', ['season_id', 'global_rank'], unique=False)
        batch_op.create_index(batch_op.f('ix_season_standings_1v1_discord_uid'), ['discord_uid'], unique=False)

    op.create_table('toon_handles',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('toon_handle', sa.String(length=64), nullable=False),
    sa.Column('discord_uid', sa.BigInteger(), nullable=False),
    sa.Column('first_seen', evoladder.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen', evoladder.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('replays', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_toon_handles')),
    sa.UniqueConstraint('toon_handle', 'discord_uid', name=op.f('uq_toon_handles_toon_handle_discord_uid'))
    )
    with op.batch_alter_table('toon_handles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_toon_handles_discord_uid'), ['discord_uid'], unique=False)

    _open_first_season_and_backfill()


def _open_first_season_and_backfill() -> None:
    from evoladder.domain.history import season_name
    from evoladder.game import load_game_data
    from evoladder.store.history_rebuild import rebuild_rating_history
    from evoladder.store.schema import matches_1v1, seasons

    conn = op.get_bind()
    now = datetime.now(UTC)
    first = conn.execute(sa.select(sa.func.min(matches_1v1.c.played_at))).scalar()
    if isinstance(first, str):  # SQLite hands an aggregate back as text
        first = datetime.fromisoformat(first).replace(tzinfo=UTC)
    elif first is not None and first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    pool = load_game_data().current_season
    conn.execute(sa.insert(seasons).values(
        name=season_name(pool), map_pool=pool, started_at=first or now, ended_at=None
    ))
    rebuild_rating_history(conn, now=now)


def downgrade() -> None:
    with op.batch_alter_table('toon_handles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_toon_handles_discord_uid'))
    op.drop_table('toon_handles')
    with op.batch_alter_table('season_standings_1v1', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_season_standings_1v1_discord_uid'))
        batch_op.drop_index('ix_season_standings_1v1_board')
    op.drop_table('season_standings_1v1')
    with op.batch_alter_table('rating_history_1v1', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_history_1v1_match_id'))
        batch_op.drop_index('ix_rating_history_1v1_rating')
    op.drop_table('rating_history_1v1')
    with op.batch_alter_table('seasons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seasons_started_at'))
    op.drop_table('seasons')
