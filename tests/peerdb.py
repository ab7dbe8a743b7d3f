"""EvoLadderBot-shaped databases, built by the tests (and the import benchmark) themselves.

The DDL follows ``shared/peer-schema.md`` table by table, once per backend as the peer has them:
PostgreSQL with TIMESTAMPTZ, BOOLEAN and JSONB; SQLite with TIMESTAMP text, BOOLEAN/INTEGER 0/1,
``winner_discord_uid`` on matches and (like old SQLite files) no ``admin_actions`` table.

``PeerData`` holds rows as dicts (column -> value, datetimes aware); ``write_sqlite`` and
``write_postgres`` put them into a fresh database of that shape. On SQLite, timestamps are
written in the forms the peer's files hold (ISO text with ``T`` or a space, with and without an
offset); a test that needs a broken one puts the text in the row itself.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

SQLITE_DDL = """
CREATE TABLE players (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    discord_uid INTEGER NOT NULL UNIQUE,
    discord_username TEXT NOT NULL,
    player_name TEXT, battletag TEXT, alt_player_name_1 TEXT, alt_player_name_2 TEXT,
    country TEXT, region TEXT,
    accepted_tos BOOLEAN DEFAULT FALSE, accepted_tos_date TIMESTAMP,
    completed_setup BOOLEAN DEFAULT FALSE, completed_setup_date TIMESTAMP,
    activation_code TEXT,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    remaining_aborts INTEGER DEFAULT 3,
    player_state TEXT DEFAULT 'idle',
    shield_battery_bug BOOLEAN DEFAULT FALSE,
    is_banned BOOLEAN DEFAULT FALSE,
    read_quick_start_guide INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE player_action_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, discord_uid INTEGER NOT NULL, player_name TEXT NOT NULL,
    setting_name TEXT NOT NULL, old_value TEXT, new_value TEXT,
    changed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, changed_by TEXT DEFAULT 'player'
);
CREATE TABLE command_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT, discord_uid INTEGER NOT NULL, player_name TEXT NOT NULL,
    command TEXT NOT NULL, called_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE mmrs_1v1 (
    id INTEGER PRIMARY KEY AUTOINCREMENT, discord_uid INTEGER NOT NULL, player_name TEXT NOT NULL,
    race TEXT NOT NULL, mmr INTEGER NOT NULL, games_played INTEGER DEFAULT 0,
    games_won INTEGER DEFAULT 0, games_lost INTEGER DEFAULT 0, games_drawn INTEGER DEFAULT 0,
    last_played TIMESTAMP, UNIQUE (discord_uid, race)
);
CREATE TABLE matches_1v1 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    player_1_discord_uid INTEGER NOT NULL, player_2_discord_uid INTEGER NOT NULL,
    player_1_race TEXT NOT NULL, player_2_race TEXT NOT NULL,
    player_1_mmr INTEGER NOT NULL, player_2_mmr INTEGER NOT NULL,
    player_1_report INTEGER, player_2_report INTEGER, match_result INTEGER,
    mmr_change INTEGER NOT NULL DEFAULT 0,
    map_played TEXT NOT NULL, server_used TEXT NOT NULL,
    played_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP,
    player_1_replay_path TEXT, player_1_replay_time TIMESTAMP,
    player_2_replay_path TEXT, player_2_replay_time TIMESTAMP,
    winner_discord_uid INTEGER
);
CREATE TABLE preferences_1v1 (
    id INTEGER PRIMARY KEY AUTOINCREMENT, discord_uid INTEGER NOT NULL UNIQUE,
    last_chosen_races TEXT, last_chosen_vetoes TEXT
);
CREATE TABLE replays (
    id INTEGER PRIMARY KEY AUTOINCREMENT, replay_path TEXT NOT NULL UNIQUE, replay_hash TEXT NOT NULL,
    replay_date TIMESTAMP NOT NULL, player_1_name TEXT NOT NULL, player_2_name TEXT NOT NULL,
    player_1_race TEXT NOT NULL, player_2_race TEXT NOT NULL, result INTEGER NOT NULL,
    player_1_handle TEXT NOT NULL, player_2_handle TEXT NOT NULL, observers TEXT,
    map_name TEXT NOT NULL, duration INTEGER NOT NULL, game_privacy TEXT, game_speed TEXT,
    game_duration_setting TEXT, locked_alliances TEXT, cache_handles TEXT,
    uploaded_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
"""

POSTGRES_DDL = """
CREATE TABLE players (
    id SERIAL PRIMARY KEY,
    discord_uid BIGINT NOT NULL UNIQUE,
    discord_username TEXT NOT NULL,
    player_name TEXT, battletag TEXT, alt_player_name_1 TEXT, alt_player_name_2 TEXT,
    country TEXT, region TEXT,
    accepted_tos BOOLEAN DEFAULT FALSE, accepted_tos_date TIMESTAMPTZ,
    completed_setup BOOLEAN DEFAULT FALSE, completed_setup_date TIMESTAMPTZ,
    activation_code TEXT,
    created_at TIMESTAMPTZ DEFAULT now(), updated_at TIMESTAMPTZ DEFAULT now(),
    remaining_aborts INTEGER DEFAULT 3,
    player_state TEXT DEFAULT 'idle',
    shield_battery_bug BOOLEAN DEFAULT FALSE,
    is_banned BOOLEAN DEFAULT FALSE,
    read_quick_start_guide BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE player_action_logs (
    id SERIAL PRIMARY KEY, discord_uid BIGINT NOT NULL, player_name TEXT NOT NULL,
    setting_name TEXT NOT NULL, old_value TEXT, new_value TEXT,
    changed_at TIMESTAMPTZ DEFAULT now(), changed_by TEXT DEFAULT 'player'
);
CREATE TABLE command_calls (
    id SERIAL PRIMARY KEY, discord_uid BIGINT NOT NULL, player_name TEXT NOT NULL,
    command TEXT NOT NULL, called_at TIMESTAMPTZ DEFAULT now()
);
CREATE TABLE mmrs_1v1 (
    id SERIAL PRIMARY KEY, discord_uid BIGINT NOT NULL, player_name TEXT NOT NULL,
    race TEXT NOT NULL, mmr INTEGER NOT NULL, games_played INTEGER DEFAULT 0,
    games_won INTEGER DEFAULT 0, games_lost INTEGER DEFAULT 0, games_drawn INTEGER DEFAULT 0,
    last_played TIMESTAMPTZ, UNIQUE (discord_uid, race)
);
CREATE TABLE matches_1v1 (
    id SERIAL PRIMARY KEY,
    player_1_discord_uid BIGINT NOT NULL, player_2_discord_uid BIGINT NOT NULL,
    player_1_race TEXT NOT NULL, player_2_race TEXT NOT NULL,
    player_1_mmr INTEGER NOT NULL, player_2_mmr INTEGER NOT NULL,
    player_1_report INTEGER, player_2_report INTEGER, match_result INTEGER,
    mmr_change INTEGER,
    map_played TEXT NOT NULL, server_used TEXT NOT NULL,
    played_at TIMESTAMPTZ DEFAULT now(), updated_at TIMESTAMPTZ,
    player_1_replay_path TEXT, player_1_replay_time TIMESTAMPTZ,
    player_2_replay_path TEXT, player_2_replay_time TIMESTAMPTZ
);
CREATE TABLE preferences_1v1 (
    id SERIAL PRIMARY KEY, discord_uid BIGINT NOT NULL UNIQUE,
    last_chosen_races TEXT, last_chosen_vetoes TEXT
);
CREATE TABLE replays (
    id SERIAL PRIMARY KEY, replay_path TEXT NOT NULL UNIQUE, replay_hash TEXT NOT NULL,
    replay_date TIMESTAMPTZ NOT NULL, player_1_name TEXT NOT NULL, player_2_name TEXT NOT NULL,
    player_1_race TEXT NOT NULL, player_2_race TEXT NOT NULL, result INTEGER NOT NULL,
    player_1_handle TEXT NOT NULL, player_2_handle TEXT NOT NULL, observers TEXT,
    map_name TEXT NOT NULL, duration INTEGER NOT NULL, game_privacy TEXT, game_speed TEXT,
    game_duration_setting TEXT, locked_alliances TEXT, cache_handles TEXT,
    uploaded_at TIMESTAMPTZ DEFAULT now()
);
CREATE TABLE admin_actions (
    id SERIAL PRIMARY KEY, admin_discord_uid BIGINT NOT NULL, admin_username TEXT,
    action_type TEXT NOT NULL, target_player_uid BIGINT, target_match_id INTEGER,
    action_details JSONB, reason TEXT, performed_at TIMESTAMPTZ DEFAULT now()
);
"""

TABLE_ORDER = ("players", "player_action_logs", "command_calls", "mmrs_1v1", "matches_1v1",
               "preferences_1v1", "replays", "admin_actions")


@dataclass
class PeerData:
    """Rows per peer table (dicts; ids given or left to the database)."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: str, **row: Any) -> dict[str, Any]:
        self.tables.setdefault(table, []).append(row)
        return row


def _sqlite_value(value: Any, index: int) -> Any:
    """Timestamps in the several text forms the peer's SQLite files hold; lists as JSON text."""
    if isinstance(value, datetime):
        form = index % 3
        if form == 0:
            return value.replace(tzinfo=None).isoformat(sep=" ")  # no offset: UTC
        if form == 1:
            return value.isoformat()  # T and +00:00
        return value.replace(tzinfo=None).isoformat()  # T, no offset
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    if isinstance(value, bool):
        return int(value)
    return value


def write_sqlite(path: Path, data: PeerData, *, ddl: str = SQLITE_DDL) -> Path:
    conn = sqlite3.connect(path)
    try:
        conn.executescript(ddl)
        for table in TABLE_ORDER:
            for i, row in enumerate(data.tables.get(table, ())):
                cols = list(row)
                conn.execute(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [_sqlite_value(row[c], i) for c in cols],
                )
        conn.commit()
    finally:
        conn.close()
    return path


async def write_postgres(dsn: str, data: PeerData, *, ddl: str = POSTGRES_DDL) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(ddl)
        for table in TABLE_ORDER:
            rows = data.tables.get(table, ())
            for row in rows:
                cols = list(row)
                values = [json.dumps(v) if isinstance(v, (list, dict)) else v for v in row.values()]
                await conn.execute(
                    f"INSERT INTO {table} ({', '.join(cols)}) "
                    f"VALUES ({', '.join(f'${i + 1}' for i in range(len(cols)))})",
                    *values,
                )
            if rows:
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"GREATEST((SELECT max(id) FROM {table}), 1))"
                )
    finally:
        await conn.close()


def rows_of(data: PeerData, table: str) -> Iterable[dict[str, Any]]:
    return data.tables.get(table, ())
