"""Test kit for the replay service: real replay files, matches shaped like them, a test "mod".

The real 1v1 files in ``../shared/replays/standard-1v1`` are standard StarCraft II games (two
players, a winner, the ladder's lobby settings) but they did not load SC: Evo Complete, so against
the packaged mod data they fail the mod check (critical), as they must. To exercise a replay that
passes everything, ``standard_mod_game`` builds game data whose "mod" is the standard game a replay
loaded: one game region's main handle set becomes the files that replay loaded before its map. The
mod verdict code itself runs unchanged. The one-player SC: Evo files are used with the real data.

Matches are shaped like the replay (races in its players' order, its map, confirmed a few minutes
before the game started): their map is not in the season pool, so the rows are written directly,
as a wave would, and confirmed through the match service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from matchkit import GAME, Stack, add_player

from evoladder.domain.match_state import MatchState, MatchStatus
from evoladder.domain.replays import ParsedReplay
from evoladder.game import GameData
from evoladder.game.replay_parse import ParseFailure, RaceLookup, parse_replay
from evoladder.services.matches import confirmation_jobs
from evoladder.store.repositories.matches import match_to_row

RACES = RaceLookup(GAME.races.values())
OCRUCIUS = "standard-1v1/Ocrucius_vs_Rairden_EverDream.SC2Replay"  # JiaanN (T) loses to Rairden (Z)
ALOUETTE = "standard-1v1/Alouette_vs_PXP_KairosJunction.SC2Replay"  # PvP, Alouette wins
COOP = "standard-1v1/coop_OblivionExpress_not1v1.SC2Replay"
KHIONE_EU = "Khione SEL (Official EU).SC2Replay"  # one player, BW Zerg, official mod (EU)
KHIONE_FAKE = "Khione SEL (Fake EU).SC2Replay"


def read(shared: Path, name: str) -> bytes:
    return (shared / "replays" / name).read_bytes()


def parse(data: bytes) -> ParsedReplay:
    """Parse in this process (the test needs the file's facts to shape its match)."""
    outcome = parse_replay(data, RACES)
    assert not isinstance(outcome, ParseFailure), outcome
    return outcome


def standard_mod_game(by_region: Mapping[str, ParsedReplay], game: GameData = GAME) -> GameData:
    """``game`` whose mod, in each given region, is what that replay loaded before its map."""
    handles = dict(game.mod.handles)
    for region, parsed in by_region.items():
        handles[region] = frozenset(parsed.cache_handles[:-1])
    return replace(game, mod=replace(game.mod, handles=handles))


async def match_like(
    stack: Stack,
    parsed: ParsedReplay,
    p1: int,
    p2: int,
    *,
    confirmed_before_game: timedelta = timedelta(minutes=3),
    main_ids: tuple[str | None, str | None] | None = None,
    mmr: tuple[int, int] = (1500, 1500),
) -> MatchState:
    """A confirmed match for ``parsed``: player 1 has the replay's first player's race, player 2
    the second's; both confirm ``confirmed_before_game`` before the game started. The players'
    main ids are the replay's names unless ``main_ids`` says otherwise (``None``: no id). The
    stack's clock is left at the game's end plus a minute (when a player uploads)."""
    first, second = parsed.players[:2]
    assert first.race and second.race
    if main_ids is None:
        main_ids = (first.name, second.name)
    made = parsed.start_time - confirmed_before_game
    stack.clock.set(made)
    races = (first.race, second.race)
    for uid, race, rating, main in zip((p1, p2), races, mmr, main_ids, strict=True):
        await add_player(stack.db, uid, now=made, state="queueing", mmr={race: rating})
        if main is not None:
            async with stack.db.transaction() as uow:
                await uow.players.update(uid, made, main_id=main)
    match = await insert_found(stack, p1, p2, races, parsed.map_name, mmr)
    await stack.matches.confirm(match.id, p1)
    confirmed = await stack.matches.confirm(match.id, p2)
    stack.clock.set(parsed.end_time + timedelta(minutes=1))
    return confirmed


async def insert_found(
    stack: Stack, p1: int, p2: int, races: tuple[str, str], map_name: str, mmr: tuple[int, int]
) -> MatchState:
    """A FOUND match row exactly as a wave writes it (row, players in match, confirmation jobs)."""
    now = stack.clock.now()
    state = MatchState(
        id=0, player_1=p1, player_2=p2, race_1=races[0], race_2=races[1], mmr_1=mmr[0], mmr_2=mmr[1],
        status=MatchStatus.FOUND, report_1=None, report_2=None, result=None, mmr_change=None,
        map_name=map_name, server="EUC", played_at=now, confirm_deadline=now + stack.timings.confirm_timeout,
        confirmed_1_at=None, confirmed_2_at=None, confirmed_at=None, report_deadline=None,
        reported_1_at=None, reported_2_at=None, finalized_at=None, resolved_by=None, wave_at=now, version=1,
    )
    async with stack.db.transaction() as uow:
        (match_id,) = await uow.matches.insert_many([match_to_row(state)])
        state = replace(state, id=match_id)
        await uow.matches.put_players_in_matches([(p1, match_id), (p2, match_id)], now)
        await uow.jobs.add_many(confirmation_jobs(state, stack.timings))
    return state
