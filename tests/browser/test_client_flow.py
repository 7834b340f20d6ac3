"""The main path in a real headless Chromium against the real server: sign in, find a client by phone,
open the card, try to create a duplicate, see the warning, create it anyway."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from callcenter.auth.principal import SYSTEM, Principal
from callcenter.clients.schemas import ClientIn
from callcenter.clients.services import create_client
from callcenter.db.base import utcnow
from callcenter.db.engine import create_engine, create_sessionmaker
from callcenter.db.migrate import upgrade
from callcenter.models import Disposition, Interaction
from callcenter.models.enums import ClientKind, Direction, InteractionKind, Role
from callcenter.users.services import create_user

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LOGIN, PASSWORD = "anna", "browser-test-password"
CLIENT_NAME = 'ООО "Ромашка"'
STORED_PHONE = "+7 913 123 45 67"
SEARCHED_PHONE = "8 (913) 123-45-67"


@dataclass(frozen=True, slots=True)
class Server:
    url: str
    client_id: int
    screens: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _seed(url: str) -> int:
    """An operator and a client with a phone and one past call, written through the services."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as db:
            user = await create_user(db, SYSTEM, login=LOGIN, password=PASSWORD, role=Role.OPERATOR, full_name="Анна Смирнова")
            me = Principal(user_id=user.id, login=user.login, role=user.role)
            client = await create_client(
                db, me, ClientIn(name=CLIENT_NAME, kind=ClientKind.COMPANY, tax_id="7707083893", phones=[STORED_PHONE]),
                region="RU",
            )
            result = Disposition(code="browser-order", name="Оформлен заказ", counts_as_result=True)
            db.add(result)
            await db.flush()
            db.add(
                Interaction(
                    kind=InteractionKind.CALL, direction=Direction.INBOUND, subject="Заказ бумаги А4",
                    client_id=client["id"], user_id=user.id, disposition_id=result.id,
                    occurred_at=utcnow() - timedelta(days=2), duration_seconds=184,
                )
            )
            await db.commit()
            return int(client["id"])
    finally:
        await engine.dispose()


async def _wait_until_up(url: str, process: asyncio.subprocess.Process, log: Path) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(150):
            if process.returncode is not None:
                raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()}")
            try:
                if (await http.get(url + "/login")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"server did not start:\n{log.read_text()}")


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    """The real application under uvicorn on a free port, on its own migrated SQLite database."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    url = f"sqlite+aiosqlite:///{tmp_path / 'browser.db'}"
    client_id = await _seed(url)
    port = _free_port()
    env = {
        **os.environ,
        "CALLCENTER_DATABASE_URL": url,
        "CALLCENTER_DATA_DIR": str(tmp_path / "data"),
        "CALLCENTER_SECRET_KEY": "browser-test-secret",
    }
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "uvicorn", "web.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
            env=env, stdout=out, stderr=asyncio.subprocess.STDOUT, cwd=Path(__file__).resolve().parents[2],
        )
    try:
        base = f"http://127.0.0.1:{port}"
        await _wait_until_up(base, process, log)
        screens = tmp_path / "screens"
        screens.mkdir()
        yield Server(base, client_id, screens)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def test_search_card_duplicate_warning_and_create_anyway(server: Server) -> None:
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(locale="ru-RU", viewport={"width": 1366, "height": 900})
            page = await context.new_page()
            page.set_default_timeout(15_000)

            # Signing in from a page that needs it comes back to that page.
            await page.goto(server.url + "/clients")
            await expect(page).to_have_url(server.url + "/login?next=%2Fclients")
            await page.fill("input[name=login]", LOGIN)
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await expect(page).to_have_url(server.url + "/clients")
            await expect(page.locator(".who-name")).to_have_text("Анна Смирнова")

            # The phone was stored as "+7 913 123 45 67"; search it written the Russian way.
            await page.fill("input[name=q]", SEARCHED_PHONE)
            await page.press("input[name=q]", "Enter")
            await expect(page.locator(".result-count")).to_contain_text("Найдено: 1")
            await page.click(f"text={CLIENT_NAME}")

            await expect(page).to_have_url(f"{server.url}/clients/{server.client_id}")
            await expect(page.locator("h1")).to_have_text(CLIENT_NAME)
            await expect(page.locator(".phones")).to_contain_text("+7 913 123-45-67")
            history = page.locator("table.history")
            await expect(history).to_contain_text("Заказ бумаги А4")
            await expect(history).to_contain_text("Оформлен заказ")
            await expect(history).to_contain_text("3:04")
            await page.screenshot(path=str(server.screens / "client-card.png"), full_page=True)

            # A new client with the same phone, written yet another way, and the same INN.
            await page.click("nav.sidenav >> text=Новый клиент")
            await expect(page).to_have_url(server.url + "/clients/new")
            await page.fill("input[name=name]", "Ромашка Сибирь")
            await page.fill("input[name=tax_id]", "7707083893")
            await page.fill("input[name=phone_number]", "79131234567")
            await page.click("#client-form button[type=submit].btn-primary")

            warning = page.locator(".duplicate-warning")
            await expect(warning).to_be_visible()
            await expect(warning).to_contain_text("Возможно, такой клиент уже есть")
            candidate = warning.locator(f"a[href='/clients/{server.client_id}']")
            await expect(candidate).to_have_text(CLIENT_NAME)
            await expect(warning).to_contain_text("тот же ИНН")
            await expect(warning).to_contain_text("тот же телефон +7 913 123-45-67")
            await expect(page.locator("input[name=name]")).to_have_value("Ромашка Сибирь")
            await page.screenshot(path=str(server.screens / "duplicate-warning.png"), full_page=True)

            await warning.locator("button[name=force]").click()
            await expect(page.locator(".alert-success")).to_contain_text("Клиент сохранён")
            await expect(page.locator("h1")).to_have_text("Ромашка Сибирь")
            assert page.url != f"{server.url}/clients/{server.client_id}"

            # Both now answer to the number; and the language switch turns the page English.
            await page.goto(server.url + "/clients?q=" + "%2B79131234567")
            await expect(page.locator(".result-count")).to_contain_text("Найдено: 2")
            await page.click(".lang-switch >> text=EN")
            await expect(page.locator(".result-count")).to_contain_text("Found: 2")
            await expect(page.locator("html")).to_have_attribute("lang", "en")
            await context.close()
        finally:
            await browser.close()
