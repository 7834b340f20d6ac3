"""The task list in a real headless Chromium: a manager opens the tails, hands one of Anna's callbacks to
Boris from the row's select, is brought back to the same list with a notice, and finds it under Boris."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.models import Task
from callcenter.settings import Settings
from tests.browser.test_client_flow import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_live_view import keep
from tests.conftest import PASSWORD
from tests.hub.serving import served
from tests.test_tasks_page import desk  # noqa: F401  (the fixture: callbacks in every bucket, two teams)
from web.app import create_app

pytestmark = pytest.mark.browser


async def test_a_manager_hands_a_tail_to_another_operator(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, desk: dict[str, Any],  # noqa: F811
        tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.async_api import async_playwright, expect

    tail = desk["ids"]["a_tail"]
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
            await page.fill("input[name=login]", desk["olga"].login)
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await page.click("nav.sidenav >> text=Задачи")
            await expect(page.locator("h1")).to_have_text("Задачи и перезвоны")
            tails = "Хвосты: просрочены более 3 дн."
            await page.locator("#tasks-filters select[name=bucket]").select_option(label=tails)
            await page.wait_for_url("**/tasks?*bucket=tail")
            await expect(page.locator("#tasks tbody tr")).to_have_count(5)  # four tails and a plain task, overdue
            row = page.locator(f"#tasks tr[data-task='{tail}']")
            await expect(row.locator(".t-owner")).to_have_text("Анна Смирнова (anna)")
            await row.locator("select[name=owner]").select_option(label="Борис Петров (boris)")
            await row.get_by_role("button", name="Передать").click()
            await page.wait_for_url(f"**/tasks?owner=&status=open&bucket=tail&moved={tail}")
            await expect(page.locator("#tasks-notice")).to_have_text("Задача «a_tail» передана: Борис Петров (boris).")
            await expect(row.locator(".t-owner")).to_have_text("Борис Петров (boris)")
            shot = tmp_path / "tasks.png"
            await page.screenshot(path=str(shot), full_page=True)
            keep(shot)

            # Under Boris it is now, and no longer under Anna.
            await page.locator("#tasks-filters select[name=owner]").select_option(label="Борис Петров (boris)")
            await page.wait_for_url(f"**/tasks?owner={desk['boris'].id}&*")
            await expect(page.locator("#tasks tbody tr")).to_have_count(3)  # his own tail and task, and this one
            await expect(row).to_be_visible()
            await page.locator("#tasks-filters select[name=owner]").select_option(label="Анна Смирнова (anna)")
            await page.wait_for_url(f"**/tasks?owner={desk['anna'].id}&*")
            await expect(page.locator("#tasks tbody tr")).to_have_count(0)
            assert errors == []
        finally:
            await browser.close()
    assert await db.scalar(select(Task.owner_id).where(Task.id == tail)) == desk["boris"].id
