"""The unit of work and the core repositories on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from evoladder.domain.players import ChangedBy, PlayerState
from evoladder.store.uow import Database

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


async def test_player_roundtrip_keeps_utc_and_unicode(db: Database) -> None:
    async with db.transaction() as uow:
        await uow.players.insert(42, "유저", NOW, 202611)
        await uow.players.update(
            42, NOW, alt_ids=("테란왕", "Зерг"), country="KR", state=PlayerState.QUEUEING
        )
    async with db.read() as uow:
        player = await uow.players.get(42)
    assert player is not None
    assert player.discord_username == "유저"
    assert player.alt_ids == ("테란왕", "Зерг")
    assert player.state is PlayerState.QUEUEING
    assert player.created_at == NOW and player.created_at.tzinfo is not None
    assert player.version == 2


async def test_aware_non_utc_time_is_stored_as_utc(db: Database) -> None:
    kst = timezone(timedelta(hours=9))
    async with db.transaction() as uow:
        await uow.players.insert(1, "a", NOW.astimezone(kst), 202611)
    async with db.read() as uow:
        player = await uow.players.get(1)
    assert player is not None and player.created_at == NOW
    assert player.created_at.utcoffset() == timedelta(0)


async def test_naive_time_is_refused_and_nothing_written(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with db.transaction() as uow:
            await uow.players.insert(1, "a", datetime(2026, 1, 1), 202601)
    async with db.read() as uow:
        assert await uow.players.count() == 0


async def test_exception_rolls_back_the_whole_unit_of_work(db: Database) -> None:
    async with db.transaction() as uow:
        await uow.players.insert(1, "a", NOW, 202611)
    with pytest.raises(RuntimeError):
        async with db.transaction() as uow:
            await uow.players.update(1, NOW, country="DE")
            await uow.mmrs.get_or_create(1, "bw_zerg")
            raise RuntimeError("boom")
    async with db.read() as uow:
        player = await uow.players.get(1)
        assert player is not None and player.country is None
        assert await uow.mmrs.for_player(1) == []


async def test_mmr_changes_compose_in_sql(db: Database) -> None:
    async with db.transaction() as uow:
        row = await uow.mmrs.get_or_create(7, "sc2_zerg")
        assert row.mmr == 1500 and row.games_played == 0
        await uow.mmrs.apply_result(7, "sc2_zerg", 15, won=1, played_at=NOW)
        await uow.mmrs.apply_result(7, "sc2_zerg", -20, lost=1, played_at=NOW)
        await uow.mmrs.apply_result(7, "sc2_zerg", 3, drawn=1)
    async with db.read() as uow:
        row2 = await uow.mmrs.get(7, "sc2_zerg")
    assert row2 is not None
    assert (row2.mmr, row2.games_played, row2.games_won, row2.games_lost, row2.games_drawn) == (
        1498,
        3,
        1,
        1,
        1,
    )


async def test_duplicate_player_race_is_refused(db: Database) -> None:
    async with db.transaction() as uow:
        await uow.mmrs.get_or_create(7, "sc2_zerg")
        again = await uow.mmrs.get_or_create(7, "sc2_zerg")
    assert again.mmr == 1500
    async with db.read() as uow:
        assert len(await uow.mmrs.for_player(7)) == 1


async def test_action_log_has_one_row_per_changed_field(db: Database) -> None:
    async with db.transaction() as uow:
        await uow.players.log_changes(
            5,
            {"country": (None, "KR"), "main_id": ("Old", "New"), "region": ("EUW", "EUW")},
            ChangedBy.PLAYER,
            5,
            NOW,
        )
    async with db.read() as uow:
        rows = await uow.players.action_logs(5)
    assert [(r["field"], r["old_value"], r["new_value"], r["changed_by"]) for r in rows] == [
        ("country", None, "KR", "player"),
        ("main_id", "Old", "New", "player"),
    ]


async def test_activation_code_is_single_use(db: Database) -> None:
    async with db.transaction() as uow:
        await uow.activation_codes.add_batch(["ABC", "DEF"], "b1", 1, NOW)
    async with db.transaction() as uow:
        assert await uow.activation_codes.redeem("ABC", 10, NOW)
        assert not await uow.activation_codes.redeem("ABC", 11, NOW)
        assert not await uow.activation_codes.redeem("NOPE", 11, NOW)
    async with db.read() as uow:
        assert await uow.activation_codes.unused_in_batch("b1") == ["DEF"]


async def test_command_call_batches_are_idempotent(db: Database) -> None:
    rows = [{"call_id": f"c{i}", "discord_uid": i, "command": "profile", "called_at": NOW} for i in range(5)]
    async with db.transaction() as uow:
        await uow.command_calls.insert_many(rows)
    async with db.transaction() as uow:
        await uow.command_calls.insert_many(rows)  # the same batch retried
    async with db.read() as uow:
        assert await uow.command_calls.count() == 5
