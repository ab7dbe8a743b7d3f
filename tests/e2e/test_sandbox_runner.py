"""The sandbox's virtual players, run for a fixed number of actions against the real bot.

What ``make run`` shows a newcomer must actually happen: players register, queue, get matched,
confirm, play, report (and some abort or report wrongly), matches end, the leaderboard fills,
and the summary says so. Bounded by a number of player actions rather than wall time, so the
test does not depend on how fast the machine is; waves run every second so it does not wait
for the production 45 (this module's ``sandbox_options``: conftest's ``sandbox`` otherwise, with
its check that the bot broke none of Discord's rules). The players run in this process, as
``evoladder sandbox`` runs them (``test_run_process.py`` runs that command itself).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from evoladder.domain.match_state import MatchStatus
from evoladder.sandbox.ladder import Sandbox, sandbox_settings
from evoladder.sandbox.population import Chances, Pace, Population, match_counts, run_population
from evoladder.settings import load_settings

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def sandbox_options() -> dict[str, Any]:
    """Waves every second, with the matchmaker and scheduler running as in ``evoladder sandbox``."""
    return {"settings": load_settings(wave_interval_seconds=1)}


async def test_population_plays_matches_and_prints_the_summary(sandbox: Sandbox) -> None:
    chances = Chances(no_show=0.0, abort=0.1, misreport=0.1, look_around=0.5)
    population = Population(
        sandbox, 6, seed=5, chances=chances, pace=Pace.instant(), max_actions=250, patience=120
    )
    printed: list[str] = []
    await run_population(population, minutes=None, stop=asyncio.Event(), printer=printed.append)

    stats = population.stats
    assert stats.errors == 0
    assert stats.actions == 250
    # Every action was an interaction with what the bot sent (none went to a service instead),
    # except clicks on a control that vanished while the player reached for it.
    by_user = sandbox.discord.state.interactions_by_user
    started = sum(len(by_user.get(member.player.id, ())) for member in population.players)
    assert started == stats.actions - stats.vanished
    assert stats.registered == 6
    assert stats.confirmed > 0
    counts = await match_counts(sandbox)
    assert counts.get(MatchStatus.FINAL, 0) > 0, counts
    finished = counts[MatchStatus.FINAL]
    # Ranked rows exist (a final match gives both players a game) and the summary shows them.
    assert sandbox.ladder.services.leaderboard.ranked_total() > 0
    final = printed[printed.index(next(line for line in printed if "final summary" in line)) :]
    assert any(f"finished {finished}" in line for line in final), final
    assert any("top 5: 1. " in line for line in final), final
    assert any("interactions" in line and "0 errors" in line for line in final), final


def test_sandbox_waves_are_shorter_unless_the_interval_is_set() -> None:
    assert sandbox_settings(load_settings()).wave_interval_seconds == 10
    assert sandbox_settings(load_settings(wave_interval_seconds=45)).wave_interval_seconds == 45
