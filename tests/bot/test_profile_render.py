"""/profile's embed: every value a race shows is in its lines, and an embed is kept (in the profile
service's renderings) per profile object only, so any change shows."""

from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType

import discord

from evoladder.bot.render import profile as render
from evoladder.domain.players import PlayerState
from evoladder.domain.records import Record
from evoladder.game import load_game_data
from evoladder.i18n.text import profile as text
from evoladder.services.profile import AccountStatus, Profile, RaceProfile
from evoladder.services.renderings import Renderings

GAME = load_game_data()
AT = datetime(2026, 11, 22, tzinfo=UTC)


def race(code: str, played: bool = True, **changes: object) -> RaceProfile:
    base = RaceProfile(
        race=code, played=played, mmr=1612 if played else None, letter="B" if played else "U",
        global_rank=312 if played else None, record=Record(10, 5, 1) if played else Record(),
        win_percent=62.5 if played else None,
        recent=MappingProxyType({14: Record(2, 1, 0), 30: Record(4, 2, 0), 90: Record(10, 5, 1)}),
        last_played=AT if played else None, counters=Record(10, 5, 1) if played else Record(),
    )
    return base._replace(**changes)  # type: ignore[arg-type]


def profile(*races: RaceProfile, ranked_total: int = 100_000) -> Profile:
    listed = {r.race: r for r in races}
    every = tuple(listed.get(code) or race(code, played=False) for code in GAME.races)
    return Profile(
        discord_uid=1, discord_username="maru", main_id="Maru", battletag="Maru#1234", alt_ids=(),
        country=GAME.countries["KR"], region=None, races=every, overall=Record(10, 5, 1),
        overall_win_percent=62.5, recent={14: Record(2, 1, 0)}, last_played=AT, aborts_left=3,
        aborts_per_month=3, status=AccountStatus.ACTIVE, state=PlayerState.IDLE, ranked_total=ranked_total,
    )


def field(p: Profile, name: str) -> str:
    embed = render.profile(p, GAME)
    return next(str(f.value) for f in embed.fields if f.name == name)


def test_every_value_a_race_shows_changes_its_lines() -> None:
    zerg = GAME.races["bw_zerg"].name
    first = field(profile(race("bw_zerg")), zerg)
    assert "1612" in first and "#312" in first and "10-5-1" in first and "62.5%" in first
    assert field(profile(race("bw_zerg")), zerg) == first  # the same values: the same lines
    assert "1640" in field(profile(race("bw_zerg", mmr=1640)), zerg)
    assert "rank **A**" in field(profile(race("bw_zerg", letter="A")), zerg)
    assert "#311" in field(profile(race("bw_zerg", global_rank=311)), zerg)
    assert "100,001" in field(profile(race("bw_zerg"), ranked_total=100_001), zerg)
    assert "11-5-1" in field(profile(race("bw_zerg", record=Record(11, 5, 1))), zerg)
    windows = {14: Record(3, 1, 0), 30: Record(4, 2, 0), 90: Record(10, 5, 1)}
    moved = race("bw_zerg", recent=MappingProxyType(windows))
    assert "14d 3-1-0" in field(profile(moved), zerg)
    assert field(profile(race("bw_zerg")), GAME.races["sc2_zerg"].name) == text.RACE_UNPLAYED


def test_the_embed_is_kept_per_profile_object() -> None:
    """The service hands out the same Profile object while nothing shown changed."""
    kept = Renderings()

    def embed(p: Profile) -> discord.Embed:
        return kept.get(p, render.embed_key(), lambda: render.profile(p, GAME))

    shown = profile(race("bw_zerg"))
    first = embed(shown)
    assert embed(shown) is first
    again = embed(profile(race("bw_zerg")))  # equal values, another object
    assert again is not first and again.to_dict() == first.to_dict()
    moved = embed(profile(race("bw_zerg", global_rank=311)))
    assert "311" in str(moved.to_dict()) and "311" not in str(first.to_dict())
