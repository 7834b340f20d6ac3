"""The live view in a real headless Chromium: a supervisor watches the simulated PBX ring an operator, the
call appear, the operator go into the call, whispers to the operator from their own phone, and, once the
call ends, the queue's answered count go up."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.models.enums import Role
from callcenter.settings import Settings
from telephony.simulator import Scenario
from tests.browser.test_client_flow import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import PASSWORD, MakeUser
from tests.hub.test_pops import crm_with_pbx, ring
from tests.test_calls import add_client

pytestmark = pytest.mark.browser

NUMBER = "+79161234567"
SHOWN = "+7 916 123-45-67"  # as the pages write it
REPO = Path(__file__).resolve().parents[2]


def keep(screenshot: Path) -> None:
    """Copy a screenshot to ``test-artifacts/`` when ``CALLCENTER_TEST_ARTIFACTS`` asks for it."""
    if os.environ.get("CALLCENTER_TEST_ARTIFACTS"):
        folder = REPO / "test-artifacts"
        folder.mkdir(exist_ok=True)
        shutil.copy(screenshot, folder / screenshot.name)


async def test_supervisor_watches_a_call_ring_be_answered_and_count(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.async_api import async_playwright, expect

    anna = await make_user(Role.OPERATOR, extension="101", full_name="Анна Смирнова")
    boss = await make_user(Role.SUPERVISOR, full_name="Ольга Старшая", extension="2900")
    await add_client(db, "ООО Ромашка", "8 916 123-45-67", NUMBER)
    settings = settings.model_copy(update={"service_level_seconds": 30})
    async with crm_with_pbx(settings, db_engine, time_factor=0.1) as (url, demo), async_playwright() as pw:
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
            await page.click("nav.sidenav >> text=Мониторинг")
            await expect(page.locator("h1")).to_have_text("Мониторинг")
            await expect(page.locator("#live-status")).to_have_attribute("data-state", "live")

            desk = page.locator(f"#live-operators tr[data-user-id='{anna.id}']")
            await expect(desk.locator(".op-name")).to_contain_text("Анна Смирнова")
            await expect(desk.locator(".op-state")).to_contain_text("Свободен")
            await expect(desk.locator(".op-calls-today")).to_have_text("0")
            await expect(page.locator("[data-empty-for=live-calls]")).to_be_visible()
            await expect(page.locator("#live-queues thead")).to_contain_text("SL ≤ 30 с")

            # 2 s of ringing (20 s on the PBX's clock, so within the 30 s service level), 4 s of talk.
            ring(demo, NUMBER, scenario=Scenario.QUEUE_ANSWERED, answer_after=20.0, talk=40.0)
            call = page.locator("#live-calls tbody tr").first
            await expect(call.locator(".call-number")).to_contain_text(SHOWN)
            await expect(call.locator(".call-client")).to_have_text("ООО Ромашка")
            await expect(call.locator(".call-queue")).to_have_text("support")
            await expect(call.locator(".call-state")).to_have_text("Звонит")
            await expect(call.locator(".call-operator")).to_have_text("звонит у: Анна Смирнова")
            queue = page.locator("#live-queues tr[data-queue=support]")
            await expect(queue.locator(".q-waiting")).to_have_text("1")
            await expect(queue.locator(".q-answered")).to_have_text("0")

            await expect(desk.locator(".op-state")).to_contain_text("Разговаривает")
            await expect(desk.locator(".op-call")).to_contain_text(SHOWN)
            await expect(call.locator(".call-state")).to_have_text("Разговор")
            await expect(call.locator(".call-operator")).to_have_text("Анна Смирнова")
            await expect(queue.locator(".q-waiting")).to_have_text("0")
            # The durations tick in the browser between messages.
            ticking = call.locator(".call-duration .tick")
            first = await ticking.inner_text()
            await expect(ticking).not_to_have_text(first, timeout=3_000)
            # Whisper: the PBX rings the supervisor's phone and ChanSpy joins it to the operator's channel.
            await call.locator(".call-listen [data-spy=whisper]").click()
            await expect(page.locator(".toast-ok")).to_contain_text("Звонит ваш телефон")
            await expect(call.locator(".call-listen .spy-whisper")).to_have_text("Ольга Старшая: Суфлёр")
            shot = tmp_path / "live-view.png"
            await page.screenshot(path=str(shot), full_page=True)
            keep(shot)

            await expect(page.locator("#live-calls tbody tr")).to_have_count(0)
            await expect(queue.locator(".q-answered")).to_have_text("1")
            await expect(queue.locator(".q-abandoned")).to_have_text("0")
            await expect(queue.locator(".q-sl")).to_have_text("100%")
            await expect(desk.locator(".op-calls-today")).to_have_text("1")
            await expect(desk.locator(".op-state")).to_contain_text("Постобработка")
            shot = tmp_path / "live-view-after.png"
            await page.screenshot(path=str(shot), full_page=True)
            keep(shot)
            assert errors == []
            await context.close()
        finally:
            await browser.close()
