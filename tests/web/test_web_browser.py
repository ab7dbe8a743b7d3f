"""The pages in a real browser: Debian's chromium, headless, driven by Playwright (never a browser
download), one browser for the whole test, at a desktop and a phone width.

Checks what a visitor sees: the board shows the rows the service returns, the chart drew its
points, the console stays free of errors, and nothing is fetched from another site.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from webkit import ALICE, seed

from evoladder.app import build_ladder
from evoladder.services.public import BoardQuery, ChartSeries, RatingChart
from evoladder.settings import load_settings
from evoladder.store.engine import create_engine
from evoladder.store.uow import Database

pytestmark = [pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
OWNER = 999
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def _apt_install(*packages: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=600", *packages],
        check=True, env=env, capture_output=True,
    )


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium and a CJK font, installed when missing (CI starts from a fresh machine)."""
    missing = [] if os.path.exists(CHROMIUM) else ["chromium"]
    if not Path("/usr/share/fonts/opentype/noto").exists():
        missing.append("fonts-noto-cjk")
    if missing:
        if shutil.which("apt-get") is None:
            pytest.fail(f"{' and '.join(missing)} missing and no apt-get to install them")
        _apt_install(*missing)
    return CHROMIUM


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "browser.db"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite+aiosqlite:///{target}"


async def test_pages_in_chromium_at_desktop_and_phone_widths(
    chromium: str, sqlite_url: str, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright

    db = Database(create_engine(sqlite_url))
    try:
        world = await seed(db)
    finally:
        await db.close()
    settings = load_settings(database_url=sqlite_url, discord_token=SecretStr("x"),
                             replay_storage=str(tmp_path / "replays"), web_host="127.0.0.1")
    async with AsyncExitStack() as stack:
        ladder = await build_ladder(settings, stack, clock=world.clock, sync_commands=False)
        public = ladder.public
        assert public is not None
        alice_id = (await public.ids.of([ALICE]))[ALICE]
        day = 86_400
        t0 = int(world.clock.now().timestamp()) - 30 * day
        chart = RatingChart(
            (ChartSeries("bw_zerg", tuple(t0 + i * day for i in range(30)),
                         tuple(1500 + i for i in range(30))),
             ChartSeries("sc2_protoss", (t0 + 5 * day, t0 + 20 * day), (1500, 1470))),
            season_breaks=(t0 + 10 * day,),
        )

        async def chart_of(ladder_id: int) -> RatingChart | None:
            return chart if ladder_id == alice_id else None

        public.chart = chart_of  # type: ignore[method-assign]  # the history feature's data
        base = (await ladder.start_web(port=0)).rstrip("/").replace("localhost", "127.0.0.1")
        expected = [row.player.name for row in (await public.board(BoardQuery())).rows]
        assert expected

        async with async_playwright() as pw:
            context = await pw.chromium.launch_persistent_context(
                str(tmp_path / "profile"), executable_path=chromium, args=ARGS, headless=True,
            )
            try:
                page = await context.new_page()
                errors: list[str] = []
                outside: list[str] = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))

                def watch(request: Any) -> None:
                    if not request.url.startswith(base) and not request.url.startswith("data:"):
                        outside.append(request.url)

                page.on("request", watch)
                for label, (width, height) in WIDTHS.items():
                    await page.set_viewport_size({"width": width, "height": height})
                    await page.goto(f"{base}/leaderboard")
                    names = await page.locator("#board tbody td.name").all_inner_texts()
                    assert [n.strip() for n in names] == expected, label

                    await page.goto(f"{base}/players/{alice_id}")
                    await page.wait_for_selector("#chart[data-drawn=uplot] canvas")
                    drawn = await page.get_attribute("#chart", "data-points")
                    assert drawn == str(chart.points), label
                    box = await page.locator("#chart canvas").first.bounding_box()
                    assert box is not None and 0 < box["width"] <= width, label

                    await page.goto(f"{base}/matches/{world.final.id}")
                    assert "Main" in await page.inner_text("main")
                    await page.goto(f"{base}/queue")
                    assert await page.inner_text("#queue-total") == "1"
                # A closed season through the picker: its final board, as archived at the close.
                first = public.current_season
                assert first is not None
                await ladder.services.roster.sync_owners([OWNER])
                plan = await ladder.services.seasons.preview(OWNER, name="Season Two")
                await ladder.services.seasons.start(OWNER, plan, "the browser test's season start")
                # (another address than before: the browser may keep a page for max-age)
                await page.goto(f"{base}/leaderboard?page=1")
                assert await page.locator("#board").count() == 0  # the new season has no games yet
                await page.select_option("select[name=season]", str(first.id))
                await page.click("form.filters button[type=submit]")
                await page.wait_for_selector("#final-note")
                names = await page.locator("#board tbody td.name").all_inner_texts()
                assert [n.strip() for n in names] == expected
                assert errors == []
                assert outside == []
            finally:
                await context.close()
