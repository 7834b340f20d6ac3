"""The operator's desk in a real headless Chromium, against the real server with the simulated PBX: the
phone rings, the caller's card pops, the call is answered and ends, the operator sets its result and a
callback, and the base has it all. A client's name full of markup shows as text and runs nothing."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.auth.principal import Principal
from callcenter.clients.schemas import ClientIn
from callcenter.clients.services import create_client
from callcenter.models import Call, Disposition, Interaction, Task, User
from callcenter.models.enums import ClientKind, Direction, InteractionKind, Role, TaskKind, TaskOrigin
from callcenter.settings import Settings
from tests.browser.test_client_flow import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import PASSWORD, MakeUser
from tests.hub.test_pops import crm_with_pbx, ring
from tests.test_calls import add_client

pytestmark = pytest.mark.browser

KNOWN = "+79161234567"
UNKNOWN = "+79039876543"
MARKUP_NAME = "<img src=x onerror=alert(1)>"
MOSCOW = ZoneInfo("Europe/Moscow")


class Screens:
    """Screenshots in the test's own folder, and copied to ``test-artifacts/`` when CALLCENTER_TEST_ARTIFACTS is set."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder = folder
        self.prefix = prefix
        folder.mkdir(parents=True, exist_ok=True)
        kept = os.environ.get("CALLCENTER_TEST_ARTIFACTS")
        self.kept = Path(__file__).resolve().parents[2] / "test-artifacts" if kept else None

    async def take(self, page: Any, name: str) -> None:
        path = self.folder / f"{self.prefix}-{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        if self.kept is not None:
            self.kept.mkdir(exist_ok=True)
            shutil.copy(path, self.kept / path.name)


@contextlib.asynccontextmanager
async def desk_page(url: str, user: User, problems: list[str]) -> AsyncIterator[Any]:
    """Chromium signed in as ``user`` with the desk open and its socket up; script errors land in ``problems``."""
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow",
                                                viewport={"width": 1440, "height": 1000})
            page = await context.new_page()
            page.set_default_timeout(15_000)
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            # Answers such as 409 and 422 are part of the flow; Chromium logs each as a failed load.
            page.on("console", lambda m: problems.append(f"console: {m.text}")
                    if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
            await page.goto(url + "/desk")
            await page.fill("input[name=login]", user.login)
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await expect(page).to_have_url(url + "/desk")
            await expect(page.locator("#desk-conn")).to_have_attribute("data-conn", "online")
            await expect(page.locator("#desk-extension")).to_contain_text("101")
            await expect(page.locator("#desk-state")).to_have_attribute("data-state", "available")
            yield page
            await context.close()
        finally:
            await browser.close()


def chromium_or_skip() -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)")


