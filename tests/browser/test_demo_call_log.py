"""The demo in a real headless Chromium: a supervisor opens the call log, sees the simulated PBX's calls
arrive with their operators and clients, and follows a client link to the card."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.test_client_flow import CHROMIUM, CHROMIUM_ARGS
from tests.demo_process import DEMO_PASSWORD, running_demo

pytestmark = pytest.mark.browser


async def test_supervisor_watches_calls_arrive_in_the_call_log(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.async_api import async_playwright, expect

    args = ("--clients", "40", "--call-rate", "120", "--time-factor", "0.05", "--seed", "11")
    async with running_demo(tmp_path, *args) as url, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(locale="ru-RU", viewport={"width": 1400, "height": 900})
            page = await context.new_page()
            page.set_default_timeout(15_000)
            await page.goto(url + "/login")
            await page.fill("input[name=login]", "supervisor")
            await page.fill("input[name=password]", DEMO_PASSWORD)
            await page.click("button[type=submit]")
            await page.click("nav.sidenav >> text=Звонки")
            await expect(page.locator("h1")).to_have_text("Звонки")

            rows = page.locator("table.calls-table tbody tr")
            count = page.locator(".result-count")

            async def total() -> int:
                return int((await count.inner_text()).rsplit(" ", 1)[-1])

            # The seeded history is there at once; the PBX's calls join it while the supervisor watches.
            seen = await total()
            for _ in range(60):
                await page.wait_for_timeout(500)
                await page.reload()
                if await total() > seen:
                    break
            assert await total() > seen
            assert await rows.count() >= 3
            answered = page.locator("table.calls-table tbody tr", has=page.locator(".outcome-answered"))
            await expect(answered.first.locator("td").nth(4)).to_contain_text("operator")
            await page.screenshot(path=str(tmp_path / "call-log.png"), full_page=True)

            link = rows.locator("a[href^='/clients/']").first
            name = (await link.inner_text()).strip()
            await link.click()
            await expect(page.locator("h1")).to_have_text(name)
            await context.close()
        finally:
            await browser.close()
