"""The bot's long-lived messages, on SQLite and PostgreSQL: found again to edit, and to prune.

``MessageLog`` is built alone: it is the only service these storage checks involve.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from evoladder.services.messages import MessageLog
from evoladder.store.uow import Database

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def now(self) -> datetime:
        return self.t


async def test_match_messages_are_found_by_player_kind_and_match(db: Database) -> None:
    clock = Clock()
    log = MessageLog(db=db, clock=clock)
    await log.record(channel_id=10, message_id=100, discord_uid=1, kind="match", match_id=7)
    await log.record(channel_id=20, message_id=200, discord_uid=2, kind="match", match_id=7)
    await log.record(channel_id=10, message_id=101, discord_uid=1, kind="notice", match_id=7)
    await log.record(channel_id=10, message_id=102, discord_uid=1, kind="match", match_id=8)

    mine = await log.latest(1, "match", 7)
    assert mine is not None and (mine.channel_id, mine.message_id) == (10, 100)
    assert await log.latest(3, "match", 7) is None
    assert [m.message_id for m in await log.for_match(7)] == [100, 200, 101]
    assert [m.message_id for m in await log.for_match(7, "match")] == [100, 200]


async def test_prune_keeps_open_matches_and_recent_messages_and_forgets_deleted_ones(db: Database) -> None:
    clock = Clock()
    log = MessageLog(db=db, clock=clock)
    await log.record(
        channel_id=10, message_id=1, discord_uid=1, kind="notice", match_id=5
    )  # old, closed match
    await log.record(channel_id=10, message_id=2, discord_uid=1, kind="match", match_id=6)  # old, open match
    await log.record(channel_id=10, message_id=3, discord_uid=1, kind="help")  # old, no match
    await log.record(channel_id=20, message_id=4, discord_uid=2, kind="notice")  # someone else's
    clock.t = T0 + timedelta(hours=4)
    await log.record(channel_id=10, message_id=5, discord_uid=1, kind="notice")  # recent

    prunable = await log.prunable(1, keep_hours=3, keep_matches={6})
    assert [m.message_id for m in prunable] == [1, 3]
    await log.mark_deleted([1, 3])
    assert await log.prunable(1, keep_hours=3, keep_matches={6}) == []
    assert await log.latest(1, "help") is None
