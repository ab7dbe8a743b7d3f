"""The replay service end to end over a real database (both backends), real files, the real pool.

What the players see depends on this: refusals write nothing, one file is accepted once, a
critical failure never reports, a verified replay reports for both players exactly once, and two
verified replays that disagree become a conflict. Files come from ``../shared/replays`` (skipped
with the reason when absent); see ``replaykit`` for the test "mod" that lets a standard game pass.

``Kit.service`` builds the ``ReplayService`` by hand over the stack's match service (built by
``build_services``), on purpose: its parser turns chosen files' results around (``Flipping``) and
some tests vary the game data or the options per call, which one ``build_services`` graph cannot.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from matchkit import GAME, RecordingNotifier, Stack, add_player, build_stack, mmr
from replaykit import (
    ALOUETTE,
    COOP,
    KHIONE_EU,
    OCRUCIUS,
    insert_found,
    match_like,
    parse,
    read,
    standard_mod_game,
)
from sqlalchemy import func, select

from evoladder.bot.render.replays import effect_text
from evoladder.domain.errors import NotAPlayer, NotAuthorized, ReasonRequired, ReportLocked
from evoladder.domain.match_state import MatchStatus
from evoladder.domain.rating import Outcome, rate
from evoladder.domain.replays import CheckId, ParsedReplay, PlayerResult, handle_hash
from evoladder.game import GameData, replay_parse
from evoladder.game.models import Game, MapInfo
from evoladder.game.replay_inspect import replay_mod_verdict
from evoladder.game.replay_parse import ParseOutcome, RaceLookup
from evoladder.game.replay_pool import ReplayPool
from evoladder.services.admin_console import AdminConsole, NothingToRecord
from evoladder.services.events import MatchConflict, ReplayFlagged, ResultFinal, SharedAccount
from evoladder.services.replays import (
    DuplicateReplay,
    MatchNotConfirmedYet,
    MatchTooOld,
    NoMatchForReplay,
    NotAReplayFile,
    NotAReplayName,
    ReplayEffect,
    ReplayParser,
    ReplayService,
    ReplayTooLarge,
    ReplayUnreadable,
    TooManyReplays,
    UploadResult,
)
from evoladder.services.wiring import build_services
from evoladder.settings import load_settings
from evoladder.store.replay_storage import DirectoryStorage
from evoladder.store.repositories.map_dependencies import MapDependencyRepository
from evoladder.store.repositories.replays import DuplicateReplayHash, NewReplay, ReplayRepository
from evoladder.store.schema import replays
from evoladder.store.uow import Database

P1, P2, OTHER = 101, 202, 303
MAX_BYTES = 1024 * 1024


@pytest.fixture
async def pool() -> AsyncIterator[ReplayPool]:
    async with ReplayPool(RaceLookup(GAME.races.values()), workers=1) as started:
        yield started


@dataclass
class Kit:
    stack: Stack
    storage_dir: Path
    parser: ReplayParser
    game: GameData = GAME
    flip: set[bytes] = field(default_factory=set)

    def service(self, game: GameData | None = None, **kw: object) -> ReplayService:
        return ReplayService(
            db=self.stack.db, clock=self.stack.clock, game=game or self.game, matches=self.stack.matches,
            parser=Flipping(self.parser, self.flip), storage=DirectoryStorage(self.storage_dir),
            max_bytes=MAX_BYTES, **kw,  # type: ignore[arg-type]
        )


class Flipping:
    """The pool, except that files in ``flip`` come back with winner and loser swapped.

    No real pair of files of one game naming different winners exists, so the "other player's
    replay that disagrees" is a real file (with bytes appended, so its hash differs) whose parsed
    result is turned around; everything after the parse is the real path.
    """

    def __init__(self, parser: ReplayParser, flip: set[bytes]) -> None:
        self._parser = parser
        self._flip = flip

    async def parse(self, data: bytes) -> ParseOutcome:
        outcome = await self._parser.parse(data)
        if data not in self._flip or not isinstance(outcome, ParsedReplay):
            return outcome
        swap = {PlayerResult.WIN: PlayerResult.LOSS, PlayerResult.LOSS: PlayerResult.WIN}
        players = tuple(replace(p, result=swap.get(p.result, p.result)) for p in outcome.players)
        return replace(outcome, players=players)


@pytest.fixture
def kit(db: Database, pool: ReplayPool, tmp_path: Path) -> Kit:
    return Kit(build_stack(db), tmp_path / "replays", pool)


async def stored_rows(db: Database) -> int:
    async with db.read() as uow:
        return int((await uow.conn.execute(select(func.count()).select_from(replays))).scalar_one())


def stored_files(kit: Kit) -> list[Path]:
    return [p for p in kit.storage_dir.rglob("*") if p.is_file()] if kit.storage_dir.exists() else []


# --- refusals ----------------------------------------------------------------------------------


async def test_size_name_and_magic_refusals_write_nothing(kit: Kit, shared: Path) -> None:
    data = read(shared, OCRUCIUS)
    match = await match_like(kit.stack, parse(data), P1, P2)
    service = kit.service()
    cases: list[tuple[str, bytes, type[Exception]]] = [
        ("big.SC2Replay", b"MPQ\x1b" + bytes(MAX_BYTES), ReplayTooLarge),
        ("game.zip", data, NotAReplayName),
        ("game.SC2Replay.txt", data, NotAReplayName),
        ("game.SC2Replay", b"PK\x03\x04" + data[4:], NotAReplayFile),
        ("empty.SC2Replay", b"", NotAReplayFile),
    ]
    for filename, content, error in cases:
        with pytest.raises(error) as raised:
            await service.upload(P1, filename, content)
        assert raised.value.message  # each refusal has its own sentence for the player
    assert await stored_rows(kit.stack.db) == 0 and stored_files(kit) == []
    assert await kit.stack.matches.get(match.id) == match


async def test_upload_needs_a_confirmed_match(kit: Kit, shared: Path) -> None:
    data = read(shared, OCRUCIUS)
    service = kit.service()
    with pytest.raises(NoMatchForReplay):
        await service.upload(OTHER, "game.SC2Replay", data)  # no record, no match
    await add_player(kit.stack.db, P1)
    await add_player(kit.stack.db, P2)
    found = await insert_found(kit.stack, P1, P2, ("sc2_terran", "sc2_zerg"), "Ever Dream LE", (1500, 1500))
    with pytest.raises(MatchNotConfirmedYet, match=f"#{found.id}"):
        await service.upload(P1, "game.SC2Replay", data)
    assert await stored_rows(kit.stack.db) == 0 and stored_files(kit) == []


async def test_a_damaged_file_is_refused_with_the_parsers_message(kit: Kit, shared: Path) -> None:
    data = read(shared, OCRUCIUS)
    await match_like(kit.stack, parse(data), P1, P2)
    with pytest.raises(ReplayUnreadable) as raised:
        await kit.service().upload(P1, "game.SC2Replay", data[:2000])
    assert "damaged" in raised.value.message
    assert await stored_rows(kit.stack.db) == 0 and stored_files(kit) == []


async def test_the_same_bytes_are_accepted_once_for_the_whole_ladder(kit: Kit, shared: Path) -> None:
    data = read(shared, COOP)
    parsed = parse(data)
    coop = replace(parsed, players=parsed.players[:2])  # the match is shaped on its two humans
    match = await match_like(kit.stack, coop, P1, P2)
    service = kit.service()
    first = await service.upload(P1, "coop.SC2Replay", data)
    assert first.record.match_id == match.id
    with pytest.raises(DuplicateReplay, match=f"#{match.id}"):
        await service.upload(P2, "renamed.SC2Replay", data)
    assert await stored_rows(kit.stack.db) == 1 and len(stored_files(kit)) == 1


async def test_a_player_stores_a_few_replays_per_match_at_most(kit: Kit, shared: Path) -> None:
    data = read(shared, COOP)
    parsed = parse(data)
    await match_like(kit.stack, replace(parsed, players=parsed.players[:2]), P1, P2)
    service = kit.service(max_per_player=2)
    for copy in range(2):
        await service.upload(P1, "coop.SC2Replay", data + bytes(copy + 1))
    with pytest.raises(TooManyReplays):
        await service.upload(P1, "coop.SC2Replay", data + bytes(3))


# --- checks and what they allow -----------------------------------------------------------------


async def test_a_critical_failure_locks_reporting(kit: Kit, shared: Path) -> None:
    # The official SC: Evo file passes the mod check but has one player: races fail (critical).
    data = read(shared, KHIONE_EU)
    parsed = parse(data)
    solo = replace(parsed, players=(parsed.players[0], replace(parsed.players[0], race="sc2_terran")))
    match = await match_like(kit.stack, solo, P1, P2)
    result = await kit.service().upload(P1, "khione.SC2Replay", data)

    assert result.effect is ReplayEffect.LOCKED and not result.report.critical_ok
    assert result.report.check(CheckId.MOD).passed and not result.report.check(CheckId.RACES).passed
    after = await kit.stack.matches.get(match.id)
    assert after.status is MatchStatus.CONFIRMED and (after.report_1, after.report_2) == (None, None)
    assert kit.stack.notifier.of(ResultFinal) == []
    (stored,) = await kit.service().for_match(match.id)
    assert stored.data == data and stored.record.critical_ok is False and stored.record.official is True
    assert [c.id for c in stored.failed_critical] == [CheckId.RACES]
    assert "Please ask an admin" in effect_text(result)  # what the player reads


async def test_the_unmodded_game_fails_the_mod_check(kit: Kit, shared: Path) -> None:
    data = read(shared, OCRUCIUS)
    match = await match_like(kit.stack, parse(data), P1, P2)
    result = await kit.service().upload(P1, "game.SC2Replay", data)  # the packaged mod data
    assert result.effect is ReplayEffect.LOCKED
    assert [c.id for c in result.report.failed_critical] == [CheckId.MOD]
    assert (await kit.stack.matches.get(match.id)).status is MatchStatus.CONFIRMED


async def test_a_verified_replay_reports_for_both_players_and_moves_mmr_once(kit: Kit, shared: Path) -> None:
    data = read(shared, OCRUCIUS)
    parsed = parse(data)  # JiaanN (sc2_terran) loses to Rairden (sc2_zerg)
    kit.game = standard_mod_game({"EU": parsed})
    match = await match_like(kit.stack, parsed, P1, P2)
    service = kit.service()

    result = await service.upload(P1, "game.SC2Replay", data)  # the loser uploads
    assert result.effect is ReplayEffect.REPORTED
    assert all(c.passed for c in result.report.checks), result.report.checks
    assert result.match.status is MatchStatus.FINAL and result.match.result == Outcome.PLAYER_2
    assert (result.match.report_1, result.match.report_2) == (2, 2)
    assert result.record.winner_uid == P2 and result.uploader_slot == 1
    (final,) = kit.stack.notifier.of(ResultFinal)
    assert final.source == "replay" and final.outcome is Outcome.PLAYER_2

    delta = rate(1500, 1500, Outcome.PLAYER_2).delta
    again = await service.upload(P2, "mine.SC2Replay", data + b"\0")  # the winner's own copy
    assert again.effect is ReplayEffect.AGREES
    with pytest.raises(DuplicateReplay):
        await service.upload(P2, "game.SC2Replay", data)
    loser, winner = await mmr(kit.stack.db, P1, "sc2_terran"), await mmr(kit.stack.db, P2, "sc2_zerg")
    assert (loser.mmr, winner.mmr) == (1500 + delta, 1500 - delta)
    assert (loser.games_played, loser.games_lost, winner.games_played, winner.games_won) == (1, 1, 1, 1)
    assert len(kit.stack.notifier.of(ResultFinal)) == 1

    both = await service.for_match(match.id)
    assert [r.record.uploader_uid for r in both] == [P1, P2]
    assert [r.data for r in both] == [data, data + b"\0"] and all(r.can_report for r in both)


async def test_a_second_replay_that_disagrees_makes_a_conflict(kit: Kit, shared: Path) -> None:
    data = read(shared, OCRUCIUS)
    parsed = parse(data)
    kit.game = standard_mod_game({"EU": parsed})
    match = await match_like(kit.stack, parsed, P1, P2)
    service = kit.service()
    await service.upload(P2, "game.SC2Replay", data)  # player 2 won, MMR moved
    theirs = data + b"other player's file"
    kit.flip.add(theirs)  # player 1's replay says player 1 won

    result = await service.upload(P1, "mine.SC2Replay", theirs)

    assert result.effect is ReplayEffect.CONFLICT and result.outcome is Outcome.PLAYER_1
    after = await kit.stack.matches.get(match.id)
    assert after.status is MatchStatus.CONFLICT and (after.report_1, after.report_2) == (1, 2)
    assert after.mmr_change is None
    for uid, race in ((P1, "sc2_terran"), (P2, "sc2_zerg")):
        row = await mmr(kit.stack.db, uid, race)
        assert (row.mmr, row.games_played) == (1500, 0)  # the replay's result is on hold
    (conflict,) = kit.stack.notifier.of(MatchConflict)
    assert (conflict.report_1, conflict.report_2) == (1, 2)
    assert [r.outcome for r in await service.for_match(match.id, with_bytes=False)] == [2, 1]


async def test_a_replay_against_a_different_report_makes_a_conflict(kit: Kit, shared: Path) -> None:
    data = read(shared, OCRUCIUS)
    parsed = parse(data)
    kit.game = standard_mod_game({"EU": parsed})
    match = await match_like(kit.stack, parsed, P1, P2)
    await kit.stack.matches.report(match.id, P1, Outcome.PLAYER_1)  # the loser claims the win
    result = await kit.service().upload(P2, "game.SC2Replay", data)
    assert result.effect is ReplayEffect.CONFLICT
    after = result.match
    assert after.status is MatchStatus.CONFLICT and (after.report_1, after.report_2) == (1, 2)


async def test_a_mirror_match_assigns_slots_by_the_players_ids(kit: Kit, shared: Path) -> None:
    data = read(shared, ALOUETTE)  # PvP: races cannot tell the slots apart, the names can
    parsed = parse(data)
    kit.game = standard_mod_game({"AM": parsed})
    match = await match_like(kit.stack, parsed, P1, P2, main_ids=("pxp", "ALOUETTE"))
    result = await kit.service().upload(P1, "game.SC2Replay", data)
    assert result.effect is ReplayEffect.REPORTED
    assert result.match.result == Outcome.PLAYER_2 and result.report.slot_ids == ("pxp", "ALOUETTE")
    assert result.match.id == match.id


async def test_a_game_far_from_the_match_time_does_not_report(kit: Kit, shared: Path) -> None:
    data = read(shared, OCRUCIUS)
    parsed = parse(data)
    kit.game = standard_mod_game({"EU": parsed})
    match = await match_like(kit.stack, parsed, P1, P2, confirmed_before_game=timedelta(hours=1))
    result = await kit.service().upload(P1, "game.SC2Replay", data)
    assert result.effect is ReplayEffect.UNVERIFIED and result.report.critical_ok
    assert not result.report.check(CheckId.START_TIME).passed
    assert "did not start within 10 minutes" in effect_text(result)
    assert (await kit.stack.matches.get(match.id)).status is MatchStatus.CONFIRMED


async def test_uploads_after_the_end_are_evidence_for_a_while(kit: Kit, shared: Path) -> None:
    data = read(shared, OCRUCIUS)
    parsed = parse(data)
    match = await match_like(kit.stack, parsed, P1, P2)
    await kit.stack.matches.abandon_for_ban(P1)  # ended without a result (past the abort window)
    service = kit.service(evidence_window=timedelta(hours=3))
    result = await service.upload(P2, "game.SC2Replay", data)
    assert result.effect is ReplayEffect.LOCKED  # not the mod: kept for the admins either way
    assert result.match.status is MatchStatus.ABORTED
    clean = replace(result, effect=ReplayEffect.EVIDENCE)
    assert effect_text(clean) == f"Match #{match.id} is already aborted; the replay is stored for the admins."
    kit.stack.clock.advance(hours=4)
    with pytest.raises(MatchTooOld):
        await service.upload(P2, "again.SC2Replay", data + b"\0")
    assert await stored_rows(kit.stack.db) == 1


# --- races -------------------------------------------------------------------------------------


async def test_two_uploads_of_one_file_at_once_are_accepted_once(kit: Kit, shared: Path) -> None:
    data = read(shared, OCRUCIUS)
    parsed = parse(data)
    kit.game = standard_mod_game({"EU": parsed})
    await match_like(kit.stack, parsed, P1, P2)
    service = kit.service()
    results = await asyncio.gather(
        service.upload(P1, "a.SC2Replay", data), service.upload(P2, "b.SC2Replay", data),
        return_exceptions=True,
    )
    accepted = [r for r in results if isinstance(r, UploadResult)]
    refused = [r for r in results if isinstance(r, DuplicateReplay)]
    assert len(accepted) == 1 and len(refused) == 1, results
    assert accepted[0].effect is ReplayEffect.REPORTED
    assert await stored_rows(kit.stack.db) == 1 and len(kit.stack.notifier.of(ResultFinal)) == 1


async def test_the_database_refuses_a_duplicate_hash_and_the_transaction_goes_on(kit: Kit) -> None:
    await add_player(kit.stack.db, P1)
    await add_player(kit.stack.db, P2)
    match = await insert_found(kit.stack, P1, P2, ("bw_zerg", "sc2_terran"), "Khione SEL", (1500, 1500))
    row = NewReplay(
        match_id=match.id, uploader_uid=P1, hash="ab" * 64,
        storage_key=f"2026/11/{match.id}/{'ab' * 64}.SC2Replay", size_bytes=10,
        uploaded_at=kit.stack.clock.now(), date=None, map_name=None, official=None, critical_ok=None,
        winner_uid=None, parsed=None, checks=None,
    )
    async with kit.stack.db.transaction() as uow:
        repository = ReplayRepository(uow.conn)
        await repository.insert(row)
        with pytest.raises(DuplicateReplayHash):
            await repository.insert(replace(row, uploader_uid=P2))
        assert await repository.count_for(match.id, P1) == 1  # still usable after the refusal
    assert await stored_rows(kit.stack.db) == 1


async def test_verified_replays_record_each_players_sc2_account_and_flag_one_shared(
    kit: Kit, shared: Path
) -> None:
    data = read(shared, OCRUCIUS)
    parsed = parse(data)  # JiaanN (sc2_terran) and Rairden (sc2_zerg)
    kit.game = standard_mod_game({"EU": parsed})
    service = kit.service(notifier=kit.stack.notifier)
    await match_like(kit.stack, parsed, P1, P2)
    await service.upload(P1, "game.SC2Replay", data)
    handles = {p.race: p.toon_handle for p in parsed.players}
    async with kit.stack.db.read() as uow:
        assert [h.toon_handle for h in await uow.toon_handles.for_player(P1)] == [handles["sc2_terran"]]
        assert [h.toon_handle for h in await uow.toon_handles.for_player(P2)] == [handles["sc2_zerg"]]
    assert kit.stack.notifier.of(SharedAccount) == []

    # Another Discord account plays on JiaanN's SC2 account: the admins are told, nothing else.
    await match_like(kit.stack, parsed, OTHER, 404)
    await service.upload(OTHER, "again.SC2Replay", data + b"\1")
    flagged = {(e.discord_uid, e.toon_handle, e.others) for e in kit.stack.notifier.of(SharedAccount)}
    assert flagged == {(OTHER, handles["sc2_terran"], (P1,)), (404, handles["sc2_zerg"], (P2,))}
    assert all(e.admin_log and e.recipients == () for e in kit.stack.notifier.of(SharedAccount))
    async with kit.stack.db.read() as uow:
        assert (await uow.players.get(OTHER)).is_banned is False  # type: ignore[union-attr]


# --- ladder rules: unverified mod, names, the match a replay shows, storage hygiene -------------


def with_unknown_map(game: GameData, parsed: ParsedReplay) -> GameData:
    """``game`` whose mod is what ``parsed`` loaded before its last two files, and whose current
    pool holds the replay's map with unknown dependencies: the file before the map file then
    loads after the mod's chain, exactly where a map's own dependency would."""
    handles = dict(game.mod.handles)
    handles["EU"] = frozenset(parsed.cache_handles[:-2])
    unknown = MapInfo(parsed.map_name, "Ever Dream", "Blizzard", Game.SC2,
                      dict.fromkeys(game.game_regions, "battlenet:://x"), None)
    season = replace(game.season, maps=(*game.season.maps, unknown))
    seasons = {**game.seasons, game.current_season: season}
    return replace(game, mod=replace(game.mod, handles=handles), seasons=seasons)


async def test_a_mod_unverified_replay_keeps_reporting_open_never_reports_and_is_flagged(
    kit: Kit, shared: Path
) -> None:
    data = read(shared, OCRUCIUS)
    parsed = parse(data)
    kit.game = with_unknown_map(GAME, parsed)
    match = await match_like(kit.stack, parsed, P1, P2)
    service = kit.service(notifier=kit.stack.notifier)

    result = await service.upload(P1, "game.SC2Replay", data)
    assert result.report.mod.unverified and result.report.critical_ok
    assert result.effect is ReplayEffect.UNVERIFIED and "could not be verified" in effect_text(result)
    assert (await kit.stack.matches.get(match.id)).status is MatchStatus.CONFIRMED
    assert kit.stack.notifier.of(ResultFinal) == []
    (flag,) = kit.stack.notifier.of(ReplayFlagged)
    extra = handle_hash(parsed.cache_handles[-2])
    assert flag.reasons == ("mod_unverified",) and flag.handles == (extra,)
    assert flag.match_id == match.id and flag.recipients == ()
    # players can still report by hand: reporting is unlocked by this replay
    kit.stack.matches.report_requires_replay = True
    assert not await kit.stack.matches.reporting_locked(match.id)


async def test_an_admin_records_the_dependency_and_the_rule_is_exact_from_then(
    kit: Kit, shared: Path
) -> None:
    data = read(shared, OCRUCIUS)
    parsed = parse(data)
    kit.game = with_unknown_map(GAME, parsed)
    first = await match_like(kit.stack, parsed, P1, P2)
    service = kit.service(notifier=kit.stack.notifier)
    await service.upload(P1, "game.SC2Replay", data)
    console = await admin_console(kit)

    with pytest.raises(NotAuthorized):
        await console.dependency_preview(P1, first.id)
    preview = await console.dependency_preview(ADMIN, first.id)
    assert preview.map_name == parsed.map_name
    assert preview.handles == (handle_hash(parsed.cache_handles[-2]),)
    with pytest.raises(ReasonRequired):
        await console.record_map_dependencies(ADMIN, preview, "  ")
    assert await console.record_map_dependencies(ADMIN, preview, "seen in an official lobby") == [
        preview.handles[0]
    ]
    with pytest.raises(NothingToRecord):
        await console.dependency_preview(ADMIN, first.id)
    async with kit.stack.db.read() as uow:
        (action,) = await uow.admins.actions(target_match_id=first.id, limit=5)
    assert action["action_type"] == "map_dependency"
    assert action["details"] == {"map": parsed.map_name, "handles": list(preview.handles)}

    # the same map now knows its dependency: the other player's copy reports the result
    again = await service.upload(P2, "mine.SC2Replay", data + b"\0")
    assert again.report.mod.official and again.effect is ReplayEffect.REPORTED
    # and a file the map does not load is not official any more, not merely unverified
    fake = replace(parsed, cache_handles=(*parsed.cache_handles[:-2], "https://eu-s2-depot.classic."
                   "blizzard.com/beef.s2ma", *parsed.cache_handles[-2:]))
    async with kit.stack.db.read() as uow:
        recorded = await MapDependencyRepository(uow.conn).for_map(parsed.map_name)
    verdict = replay_mod_verdict(fake, kit.game, recorded)
    assert not verdict.official and not verdict.unverified


async def test_a_replay_whose_names_are_neither_player_never_reports_and_is_flagged(
    kit: Kit, shared: Path
) -> None:
    data = read(shared, OCRUCIUS)
    parsed = parse(data)
    kit.game = standard_mod_game({"EU": parsed})
    match = await match_like(kit.stack, parsed, P1, P2, main_ids=("Somebody", "Else"))
    result = await kit.service(notifier=kit.stack.notifier).upload(P1, "game.SC2Replay", data)
    assert result.report.critical_ok and result.report.names_unknown
    assert result.effect is ReplayEffect.UNVERIFIED and "not both players' ladder ids" in effect_text(result)
    assert (await kit.stack.matches.get(match.id)).status is MatchStatus.CONFIRMED
    (flag,) = kit.stack.notifier.of(ReplayFlagged)
    assert flag.reasons == ("names_unknown",) and set(flag.names) == {p.name for p in parsed.players}


async def test_one_name_that_is_not_the_players_id_does_not_report_either(kit: Kit, shared: Path) -> None:
    data = read(shared, OCRUCIUS)
    parsed = parse(data)
    kit.game = standard_mod_game({"EU": parsed})
    first = parsed.players[0].name
    # the first id in another case and in fullwidth letters still counts (NFKC, case-insensitive)
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in first.upper())
    match = await match_like(kit.stack, parsed, P1, P2, main_ids=(fullwidth, "Stranger"))
    result = await kit.service(notifier=kit.stack.notifier).upload(P1, "game.SC2Replay", data)
    assert result.report.slot_ids[0] == fullwidth and result.report.slot_ids[1] is None
    assert result.effect is ReplayEffect.UNVERIFIED
    assert (await kit.stack.matches.get(match.id)).status is MatchStatus.CONFIRMED
    assert kit.stack.notifier.of(ReplayFlagged) == []  # one name is the player's: no flag


async def test_a_replay_uploaded_after_the_next_match_was_found_counts_for_the_match_it_shows(
    kit: Kit, shared: Path
) -> None:
    data = read(shared, OCRUCIUS)
    parsed = parse(data)  # player 2 (Rairden) won
    kit.game = standard_mod_game({"EU": parsed})
    played = await match_like(kit.stack, parsed, P1, P2)
    await kit.stack.matches.report(played.id, P1, Outcome.PLAYER_1)  # P1 claims a win by hand
    await kit.stack.matches.report(played.id, P2, Outcome.PLAYER_1)  # P2 agrees by mistake
    assert (await kit.stack.matches.get(played.id)).status is MatchStatus.FINAL
    await add_player(kit.stack.db, OTHER)
    kit.stack.clock.advance(minutes=10)
    following = await insert_found(
        kit.stack, P1, OTHER, ("bw_zerg", "sc2_terran"), "Khione SEL", (1500, 1500)
    )
    await kit.stack.matches.confirm(following.id, P1)
    await kit.stack.matches.confirm(following.id, OTHER)  # the newest match is open and confirmed

    result = await kit.service().upload(P2, "game.SC2Replay", data)
    assert result.record.match_id == played.id
    assert result.effect is ReplayEffect.CONFLICT  # the replay shows player 2 won
    assert (await kit.stack.matches.get(following.id)).status is MatchStatus.CONFIRMED


async def test_a_replay_of_no_recent_match_goes_to_the_newest_and_says_what_differs(
    kit: Kit, shared: Path
) -> None:
    data = read(shared, OCRUCIUS)
    parsed = parse(data)
    kit.game = standard_mod_game({"EU": parsed})
    await match_like(kit.stack, parsed, P1, P2, confirmed_before_game=timedelta(hours=2))
    result = await kit.service().upload(P1, "game.SC2Replay", data)
    assert not result.report.check(CheckId.START_TIME).passed and result.effect is ReplayEffect.UNVERIFIED


async def test_text_from_the_file_is_stored_without_nul_or_control_characters(
    kit: Kit, shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = read(shared, OCRUCIUS)
    parsed = parse(data)
    kit.game = standard_mod_game({"EU": parsed})
    match = await match_like(kit.stack, parsed, P1, P2)
    real_load = replay_parse._load

    def hostile(raw: bytes) -> Any:
        replay = real_load(raw)
        replay.map_name = replay.map_name.replace(" ", "\x00 ", 1) + "\x07"
        for player in replay.players:
            player.name = "\x00" + player.name + "\x1b[31m"
        return replay

    monkeypatch.setattr(replay_parse, "_load", hostile)
    kit.parser = InProcessParser()
    result = await kit.service().upload(P1, "game.SC2Replay", data)
    assert result.parsed.map_name == parsed.map_name
    assert [p.name for p in result.parsed.players] == [p.name + "[31m" for p in parsed.players]
    (stored,) = await kit.service().for_match(match.id)
    assert stored.parsed is not None and "\x00" not in repr(stored.parsed)
    assert stored.record.map_name == parsed.map_name


ADMIN = 900_000_000_000_000_009


async def admin_console(kit: Kit) -> AdminConsole:
    """The admin console over the kit's database, as the composition root builds it; ``ADMIN``
    is an owner. The kit's game data (with its map of unknown dependencies) is the console's."""
    built = build_services(
        settings=load_settings(), db=kit.stack.db, clock=kit.stack.clock, game=kit.game,
        notifier=lambda *_parts: RecordingNotifier(),
    )
    await built.roster.sync_owners({ADMIN})
    return built.admin_console


class InProcessParser:
    """Parses in this process (so a monkeypatched sc2reader load takes effect)."""

    async def parse(self, data: bytes) -> ParseOutcome:
        return replay_parse.parse_replay(data, RaceLookup(GAME.races.values()))


async def test_the_file_is_deleted_when_the_record_cannot_be_written(
    kit: Kit, shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = read(shared, OCRUCIUS)
    parsed = parse(data)
    match = await match_like(kit.stack, parsed, P1, P2)
    service = kit.service(max_per_player=2)

    async def broken(self: ReplayRepository, row: NewReplay) -> int:
        raise RuntimeError("the database went away")

    async def unreachable(self: ReplayRepository, digest: str) -> None:
        raise RuntimeError("the database went away")

    with monkeypatch.context() as patched:
        patched.setattr(ReplayRepository, "insert", broken)
        for attempt in range(4):  # more attempts than the per-player limit
            with pytest.raises(RuntimeError):
                await service.upload(P1, "game.SC2Replay", data + bytes(attempt + 1))
        assert stored_files(kit) == []
        original_by_hash = ReplayRepository.by_hash
        calls = 0

        async def down_after_the_check(self: ReplayRepository, digest: str) -> Any:
            nonlocal calls
            calls += 1
            if calls > 1:  # the duplicate check passes; the database is gone afterwards
                await unreachable(self, digest)
            return await original_by_hash(self, digest)

        patched.setattr(ReplayRepository, "by_hash", down_after_the_check)
        with pytest.raises(RuntimeError):
            await service.upload(P1, "game.SC2Replay", data + bytes(9))
    assert stored_files(kit) == [] and await stored_rows(kit.stack.db) == 0
    # failed attempts stored nothing, so they use none of the limit; stored files do
    for copy in range(2):
        await service.upload(P1, "game.SC2Replay", data + bytes(10 + copy))
    with pytest.raises(TooManyReplays, match=f"#{match.id}"):
        await service.upload(P1, "game.SC2Replay", data + bytes(20))
    assert len(stored_files(kit)) == 2 == await stored_rows(kit.stack.db)


async def test_reporting_is_locked_until_a_replay_passed_the_critical_checks(
    kit: Kit, shared: Path
) -> None:
    data = read(shared, OCRUCIUS)
    parsed = parse(data)
    # confirmed an hour before the game: a passing replay then reports nothing by itself
    match = await match_like(kit.stack, parsed, P1, P2, confirmed_before_game=timedelta(hours=1))
    matches = kit.stack.matches
    matches.report_requires_replay = True
    assert await matches.reporting_locked(match.id)
    with pytest.raises(ReportLocked):
        await matches.report(match.id, P1, Outcome.PLAYER_2)
    with pytest.raises(NotAPlayer):
        await matches.report(match.id, OTHER, Outcome.PLAYER_2)
    locked = await kit.service().upload(P1, "game.SC2Replay", data)  # not the mod: critical
    assert locked.effect is ReplayEffect.LOCKED and await matches.reporting_locked(match.id)
    kit.game = standard_mod_game({"EU": parsed})
    passed = await kit.service().upload(P1, "far.SC2Replay", data + b"\0")
    assert passed.report.critical_ok and passed.effect is ReplayEffect.UNVERIFIED
    assert not await matches.reporting_locked(match.id)
    after = await matches.report(match.id, P1, Outcome.PLAYER_2)
    assert after.report_1 == 2 and after.status is MatchStatus.CONFIRMED
    matches.report_requires_replay = False
    assert not await matches.reporting_locked(match.id)
