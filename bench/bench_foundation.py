"""Foundation rows: rating update, rank allocation at 100k rows, one player read per backend."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import insert

from bench.dbsetup import fresh_database
from bench.harness import BenchContext
from evoladder.domain.ranks import letter_at, letter_bounds, letter_counts
from evoladder.domain.rating import Outcome, rate
from evoladder.store.schema import players


async def run(ctx: BenchContext) -> None:
    rng = random.Random(1)
    pairs = [
        (rng.randint(1000, 2500), rng.randint(1000, 2500), rng.choice(list(Outcome))) for _ in range(1000)
    ]
    it = iter(pairs * 100)
    ctx.time_sync("rating_update", "us", lambda: rate(*next(it)), n=50_000)

    def allocate_100k() -> None:
        bounds = letter_bounds(100_000)
        for pos in range(0, 100_000, 1000):
            letter_at(pos, bounds)

    ctx.time_sync("rank_letter_counts_100k", "us", lambda: letter_counts(100_000), n=20_000, rows=100_000)
    ctx.time_sync("rank_allocation_100k_bounds", "us", allocate_100k, n=2_000, rows=100_000)

    backends = ["sqlite"] + (["postgres"] if ctx.pg_url else [])
    for backend in backends:
        await _player_read(ctx, backend)


async def _player_read(ctx: BenchContext, backend: str) -> None:
    n_players = 10_000
    now = datetime.now(UTC)
    async with fresh_database(backend, ctx.pg_url) as db:
        async with db.transaction() as uow:
            await uow.conn.execute(
                insert(players),
                [
                    {
                        "discord_uid": 10_000_000 + i,
                        "discord_username": f"p{i}",
                        "alt_ids": [],
                        "is_banned": False,
                        "aborts_left": 3,
                        "aborts_period": 202611,
                        "state": "idle",
                        "created_at": now,
                        "updated_at": now,
                        "version": 1,
                    }
                    for i in range(n_players)
                ],
            )
        rng = random.Random(2)

        async def read_one() -> None:
            async with db.read() as uow:
                await uow.players.get(10_000_000 + rng.randrange(n_players))

        for _ in range(50):
            await read_one()  # warm the pool and caches
        await ctx.time_async(
            f"player_read_repository_{backend}", "us", read_one, n=2_000, players=n_players, backend=backend
        )
