"""The disposition catalogue over the API."""

from __future__ import annotations

import httpx

from callcenter.models.enums import Role
from tests.api.conftest import Session, audit_entries, new_client
from tests.conftest import MakeUser


async def test_catalogue_crud(admin_http: httpx.AsyncClient) -> None:
    r = await admin_http.post("/api/dispositions", json={"code": "sale", "name": "Продажа", "counts_as_result": True, "sort_order": 2})
    assert r.status_code == 201, r.text
    sale = r.json()
    assert (sale["code"], sale["is_active"], sale["counts_as_result"]) == ("sale", True, True)
    r = await admin_http.post("/api/dispositions", json={"code": "no_answer", "name": "No answer", "sort_order": 1})
    no_answer = r.json()
    r = await admin_http.get("/api/dispositions")
    assert [d["code"] for d in r.json()["items"]] == ["no_answer", "sale"]
    r = await admin_http.patch(f"/api/dispositions/{sale['id']}", json={"name": "Sale", "sort_order": 0})
    assert r.status_code == 200 and r.json()["name"] == "Sale"
    assert (await admin_http.get(f"/api/dispositions/{sale['id']}")).json()["sort_order"] == 0
    r = await admin_http.get("/api/dispositions", params={"limit": 1, "offset": 1})
    assert (r.json()["total"], [d["code"] for d in r.json()["items"]]) == (2, ["no_answer"])
    assert (await admin_http.delete(f"/api/dispositions/{no_answer['id']}")).status_code == 204
    assert (await admin_http.get(f"/api/dispositions/{no_answer['id']}")).status_code == 404
    actions = [e["action"] for e in await audit_entries(admin_http, entity="disposition")]
    assert actions == ["delete", "update", "create", "create"]


async def test_bad_and_duplicate_codes(admin_http: httpx.AsyncClient) -> None:
    r = await admin_http.post("/api/dispositions", json={"code": "Bad Code", "name": "", "counts_as_result": "perhaps"})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"code", "name", "counts_as_result"}
    await admin_http.post("/api/dispositions", json={"code": "sale", "name": "Sale"})
    r = await admin_http.post("/api/dispositions", json={"code": "sale", "name": "Again"})
    assert r.status_code == 409 and r.json()["fields"] == {"code": "already taken"}
    other = (await admin_http.post("/api/dispositions", json={"code": "other", "name": "Other"})).json()
    r = await admin_http.patch(f"/api/dispositions/{other['id']}", json={"code": "sale"})
    assert r.status_code == 409
    r = await admin_http.patch(f"/api/dispositions/{other['id']}", json={"name": None})
    assert r.status_code == 422 and r.json()["fields"] == {"name": "may not be null"}
    assert (await admin_http.patch("/api/dispositions/999", json={"name": "x"})).status_code == 404


async def test_in_use_cannot_be_deleted_but_can_be_retired(admin_http: httpx.AsyncClient) -> None:
    acme = await new_client(admin_http, "Acme")
    sale = (await admin_http.post("/api/dispositions", json={"code": "sale", "name": "Sale"})).json()
    r = await admin_http.post("/api/interactions", json={"kind": "call", "client_id": acme["id"], "disposition_id": sale["id"]})
    assert r.status_code == 201
    r = await admin_http.delete(f"/api/dispositions/{sale['id']}")
    assert r.status_code == 409 and r.json()["in_use"] == 1
    r = await admin_http.patch(f"/api/dispositions/{sale['id']}", json={"is_active": False})
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert [d["id"] for d in (await admin_http.get("/api/dispositions", params={"active": "false"})).json()["items"]] == [sale["id"]]
    assert (await admin_http.get("/api/dispositions", params={"active": "true"})).json()["items"] == []
    r = await admin_http.post("/api/interactions", json={"kind": "call", "client_id": acme["id"], "disposition_id": sale["id"]})
    assert r.status_code == 422 and "disposition_id" in r.json()["fields"]


async def test_roles(admin_http: httpx.AsyncClient, make_user: MakeUser, session_for: Session) -> None:
    sale = (await admin_http.post("/api/dispositions", json={"code": "sale", "name": "Sale"})).json()
    operator = await session_for(await make_user(Role.OPERATOR))
    assert (await operator.get("/api/dispositions")).json()["total"] == 1
    assert (await operator.post("/api/dispositions", json={"code": "x", "name": "X"})).status_code == 403
    assert (await operator.patch(f"/api/dispositions/{sale['id']}", json={"name": "X"})).status_code == 403
    assert (await operator.delete(f"/api/dispositions/{sale['id']}")).status_code == 403
    manager = await session_for(await make_user(Role.MANAGER))
    assert (await manager.post("/api/dispositions", json={"code": "x", "name": "X"})).status_code == 201
