"""The ladder's own series on /metrics (DESIGN section 12) appear after the event that feeds them,
recorded by the service where it happens and read through prometheus_client's parser: the rating
gap and wait of a formed match, aborts, abandons, conflicts, replay verdicts and parse time."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from matchkit import GAME, FakeClock, RecordingNotifier, Stack, add_player, confirmed_match, seed_match
from prometheus_client.parser import text_string_to_metric_families

from evoladder.domain.rating import Outcome
from evoladder.game.replay_parse import MPQ_MAGIC, ParseFailure, ParseFailureKind, ParseOutcome
from evoladder.services.replays import ReplayUnreadable
from evoladder.services.timing import FlowTiming
from evoladder.services.wiring import Services, build_services
from evoladder.settings import load_settings
from evoladder.store.replay_storage import DirectoryStorage
from evoladder.store.repositories.queue import StoredEntry
from evoladder.store.uow import Database


class Unreadable:
    """A parser that gives up on every file (the verdict ``unreadable``)."""

    async def parse(self, data: bytes) -> ParseOutcome:
        return ParseFailure(ParseFailureKind.CORRUPT)


def _services(db: Database, tmp_path: Path) -> tuple[Services, Stack]:
    clock = FakeClock()
    notifier = RecordingNotifier()
    services = build_services(
        settings=load_settings(report_requires_replay=False), db=db, clock=clock, game=GAME,
        notifier=lambda *_parts: notifier, rng=random.Random(1), replay_parser=Unreadable(),
        replay_storage=DirectoryStorage(tmp_path / "replays"),
    )
    stack = Stack(db, clock, notifier, None, services.matches, services.scheduler,  # type: ignore[arg-type]
                  services.timings, services.queue, services.matchmaker)
    return services, stack


def _families(timing: FlowTiming) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(timing.render_metrics())}


def _value(families: dict[str, Any], family: str, sample: str, **labels: str) -> float:
    return sum(s.value for s in families[family].samples
               if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items()))


async def test_each_series_appears_after_its_event(db: Database, tmp_path: Path) -> None:
    services, stack = _services(db, tmp_path)
    timing = services.timing
    before = _families(timing)
    assert _value(before, "evoladder_match_rating_gap", "evoladder_match_rating_gap_count") == 0
    assert before["evoladder_matches_ended"].samples == []

    # A wave forms one match: a BW Zerg at 1600 against an SC2 Terran at 1480, neither waited.
    now = stack.clock.now()
    await add_player(db, 1, now=now, state="queueing", mmr={"bw_zerg": 1600})
    await add_player(db, 2, now=now, state="queueing", mmr={"sc2_terran": 1480})
    async with db.transaction() as uow:
        await uow.queue.add(StoredEntry(1, "bw_zerg", None, (), 0, now, None, ()))
        await uow.queue.add(StoredEntry(2, None, "sc2_terran", (), 0, now, None, ()))
    report = await services.matchmaker.run_wave()
    assert len(report.match_ids) == 1
    formed = _families(timing)
    assert _value(formed, "evoladder_match_rating_gap", "evoladder_match_rating_gap_count") == 1
    assert _value(formed, "evoladder_match_rating_gap", "evoladder_match_rating_gap_sum") == 120
    assert _value(formed, "evoladder_match_wait_waves", "evoladder_match_wait_waves_bucket", le="0") == 2

    # It is aborted; another is abandoned (a player cannot be reached); a third is disputed.
    await services.matches.abort(report.match_ids[0], 1)
    hidden = await seed_match(db, 3, 4, now=stack.clock.now())
    await services.matches.unreachable(hidden.id, 3)
    disputed = await confirmed_match(stack, 5, 6)
    await services.matches.report(disputed.id, 5, Outcome.PLAYER_1)
    await services.matches.report(disputed.id, 6, Outcome.PLAYER_2)
    ended = _families(timing)
    for status in ("aborted", "abandoned", "conflict"):
        assert _value(ended, "evoladder_matches_ended", "evoladder_matches_ended_total", status=status) == 1

    # A replay the parser cannot read: its verdict and its parse time.
    played = await confirmed_match(stack, 7, 8)
    try:
        await services.replays.upload(7, "game.SC2Replay", MPQ_MAGIC + b"not really a replay")
    except ReplayUnreadable:
        pass
    else:
        raise AssertionError(f"match {played.id}: an unreadable file was accepted")
    replays = _families(timing)
    assert _value(replays, "evoladder_replay_verdicts", "evoladder_replay_verdicts_total",
                  verdict="unreadable") == 1
    assert _value(replays, "evoladder_replay_parse_seconds", "evoladder_replay_parse_seconds_count") == 1
