"""The server-rendered pages over HTTP: signing in, search, the client card, the form, import, languages."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import SYSTEM, Principal
from callcenter.auth.services import OWN_CLIENTS_ONLY
from callcenter.calls.events import CallSummary, Transfer
from callcenter.calls.services import record_call
from callcenter.clients.schemas import ClientIn, ContactIn
from callcenter.clients.services import create_client
from callcenter.db.base import utcnow
from callcenter.models import AppSetting, Claim, Client, Deal, Disposition, FunnelStage, Interaction, Task, User
from callcenter.models.enums import (
    AbcClass,
    CallOutcome,
    ClaimStatus,
    ClientKind,
    Direction,
    InteractionKind,
    Role,
    Stage,
    TaskKind,
    TaskOrigin,
)
from tests.conftest import PASSWORD, MakeUser
from web.i18n import CATALOGUES

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ROMASHKA_INN = "7707083893"


def principal(user: User) -> Principal:
    return Principal(user_id=user.id, login=user.login, role=user.role)


async def sign_in(http: httpx.AsyncClient, user: User) -> str:
    """Sign in through the form; returns the session's CSRF token as the pages carry it."""
    r = await http.post("/login", data={"login": user.login, "password": PASSWORD, "next": "/clients"})
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/clients"
    page = await http.get("/clients")
    assert page.status_code == 200
    found = CSRF.search(page.text)
    assert found is not None
    return found.group(1)


async def romashka(db: AsyncSession, owner: User, **kw: object) -> dict[str, object]:
    data = ClientIn(
        name='ООО "Ромашка"',
        kind=ClientKind.COMPANY,
        tax_id=ROMASHKA_INN,
        phones=["8 (913) 123-45-67"],
        emails=["info@romashka.ru"],
        stage=Stage.REGULAR,
        abc_class=AbcClass.A,
        contacts=[ContactIn(full_name="Иван Петров", position="Директор", role="ЛПР")],
        **kw,  # type: ignore[arg-type]
    )
    return await create_client(db, principal(owner), data, region="RU")


def new_client_form(csrf: str, **fields: object) -> dict[str, object]:
    form: dict[str, object] = {
        "csrf_token": csrf,
        "name": "Василёк",
        "kind": "company",
        "legal_form": "",
        "tax_id": "",
        "phone_number": [""],
        "phone_kind": ["work"],
        "email": [""],
        "address_kind": ["legal"],
        "address_text": [""],
        "stage": "potential",
        "abc_class": "",
        "xyz_class": "",
        "notes": "",
    }
    form.update(fields)
    return form


async def client_count(db: AsyncSession) -> int:
    return await db.scalar(select(func.count()).select_from(Client)) or 0


# Signing in and out


async def test_logged_out_pages_redirect_to_login_with_next(http: httpx.AsyncClient) -> None:
    r = await http.get("/")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    r = await http.get("/clients?q=abc")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fclients%3Fq%3Dabc"
    r = await http.get("/login?next=/clients")
    assert r.status_code == 200
    assert 'name="password"' in r.text and 'value="/clients"' in r.text


async def test_login_form_signs_in_and_goes_to_next(http: httpx.AsyncClient, make_user: MakeUser,
                                                    db: AsyncSession) -> None:
    from tests.test_login_throttle import earlier

    user = await make_user(Role.OPERATOR, full_name="Анна Смирнова")
    r = await http.post("/login", data={"login": user.login, "password": "wrong-password", "next": "/clients/new"})
    assert r.status_code == 401
    assert "Неверный логин или пароль" in r.text
    assert f'value="{user.login}"' in r.text  # the login stays filled in
    await earlier(db, 2)  # the time it takes to type the password again
    r = await http.post("/login", data={"login": user.login, "password": PASSWORD, "next": "/clients/new"})
    assert r.status_code == 303 and r.headers["location"] == "/clients/new"
    page = await http.get("/clients/new")
    assert page.status_code == 200 and "Анна Смирнова" in page.text
    assert (await http.get("/")).headers["location"] == "/clients"
    # Already signed in: the login page goes straight on.
    assert (await http.get("/login?next=/clients")).status_code == 303


