"""Test kit for the /admin journeys: a sandbox with an owner, and seeds made through the services.

The admin feature is exercised end to end (real bot, local Discord server); the state it acts on
(registered players, queue entries, matches in every state, replays) is seeded through the same
services the other features use, because their cogs are other parts of the project. Waves run
only when a test calls ``run_wave`` (``background=False``), so nothing is paired behind a test's
back, and nothing sleeps: waiting is on what a player or channel receives.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from hashlib import blake2b
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from evoladder.domain.match_state import MatchState
from evoladder.domain.players import MmrRow, Player
from evoladder.domain.rating import Outcome
from evoladder.domain.replays import Check, CheckId
from evoladder.i18n.text import admin as text
from evoladder.sandbox import Message, VirtualPlayer
from evoladder.sandbox.ladder import Sandbox
from evoladder.services.wiring import Services
from evoladder.settings import load_settings
from evoladder.store.replay_storage import open_replay_storage, replay_key
from evoladder.store.schema import admin_actions, replays


@pytest.fixture(name="sandbox_options")
def admin_sandbox_options(tmp_path: Path) -> dict[str, Any]:
    """The admin tests' sandbox (conftest's ``sandbox`` with these options; import this into a
    test module to use it): one owner (``sandbox.owners[0]``, "root"), no background loops."""
    return {"settings": load_settings(replay_storage=str(tmp_path)), "owners": ["root"], "background": False}


def services(sandbox: Sandbox) -> Services:
    return sandbox.ladder.services




async def queue(sandbox: Sandbox, player: VirtualPlayer, bw: str | None, sc2: str | None) -> None:
    await services(sandbox).queue.join(player.id, bw, sc2)


async def make_admin(sandbox: Sandbox, player: VirtualPlayer) -> None:
    """Through the owner's own command, as an operator would."""
    owner = sandbox.owners[0]
    reply = await owner.slash("admin admin_add", user=str(player.id), reason="helps with disputes")
    assert reply.content == text.ADMIN_ADDED.format(user=player.mention)


async def match(sandbox: Sandbox, bw: VirtualPlayer, sc2: VirtualPlayer) -> MatchState:
    """Queue ``bw`` (BW side, player 1) and ``sc2`` and run a wave: a found match, both told."""
    await queue(sandbox, bw, "bw_zerg", None)
    await queue(sandbox, sc2, None, "sc2_terran")
    report = await services(sandbox).matchmaker.run_wave()
    [match_id] = report.match_ids
    return await services(sandbox).matches.get(match_id)


async def played(
    sandbox: Sandbox, bw: VirtualPlayer, sc2: VirtualPlayer, report_1: Outcome, report_2: Outcome
) -> MatchState:
    """A match confirmed by both and reported by both (final when the reports agree, else conflict)."""
    state = await match(sandbox, bw, sc2)
    matches = services(sandbox).matches
    await matches.confirm(state.id, bw.id)
    await matches.confirm(state.id, sc2.id)
    await matches.report(state.id, bw.id, report_1)
    return await matches.report(state.id, sc2.id, report_2)


async def rating(sandbox: Sandbox, uid: int, race: str) -> MmrRow:
    async with services(sandbox).db.read() as uow:
        row = await uow.mmrs.get(uid, race)
    assert row is not None
    return row


async def player_record(sandbox: Sandbox, uid: int) -> Player:
    async with services(sandbox).db.read() as uow:
        found = await uow.players.get(uid)
    assert found is not None
    return found


async def audit(sandbox: Sandbox) -> list[dict[str, Any]]:
    """Every admin_actions row, oldest first."""
    async with services(sandbox).db.read() as uow:
        rows = (await uow.conn.execute(select(admin_actions).order_by(admin_actions.c.id))).mappings()
        return [dict(r) for r in rows]


async def store_replay(
    sandbox: Sandbox,
    match_id: int,
    uploader: int,
    data: bytes,
    checks: list[Check],
    at: datetime,
    *,
    file: bool = True,
) -> str:
    """A replay as the replay service leaves it: the file in storage and its row with the checklist.

    ``file=False`` writes the row only (a file lost from the storage).
    """
    digest = blake2b(data).hexdigest()
    key = replay_key(match_id, digest, at)
    if file:
        await open_replay_storage(sandbox.settings.replay_storage).put(key, data)
    checklist = {
        "checks": [c.to_dict() for c in checks],
        "critical_ok": all(c.passed for c in checks if c.critical),
    }
    async with services(sandbox).db.transaction() as uow:
        await uow.conn.execute(
            insert(replays).values(
                match_id=match_id,
                uploader_uid=uploader,
                hash=digest,
                storage_key=key,
                size_bytes=len(data),
                uploaded_at=at,
                map_name="Khione SEL",
                critical_ok=checklist["critical_ok"],
                checks=checklist,
            )
        )
    return digest


def check(check_id: CheckId, passed: bool, message: str, *, critical: bool = False) -> Check:
    return Check(check_id, passed, critical, message)


def with_text(fragment: str) -> Callable[[Message], bool]:
    return lambda m: fragment in m.text


def field(message: Message, name_prefix: str) -> str:
    """The value of the first embed field whose name starts with ``name_prefix``."""
    for f in message.embeds[0].get("fields") or []:
        if str(f["name"]).startswith(name_prefix):
            return str(f["value"])
    raise AssertionError(f"no field {name_prefix!r} in {[f['name'] for f in message.embeds[0]['fields']]}")
