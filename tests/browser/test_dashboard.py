"""The manager's dashboard in a real headless Chromium: the operator table for a week, a day's bar in the chart
leads to that day's answered calls, a figure in the table to the operator's calls, and the period picker
changes what is shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.models.enums import Role
from callcenter.settings import Settings
from tests.browser.test_client_flow import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_live_view import keep
from tests.conftest import PASSWORD, MakeUser
from tests.hub.serving import served
from tests.test_metrics import office  # noqa: F401  (the fixture: a week of known figures)
from web.app import create_app

pytestmark = pytest.mark.browser


async def test_a_manager_reads_the_week_and_drills_down(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser, office: dict[str, Any],  # noqa: F811
        tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.async_api import async_playwright, expect

    boss = await make_user(Role.MANAGER, full_name="Ольга Руководова")
    anna = office["anna"]
    app = create_app(settings, engine=db_engine)
    async with served(app) as url, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(locale="ru-RU", viewport={"width": 1400, "height": 1000})
            page = await context.new_page()
            page.set_default_timeout(15_000)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            await page.goto(url + "/login")
            await page.fill("input[name=login]", boss.login)
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await page.click("nav.sidenav >> text=Показатели")
            await expect(page.locator("h1")).to_have_text("Показатели")
            await page.fill("input[name=from]", "2026-03-02")
            await page.fill("input[name=to]", "2026-03-08")
            await page.click("#dash-period button[type=submit]")
            row = page.locator(f"#dash-operators tr[data-operator='{anna.login}']")
            await expect(row.locator(".m-contacts")).to_have_text("5")
            await expect(row.locator(".m-result-rate")).to_have_text("40%")
            await expect(row.locator(".m-talk-avg")).to_have_text("1:30")
            await expect(page.locator("#tile-contacts")).to_have_text("7")  # anna 5, boris 1, vera 1, sam none
            shot = tmp_path / "dashboard.png"
            await page.screenshot(path=str(shot), full_page=True)
            keep(shot)

            # The 4th of March's answered-calls bar: anna's missed call that day is not among them.
            bar = page.locator('#chart-per-day a[*|href="/calls?day=2026-03-04&answered=yes"]')  # xlink:href in SVG
            await expect(bar).to_have_count(1)
            # Drawn in its colour under the pages' Content-Security-Policy, which drops inline styles.
            assert await bar.locator("path").first.evaluate("p => getComputedStyle(p).fill") == "rgb(22, 163, 74)"
            background = page.locator("#chart-per-day svg #patch_1 path")
            assert await background.evaluate("p => getComputedStyle(p).fill") == "none"
            await bar.locator("path").first.click(force=True)
            await page.wait_for_url("**/calls?day=2026-03-04&answered=yes")
            await expect(page.locator(".result-count")).to_contain_text("2")  # boris's and vera's
            await page.go_back()
            await row.locator("a.m-inbound").click()
            await page.wait_for_url("**/calls?operator=*&direction=inbound&from=2026-03-02&to=2026-03-08")
            await expect(page.locator("#calls-span")).to_be_visible()
            await expect(page.locator(".result-count")).to_contain_text("3")
            assert errors == []
        finally:
            await browser.close()
