"""Turn a committed match transition into the events players and the admin log receive.

Kept apart from ``MatchService`` so the service reads as "decide, write, announce" and the mapping
from steps to events can be read (and tested) in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from evoladder.domain.match_state import MatchState, MatchStatus, Report, Step, Transition
from evoladder.domain.players import MmrRow, Player
from evoladder.domain.rating import Outcome
from evoladder.game import GameData
from evoladder.game.models import MapInfo
from evoladder.services.events import (
    DetailsRevealed,
    LadderEvent,
    MatchAbandoned,
    MatchAborted,
    MatchConflict,
    MatchInvalidated,
    OpponentCard,
    OpponentConfirmed,
    OpponentReported,
    ResultFinal,
)


@dataclass(frozen=True, slots=True)
class Written:
    """What the transaction wrote beside the match row, as the announcements need it."""

    released: tuple[int, ...] = ()
    mmr_rows: Mapping[int, MmrRow] = field(default_factory=dict)  # slot -> rating row after the change
    aborts_left: int | None = None  # the aborting player's allowance after the abort
    revealed: tuple[DetailsRevealed, ...] = ()
    jobs_changed: bool = False

    def mmr_after(self, slot: int) -> int | None:
        row = self.mmr_rows.get(slot)
        return row.mmr if row else None


def events_for(t: Transition, w: Written, source: str, reason: str | None = None) -> list[LadderEvent]:
    """The events of one transition, in the order players should see them."""
    s = t.after
    ids = _Ids(s.id, s.player_1, s.player_2)
    if t.step in (Step.CONFIRMED_ONE, Step.CONFIRMED_BOTH):
        assert t.actor is not None
        other = s.opponent_of(t.actor)
        return [OpponentConfirmed(other, s.id, t.actor), *w.revealed]
    if t.step is Step.REPORTED:
        return _reported(t)
    if t.step is Step.ABORTED:
        assert t.actor is not None
        return [MatchAborted(*ids, aborted_by=t.actor, aborts_left=w.aborts_left, reason="player")]
    if t.step is Step.CANCELLED_BY_BAN:
        assert t.actor is not None
        return [MatchAborted(*ids, aborted_by=t.actor, aborts_left=None, reason="banned")]
    if t.step is Step.ARMED:
        return []
    if t.step is Step.NOT_CONFIRMED:
        late = tuple(s.player(slot) for slot in (1, 2) if s.report(slot) == int(Report.NOT_CONFIRMED))
        return [MatchAbandoned(*ids, reason="not_confirmed", unconfirmed=late)]
    if t.step is Step.UNDELIVERABLE:
        assert t.actor is not None
        return [MatchAbandoned(*ids, reason="undeliverable", unconfirmed=(t.actor,))]
    if t.step is Step.NOT_REPORTED:
        return [MatchAbandoned(*ids, reason="not_reported")]
    if t.step is Step.CONFLICT:
        return [MatchConflict(*ids, report_1=s.report_1, report_2=s.report_2)]
    if s.status is MatchStatus.INVALIDATED:
        assert t.actor is not None and t.rating is not None
        return [
            MatchInvalidated(
                *ids, admin_uid=t.actor, reason=reason or "", shift_1=t.rating.mmr_shift(1),
                mmr_1_after=w.mmr_after(1), mmr_2_after=w.mmr_after(2),
            )
        ]
    return [_final(t, w, source, reason)]


class _Ids(NamedTuple):
    match_id: int
    player_1: int
    player_2: int


def _reported(t: Transition) -> list[LadderEvent]:
    s = t.after
    out: list[LadderEvent] = []
    for slot in (1, 2):
        if t.before.report(slot) is None and s.report(slot) is not None:
            reporter, other = s.player(slot), s.player(3 - slot)
            assert s.report_deadline is not None
            outcome = Outcome(s.report(slot) or 0)
            out.append(OpponentReported(other, s.id, reporter, outcome, s.report_deadline))
    return out


def _final(t: Transition, w: Written, source: str, reason: str | None) -> ResultFinal:
    s = t.after
    assert t.rating is not None and t.rating.new_outcome is not None
    after_1, after_2 = w.mmr_after(1), w.mmr_after(2)
    return ResultFinal(
        match_id=s.id,
        player_1=s.player_1,
        player_2=s.player_2,
        race_1=s.race_1,
        race_2=s.race_2,
        outcome=t.rating.new_outcome,
        delta=t.rating.new_delta,
        shift_1=t.rating.mmr_shift(1),
        mmr_1_after=after_1 if after_1 is not None else s.mmr_1 + t.rating.new_delta,
        mmr_2_after=after_2 if after_2 is not None else s.mmr_2 - t.rating.new_delta,
        source=source,
        previous=t.rating.old_outcome,
        resolved_by=s.resolved_by if t.step is Step.RESOLVED else None,
        reason=reason,
    )


def details_for(
    state: MatchState, people: Mapping[int, Player], game: GameData, *, report_locked: bool = False
) -> tuple[DetailsRevealed, ...]:
    """What each player sees once both confirmed: the opponent, map, server and lobby settings."""
    server = game.servers.get(state.server)
    region = server.game_region if server else next(iter(game.game_regions))
    map_info = _map_named(game, state.map_name)
    assert state.report_deadline is not None
    out = []
    for slot in (1, 2):
        me, them = state.player(slot), state.player(3 - slot)
        other = people.get(them)
        card = OpponentCard(
            discord_uid=them,
            username=other.discord_username if other else str(them),
            main_id=other.main_id if other else None,
            battletag=other.battletag if other else None,
            alt_ids=other.alt_ids if other else (),
            country=other.country if other else None,
            race=state.race(3 - slot),
            mmr=state.mmr_2 if slot == 1 else state.mmr_1,
        )
        out.append(
            DetailsRevealed(
                discord_uid=me,
                match_id=state.id,
                slot=slot,
                race=state.race(slot),
                opponent=card,
                map_name=state.map_name,
                map_short_name=map_info.short_name if map_info else state.map_name,
                map_link=map_info.links.get(region) if map_info else None,
                server_code=state.server,
                server_name=server.name if server else state.server,
                game_region=region,
                mod_link=game.mod.links.get(region),
                report_deadline=state.report_deadline,
                report_locked=report_locked,
            )
        )
    return tuple(out)


def _map_named(game: GameData, name: str) -> MapInfo | None:
    """The map in the current season, else in any season (a season may change mid-match)."""
    found = game.season.map_named(name)
    if found is not None:
        return found
    return next((m for s in game.seasons.values() if (m := s.map_named(name)) is not None), None)
