"""A wave's write is one transaction on both databases: what it locks stays locked until it ends,
and a wave that fails after its statements ran leaves nothing behind.

On PostgreSQL the wave talks to asyncpg directly for speed, and SQLAlchemy's asyncpg adapter only
opens the transaction at the first statement sent through it: a wave whose first statement went
straight to the driver ran its player lock and its inserts in autocommit, so a player who left
while the wave was between its two statements could be moved into a match after leaving.
"""

from __future__ import annotations

import pytest
from matchkit import build_stack, player_state
from test_matchmaker import queue

from evoladder.store.repositories.matches import MatchRepository
from evoladder.store.uow import Database


class WaveFailedAfterWriting(Exception):
    pass


async def test_a_wave_that_fails_after_its_write_leaves_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = build_stack(db)
    await queue(s, 1, "bw_zerg", None)
    await queue(s, 2, None, "sc2_zerg")
    written = MatchRepository.create_wave

    async def write_then_fail(self: MatchRepository, wave: object) -> object:
        ids = await written(self, wave)  # type: ignore[arg-type]
        assert ids and ids[0] is not None
        raise WaveFailedAfterWriting()

    monkeypatch.setattr(MatchRepository, "create_wave", write_then_fail)
    with pytest.raises(WaveFailedAfterWriting):
        await s.matchmaker.run_wave()
    async with db.read() as uow:
        assert await uow.matches.open_for_player(1) == []
        assert {e.discord_uid for e in await uow.queue.all()} == {1, 2}
    assert (await player_state(db, 1))[:2] == ("queueing", None)
    assert (await player_state(db, 2))[:2] == ("queueing", None)
