"""The wave's read walks the queue and looks players up, never the other way round.

A ladder has ~100 times more players than queued entries; SQLite (which has no statistics
unless someone runs ANALYZE) planned the join from the players table, a scan of every player
per wave. The plan is checked, not the time.
"""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.dialects import sqlite

from evoladder.store.repositories.queue import WAVE_READ
from evoladder.store.schema import metadata


def test_the_wave_read_scans_the_queue_and_searches_players_by_key() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    raw = engine.raw_connection()
    try:
        sql = str(WAVE_READ.compile(dialect=sqlite.dialect()))
        cursor = raw.cursor()
        steps = [row[3] for row in cursor.execute("EXPLAIN QUERY PLAN " + sql).fetchall()]
    finally:
        raw.close()
    scans = [s for s in steps if s.startswith("SCAN")]
    assert scans and scans[0].startswith("SCAN queue_entries"), steps
    assert not any(s.startswith("SCAN players") for s in steps), steps
    assert any(s.startswith("SEARCH players USING") for s in steps), steps
