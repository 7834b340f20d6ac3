"""Creating, validating, de-duplicating, searching and restricting clients."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.services import OWN_CLIENTS_ONLY
from callcenter.models import AppSetting, Client, Phone
from callcenter.models.enums import Role
from tests.conftest import MakeUser, login_as

ROMASHKA = {"name": 'ООО "Ромашка"', "kind": "company", "tax_id": "7707083893", "phones": ["8 (913) 123-45-67"], "emails": ["info@romashka.ru"]}


async def create(http: httpx.AsyncClient, body: dict, **params: str) -> httpx.Response:
    return await http.post("/api/clients", json=body, params=params)


@pytest.mark.parametrize("written", ["8 (913) 123-45-67", "+7 913 123 45 67", "79131234567", "8-913-123-4567"])
async def test_phone_formats_are_one_number(admin_http: httpx.AsyncClient, written: str) -> None:
    r = await create(admin_http, {"name": "Иван Петров", "kind": "person", "phones": [written]})
    assert r.status_code == 201, r.text
    assert r.json()["phones"] == [{"id": r.json()["phones"][0]["id"], "raw": written, "e164": "+79131234567", "kind": "work"}]


async def test_bad_fields_are_named_and_nothing_is_written(admin_http: httpx.AsyncClient, db: AsyncSession) -> None:
    r = await create(
        admin_http,
        {"name": "", "kind": "shop", "tax_id": "7707083894", "phones": ["+7 913 123 45 67", "12"], "emails": ["not-an-email"]},
    )
    assert r.status_code == 422
    fields = r.json()["fields"]
    assert {"name", "kind", "emails.0"} <= set(fields)
    # Type errors are reported first; a body with good types but bad values reports the rest.
    r = await create(admin_http, {"name": "X", "kind": "company", "tax_id": "7707083894", "phones": ["+7 913 123 45 67", "12"]})
    assert r.status_code == 422
    fields = r.json()["fields"]
    assert set(fields) == {"tax_id", "phones.1"}
    assert "check digit" in fields["tax_id"]
    assert (await db.scalar(select(func.count()).select_from(Client))) == 0
    assert (await db.scalar(select(func.count()).select_from(Phone))) == 0


async def test_unknown_fields_and_bad_json_are_rejected(admin_http: httpx.AsyncClient) -> None:
    r = await create(admin_http, {"name": "X", "kind": "company", "colour": "red"})
    assert r.status_code == 422 and "colour" in r.json()["fields"]
    r = await admin_http.post("/api/clients", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "bad-json"
    r = await admin_http.post("/api/clients", json=[1, 2])
    assert r.status_code == 422


async def test_inn_of_twelve_digits_and_foreign_tax_ids(admin_http: httpx.AsyncClient) -> None:
    assert (await create(admin_http, {"name": "ИП Сидоров", "kind": "person", "tax_id": "500100732259"})).status_code == 201
    assert (await create(admin_http, {"name": "Bad INN", "kind": "person", "tax_id": "500100732258"})).status_code == 422
    r = await create(admin_http, {"name": "Foreign GmbH", "kind": "company", "tax_id": "DE123456789"})
    assert r.status_code == 201 and r.json()["tax_id"] == "DE123456789"


@pytest.mark.parametrize(
    ("second", "reason"),
    [
        ({"name": "Ромашка, ООО", "kind": "company"}, "name"),
        ({"name": "Совсем другое", "kind": "company", "tax_id": "7707083893"}, "tax_id"),
        ({"name": "Другое", "kind": "company", "phones": ["+79131234567"]}, "phone:+79131234567"),
        ({"name": "Третье", "kind": "company", "emails": ["INFO@romashka.ru"]}, "email:info@romashka.ru"),
        ({"name": "ромашка", "kind": "company"}, "name"),
    ],
)
async def test_duplicates_answer_409_with_reasons_unless_forced(admin_http: httpx.AsyncClient, second: dict, reason: str) -> None:
    first = (await create(admin_http, ROMASHKA)).json()
    r = await create(admin_http, second)
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["error"] == "duplicate-client"
    assert body["candidates"][0]["id"] == first["id"]
    assert reason in body["candidates"][0]["reasons"]
    assert (await create(admin_http, second, force="true")).status_code == 201


async def test_contact_person_phone_counts_as_duplicate(admin_http: httpx.AsyncClient) -> None:
    body = {"name": "Альфа", "kind": "company", "contacts": [{"full_name": "Мария Иванова", "role": "бухгалтер", "phones": ["+7 913 555 44 33"]}]}
    first = (await create(admin_http, body)).json()
    r = await create(admin_http, {"name": "Бета", "kind": "company", "phones": ["89135554433"]})
    assert r.status_code == 409 and r.json()["candidates"][0]["id"] == first["id"]


async def test_update_checks_duplicates_against_others_only(admin_http: httpx.AsyncClient) -> None:
    a = (await create(admin_http, ROMASHKA)).json()
    b = (await create(admin_http, {"name": "Лютик", "kind": "company"})).json()
    assert (await admin_http.patch(f"/api/clients/{a['id']}", json={"name": "Ромашка ООО"})).status_code == 200
    r = await admin_http.patch(f"/api/clients/{b['id']}", json={"phones": ["+7 913 123-45-67"]})
    assert r.status_code == 409
    r = await admin_http.patch(f"/api/clients/{b['id']}", json={"phones": ["+7 913 123-45-67"]}, params={"force": "true"})
    assert r.status_code == 200 and r.json()["phones"][0]["e164"] == "+79131234567"


@pytest.mark.parametrize(
    "query",
    ["ромашка", "РОМАШКА", "Ромаш", "8 913 123 45 67", "+79131234567", "INFO@ROMASHKA.RU", "7707083893", "марья"],
)
async def test_search_by_fragment_phone_email_tax_id_case_insensitive(admin_http: httpx.AsyncClient, query: str) -> None:
    body = dict(ROMASHKA, contacts=[{"full_name": "Марья Петровна", "phones": []}])
    target = (await create(admin_http, body)).json()
    await create(admin_http, {"name": "Лютик", "kind": "company", "phones": ["+7 913 000 00 01"]})
    r = await admin_http.get("/api/clients", params={"q": query})
    assert r.status_code == 200
    assert [c["id"] for c in r.json()["items"]] == [target["id"]]


async def test_list_filters_and_pagination(admin_http: httpx.AsyncClient) -> None:
    for i in range(7):
        await create(admin_http, {"name": f"Клиент {i}", "kind": "company", "stage": "regular" if i % 2 else "potential"}, force="true")
    r = await admin_http.get("/api/clients", params={"stage": "regular", "limit": 2, "offset": 0})
    body = r.json()
    assert body["total"] == 3 and len(body["items"]) == 2
    r = await admin_http.get("/api/clients", params={"stage": "regular", "limit": 2, "offset": 2})
    assert len(r.json()["items"]) == 1
    r = await admin_http.get("/api/clients", params={"limit": 0})
    assert r.status_code == 422 and "limit" in r.json()["fields"]


async def test_operators_restricted_to_own_clients(http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession) -> None:
    alice, bob = await make_user(Role.OPERATOR), await make_user(Role.OPERATOR)
    await login_as(http, await make_user(Role.SUPERVISOR))
    theirs = (await create(http, {"name": "Чужой клиент", "kind": "person", "owner_id": bob.id})).json()
    await login_as(http, alice)
    mine = (await create(http, {"name": "Мой клиент", "kind": "person"})).json()
    assert mine["owner_id"] == alice.id
    db.add(AppSetting(key=OWN_CLIENTS_ONLY, value=True))
    await db.commit()
    listed = (await http.get("/api/clients")).json()
    assert [c["id"] for c in listed["items"]] == [mine["id"]]
    assert (await http.get(f"/api/clients/{theirs['id']}")).status_code == 403
    assert (await http.patch(f"/api/clients/{theirs['id']}", json={"notes": "x"})).status_code == 403


async def test_operator_may_not_delete_but_manager_may(http: httpx.AsyncClient, make_user: MakeUser) -> None:
    await login_as(http, await make_user(Role.OPERATOR))
    client = (await create(http, {"name": "Удаляемый", "kind": "person"})).json()
    assert (await http.delete(f"/api/clients/{client['id']}")).status_code == 403
    await login_as(http, await make_user(Role.MANAGER))
    assert (await http.delete(f"/api/clients/{client['id']}")).status_code == 204
    assert (await http.get(f"/api/clients/{client['id']}")).status_code == 404


async def test_renaming_keeps_the_legal_form_unless_the_name_brings_one(admin_http: httpx.AsyncClient) -> None:
    client = (await create(admin_http, ROMASHKA)).json()
    assert client["legal_form"] == "ООО"
    r = await admin_http.patch(f"/api/clients/{client['id']}", json={"name": "Ромашка-Плюс"})
    assert r.json()["legal_form"] == "ООО"
    r = await admin_http.patch(f"/api/clients/{client['id']}", json={"name": "АО Ромашка-Плюс"})
    assert r.json()["legal_form"] == "АО"


async def test_search_finds_foreign_tax_ids_and_contact_emails(admin_http: httpx.AsyncClient) -> None:
    foreign = (await create(admin_http, {"name": "Müller GmbH", "kind": "company", "tax_id": "DE123456789"})).json()
    body = {"name": "Гамма", "kind": "company", "contacts": [{"full_name": "Олег", "emails": ["oleg@gamma.ru"]}]}
    gamma = (await create(admin_http, body)).json()
    r = await admin_http.get("/api/clients", params={"q": "de123456789"})
    assert [c["id"] for c in r.json()["items"]] == [foreign["id"]]
    r = await admin_http.get("/api/clients", params={"q": "Oleg@Gamma.ru"})
    assert [c["id"] for c in r.json()["items"]] == [gamma["id"]]


async def test_time_zone_must_be_a_known_zone(admin_http: httpx.AsyncClient) -> None:
    r = await create(admin_http, {"name": "Марс", "kind": "company", "timezone": "Mars/Olympus"})
    assert r.status_code == 422 and "timezone" in r.json()["fields"]
    r = await create(admin_http, {"name": "Новосибирск", "kind": "company", "timezone": "Asia/Novosibirsk"})
    assert r.status_code == 201 and r.json()["timezone"] == "Asia/Novosibirsk"


async def test_duplicate_warning_hides_other_operators_clients(http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession) -> None:
    alice, bob = await make_user(Role.OPERATOR), await make_user(Role.OPERATOR)
    db.add(AppSetting(key=OWN_CLIENTS_ONLY, value=True))
    await db.commit()
    await login_as(http, bob)
    theirs = (await create(http, {"name": "Секретная фирма", "kind": "company", "phones": ["+7 913 111 22 33"]})).json()
    await login_as(http, alice)
    mine = (await create(http, {"name": "Моя фирма", "kind": "company", "tax_id": "7707083893"})).json()
    r = await create(http, {"name": "Проба", "kind": "company", "phones": ["89131112233"], "tax_id": "7707083893"})
    assert r.status_code == 409
    candidates = {tuple(c["reasons"]): c for c in r.json()["candidates"]}
    assert candidates[("phone:+79131112233",)] == {"id": None, "name": None, "reasons": ["phone:+79131112233"]}
    assert candidates[("tax_id",)]["id"] == mine["id"]
    assert "Секретная" not in r.text and str(theirs["id"]) not in [str(c["id"]) for c in r.json()["candidates"]]
