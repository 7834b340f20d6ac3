"""Campaigns in a real headless Chromium, against the real server with the simulated PBX and the dialer: a
manager starts a campaign from its page, an operator joins it from the desk and the client the dialer reaches
pops on her desk with the campaign's name; in preview mode the desk shows the client first and "Call now"
places the call. The simulator's people always answer here (live rate 1.0), so the run is deterministic."""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.auth.principal import SYSTEM
from callcenter.campaigns import services
from callcenter.campaigns.schemas import CampaignIn
from callcenter.enums import CampaignState
from callcenter.models import Campaign, DialAttempt, User
from callcenter.models.enums import Role
from callcenter.settings import Settings
from tests.browser.test_client_flow import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_desk import Screens, chromium_or_skip
from tests.campaign_world import add_client, add_segment
from tests.conftest import PASSWORD, MakeUser
from tests.hub.test_pops import crm_with_pbx

pytestmark = pytest.mark.browser

CLIENT_NUMBER = "+79161234567"
# Talks long enough (a minute in real time, at the tests' time factor) to be still going when the
# supervisor's page is checked: a call that ended meanwhile would leave the campaign with no lead to call.
ALWAYS_A_PERSON = {"dial_live_rate": 1.0, "dial_machine_rate": 0.0, "dial_busy_rate": 0.0,
                   "dial_no_answer_rate": 0.0, "dial_failed_rate": 0.0, "dial_ring_mean_s": 2.0,
                   "dial_talk_mean_s": 600.0}
EVERY_DAY = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


async def sign_in(page: Any, url: str, user: User, target: str) -> None:
    from playwright.async_api import expect

    await page.goto(url + target)
    await page.fill("input[name=login]", user.login)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(url + target)