async def test_a_call_pops_is_answered_ends_and_its_result_and_callback_are_saved(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser, tmp_path: Path) -> None:
    chromium_or_skip()
    from playwright.async_api import expect

    anna = await make_user(Role.OPERATOR, extension="101", full_name="Анна Смирнова")
    client = await add_client(db, "ООО Ромашка", "8 916 123-45-67", KNOWN, owner=anna)
    db.add_all([
        Interaction(kind=InteractionKind.CALL, direction=Direction.INBOUND, subject="Заказ бумаги А4",
                    client_id=client.id, user_id=anna.id, occurred_at=datetime.now(UTC) - timedelta(days=3)),
        Task(kind=TaskKind.CALLBACK, title="Перезвонить по счёту", client_id=client.id, owner_id=anna.id,
             due_at=datetime.now(UTC) - timedelta(days=1), origin=TaskOrigin.PROMISED_CALLBACK),
    ])
    await db.commit()
    screens = Screens(tmp_path / "screens", "desk-call")
    problems: list[str] = []
    async with crm_with_pbx(settings, db_engine, time_factor=0.1) as (url, demo), \
            desk_page(url, anna, problems) as page:
        await screens.take(page, "waiting")
        ring(demo, KNOWN, answer_after=25.0, talk=30.0)  # 2.5 s of ringing, 3 s of talk

        pop = page.locator(".pop")
        await expect(pop.locator(".pop-client-name")).to_have_text("ООО Ромашка")
        await expect(pop.locator(".pop-client-name")).to_have_attribute("href", f"/clients/{client.id}")
        await expect(pop.locator(".pop-number")).to_have_text("+7 916 123-45-67")
        await expect(pop).to_contain_text("Заказ бумаги А4")
        await expect(pop.locator(".tasks li.overdue")).to_contain_text("Перезвонить по счёту")
        await expect(pop).to_contain_text(anna.full_name)  # the owner
        await expect(pop.locator(".pop-timer")).to_have_text("0:01")  # the timer runs while it rings
        await screens.take(page, "ringing")

        await expect(pop).to_have_attribute("data-state", "talking")
        await expect(page.locator("#desk-state")).to_have_attribute("data-state", "in_call")
        await screens.take(page, "talking")

        form = page.locator(".wrapup")
        await expect(form).to_be_visible()
        await expect(form).to_contain_text("ООО Ромашка")
        await expect(pop).to_have_attribute("data-state", "ended")
        await expect(page.locator("#desk-state")).to_have_attribute("data-state", "wrap_up")
        linkedid = await pop.get_attribute("data-linkedid")
        assert linkedid

        # A reload in the middle of the wrap-up brings the form back: the hub re-sends the call's end.
        await page.reload()
        await expect(page.locator("#desk-conn")).to_have_attribute("data-conn", "online")
        await expect(form).to_have_attribute("data-linkedid", linkedid)
        await expect(form).to_contain_text("ООО Ромашка")
        await expect(page.locator("#desk-state")).to_have_attribute("data-state", "wrap_up")

        # Saving without a result is stopped in the browser, under the field.
        await form.locator("button[type=submit]").click()
        await expect(form.locator('[data-error="disposition_id"]')).to_be_visible()

        due = (datetime.now(MOSCOW) + timedelta(days=1)).replace(hour=10, minute=30, second=0, microsecond=0)
        await form.locator("select[name=disposition_id]").select_option(label="Договорились перезвонить")
        await form.locator("textarea[name=notes]").fill("Просит счёт на 200 пачек")
        await form.locator("[data-toggle=callback]").check()
        await form.locator("input[name=callback_due]").fill(due.strftime("%Y-%m-%dT%H:%M"))
        await form.locator("input[name=callback_note]").fill("Уточнить оплату")
        await screens.take(page, "wrap-up")
        await form.locator("button[type=submit]").click()

        await expect(page.locator(".toast")).to_contain_text("Результат сохранён")
        await expect(form).to_have_count(0)
        await expect(page.locator("#desk-state")).to_have_attribute("data-state", "available")
        await screens.take(page, "saved")
    assert problems == []

    call = await db.scalar(select(Call).where(Call.linkedid == linkedid).execution_options(populate_existing=True))
    assert call is not None and call.operator_id == anna.id
    interaction = await db.get(Interaction, call.interaction_id, populate_existing=True)
    assert interaction is not None and interaction.client_id == client.id
    promised = await db.scalar(select(Disposition.id).where(Disposition.code == "callback_promised"))
    assert interaction.disposition_id == promised
    assert "Просит счёт на 200 пачек" in (interaction.notes or "")
    tasks = (await db.scalars(select(Task).where(Task.client_id == client.id, Task.kind == TaskKind.CALLBACK,
                                                 Task.due_at > datetime.now(UTC)))).all()
    assert len(tasks) == 1
    assert tasks[0].due_at == due.astimezone(UTC)
    assert tasks[0].owner_id == anna.id


async def test_a_client_named_with_markup_is_shown_as_text_and_runs_nothing(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser, tmp_path: Path) -> None:
    chromium_or_skip()
    from playwright.async_api import expect

    anna = await make_user(Role.OPERATOR, extension="101")
    client = await add_client(db, MARKUP_NAME, "8 916 123-45-67", KNOWN, owner=anna)
    db.add(Interaction(kind=InteractionKind.NOTE, subject="<b onmouseover=alert(2)>жирный</b>", client_id=client.id,
                       notes="<script>alert(3)</script>", occurred_at=datetime.now(UTC) - timedelta(hours=1)))
    await db.commit()
    screens = Screens(tmp_path / "screens", "desk-markup")
    problems: list[str] = []
    dialogs: list[str] = []
    async with crm_with_pbx(settings, db_engine, time_factor=0.1) as (url, demo), \
            desk_page(url, anna, problems) as page:

        async def dismiss(dialog: Any) -> None:
            dialogs.append(dialog.message)
            await dialog.dismiss()

        page.on("dialog", dismiss)
        ring(demo, KNOWN, answer_after=10.0, talk=10.0)
        pop = page.locator(".pop")
        name = pop.locator(".pop-client-name")
        await expect(name).to_have_text(MARKUP_NAME)
        assert await name.text_content() == MARKUP_NAME
        await expect(pop).to_contain_text("<b onmouseover=alert(2)>жирный</b>")
        await expect(pop).to_contain_text("<script>alert(3)</script>")
        await expect(page.locator(".wrapup")).to_contain_text(MARKUP_NAME)
        await screens.take(page, "pop")
        assert await pop.locator("img, b, script").count() == 0
        assert await page.locator(".wrapup img").count() == 0
        assert await page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
        await page.wait_for_timeout(300)  # time for an onerror handler, had an element been made
    assert dialogs == []
    assert problems == []


