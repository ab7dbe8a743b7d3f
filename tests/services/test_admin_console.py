"""The admin console on SQLite and PostgreSQL: its own queries, role checks, previews, unblock, replays.

The e2e journeys (``tests/e2e/test_admin_*.py``) show what admins and players see; these tests pin
the storage side on both databases and the edges that are awkward to reach through Discord (a
replay storage that cannot be opened, replays that do not all fit on one message).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from hashlib import blake2b
from pathlib import Path
from typing import Any

import pytest
from matchkit import GAME, FakeClock, RecordingNotifier, add_player, seed_match
from sqlalchemy import func, insert, select

from evoladder.domain.errors import AlreadyBanned, AlreadyResolved, NotAuthorized, TargetPlayerNotFound
from evoladder.domain.match_state import MatchStatus, Resolution
from evoladder.domain.players import PlayerState
from evoladder.domain.rating import Outcome
from evoladder.services import admin_console
from evoladder.services.admin_console import AdminConsole, AmbiguousPlayer, NotStuck, QueueEmpty
from evoladder.services.admin_players import AdminPlayerService
from evoladder.services.matches import MatchService
from evoladder.services.queue import QueueService
from evoladder.services.read_models import ReadModels
from evoladder.services.wiring import build_services
from evoladder.settings import load_settings
from evoladder.store.replay_storage import DirectoryStorage, open_replay_storage, replay_key
from evoladder.store.repositories.admin_reads import AdminReadRepository
from evoladder.store.schema import admin_actions, replays
from evoladder.store.uow import Database

OWNER = 900_000_000_000_000_001
P1, P2, P3 = 444_000_000_000_000_001, 444_000_000_000_000_002, 444_000_000_000_000_003


@dataclass
class Stack:
    db: Database
    clock: FakeClock
    console: AdminConsole
    matches: MatchService
    queue: QueueService
    players: AdminPlayerService
    read_models: ReadModels
    replay_dir: Path


async def build(db: Database, replay_dir: Path, replay_storage: str | None = None) -> Stack:
    clock = FakeClock()
    services = build_services(
        settings=load_settings(
            owner_ids=str(OWNER), replay_storage=replay_storage or str(replay_dir),
            report_requires_replay=False,
        ),
        db=db,
        clock=clock,
        game=GAME,
        notifier=lambda *_parts: RecordingNotifier(),
        replay_storage=DirectoryStorage(replay_dir),  # the upload side; /admin match opens its own
    )
    await services.leaderboard.build()
    await services.roster.sync_owners(services.settings.owner_ids)
    return Stack(db, clock, services.admin_console, services.matches, services.queue, services.admin_players,
                 services.read_models, replay_dir)


@pytest.fixture
async def stack(db: Database, tmp_path: Path) -> Stack:
    return await build(db, tmp_path)


async def audit_count(s: Stack) -> int:
    async with s.db.read() as uow:
        return int((await uow.conn.execute(select(func.count()).select_from(admin_actions))).scalar_one())


async def put_replay(s: Stack, match_id: int, uploader: int, data: bytes, *, store: bool = True) -> None:
    digest = blake2b(data + str(uploader).encode()).hexdigest()
    key = replay_key(match_id, digest, s.clock.now())
    if store:
        await open_replay_storage(str(s.replay_dir)).put(key, data)
    async with s.db.transaction() as uow:
        await uow.conn.execute(
            insert(replays).values(
                match_id=match_id,
                uploader_uid=uploader,
                hash=digest,
                storage_key=key,
                size_bytes=len(data),
                uploaded_at=s.clock.now(),
                checks={
                    "checks": [{"id": "map", "passed": True, "critical": True, "message": "Map: Khione SEL."}]
                },
            )
        )


async def test_every_console_call_checks_the_role_and_writes_nothing_for_a_player(stack: Stack) -> None:
    found = await seed_match(stack.db, P1, P2, now=stack.clock.now())
    calls: list[Callable[[], Awaitable[object]]] = [
        lambda: stack.console.snapshot(P3),
        lambda: stack.console.player_files(P3, str(P1)),
        lambda: stack.console.target(P3, str(P1)),
        lambda: stack.console.match_file(P3, found.id),
        lambda: stack.console.admins(P3),
        lambda: stack.console.code_batches(P3),
        lambda: stack.console.resolve_preview(P3, found.id, Resolution.DRAW),
        lambda: stack.console.mmr_preview(P3, str(P1), "bw_zerg", value=1600, delta=None),
        lambda: stack.console.ban_preview(P3, str(P1)),
        lambda: stack.console.queued_count(P3),
        lambda: stack.console.resolve(P3, found.id, Resolution.DRAW, "x"),
        lambda: stack.console.remove_from_queue(P3, P1, "x"),
        lambda: stack.console.clear_queue(P3, "x"),
        lambda: stack.console.unblock(P3, P1, "x"),
    ]
    for call in calls:
        with pytest.raises(NotAuthorized):
            await call()
    assert await audit_count(stack) == 0
    assert (await stack.matches.get(found.id)).status is MatchStatus.FOUND


async def test_own_queries_code_batches_replays_and_status_counts(stack: Stack) -> None:
    first = await stack.players.create_activation_codes(OWNER, 3, "first")
    stack.clock.advance(minutes=1)
    second = await stack.players.create_activation_codes(OWNER, 2, "second")
    await add_player(stack.db, P3)
    async with stack.db.transaction() as uow:
        assert await uow.activation_codes.redeem(first.codes[0], P3, stack.clock.now())
    batches = await stack.console.code_batches(OWNER)
    assert [(b.batch, b.total, b.unused, b.created_by) for b in batches] == [
        (second.batch, 2, 2, OWNER),
        (first.batch, 3, 2, OWNER),
    ]

    found = await seed_match(stack.db, P1, P2, now=stack.clock.now())
    other = await seed_match(
        stack.db, 444_000_000_000_000_011, 444_000_000_000_000_012, now=stack.clock.now()
    )
    await stack.matches.confirm(other.id, other.player_1)
    await stack.matches.confirm(other.id, other.player_2)
    await stack.matches.report(other.id, other.player_1, Outcome.PLAYER_1)
    await stack.matches.report(other.id, other.player_2, Outcome.PLAYER_2)  # a conflict
    await put_replay(stack, found.id, P1, b"one")
    stack.clock.advance(seconds=5)
    await put_replay(stack, found.id, P2, b"two")
    async with stack.db.read() as uow:
        stored = await AdminReadRepository(uow.conn).replays_for_match(found.id)
        counts = await AdminReadRepository(uow.conn).match_status_counts(["found", "confirmed", "conflict"])
    assert [(r.uploader_uid, r.size_bytes) for r in stored] == [(P1, 3), (P2, 3)]
    assert stored[0].checks is not None and stored[0].checks["checks"][0]["id"] == "map"
    assert counts == {"found": 1, "confirmed": 0, "conflict": 1}
    snap = await stack.console.snapshot(OWNER)
    assert (snap.matches.found, snap.matches.confirmed, snap.matches.conflict, snap.matches.open) == (
        1,
        0,
        1,
        1,
    )


async def test_attention_matches_lists_conflicts_then_open_matches_oldest_first_in_pages(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admin_console, "MATCHES_PER_PAGE", 2)
    base = 444_000_000_000_000_100
    made = []
    for i in range(4):  # found, found, then two that end in a conflict and in a final result
        m = await seed_match(stack.db, base + 2 * i, base + 2 * i + 1, now=stack.clock.now())
        made.append(m)
        if i >= 2:
            await stack.matches.confirm(m.id, m.player_1)
            await stack.matches.confirm(m.id, m.player_2)
            await stack.matches.report(m.id, m.player_1, Outcome.PLAYER_1)
        stack.clock.advance(minutes=10)
    conflict, final = made[2], made[3]
    await stack.matches.report(conflict.id, conflict.player_2, Outcome.PLAYER_2)
    await stack.matches.report(final.id, final.player_2, Outcome.PLAYER_1)
    with pytest.raises(NotAuthorized):
        await stack.console.attention_matches(P1)
    first = await stack.console.attention_matches(OWNER)
    assert [m.id for m in first.matches] == [conflict.id, made[0].id]
    assert (first.page, first.pages, first.total) == (1, 2, 3)
    assert first.names[made[0].player_1] == f"Main{made[0].player_1}"
    assert first.now - first.matches[1].played_at == timedelta(minutes=40)
    second = await stack.console.attention_matches(OWNER, 99)  # clamped to the last page
    assert [m.id for m in second.matches] == [made[1].id] and second.page == 2


async def test_match_file_attaches_what_fits_and_lists_the_rest(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = await seed_match(stack.db, P1, P2, now=stack.clock.now())
    await put_replay(stack, found.id, P1, b"a" * 10)
    await put_replay(stack, found.id, P2, b"b" * 30)  # over what is left of the budget
    await put_replay(stack, found.id, P2, b"c" * 5)
    await put_replay(stack, found.id, P1, b"gone", store=False)
    monkeypatch.setattr(admin_console, "ATTACH_MAX_BYTES", 20)
    file = await stack.console.match_file(OWNER, found.id)
    assert [(r.data, r.missing) for r in file.replays] == [
        (b"a" * 10, False),
        (None, False),
        (b"c" * 5, False),
        (None, True),
    ]
    assert file.names == {P1: f"Main{P1}", P2: f"Main{P2}"}

    monkeypatch.setattr(admin_console, "ATTACH_MAX_FILES", 1)
    monkeypatch.setattr(admin_console, "ATTACH_MAX_BYTES", 1000)
    file = await stack.console.match_file(OWNER, found.id)
    assert [r.data is not None for r in file.replays] == [True, False, False, False]


async def test_an_unreachable_replay_storage_still_shows_the_match(db: Database, tmp_path: Path) -> None:
    s = await build(db, tmp_path, "unreachable://bucket")  # opening it raises StorageError
    found = await seed_match(s.db, P1, P2, now=s.clock.now())
    await put_replay(s, found.id, P1, b"x", store=False)
    file = await s.console.match_file(OWNER, found.id)
    assert [(r.data, r.missing) for r in file.replays] == [(None, True)]


async def test_previews_refuse_what_the_write_would_refuse(stack: Stack) -> None:
    found = await seed_match(stack.db, P1, P2, now=stack.clock.now())
    preview = await stack.console.resolve_preview(OWNER, found.id, Resolution.PLAYER_2)
    assert (preview.plan.old_delta, preview.plan.new_delta, preview.plan.mmr_shift(1)) == (0, -20, -20)
    await stack.console.resolve(OWNER, found.id, Resolution.PLAYER_2, "no show")
    with pytest.raises(AlreadyResolved):
        await stack.console.resolve_preview(OWNER, found.id, Resolution.PLAYER_2)

    with pytest.raises(QueueEmpty):
        await stack.console.queued_count(OWNER)
    await stack.players.ban(OWNER, P1, "cheat")
    with pytest.raises(AlreadyBanned):
        await stack.console.ban_preview(OWNER, str(P1))
    with pytest.raises(TargetPlayerNotFound):
        await stack.console.target(OWNER, "nobody")
    async with stack.db.transaction() as uow:
        await uow.players.update(P2, stack.clock.now(), main_id=f"Main{P1}")
    with pytest.raises(AmbiguousPlayer):
        await stack.console.target(OWNER, f"Main{P1}")


async def test_unblock_only_frees_an_unbacked_state(stack: Stack) -> None:
    found = await seed_match(stack.db, P1, P2, now=stack.clock.now())
    with pytest.raises(NotStuck, match="open match"):
        await stack.console.unblock(OWNER, P1, "x")
    await stack.matches.abort(found.id, P2)
    with pytest.raises(NotStuck, match="idle already"):
        await stack.console.unblock(OWNER, P1, "x")
    async with stack.db.transaction() as uow:
        await uow.players.update(P1, stack.clock.now(), state=PlayerState.IN_MATCH, current_match_id=found.id)
    cache = stack.read_models.players
    cache.put(await _player(stack, P1), cache.ticket(P1))  # a stale cached record must not survive
    done = await stack.console.unblock(OWNER, P1, "left behind")
    assert (done.from_state, done.stale_match_id, done.player.state) == (
        PlayerState.IN_MATCH,
        found.id,
        PlayerState.IDLE,
    )
    assert stack.read_models.players.get(P1) is None
    async with stack.db.read() as uow:
        [row] = await uow.admins.actions(target_player_uid=P1)
    assert (row["action_type"], row["reason"], row["details"]) == (
        "unblock_queue",
        "left behind",
        {"from_state": "in_match", "match_id": found.id},
    )


async def _player(s: Stack, uid: int) -> Any:
    async with s.db.read() as uow:
        return await uow.players.get(uid)
