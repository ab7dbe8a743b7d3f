"""Test kit for the web: a ladder built by the composition root over a seeded database, and its
site served by aiohttp's test server (no port of the machine is taken)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from matchkit import FakeClock, add_player, build_stack, confirmed_match, seed_match
from pydantic import SecretStr

from evoladder.app import Ladder, build_ladder
from evoladder.domain.match_state import MatchState
from evoladder.domain.rating import Outcome
from evoladder.settings import load_settings
from evoladder.store.repositories.queue import StoredEntry
from evoladder.store.uow import Database
from evoladder.web.admission import Admission
from evoladder.web.ratelimit import RateLimiter

ALICE, BOB, CAROL, DAVE, ERIN = 101, 102, 103, 104, 105


@dataclass
class World:
    """What the seed made: a finished match Alice (BW Zerg) beat Bob (SC2 Terran), an open match
    Carol-Dave that is still waiting for confirmations, and Erin with a rating but no match."""

    final: MatchState
    hidden: MatchState
    clock: FakeClock


async def seed(db: Database) -> World:
    clock = FakeClock()
    stack = build_stack(db, clock)
    final = await confirmed_match(stack, ALICE, BOB, mmr_1=1600, mmr_2=1500)
    await stack.matches.report(final.id, ALICE, Outcome.PLAYER_1)
    final = await stack.matches.report(final.id, BOB, Outcome.PLAYER_1)
    hidden = await seed_match(db, CAROL, DAVE, now=clock.now(), race_1="bw_protoss", race_2="sc2_zerg")
    await add_player(db, ERIN, now=clock.now(), mmr={"sc2_protoss": 1450})
    async with db.transaction() as uow:
        await uow.queue.add(StoredEntry(ERIN, None, "sc2_protoss", (), 0, clock.now(), None, ()))
    return World(final, hidden, clock)


@asynccontextmanager
async def served(
    db_url: str, tmp_path: Path, clock: FakeClock, *, rate: float = 1000.0, burst: int = 1000,
    ticker: list[float] | None = None, admission: Admission | None = None,
) -> AsyncIterator[tuple[TestClient, Ladder]]:
    settings = load_settings(
        database_url=db_url, discord_token=SecretStr("x"), replay_storage=str(tmp_path / "replays"),
        public_url=None, report_requires_replay=False,
    )
    clock_now = ticker if ticker is not None else [0.0]
    limiter = RateLimiter(rate, burst, clock=lambda: clock_now[0])
    async with AsyncExitStack() as stack:
        ladder = await build_ladder(settings, stack, clock=clock, sync_commands=False)
        client = TestClient(TestServer(ladder.web_app(limiter=limiter, admission=admission)))
        await client.start_server()
        stack.push_async_callback(client.close)
        yield client, ladder
