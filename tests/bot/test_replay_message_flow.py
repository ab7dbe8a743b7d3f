"""The wrapper's message path (a replay dropped in the bot's DM) and the replay cog's own rules.

Uploads are messages, not interactions, yet they must be logged, timed, guarded and have their
errors mapped like every command; their answer is a new message sent through the outbound queue.
The end-to-end test (``tests/e2e/test_replay_upload.py``) runs the real thing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import discord
import pytest
from botfakes import Harness, harness

from evoladder.bot.cogs.replays import UPLOAD, ReplayCog, is_dm_upload
from evoladder.bot.interaction import MessageCall
from evoladder.bot.outbound import Outbound
from evoladder.bot.render.match import with_replay_status
from evoladder.bot.render.replays import status_text
from evoladder.bot.reply import Reply, Track
from evoladder.domain.errors import Banned
from evoladder.domain.match_state import MatchState, MatchStatus
from evoladder.domain.replays import Check, CheckId
from evoladder.i18n.text import common as text
from evoladder.i18n.text import errors as errors_text
from evoladder.i18n.text import match as match_text
from evoladder.i18n.text import replays as replays_text
from evoladder.services.replays import MatchReplay, ReplayService, ReplayTooLarge
from evoladder.store.repositories.replays import ReplayRecord


@dataclass
class Sent:
    id: int
    channel: Any


@dataclass
class FakeChannel:
    id: int = 77
    sent: list[dict[str, Any]] = field(default_factory=list)

    async def send(self, **kwargs: Any) -> Sent:
        self.sent.append(kwargs)
        return Sent(900 + len(self.sent), self)

    def texts(self) -> list[str]:
        return [str(s.get("content")) for s in self.sent]


@dataclass
class FakeAuthor:
    id: int = 1001
    name: str = "alice"
    bot: bool = False


@dataclass
class FakeAttachment:
    filename: str
    size: int

    async def read(self) -> bytes:
        raise AssertionError("a refused file must not be downloaded")


@dataclass
class FakeDm:
    channel: FakeChannel = field(default_factory=FakeChannel)
    author: FakeAuthor = field(default_factory=FakeAuthor)
    attachments: list[FakeAttachment] = field(default_factory=lambda: [FakeAttachment("g.SC2Replay", 10)])
    guild: Any = None
    id: int = 5

    def as_discord(self) -> discord.Message:
        return cast(discord.Message, self)


@pytest.fixture
async def h() -> AsyncIterator[Harness]:
    made = harness()
    outbound = Outbound()
    outbound.start()
    made.flows.deps = cast(Any, SimpleNamespace(outbound=outbound))
    yield made
    await outbound.close()


async def test_an_upload_is_logged_guarded_timed_and_answered_in_the_channel(h: Harness) -> None:
    dm = FakeDm()

    async def handler(call: MessageCall) -> Reply:
        call.checkpoint("reads")
        embed = discord.Embed(title=f"replay from {call.uid}")
        return Reply(embeds=(embed,), track=Track("replay", 42))

    await h.flows.run_message(dm.as_discord(), UPLOAD, handler)

    assert h.recorder.calls == [(1001, "replay.upload", None)]
    assert h.guard.calls == [(1001, "alice", "match")]  # the match buttons' policy
    [timer] = h.timing.timers
    assert timer.checkpoints == ["guard", "reads", "render", "send"] and timer.finished == 1
    [sent] = dm.channel.sent
    assert sent["embeds"][0].title == "replay from 1001"
    assert h.messages.recorded == [
        {"channel_id": 77, "message_id": 901, "discord_uid": 1001, "kind": "replay", "match_id": 42}
    ]


async def test_a_refusal_or_a_guard_error_is_answered_with_its_message(h: Harness) -> None:
    dm = FakeDm()

    async def refuse(call: MessageCall) -> Reply:
        raise ReplayTooLarge(6 * 1024 * 1024, 5 * 1024 * 1024)

    await h.flows.run_message(dm.as_discord(), UPLOAD, refuse)
    assert dm.channel.texts() == [errors_text.ReplayTooLarge.format(size="6.0 MB", limit="5.0 MB")]

    banned = harness(guard_error=Banned())
    banned.flows.deps = h.flows.deps
    await banned.flows.run_message(dm.as_discord(), UPLOAD, refuse)
    assert dm.channel.texts()[-1] == Banned.message and banned.timing.timers[0].finished == 1


async def test_an_unexpected_error_gives_a_reference_that_is_in_the_log(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    dm = FakeDm()

    async def broken(call: MessageCall) -> Reply:
        raise KeyError("boom")

    with caplog.at_level(logging.ERROR):
        await h.flows.run_message(dm.as_discord(), UPLOAD, broken)
    reference = re.search(r"`([0-9a-f]{8})`", dm.channel.texts()[0])
    assert reference is not None
    [record] = [r for r in caplog.records if r.getMessage() == "interaction.error"]
    fields = record.fields  # type: ignore[attr-defined]
    assert fields["reference"] == reference.group(1) and fields["command"] == "replay.upload"
    assert fields["attachments"] == "g.SC2Replay" and fields["type"] == "message"


async def test_after_shutdown_began_an_upload_is_refused_politely(h: Harness) -> None:
    h.lifecycle.stop_accepting()
    dm = FakeDm()

    async def handler(call: MessageCall) -> Reply:
        raise AssertionError("must not run")

    await h.flows.run_message(dm.as_discord(), UPLOAD, handler)
    assert dm.channel.texts() == [text.SHUTTING_DOWN] and h.guard.calls == []


async def test_the_cog_refuses_by_size_and_name_before_downloading(h: Harness) -> None:
    """A ``ReplayService`` with nothing behind it, on purpose: the refusals happen before the
    service touches a database, a parser or a storage, which is what this proves."""
    none = cast(Any, None)
    service = ReplayService(
        db=none, clock=none, game=none, matches=none, parser=none, storage=none, max_bytes=1024 * 1024
    )
    cog = ReplayCog(cast(Any, SimpleNamespace(replays=service)), h.flows)
    call = cast(MessageCall, SimpleNamespace(uid=1001))
    with pytest.raises(ReplayTooLarge):
        await cog.upload(cast(discord.Attachment, FakeAttachment("g.SC2Replay", 2 * 1024 * 1024)), call)
    with pytest.raises(Exception, match=r"\.SC2Replay"):
        await cog.upload(cast(discord.Attachment, FakeAttachment("g.png", 10)), call)


def test_only_a_players_dm_with_files_is_an_upload() -> None:
    assert is_dm_upload(FakeDm().as_discord())
    assert not is_dm_upload(FakeDm(attachments=[]).as_discord())
    assert not is_dm_upload(FakeDm(guild=object()).as_discord())
    assert not is_dm_upload(FakeDm(author=FakeAuthor(bot=True)).as_discord())


# --- the match message's replay status ----------------------------------------------------------

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def match_state() -> MatchState:
    return MatchState(
        id=7, player_1=1, player_2=2, race_1="bw_zerg", race_2="sc2_terran", mmr_1=1500, mmr_2=1500,
        status=MatchStatus.FINAL, report_1=2, report_2=2, result=2, mmr_change=-20, map_name="Khione SEL",
        server="EUC", played_at=T0, confirm_deadline=None, confirmed_1_at=T0, confirmed_2_at=T0,
        confirmed_at=T0, report_deadline=None, reported_1_at=T0, reported_2_at=T0, finalized_at=T0,
        resolved_by=None, wave_at=T0, version=3,
    )


def stored(uploader: int, checks: tuple[Check, ...], outcome: int | None, can_report: bool) -> MatchReplay:
    record = ReplayRecord(
        id=uploader, match_id=7, uploader_uid=uploader, hash="ab" * 64, storage_key="k", size_bytes=1,
        uploaded_at=T0, date=T0, map_name="Khione SEL", official=True, critical_ok=True, winner_uid=None,
        parsed=None, checks=None,
    )
    return MatchReplay(record, None, checks, outcome, can_report)


def test_status_lines_read_from_each_players_side() -> None:
    passed = (Check(CheckId.MAP, True, True, "Map"), Check(CheckId.SPEED, True, False, "Speed"))
    warned = (Check(CheckId.MAP, True, True, "Map"), Check(CheckId.SPEED, False, False, "Speed"))
    failed = (Check(CheckId.MAP, False, True, "Map"), Check(CheckId.MOD, False, True, "Mod"))
    replays = [stored(1, passed, 2, True), stored(2, warned, 2, True), stored(2, failed, None, False)]
    r = replays_text
    lost, won = r.STATUS_SHOWS.format(outcome=match_text.OUTCOME_LOST), r.STATUS_SHOWS.format(
        outcome=match_text.OUTCOME_WON
    )
    names = r.table("CHECK_NAMES")
    assert status_text(replays, match_state(), 1).splitlines() == [
        r.STATUS_LINE.format(
            mark=r.CHECK_PASS, who=r.STATUS_YOURS, summary=f"{r.STATUS_PASSED}{r.SUMMARY_JOIN}{lost}"
        ),
        r.STATUS_LINE.format(
            mark=r.CHECK_WARN, who=r.STATUS_THEIRS,
            summary=f"{r.STATUS_WARNINGS.format(count=1)}{r.SUMMARY_JOIN}{lost}",
        ),
        r.STATUS_LINE.format(
            mark=r.CHECK_FAIL, who=r.STATUS_THEIRS,
            summary=r.STATUS_CRITICAL.format(checks=", ".join([names["map"], names["mod"]])),
        ),
    ]
    theirs = status_text(replays[:1], match_state(), 2)
    assert theirs == r.STATUS_LINE.format(
        mark=r.CHECK_PASS, who=r.STATUS_THEIRS, summary=f"{r.STATUS_PASSED}{r.SUMMARY_JOIN}{won}"
    )


def test_the_replay_status_field_is_added_once_then_replaced() -> None:
    card = discord.Embed(title="Match #7: final").add_field(name="Result", value="x")
    with_replay_status(card, "Replays", "one")
    with_replay_status(card, "Replays", "two")
    assert [(f.name, f.value) for f in card.fields] == [("Result", "x"), ("Replays", "two")]
