"""The segment editor in a real headless Chromium: a manager ticks a stage and a class, types a tag, and the
live count follows each change without saving; an invalid date shows what is wrong; saving keeps the filter."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.models import Client, Segment
from callcenter.models.enums import AbcClass, ClientKind, Role, Stage
from callcenter.settings import Settings
from tests.browser.test_client_flow import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_live_view import keep
from tests.conftest import PASSWORD, MakeUser
from tests.hub.serving import served
from web.app import create_app

pytestmark = pytest.mark.browser


async def test_the_count_follows_the_filter_as_it_is_edited(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.async_api import async_playwright, expect

    manager = await make_user(Role.MANAGER, login="olga")
    for i, (stage, abc, tags) in enumerate([(Stage.REGULAR, AbcClass.B, ["vip"]), (Stage.REGULAR, AbcClass.B, []),
                                            (Stage.REGULAR, AbcClass.A, ["vip"]), (Stage.POTENTIAL, None, [])]):
        db.add(Client(kind=ClientKind.COMPANY, name=f"Клиент {i}", name_search=f"клиент {i}", name_key=f"клиент {i}",
                      stage=stage, abc_class=abc, tags=tags))
    await db.commit()
    app = create_app(settings, engine=db_engine)
    async with served(app) as url, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(locale="ru-RU", viewport={"width": 1300, "height": 1100})
            page = await context.new_page()
            page.set_default_timeout(15_000)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            await page.goto(url + "/login")
            await page.fill("input[name=login]", manager.login)
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_url("**/clients**")
            await page.click("nav.sidenav >> text=Сегменты")
            await page.click("text=Новый сегмент")
            count = page.locator("#segment-count")
            await expect(count).to_have_text("4")
            await page.check("input[name=stages][value=regular]")
            await expect(count).to_have_text("3")
            await page.check("input[name=abc][value=B]")
            await expect(count).to_have_text("2")
            await page.fill("input[name=tags_any]", "VIP")
            await expect(count).to_have_text("1")
            await page.fill("input[name=last_contact_before]", "вчера")
            await expect(count).to_have_attribute("data-state", "invalid")
            # The field is named by its label and marked, not by the filter's key.
            await expect(page.locator("#segment-count-note")).to_have_text("Проверьте поля: Нет контактов с")
            await expect(page.locator("input[name=last_contact_before]")).to_have_attribute("aria-invalid", "true")
            await page.fill("input[name=last_contact_before]", "-30d")
            await expect(count).to_have_text("1")
            await expect(page.locator("input[name=last_contact_before]")).not_to_have_attribute("aria-invalid", "true")
            await page.fill("input[name=name]", "VIP класса B")
            shot = tmp_path / "segment-editor.png"
            await page.screenshot(path=str(shot), full_page=True)
            keep(shot)
            await page.click("#segment-form button[type=submit]")
            await page.wait_for_url("**/segments/*?saved=1")
            await expect(count).to_have_text("1")
            assert errors == []
        finally:
            await browser.close()
    segment = await db.scalar(select(Segment))
    assert segment is not None and segment.name == "VIP класса B"
    assert segment.filters == {"stages": ["regular"], "abc": ["B"], "tags_any": ["vip"], "last_contact_before": "-30d"}