async def test_an_unknown_number_gets_a_quick_client_form_with_the_duplicate_warning(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser, tmp_path: Path) -> None:
    chromium_or_skip()
    from playwright.async_api import expect

    anna = await make_user(Role.OPERATOR, extension="101")
    me = Principal(user_id=anna.id, login=anna.login, role=anna.role)
    existing = await create_client(db, me, ClientIn(name="Василёк", kind=ClientKind.COMPANY, phones=[KNOWN]), region="RU")
    screens = Screens(tmp_path / "screens", "desk-unknown")
    problems: list[str] = []
    async with crm_with_pbx(settings, db_engine, time_factor=0.1) as (url, demo), \
            desk_page(url, anna, problems) as page:
        ring(demo, UNKNOWN, answer_after=10.0, talk=200.0)
        pop = page.locator(".pop")
        await expect(pop.locator(".pop-note")).to_have_text("Неизвестный номер: его нет в CRM")
        quick = pop.locator("form.quick-client")
        await expect(quick.locator("input[name=phone]")).to_have_value(UNKNOWN)
        await quick.locator("input[name=name]").fill("Василёк")
        await quick.locator("button[type=submit]").click()

        warning = quick.locator(".duplicate-warning")
        await expect(warning).to_be_visible()
        await expect(warning.locator(f"a[href='/clients/{existing['id']}']")).to_have_text("Василёк")
        await expect(warning).to_contain_text("похожее название")
        await screens.take(page, "duplicate")
        await warning.locator("[data-action=force]").click()

        await expect(pop.locator(".pop-client-name")).to_have_text("Василёк")
        created = await pop.locator(".pop-client-name").get_attribute("href")
        assert created and created != f"/clients/{existing['id']}"
        await expect(quick).to_have_count(0)
        await screens.take(page, "created")
    assert problems == []


async def test_pause_with_a_reason_shows_once_the_pbx_confirms_then_resume(
        settings: Settings, db_engine: AsyncEngine, make_user: MakeUser, tmp_path: Path) -> None:
    chromium_or_skip()
    from playwright.async_api import expect

    anna = await make_user(Role.OPERATOR, extension="101")
    screens = Screens(tmp_path / "screens", "desk-pause")
    problems: list[str] = []
    async with crm_with_pbx(settings, db_engine, time_factor=0.1) as (url, _demo), \
            desk_page(url, anna, problems) as page:
        await page.locator("#desk-pause-reason").select_option(label="Обед")
        await page.click("#desk-pause-btn")
        state = page.locator("#desk-state")
        await expect(state).to_have_attribute("data-state", "paused")
        await expect(page.locator("#desk-state-label")).to_have_text("На паузе")
        await expect(page.locator("#desk-state-reason")).to_have_text("Обед")
        await expect(page.locator("#desk-unpause-btn")).to_be_visible()
        await screens.take(page, "paused")
        await page.click("#desk-unpause-btn")
        await expect(state).to_have_attribute("data-state", "available")
        await expect(page.locator("#desk-pause-btn")).to_be_visible()
    assert problems == []


async def test_a_desk_whose_operator_is_deactivated_goes_to_the_login_page(
        settings: Settings, db_engine: AsyncEngine, make_user: MakeUser) -> None:
    """The socket is closed with 4401 and the desk does not keep reconnecting with a dead session."""
    chromium_or_skip()
    import re

    from playwright.async_api import expect

    from tests.hub.test_recheck import as_admin

    anna = await make_user(Role.OPERATOR, extension="101", full_name="Анна")
    admin = await make_user(Role.ADMIN)
    problems: list[str] = []
    async with crm_with_pbx(settings, db_engine) as (url, _demo), desk_page(url, anna, problems) as page:
        async with as_admin(url, admin) as http:
            assert (await http.patch(f"/api/users/{anna.id}", json={"is_active": False})).status_code == 200
        await expect(page).to_have_url(re.compile(r"/login\?next=%2Fdesk$"))
    assert problems == []