async def test_login_refuses_to_redirect_elsewhere(http: httpx.AsyncClient, make_user: MakeUser) -> None:
    user = await make_user()
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        r = await http.post("/login", data={"login": user.login, "password": PASSWORD, "next": target})
        assert r.status_code == 303 and r.headers["location"] == "/clients", target


async def test_repeated_failures_show_try_again_later(http: httpx.AsyncClient, make_user: MakeUser) -> None:
    user = await make_user()
    r = await http.post("/login", data={"login": user.login, "password": "nope-nope"})
    assert r.status_code == 401
    r = await http.post("/login", data={"login": user.login, "password": PASSWORD}, headers={"accept-language": "en"})
    assert r.status_code == 429
    assert "Try again later" in r.text
    assert int(r.headers["retry-after"]) > 0
    assert "cc_session" not in r.cookies


async def test_login_posted_from_another_site_is_refused(http: httpx.AsyncClient, make_user: MakeUser) -> None:
    user = await make_user()
    r = await http.post(
        "/login", data={"login": user.login, "password": PASSWORD}, headers={"origin": "https://evil.example"}
    )
    assert r.status_code == 403 and "cc_session" not in r.cookies


async def test_logout_needs_the_token_and_revokes_the_session(http: httpx.AsyncClient, make_user: MakeUser) -> None:
    csrf = await sign_in(http, await make_user())
    r = await http.post("/logout")
    assert r.status_code == 403  # no token: refused, still signed in
    assert (await http.get("/clients")).status_code == 200
    cookie = http.cookies.get("cc_session")
    r = await http.post("/logout", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    # The old cookie no longer works even if a browser kept it.
    http.cookies.set("cc_session", cookie or "")
    assert (await http.get("/clients")).status_code == 303


# The client list


async def test_search_by_phone_in_another_format_inn_email_and_name(
    http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession
) -> None:
    owner = await make_user(Role.OPERATOR, full_name="Пётр Иванов")
    await romashka(db, owner)
    await create_client(
        db, principal(owner), ClientIn(name="Acme Ltd", kind=ClientKind.COMPANY, phones=["+44 20 7946 0018"]), region="RU"
    )
    await sign_in(http, owner)
    for q in ("+7 913 123 45 67", "79131234567", ROMASHKA_INN, "INFO@romashka.ru", "РОМАШ"):
        r = await http.get("/clients", params={"q": q})
        assert r.status_code == 200
        text = unescape(r.text)
        assert 'ООО "Ромашка"' in text, q
        assert "Acme Ltd" not in text, q
        assert "Найдено: 1" in text
    r = await http.get("/clients")
    assert "Acme Ltd" in r.text and "Всего клиентов: 2" in r.text
    assert "+7 913 123-45-67" in r.text and "Пётр Иванов" in r.text
    r = await http.get("/clients", params={"q": "нет такого"})
    assert "По запросу ничего не найдено" in r.text


async def test_filters_and_pages(http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession) -> None:
    owner = await make_user()
    other = await make_user()
    for n in range(30):
        data = ClientIn(
            name=f"Клиент {n:02d}",
            kind=ClientKind.PERSON,
            stage=Stage.LOST if n % 3 == 0 else Stage.POTENTIAL,
            owner_id=other.id if n == 7 else owner.id,
        )
        # Only a supervisor and above creates a client for someone else.
        await create_client(db, principal(owner) if n != 7 else SYSTEM, data, region="RU")
    await sign_in(http, owner)
    first = await http.get("/clients")
    assert "Клиент 00" in first.text and "Клиент 24" in first.text and "Клиент 25" not in first.text
    assert "Страница 1 из 2" in first.text
    second = await http.get("/clients", params={"page": 2})
    assert "Клиент 25" in second.text and "Клиент 24" not in second.text
    lost = await http.get("/clients", params={"stage": "lost"})
    assert "Найдено: 10" in lost.text and "Клиент 01" not in lost.text
    mine = await http.get("/clients", params={"owner": other.id})
    assert "Найдено: 1" in mine.text and "Клиент 07" in mine.text
    # Unknown filter values are ignored rather than failing.
    assert (await http.get("/clients", params={"stage": "nonsense", "page": "x"})).status_code == 200


# The client card


async def test_card_shows_the_whole_dossier(http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession) -> None:
    owner = await make_user(Role.OPERATOR, full_name="Пётр Иванов", extension="101")
    client = await romashka(db, owner, addresses=[{"kind": "legal", "text": "Новосибирск, Красный пр., 1"}])
    client_id = int(str(client["id"]))
    sold = Disposition(code="page-test-sold", name="Продажа", counts_as_result=True)
    stage = FunnelStage(code="page-test-offer", name="Коммерческое предложение", sort_order=1)
    db.add_all([sold, stage])
    await db.flush()
    db.add_all(
        [
            Interaction(
                kind=InteractionKind.CALL, direction=Direction.INBOUND, subject="Заказ бумаги", client_id=client_id,
                user_id=owner.id, disposition_id=sold.id, occurred_at=utcnow() - timedelta(days=1), duration_seconds=125,
            ),
            Task(kind=TaskKind.CALLBACK, title="Перезвонить по счёту", client_id=client_id, owner_id=owner.id,
                 due_at=utcnow() - timedelta(days=4), origin=TaskOrigin.PROMISED_CALLBACK),
            Deal(client_id=client_id, title="Поставка 2025", stage_id=stage.id, amount=Decimal("150000.00")),
            Claim(client_id=client_id, subject="Опоздала доставка", status=ClaimStatus.INVESTIGATING),
        ]
    )
    await db.commit()
    await sign_in(http, owner)
    r = await http.get(f"/clients/{client_id}")
    assert r.status_code == 200
    text = unescape(r.text)
    for expected in (
        'ООО "Ромашка"', ROMASHKA_INN, "+7 913 123-45-67", "info@romashka.ru", "Новосибирск, Красный пр., 1",
        "Пётр Иванов", "доб. 101", "Иван Петров", "ЛПР", "Директор", "Заказ бумаги", "Продажа", "2:05",
        "Перезвонить по счёту", "просрочено", "Поставка 2025", "150\u00a0000,00", "Коммерческое предложение",
        "Опоздала доставка", "Разбирается", "Постоянный", "История контактов",
    ):
        assert expected in text, expected
    assert f'href="/clients/{client_id}/edit"' in r.text


async def test_missing_client_and_unknown_page_are_readable_404s(http: httpx.AsyncClient, make_user: MakeUser) -> None:
    await sign_in(http, await make_user())
    r = await http.get("/clients/999999")
    assert r.status_code == 404 and "Страница не найдена" in r.text and "<html" in r.text
    r = await http.get("/clients/99999999999999999999999")
    assert r.status_code == 404
    r = await http.get("/no/such/page", headers={"accept-language": "en-GB,en;q=0.9"})
    assert r.status_code == 404 and "Page not found" in r.text


async def test_operator_restricted_to_own_clients_gets_403_page(
    http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession
) -> None:
    manager = await make_user(Role.MANAGER)
    client = await romashka(db, manager)
    operator = await make_user(Role.OPERATOR)
    db.add(AppSetting(key=OWN_CLIENTS_ONLY, value=True))
    await db.commit()
    await sign_in(http, operator)
    r = await http.get(f"/clients/{client['id']}")
    assert r.status_code == 403 and "Доступ запрещён" in r.text
    assert "Ромашка" not in (await http.get("/clients")).text


async def test_names_are_escaped(http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession) -> None:
    owner = await make_user()
    client = await create_client(
        db, principal(owner), ClientIn(name="<script>alert(1)</script>", kind=ClientKind.PERSON), region="RU"
    )
    await sign_in(http, owner)
    for url in ("/clients", f"/clients/{client['id']}", f"/clients/{client['id']}/edit"):
        r = await http.get(url)
        assert "<script>alert(1)</script>" not in r.text, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text, url
    assert "script-src 'self'" in r.headers["content-security-policy"]


# The call log


async def test_call_log_lists_calls_with_client_operator_durations_and_filters(
        http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession) -> None:
    operator = await make_user(Role.OPERATOR, extension="101", full_name="Анна Смирнова")
    colleague = await make_user(Role.OPERATOR, extension="102")
    client = await create_client(db, principal(operator), ClientIn(
        name="<b>Ромашка</b>", kind=ClientKind.COMPANY, phones=["8 (913) 123-45-67"]), region="RU")
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    answered = CallSummary(
        linkedid="p1", direction=Direction.INBOUND, caller="89131234567", callee="100", queue="support",
        offered_to=("PJSIP/101",), answered_by="PJSIP/102", started_at=start,
        answered_at=start + timedelta(seconds=12), ended_at=start + timedelta(seconds=137), ring_seconds=12,
        wait_seconds=12, talk_seconds=125, hangup_cause=16, outcome=CallOutcome.TRANSFERRED,
        transfers=(Transfer("PJSIP/101", "PJSIP/102", start + timedelta(seconds=40)),),
    )
    await record_call(db, answered, region="RU")
    missed = replace(answered, linkedid="p2", caller="+74951234567", answered_by=None, answered_at=None,
                     talk_seconds=None, outcome=CallOutcome.ABANDONED, transfers=(), started_at=start + timedelta(hours=1))
    await record_call(db, missed, region="RU")
    await sign_in(http, await make_user(Role.SUPERVISOR))
    page = await http.get("/calls")
    assert page.status_code == 200
    text = page.text
    assert 'href="/calls"' in text and "Звонков: 2" in text
    assert f'href="/clients/{client["id"]}">&lt;b&gt;Ромашка&lt;/b&gt;</a>' in text  # names are text, never markup
    assert "2:05" in text and "0:12" in text and "Переведён" in text and "Брошен" in text
    assert f"{operator.login} → {colleague.login}" in text and "неизвестный номер" in text
    assert text.index('data-linkedid="p2"') < text.index('data-linkedid="p1"')  # newest first
    only_missed = await http.get("/calls", params={"outcome": "abandoned"})
    assert 'data-linkedid="p2"' in only_missed.text and 'data-linkedid="p1"' not in only_missed.text
    by_operator = await http.get("/calls", params={"operator": colleague.id})
    assert 'data-linkedid="p1"' in by_operator.text and 'data-linkedid="p2"' not in by_operator.text
    # Stale or edited links mean no filter rather than an error.
    assert (await http.get("/calls", params={"outcome": "nonsense", "operator": "999999", "page": "x"})).status_code == 200


# Creating and changing clients


async def test_new_client_form_creates_and_opens_the_card(http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession) -> None:
    user = await make_user(Role.OPERATOR)
    csrf = await sign_in(http, user)
    form = new_client_form(
        csrf, name="ИП Сидоров", kind="person", phone_number=["+7 (383) 222-33-44", "", "89131112233"],
        phone_kind=["work", "work", "mobile"], email=["sidorov@example.ru"], address_text=["Томск"], abc_class="B",
    )
    r = await http.post("/clients/new", data=form)
    assert r.status_code == 303, r.text
    location = r.headers["location"]
    assert re.fullmatch(r"/clients/\d+\?saved=1", location)
    card = await http.get(location)
    assert "Клиент сохранён" in card.text
    assert "+7 383 222-33-44" in card.text and "+7 913 111-22-33" in card.text and "мобильный" in card.text
    stored = await db.scalar(select(Client).where(Client.name == "ИП Сидоров"))
    assert stored is not None and stored.owner_id == user.id and stored.legal_form == "ИП"


async def test_form_errors_are_shown_inline_and_nothing_is_written(
    http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession
) -> None:
    csrf = await sign_in(http, await make_user())
    r = await http.post("/clients/new", data=new_client_form(csrf, name="", email=["not-an-email"], phone_number=["12"]))
    assert r.status_code == 422
    # Every bad field at once, each under its own input.
    assert 'id="err-name"' in r.text and "Обязательное поле" in r.text
    assert 'id="err-emails-0"' in r.text and "Неверный адрес e-mail" in r.text
    assert 'id="err-phones-0"' in r.text
    r = await http.post(
        "/clients/new",
        data=new_client_form(csrf, tax_id="7707083894", phone_number=["+7 913 123-45-67", "12"], phone_kind=["work", "work"]),
    )
    assert r.status_code == 422
    assert 'id="err-tax_id"' in r.text and "контрольные цифры ИНН" in r.text
    assert 'id="err-phones-1"' in r.text and "Это не номер телефона" in r.text
    assert 'id="err-phones-0"' not in r.text
    # What was typed is kept.
    assert 'value="7707083894"' in r.text and 'value="+7 913 123-45-67"' in r.text
    assert await client_count(db) == 0


async def test_duplicate_warning_lists_candidates_then_create_anyway(
    http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession
) -> None:
    user = await make_user()
    existing = await romashka(db, user)
    csrf = await sign_in(http, user)
    form = new_client_form(csrf, name="Ромашка-Сибирь", phone_number=["+7 913 123 45 67"], tax_id=ROMASHKA_INN)
    r = await http.post("/clients/new", data=form)
    assert r.status_code == 409
    text = unescape(r.text)
    assert "Возможно, такой клиент уже есть" in text
    assert f'href="/clients/{existing["id"]}"' in r.text and 'ООО "Ромашка"' in text
    assert "тот же ИНН" in text and "тот же телефон +7 913 123-45-67" in text
    assert 'name="force" value="1"' in r.text
    assert 'value="Ромашка-Сибирь"' in r.text
    assert await client_count(db) == 1
    r = await http.post("/clients/new", data={**form, "force": "1"})
    assert r.status_code == 303
    assert await client_count(db) == 2


async def test_edit_form_changes_the_client(http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession) -> None:
    user = await make_user(Role.MANAGER)
    client = await romashka(db, user)
    csrf = await sign_in(http, user)
    page = await http.get(f"/clients/{client['id']}/edit")
    assert page.status_code == 200
    assert 'value="8 (913) 123-45-67"' in page.text and 'value="info@romashka.ru"' in page.text
    form = new_client_form(
        csrf, name='ООО "Ромашка"', tax_id=ROMASHKA_INN, phone_number=["8 (913) 123-45-67", "+7 913 765-43-21"],
        phone_kind=["work", "mobile"], email=["info@romashka.ru"], stage="lost", owner_id=str(user.id),
    )
    r = await http.post(f"/clients/{client['id']}/edit", data=form)
    assert r.status_code == 303, r.text
    card = await http.get(r.headers["location"])
    assert "Потерянный" in card.text and "+7 913 765-43-21" in card.text
    stored = await db.get(Client, client["id"])
    assert stored is not None
    await db.refresh(stored)
    assert stored.stage == Stage.LOST and stored.legal_form == "ООО"


async def test_forms_without_the_csrf_token_are_refused(http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession) -> None:
    await sign_in(http, await make_user())
    form = new_client_form("")
    del form["csrf_token"]
    r = await http.post("/clients/new", data=form)
    assert r.status_code == 403 and "Форма устарела" in r.text
    r = await http.post("/clients/new", data={**form, "csrf_token": "forged"})
    assert r.status_code == 403
    # A foreign Origin with no token is refused as well.
    r = await http.post("/clients/new", data=form, headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    assert await client_count(db) == 0


# Roles


async def test_operators_see_no_import(http: httpx.AsyncClient, make_user: MakeUser) -> None:
    await sign_in(http, await make_user(Role.OPERATOR))
    page = await http.get("/clients")
    assert 'href="/import"' not in page.text and "/api/export" not in page.text
    assert 'href="/clients/new"' in page.text
    r = await http.get("/import")
    assert r.status_code == 403 and "Доступ запрещён" in r.text


async def test_manager_imports_a_file_and_reads_the_report(
    http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession
) -> None:
    csrf = await sign_in(http, await make_user(Role.MANAGER))
    page = await http.get("/clients")
    assert 'href="/import"' in page.text and "/api/export?format=xlsx" in page.text
    assert (await http.get("/import")).status_code == 200
    csv = "Название;ИНН;Телефон\nООО Берёзка;;+7 913 000-11-22\nООО Липа;123;+7 913 000-11-23\nИП Клён;;abc\n"
    files = {"file": ("clients.csv", csv.encode("utf-8"), "text/csv")}
    r = await http.post("/import", data={"csrf_token": csrf, "mode": "atomic"}, files=files)
    assert r.status_code == 200, r.text
    text = unescape(r.text)
    assert "Ничего не загружено" in text
    assert re.search(r'<td class="right mono">3</td><td class="mono">tax_id</td>', r.text)
    assert re.search(r'<td class="right mono">4</td><td class="mono">phones</td>', r.text)
    assert await client_count(db) == 0
    r = await http.post("/import", data={"csrf_token": csrf, "mode": "good_rows"}, files=files)
    assert r.status_code == 200
    assert "Загружено клиентов: 1" in r.text
    assert await client_count(db) == 1
    r = await http.post("/import", data={"csrf_token": csrf, "mode": "atomic"})
    assert r.status_code == 422 and "Выберите файл" in r.text
    r = await http.post(
        "/import", data={"csrf_token": csrf, "mode": "atomic"}, files={"file": ("x.pdf", b"%PDF-1.4", "application/pdf")}
    )
    assert 400 <= r.status_code < 500 and "не поддерживается" in r.text


# Languages


async def test_language_from_browser_then_switch_then_user_setting(
    http: httpx.AsyncClient, make_user: MakeUser
) -> None:
    r = await http.get("/login", headers={"accept-language": "en-US,en;q=0.9,ru;q=0.8"})
    assert '<html lang="en">' in r.text and "Sign in" in r.text
    r = await http.get("/login", headers={"accept-language": "de-DE,ru;q=0.5,en;q=0.4"})
    assert '<html lang="ru">' in r.text and "Вход" in r.text
    r = await http.get("/lang/en", params={"next": "/login"})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    r = await http.get("/login", headers={"accept-language": "ru"})
    assert '<html lang="en">' in r.text and "Password" in r.text  # the switch beats the browser
    assert (await http.get("/lang/ru", params={"next": "https://evil.example"})).headers["location"] == "/clients"
    r = await http.get("/login")
    assert "Пароль" in r.text
    http.cookies.delete("cc_lang")
    await sign_in(http, await make_user(Role.OPERATOR, locale="en"))
    r = await http.get("/clients")
    assert "Clients in total: 0" in r.text and "Log out" in r.text


def test_catalogues_are_complete_in_both_languages() -> None:
    ru, en = CATALOGUES["ru"], CATALOGUES["en"]
    assert set(ru) == set(en)
    for key in ru:
        assert ru[key].strip() and en[key].strip(), key
        assert sorted(re.findall(r"{(\w+)}", ru[key])) == sorted(re.findall(r"{(\w+)}", en[key])), key


def test_every_key_the_pages_use_is_in_the_catalogue() -> None:
    web = Path(__file__).resolve().parent.parent / "web"
    sources = [*web.joinpath("templates").rglob("*.html"), *web.joinpath("pages").glob("*.py")]
    used: set[str] = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        used.update(re.findall(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""", text))
        used.update(re.findall(r'"((?:err|import\.error)\.[a-z_]+)"', text))
    assert len(used) > 100
    missing = sorted(key for key in used if key not in CATALOGUES["ru"])
    assert not missing, missing
    # Keys built from a vocabulary: one per value.
    from callcenter.models import enums

    built = {
        "stage": enums.Stage, "kind": enums.ClientKind, "phone_kind": enums.PhoneKind, "role": enums.Role,
        "task_kind": enums.TaskKind, "claim_status": enums.ClaimStatus, "interaction_kind": enums.InteractionKind,
        "direction": enums.Direction, "interaction_status": enums.InteractionStatus, "call_outcome": enums.CallOutcome,
    }
    for prefix, vocabulary in built.items():
        for item in vocabulary:
            assert f"{prefix}.{item.value}" in CATALOGUES["ru"], f"{prefix}.{item.value}"
    for key in ("400", "403", "404", "405", "413", "429", "500", "503", "other", "csrf"):
        assert f"error.{key}.title" in CATALOGUES["ru"] and f"error.{key}.text" in CATALOGUES["ru"]
    assert all(f"month.{n}" in CATALOGUES["ru"] for n in range(1, 13))


@pytest.mark.parametrize(
    ("header", "expected"),
    [("en-US,en;q=0.9", "en"), ("ru-RU,ru;q=0.9,en;q=0.8", "ru"), ("fr, en;q=0.5", "en"), ("", "ru"), ("en;q=0", "ru")],
)
def test_accept_language(header: str, expected: str) -> None:
    from web.i18n import negotiate

    assert negotiate(cookie=None, user_locale=None, accept_language=header) == expected


def test_dates_read_the_local_way() -> None:
    from datetime import datetime

    from web.i18n import Translator

    moment = datetime(2025, 3, 5, 14, 7, tzinfo=UTC)
    assert Translator("ru").datetime(moment) == "5 марта 2025, 14:07"
    assert Translator("en").datetime(moment.isoformat()) == "5 Mar 2025, 14:07"
    assert Translator("ru").money("1234567.5", "RUB") == "1\u00a0234\u00a0567,50\u00a0RUB"
    assert Translator("en").money("1234567.5") == "1,234,567.50"



async def test_form_posts_without_a_declared_length_are_refused(http: httpx.AsyncClient) -> None:
    async def body() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"x" * 1024

    r = await http.post("/login", content=body(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 411


# The operator's desk and click-to-call


async def test_desk_is_in_the_nav_and_renders_for_an_operator(http: httpx.AsyncClient, make_user: MakeUser) -> None:
    operator = await make_user(Role.OPERATOR, extension="101", full_name="Анна Смирнова")
    csrf = await sign_in(http, operator)
    clients = await http.get("/clients")
    assert 'href="/desk"' in clients.text and "Рабочее место" in clients.text
    r = await http.get("/desk")
    assert r.status_code == 200
    text = r.text
    assert re.search(r'<a href="/desk" class="active">', text)
    assert '<script src="/static/desk.js' in text and 'id="desk-pops"' in text and 'id="tpl-wrapup"' in text
    assert f'<meta name="csrf-token" content="{csrf}">' in text  # what the script sends as X-CSRF-Token
    # The pause reasons and the result catalogue, in the page's language.
    for expected in ("Обед", "Перерыв", "Обучение", "Другое", "Заказ оформлен", "Договорились перезвонить",
                     "Результат звонка", "Перезвонить", "Открыть сделку", "Записать претензию"):
        assert expected in text, expected
    texts = json.loads(unescape(re.search(r'<script type="application/json" id="desk-texts">(.*?)</script>',
                                          text, re.S).group(1)))  # type: ignore[union-attr]
    assert texts["state.paused"] == "На паузе" and texts["vocab"]["reason"]["lunch"] == "Обед"
    assert texts["vocab"]["stage"]["regular"] == "Постоянный"
    http.cookies.set("cc_lang", "en")
    english = await http.get("/desk")
    assert "Lunch" in english.text and "Result of the call" in english.text


async def test_desk_needs_a_signed_in_user(http: httpx.AsyncClient) -> None:
    r = await http.get("/desk")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fdesk"
    assert (await http.get("/static/desk.js")).status_code == 200


async def test_phones_have_a_call_button_on_the_card_lists_and_call_log(
        http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession) -> None:
    operator = await make_user(Role.OPERATOR, extension="101")
    client = await romashka(db, operator)
    await create_client(db, principal(operator), ClientIn(
        name="Лютик", kind=ClientKind.COMPANY, phones=["+7 913 765 43 21"],
        contacts=[ContactIn(full_name="Олег Сидоров", phones=["+7 913 555 44 33"])]), region="RU")
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    await record_call(db, CallSummary(
        linkedid="d1", direction=Direction.INBOUND, caller="89131234567", callee="100", queue="support",
        offered_to=("PJSIP/101",), answered_by="PJSIP/101", started_at=start, answered_at=start + timedelta(seconds=5),
        ended_at=start + timedelta(seconds=65), ring_seconds=5, wait_seconds=5, talk_seconds=60, hangup_cause=16,
        outcome=CallOutcome.ANSWERED, transfers=()), region="RU")
    await sign_in(http, operator)
    card = await http.get(f"/clients/{client['id']}")
    assert 'data-dial="+79131234567"' in card.text and "Позвонить +7 913 123-45-67" in card.text
    assert 'id="dial-texts"' in card.text
    listed = await http.get("/clients")
    assert 'data-dial="+79131234567"' in listed.text and 'data-dial="+79137654321"' in listed.text
    lutik = (await http.get("/api/clients", params={"q": "Лютик"})).json()["items"][0]
    # A contact person's own phone is on the card too, with its button.
    other_card = await http.get(f"/clients/{lutik['id']}")
    assert "Олег Сидоров" in other_card.text and 'data-dial="+79135554433"' in other_card.text
    log = await http.get("/calls")
    assert 'data-dial="+79131234567"' in log.text