@contextlib.asynccontextmanager
async def browser(problems: list[str]) -> AsyncIterator[Any]:
    """``new_page()``: a page of its own (cookies and all) in one Chromium; script errors land in ``problems``."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        contexts: list[Any] = []

        async def new_page() -> Any:
            context = await chromium.new_context(locale="ru-RU", timezone_id="Europe/Moscow",
                                                 viewport={"width": 1440, "height": 1000})
            contexts.append(context)
            page = await context.new_page()
            page.set_default_timeout(20_000)
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on("console", lambda m: problems.append(f"console: {m.text}")
                    if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
            return page

        try:
            yield new_page
            for context in contexts:
                await context.close()
        finally:
            await chromium.close()


async def make_campaign(db: AsyncSession, operator: User, **fields: Any) -> int:
    client = await add_client(db, "ООО Ромашка", CLIENT_NUMBER)
    assert client.id
    segment = await add_segment(db, "Все")
    data = CampaignIn.model_validate({"name": "Весна", "segment_id": segment.id, "caller_id": "+74951234567",
                                      "operator_ids": [operator.id],
                                      "rules": {"windows": EVERY_DAY, "ring_timeout_s": 20}, **fields})
    return int((await services.create_campaign(db, SYSTEM, data))["id"])


def always_answered(demo: Any) -> None:
    pbx = demo.simulator.pbx
    pbx.config = dataclasses.replace(pbx.config, **ALWAYS_A_PERSON)


async def test_a_started_campaign_pops_its_connected_call_on_the_joined_operators_desk(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser, tmp_path: Path) -> None:
    chromium_or_skip()
    from playwright.async_api import expect

    anna = await make_user(Role.OPERATOR, extension="101", full_name="Анна Смирнова")
    manager = await make_user(Role.MANAGER, full_name="Ольга")
    campaign_id = await make_campaign(db, anna, mode="progressive")
    screens = Screens(tmp_path / "screens", "campaign-progressive")
    problems: list[str] = []
    async with crm_with_pbx(settings, db_engine, time_factor=0.1) as (url, demo), browser(problems) as new_page:
        always_answered(demo)
        boss = await new_page()
        await sign_in(boss, url, manager, f"/campaigns/{campaign_id}")
        await expect(boss.locator("#f-dialled .stat-value")).to_have_text("0")
        await screens.take(boss, "draft")
        await boss.locator("button[data-action=start]").click()
        await expect(boss).to_have_url(url + f"/campaigns/{campaign_id}")
        await expect(boss.locator("#campaign-state")).to_have_text("идёт")
        assert (await db.scalar(select(Campaign.state).where(Campaign.id == campaign_id)
                                .execution_options(populate_existing=True))) == CampaignState.RUNNING
        # Nobody has joined yet: the page says so rather than sitting still.
        await expect(boss.locator("#campaign-idle")).to_have_attribute("data-reason", "no_operators")
        await expect(boss.locator("#campaign-idle")).to_contain_text("ни один оператор не подключился")

        desk = await new_page()
        await sign_in(desk, url, anna, "/desk")
        await expect(desk.locator("#desk-conn")).to_have_attribute("data-conn", "online")
        item = desk.locator(f".desk-campaign[data-campaign='{campaign_id}']")
        await expect(item).to_contain_text("Весна")
        await item.locator("button[data-action=join]").click()
        await expect(item).to_have_attribute("data-joined", "yes")
        await screens.take(desk, "joined")

        pop = desk.locator(".pop[data-campaign]")
        await expect(pop.locator(".pop-client-name")).to_have_text("ООО Ромашка")
        await expect(pop).to_contain_text("Кампания: Весна")
        await expect(pop.locator(".pop-number")).to_have_text("+7 916 123-45-67")
        linkedid = await pop.get_attribute("data-linkedid")
        assert linkedid and linkedid.startswith("crm-att-")
        await screens.take(desk, "pop")
        await expect(pop).to_have_attribute("data-state", "talking")

        # The supervisor's page follows without a reload: the call is dialled and connected, Anna has it.
        await expect(boss.locator("#f-dialled .stat-value")).to_have_text("1")
        await expect(boss.locator("#f-connected .stat-value")).to_have_text("1")
        await expect(boss.locator(f"#campaign-operators tr[data-user='{anna.id}']")).to_contain_text("Анна Смирнова")
        await expect(boss.locator("#campaign-recent tbody tr")).to_have_count(1)
        await expect(boss.locator("#campaign-idle")).to_be_hidden()
        # The call shows its stage while it lasts (talking), then its outcome; in words, never the raw codes.
        row = boss.locator("#campaign-recent tbody tr").first
        await expect(row).to_have_attribute("data-stage", re.compile("^(talking|connected)$"))
        await expect(row.locator(".badge")).to_have_text(re.compile("^(Разговор|Соединён)$"))
        await expect(row.locator("[data-amd]")).to_have_text("Человек")
        await expect(row).to_contain_text("Анна Смирнова")
        await expect(row).to_contain_text("+7 916 123-45-67")
        # It fits a 1400 px window: nothing wider than the page, no table wider than its card.
        await boss.set_viewport_size({"width": 1400, "height": 1000})
        widths = await boss.evaluate("""() => ({page: document.documentElement.scrollWidth,
            tables: [...document.querySelectorAll('.campaign-columns .panel')].map(
                p => p.querySelector('table').offsetWidth - (p.clientWidth - 40))})""")
        assert widths["page"] <= 1400 and all(extra <= 0 for extra in widths["tables"]), widths
        await screens.take(boss, "running")
        attempt = await db.scalar(select(DialAttempt).where(DialAttempt.channel_id == linkedid)
                                  .execution_options(populate_existing=True))
        assert attempt is not None and attempt.operator_id == anna.id and attempt.connected_at is not None
        await boss.locator("button[data-action=pause]").click()
        await expect(boss.locator("#campaign-state")).to_have_text("на паузе")
    assert not problems, problems


async def test_preview_shows_the_client_and_call_now_places_the_call(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser, tmp_path: Path) -> None:
    chromium_or_skip()
    from playwright.async_api import expect

    anna = await make_user(Role.OPERATOR, extension="101", full_name="Анна Смирнова")
    campaign_id = await make_campaign(db, anna, mode="preview")
    await services.start_campaign(db, SYSTEM, campaign_id, now=datetime.now(UTC))
    screens = Screens(tmp_path / "screens", "campaign-preview")
    problems: list[str] = []
    async with crm_with_pbx(settings, db_engine, time_factor=0.1) as (url, demo), browser(problems) as new_page:
        always_answered(demo)
        desk = await new_page()
        await sign_in(desk, url, anna, "/desk")
        await expect(desk.locator("#desk-conn")).to_have_attribute("data-conn", "online")
        await desk.locator(f".desk-campaign[data-campaign='{campaign_id}'] button[data-action=join]").click()

        preview = desk.locator(".pop.preview")
        await expect(preview.locator(".pop-client-name")).to_have_text("ООО Ромашка")
        await expect(preview).to_contain_text("Кампания: Весна")
        await expect(preview.locator(".pop-number")).to_have_text("+7 916 123-45-67")
        assert await db.scalar(select(DialAttempt.id).where(DialAttempt.campaign_id == campaign_id)) is None
        await screens.take(desk, "preview")
        await preview.locator("button[data-action=dial]").click()
        await expect(preview).to_have_attribute("data-state", "dialling")

        pop = desk.locator(".pop[data-campaign]:not(.preview)")
        await expect(pop.locator(".pop-client-name")).to_have_text("ООО Ромашка")
        linkedid = await pop.get_attribute("data-linkedid")
        assert linkedid and linkedid.startswith("crm-att-")
        await screens.take(desk, "called")
        attempt = await db.scalar(select(DialAttempt).where(DialAttempt.channel_id == linkedid)
                                  .execution_options(populate_existing=True))
        assert attempt is not None and attempt.preview is True and attempt.campaign_id == campaign_id
    assert not problems, problems
