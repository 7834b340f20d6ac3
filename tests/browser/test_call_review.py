"""The review page in a real headless Chromium: a supervisor opens a transcribed call, plays from a line of
its transcript (the player seeks there and the line is marked as the current one), scores the call and
pins a note; the operator who took the call reads the review; another operator is refused."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.calls.services import record_call
from callcenter.models import CallReview, Claim, ReviewNote, Task, Transcript
from callcenter.models.enums import Role
from callcenter.settings import Settings
from tests.browser.test_client_flow import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_live_view import keep
from tests.conftest import PASSWORD, MakeUser
from tests.hub.serving import served
from tests.test_calls import add_client, summary
from web.app import create_app

pytestmark = pytest.mark.browser

LINES = [
    {"start": 0.0, "end": 2.5, "text": "Здравствуйте, компания Ромашка", "speaker": "operator"},
    {"start": 2.5, "end": 5.0, "text": "<img src=x onerror=alert(1)> хочу заказать коробки", "speaker": "client"},
    {"start": 5.0, "end": 8.0, "text": "Конечно, оформим", "speaker": "operator"},
]


def tone(seconds: float) -> bytes:
    """A real WAV file the browser can play: a quiet 440 Hz tone, 8 kHz mono."""
    t = np.arange(int(8000 * seconds)) / 8000
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes((np.sin(2 * np.pi * 440 * t) * 3000).astype(np.int16).tobytes())
    return out.getvalue()


async def test_a_supervisor_plays_from_a_line_scores_the_call_and_the_operator_reads_it(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.async_api import async_playwright, expect

    agent = await make_user(Role.OPERATOR, login="agent1", extension="101", agent_interface="PJSIP/agent1")
    other = await make_user(Role.OPERATOR, login="agent2", extension="102")
    boss = await make_user(Role.SUPERVISOR, login="boss")
    folder = settings.resolved_recordings_dir
    folder.mkdir(parents=True)
    (folder / "x.wav").write_bytes(tone(8.0))
    client = await add_client(db, "ООО Ромашка", "8 913 123-45-67", "+79131234567", owner=agent)
    db.add(Task(title="Перезвонить с ценой", client_id=client.id, owner_id=agent.id))
    db.add(Claim(client_id=client.id, subject="Коробки пришли мятыми"))
    await db.commit()
    call_id = (await record_call(db, summary("1714557600.1"), region="RU")).call_id  # recorded as .../x.wav
    db.add(Transcript(call_id=call_id, language="ru", duration_seconds=8, segments=LINES,
                      text="\n".join(str(line["text"]) for line in LINES)))
    await db.commit()

    async def signed_in(browser: object, login: str) -> object:
        context = await browser.new_context(locale="ru-RU", viewport={"width": 1300, "height": 1000})  # type: ignore[attr-defined]
        page = await context.new_page()
        page.set_default_timeout(15_000)
        await page.goto(url + "/login")
        await page.fill("input[name=login]", login)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url("**/clients**")
        return page

    app = create_app(settings, engine=db_engine)
    async with served(app) as url, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"])
        try:
            page = await signed_in(browser, boss.login)
            errors: list[str] = []
            dialogs: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("dialog", lambda d: dialogs.append(d.message))
            await page.goto(url + "/calls")
            await page.click(f"a[href='/calls/{call_id}/review']")
            await expect(page.locator("h1")).to_have_text("Разбор звонка")
            # The client's dossier beside the call: who they are, what is open with them.
            dossier = page.locator("#review-client")
            await expect(dossier.locator("h2")).to_have_text("ООО Ромашка")
            await expect(dossier).to_contain_text("Перезвонить с ценой")
            await expect(dossier).to_contain_text("Коробки пришли мятыми")
            await expect(dossier.locator("table.history tbody tr")).to_have_count(1)  # this very call
            lines = page.locator("#transcript li")
            await expect(lines).to_have_count(3)
            await expect(lines.nth(1).locator(".line-speaker")).to_have_text("Клиент")
            # The client's words are text, never markup.
            await expect(lines.nth(1).locator(".line-text")).to_have_text("<img src=x onerror=alert(1)> хочу заказать коробки")
            assert await page.locator("#transcript img").count() == 0
            await page.wait_for_function("document.getElementById('review-audio').readyState >= 1")
            await lines.nth(2).click()
            await page.wait_for_function("document.getElementById('review-audio').currentTime >= 5")
            await page.evaluate("document.getElementById('review-audio').pause()")
            await expect(lines.nth(2)).to_have_attribute("aria-current", "true")
            await expect(lines.nth(0)).not_to_have_attribute("aria-current", "true")

            await page.select_option("#score-greeting", "10")
            await page.select_option("#score-need_found", "5")
            await page.fill("#score-comment", "Уточнить потребность")
            await page.click("#score-form button[type=submit]")
            await expect(page.locator("#score-status")).to_have_attribute("data-state", "saved")
            await expect(page.locator("#reviews .review-head")).to_contain_text("62.5%")  # (10 + 3*5) / 40
            await page.fill("#note-text", "Здесь перебил клиента")
            await page.click("#note-form button[type=submit]")
            await expect(page.locator("#notes li")).to_have_count(1)
            shot = tmp_path / "call-review.png"
            await page.screenshot(path=str(shot), full_page=True)
            keep(shot)
            assert not errors and not dialogs

            operator_page = await signed_in(browser, agent.login)
            await operator_page.goto(url + f"/calls/{call_id}/review")
            await expect(operator_page.locator("#reviews .review-head")).to_contain_text("boss")
            assert await operator_page.locator("#score-form").count() == 0  # reads, never scores
            stranger = await signed_in(browser, other.login)
            response = await stranger.goto(url + f"/calls/{call_id}/review")
            assert response is not None and response.status in (403, 404)
        finally:
            await browser.close()

    review = await db.scalar(select(CallReview).execution_options(populate_existing=True))
    assert review is not None and float(review.total) == 62.5 and review.comment == "Уточнить потребность"
    note = await db.scalar(select(ReviewNote))
    assert note is not None and note.at_ms is not None and 4_900 <= note.at_ms <= 8_000
