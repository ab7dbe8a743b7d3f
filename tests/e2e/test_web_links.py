"""/profile and /leaderboard link to the web pages when the public URL is set (and only then).

conftest's ``sandbox``; ``public_url`` (none by default) is a fixture a test parametrizes.
"""

from __future__ import annotations

from typing import Any

import pytest
from journeykit import PlayerFactory

from evoladder.i18n.text import accounts
from evoladder.sandbox.ladder import Sandbox
from evoladder.settings import load_settings

pytestmark = pytest.mark.e2e

URL = "https://ladder.example.org"


@pytest.fixture
def public_url() -> str | None:
    return None


@pytest.fixture
def sandbox_options(public_url: str | None) -> dict[str, Any]:
    """One owner ("root", who may start a season), and the public URL of the test."""
    return {"settings": load_settings(public_url=public_url), "owners": ["root"]}


@pytest.mark.parametrize("public_url", [URL + "/"])
async def test_profile_and_board_link_the_web_pages_when_the_public_url_is_set(
    sandbox: Sandbox, player: PlayerFactory
) -> None:
    alice = await player("alice", "Alice", country="KR")
    ladder_id = (await sandbox.services.accounts.get_player(alice.id)).id
    profile = await alice.slash("profile")
    assert profile.content == f"<{URL}/players/{ladder_id}>"
    assert str(alice.id) not in profile.content  # a ladder id, never the Discord id
    board = await alice.slash("leaderboard", race="bw_zerg", country="KR")
    assert board.content == f"<{URL}/leaderboard?race=bw_zerg&country=KR>"


@pytest.mark.parametrize("public_url", [URL])
async def test_a_closed_seasons_board_links_that_season_on_the_web(
    sandbox: Sandbox, player: PlayerFactory
) -> None:
    alice = await player("alice", "Alice", country="KR")
    seasons = sandbox.services.seasons
    closing = sandbox.services.season_book.current
    root = sandbox.owners[0]
    plan = await seasons.preview(root.id, name="Season Two")
    await seasons.start(root.id, plan, "summer break")
    past = await alice.slash("leaderboard", season=closing.id, race="bw_zerg")
    line, link = past.content.split("\n")
    assert line.startswith(f"**{closing.name}**")  # the past season's line stays first
    assert link == f"<{URL}/leaderboard?race=bw_zerg&season={closing.id}>"
    live = await alice.slash("leaderboard")
    assert live.content == f"<{URL}/leaderboard>"  # the live board's link names no season


async def test_no_link_without_a_public_url(player: PlayerFactory) -> None:
    alice = await player("alice", "Alice", country="KR")
    assert not (await alice.slash("profile")).content
    assert not (await alice.slash("leaderboard")).content


async def test_setup_offers_the_web_privacy_opt_in_off_by_default(sandbox: Sandbox) -> None:
    carol = sandbox.player("carol")
    await carol.slash("termsofservice")
    await carol.click(accounts.ACCEPT_LABEL)
    await carol.slash("setup")
    step = await carol.submit_modal(
        {"main_id": "Carol", "battletag": "Carol#1234", "alt_1": "", "alt_2": ""}
    )
    selects = step.message.selects
    page = next(s for s in selects if any(o["value"] == "KR" for o in s["options"]))
    await carol.select(page["placeholder"], ["KR"])
    await carol.select(accounts.REGION_PLACEHOLDER, ["KRJ"])
    shown = await carol.click(accounts.PUBLIC_IDENTITY_OFF)  # off unless the player turns it on
    assert shown.message.button(accounts.PUBLIC_IDENTITY_ON) is not None
    await carol.click(accounts.CONFIRM_LABEL)
    async with sandbox.services.db.read() as uow:
        stored = await uow.players.get(carol.id)
    assert stored is not None and stored.public_identity is True
