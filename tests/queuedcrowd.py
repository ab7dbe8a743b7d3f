"""A crowd already queued for one big wave: the set-up shared by the wave-delivery test
(``tests/e2e/test_wave_delivery.py``) and its benchmark (``bench/bench_delivery.py``).

Players are written straight into the database as /setup and a /queue in their DMs would leave
them: terms accepted, setup complete, state queueing, and the DM channel id the bot learns from
that first interaction (so delivering "match found" needs no channel-creation request). Half
queue BW Zerg, half SC2 Terran, all at the start rating and with no vetoes, so one wave pairs
everyone. Going around the bot keeps the wave and its delivery the only thing that meets
Discord's limits: registering hundreds of players through /setup would itself be rate-limited.

Imported by the tests as ``queuedcrowd`` and by the benchmarks as ``tests.queuedcrowd``: it
imports nothing from the tests, only the package.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from evoladder.domain.players import month_key
from evoladder.sandbox import VirtualPlayer
from evoladder.sandbox.ladder import Sandbox
from evoladder.store.schema import players, queue_entries


async def queued_crowd(sandbox: Sandbox, count: int, now: datetime) -> list[VirtualPlayer]:
    """``count`` new virtual players (``w0000``, ``w0001``...), queued a moment before ``now``:
    even ones BW Zerg, odd ones SC2 Terran (``count`` even: one wave pairs them all)."""
    people = [sandbox.player(f"w{n:04d}") for n in range(count)]
    rows: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for n, p in enumerate(people):
        rows.append({
            "discord_uid": p.id, "discord_username": p.name, "main_id": f"P{n:04d}",
            "battletag": f"P{n:04d}#1234", "alt_ids": [], "country": "FR", "region": "EUW",
            "terms_accepted_at": now, "completed_setup_date": now, "is_banned": False,
            "aborts_left": 3, "aborts_period": month_key(now), "state": "queueing",
            "created_at": now, "updated_at": now, "version": 1, "dm_channel_id": p.dm_channel.id,
        })
        bw = n % 2 == 0
        entries.append({
            "discord_uid": p.id, "bw_race": "bw_zerg" if bw else None,
            "sc2_race": None if bw else "sc2_terran", "vetoes": [], "waits": 0,
            "joined_at": now - timedelta(seconds=1), "recent_maps": [],
        })
    async with sandbox.services.db.transaction() as uow:
        await uow.conn.execute(insert(players), rows)
        await uow.conn.execute(insert(queue_entries), entries)
    return people
