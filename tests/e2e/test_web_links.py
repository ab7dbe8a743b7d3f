"""/profile and /leaderboard link to the web pages when the public URL is set (and only then)."""

from __future__ import annotations

import pytest

from evoladder.i18n.text import accounts
from evoladder.sandbox import VirtualPlayer
from evoladder.sandbox.ladder import Sandbox
from evoladder.settings import load_settings

pytestmark = pytest.mark.e2e

URL = "https://ladder.example.org"


async def _set_up(sb: Sandbox, name: str) -> tuple[VirtualPlayer, int]:
    player = sb.player(name)
    accounts = sb.ladder.deps.accounts
    await accounts.ensure_player(player.id, name)
    await accounts.accept_terms(player.id)
    await accounts.complete_setup(player.id, "Alice", "Alice#1234", (), "KR", "EUW")
    return player, (await accounts.get_player(player.id)).id


async def test_profile_and_board_link_the_web_pages_when_the_public_url_is_set() -> None:
    async with Sandbox(settings=load_settings(public_url=URL + "/")) as sb:
        alice, ladder_id = await _set_up(sb, "alice")
        profile = await alice.slash("profile")
        assert profile.content == f"<{URL}/players/{ladder_id}>"
        assert str(alice.id) not in profile.content  # a ladder id, never the Discord id
        board = await alice.slash("leaderboard", race="bw_zerg", country="KR")
        assert board.content == f"<{URL}/leaderboard?race=bw_zerg&country=KR>"


async def test_a_closed_seasons_board_links_that_season_on_the_web() -> None:
    async with Sandbox(settings=load_settings(public_url=URL), owners=["root"]) as sb:
        alice, _ = await _set_up(sb, "alice")
        seasons = sb.ladder.services.seasons
        closing = sb.ladder.services.season_book.current
        root = sb.owners[0]
        plan = await seasons.preview(root.id, name="Season Two")
        await seasons.start(root.id, plan, "summer break")
        past = await alice.slash("leaderboard", season=closing.id, race="bw_zerg")
        line, link = past.content.split("\n")
        assert line.startswith(f"**{closing.name}**")  # the past season's line stays first
        assert link == f"<{URL}/leaderboard?race=bw_zerg&season={closing.id}>"
        live = await alice.slash("leaderboard")
        assert live.content == f"<{URL}/leaderboard>"  # the live board's link names no season


async def test_no_link_without_a_public_url() -> None:
    async with Sandbox(settings=load_settings(public_url=None)) as sb:
        alice, _ = await _set_up(sb, "alice")
        assert not (await alice.slash("profile")).content
        assert not (await alice.slash("leaderboard")).content


async def test_setup_offers_the_web_privacy_opt_in_off_by_default() -> None:
    async with Sandbox() as sb:
        carol = sb.player("carol")
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
        async with sb.ladder.services.db.read() as uow:
            stored = await uow.players.get(carol.id)
        assert stored is not None and stored.public_identity is True
