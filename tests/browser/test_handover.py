"""In headless Chromium on the operator's desk: a callback the team's policy hands over appears as a notice
that stays until dismissed, with a link to the client; a manager taking one away by hand is shown too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.models import Task, Team
from callcenter.models.enums import Role, TaskKind
from callcenter.settings import Settings
from tests.browser.test_desk import KNOWN, Screens, chromium_or_skip, desk_page
from tests.conftest import MakeUser
from tests.hub.test_desk_flow import signed_in
from tests.hub.test_pops import crm_with_pbx
from tests.test_calls import add_client

pytestmark = pytest.mark.browser


async def test_a_handed_over_callback_shows_on_the_desk(settings: Settings, db_engine: AsyncEngine, db: AsyncSession,
                                                        make_user: MakeUser, tmp_path: Path) -> None:
    chromium_or_skip()
    from playwright.async_api import expect

    north = Team(name="Север", callbacks_reassign_minutes=30)
    db.add(north)
    await db.flush()
    anna = await make_user(Role.OPERATOR, extension="101", team_id=north.id, full_name="Анна Смирнова")
    boris = await make_user(Role.OPERATOR, extension="102", team_id=north.id, full_name="Борис Петров")
    boss = await make_user(Role.MANAGER, full_name="Ольга Старшая")
    client = await add_client(db, "ООО Ромашка", "8 916 123-45-67", KNOWN, owner=boris)
    problems: list[str] = []
    shots = Screens(tmp_path, "handover")
    fast = settings.model_copy(update={"callbacks_sweep_seconds": 0.2})
    async with crm_with_pbx(fast, db_engine) as (url, _demo), desk_page(url, anna, problems) as page:
        late = Task(kind=TaskKind.CALLBACK, title="Отправить КП", owner_id=boris.id, client_id=client.id,
                    due_at=datetime.now(UTC) - timedelta(hours=1))
        db.add(late)
        await db.commit()
        notice = page.locator(f".handover[data-task='{late.id}']")
        await expect(notice).to_contain_text("Вам передан просроченный перезвон от Борис Петров")
        await expect(notice).to_contain_text("«Отправить КП», ООО Ромашка")
        await expect(notice.locator("a")).to_have_attribute("href", f"/clients/{client.id}")
        await shots.take(page, "given")
        await page.wait_for_timeout(700)  # it stays: the next sweeps leave it (and the callback) alone
        await expect(notice).to_have_count(1)
        async with signed_in(url, boss.login) as http:
            assert (await http.patch(f"/api/tasks/{late.id}", json={"owner_id": boris.id})).status_code == 200
        taken = page.locator(f".handover[data-task='{late.id}']").last
        await expect(taken).to_contain_text("Ольга Старшая передал(а) ваш перезвон «Отправить КП» (ООО Ромашка): "
                                            "Борис Петров")
        await taken.locator("button").click()
        await expect(page.locator(f".handover[data-task='{late.id}']")).to_have_count(1)
    assert problems == []
