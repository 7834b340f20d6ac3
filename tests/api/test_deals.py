"""Deals through the funnel, funnel stages and sales over the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from callcenter.models.enums import Role
from tests.api.conftest import Session, audit_entries, new_client
from tests.conftest import MakeUser


async def test_funnel_stages_in_order(admin_http: httpx.AsyncClient, stages: dict[str, int]) -> None:
    r = await admin_http.get("/api/funnel-stages")
    assert r.status_code == 200
    assert [(s["code"], s["is_closed"]) for s in r.json()["items"]] == [
        ("lead", False), ("offer", False), ("won", True), ("lost", True)
    ]


async def test_deal_moves_and_closes(admin_http: httpx.AsyncClient, stages: dict[str, int]) -> None:
    acme = await new_client(admin_http, "Acme")
    r = await admin_http.post("/api/deals", json={"client_id": acme["id"], "title": "Pumps", "amount": 1500.5})
    assert r.status_code == 201, r.text
    deal = r.json()
    assert (deal["stage"]["code"], deal["status"], deal["amount"], deal["currency"], deal["closed_at"]) == (
        "lead", "open", "1500.50", "RUB", None
    )
    r = await admin_http.patch(f"/api/deals/{deal['id']}", json={"stage_id": stages["offer"], "amount": "2000"})
    assert (r.json()["stage"]["code"], r.json()["status"], r.json()["amount"]) == ("offer", "open", "2000.00")
    r = await admin_http.patch(f"/api/deals/{deal['id']}", json={"stage_id": stages["won"]})
    assert r.json()["status"] == "won" and r.json()["closed_at"] is not None
    r = await admin_http.patch(f"/api/deals/{deal['id']}", json={"stage_id": stages["lost"], "lost_reason": "price"})
    assert r.json()["status"] == "lost"
    r = await admin_http.patch(f"/api/deals/{deal['id']}", json={"stage_id": stages["lead"]})
    assert (r.json()["status"], r.json()["closed_at"]) == ("open", None)
    r = await admin_http.get(f"/api/deals/{deal['id']}")
    assert (r.json()["stage"]["code"], r.json()["lost_reason"]) == ("lead", "price")
    assert (await admin_http.delete(f"/api/deals/{deal['id']}")).status_code == 204
    assert (await admin_http.get(f"/api/deals/{deal['id']}")).status_code == 404
    actions = [e["action"] for e in await audit_entries(admin_http, entity="deal", entity_id=deal["id"])]
    assert actions == ["delete", "update", "update", "update", "update", "create"]


async def test_closed_stage_status_rules(admin_http: httpx.AsyncClient, stages: dict[str, int]) -> None:
    acme = await new_client(admin_http, "Acme")
    r = await admin_http.post("/api/deals", json={"client_id": acme["id"], "title": "x", "stage_id": stages["won"], "status": "lost"})
    assert r.status_code == 201 and r.json()["status"] == "lost"
    deal_id = r.json()["id"]
    r = await admin_http.patch(f"/api/deals/{deal_id}", json={"status": "open"})
    assert r.status_code == 422 and "status" in r.json()["fields"]
    r = await admin_http.patch(f"/api/deals/{deal_id}", json={"status": "won"})
    assert r.status_code == 200 and r.json()["status"] == "won"
    r = await admin_http.post("/api/deals", json={"client_id": acme["id"], "title": "y", "stage_id": stages["offer"], "status": "won"})
    assert r.status_code == 422 and "status" in r.json()["fields"]


async def test_deal_bad_fields(admin_http: httpx.AsyncClient, stages: dict[str, int]) -> None:
    r = await admin_http.post("/api/deals", json={"title": "", "amount": -5, "currency": "rubles", "expected_close": "soon"})
    assert r.status_code == 422
    assert set(r.json()["fields"]) == {"client_id", "title", "amount", "currency", "expected_close"}
    r = await admin_http.post("/api/deals", json={"client_id": 404, "title": "x", "stage_id": 999, "owner_id": 999})
    assert r.status_code == 422
    assert r.json()["fields"] == {
        "client_id": "no client with id 404", "owner_id": "no active user with id 999", "stage_id": "no funnel stage with id 999"
    }
    assert (await admin_http.get("/api/deals")).json()["total"] == 0
    assert (await admin_http.patch("/api/deals/404", json={"title": "x"})).status_code == 404


async def test_deal_filters_and_pages(admin_http: httpx.AsyncClient, stages: dict[str, int], make_user: MakeUser) -> None:
    acme = await new_client(admin_http, "Acme")
    beta = await new_client(admin_http, "Beta")
    seller = await make_user(Role.OPERATOR)
    ids = []
    for fields in (
        {"client_id": acme["id"]},
        {"client_id": acme["id"], "stage_id": stages["offer"], "owner_id": seller.id},
        {"client_id": beta["id"], "stage_id": stages["won"]},
    ):
        r = await admin_http.post("/api/deals", json={"title": "d", **fields})
        ids.append(r.json()["id"])

    async def found(**params: Any) -> list[int]:
        r = await admin_http.get("/api/deals", params=params)
        assert r.status_code == 200, r.text
        return [d["id"] for d in r.json()["items"]]

    assert await found() == ids[::-1]
    assert await found(client_id=acme["id"]) == [ids[1], ids[0]]
    assert await found(status="won") == [ids[2]]
    assert await found(stage="offer") == [ids[1]]
    assert await found(stage_id=stages["lead"]) == [ids[0]]
    assert await found(owner_id=seller.id) == [ids[1]]
    # The won deal closed just now: within a window around now, not in one that ended an hour ago.
    now = datetime.now(UTC)
    assert await found(closed_from=(now - timedelta(hours=1)).isoformat(), closed_to=(now + timedelta(hours=1)).isoformat()) == [ids[2]]
    assert await found(closed_to=(now - timedelta(hours=1)).isoformat()) == []
    assert (await admin_http.get("/api/deals", params={"closed_from": "yesterday"})).status_code == 422
    assert await found(team_id=999999) == []
    r = await admin_http.get("/api/deals", params={"limit": 2, "offset": 2})
    assert (r.json()["total"], [d["id"] for d in r.json()["items"]]) == (3, [ids[0]])


async def test_deal_needs_a_stage(admin_http: httpx.AsyncClient) -> None:
    acme = await new_client(admin_http, "Acme")
    r = await admin_http.post("/api/deals", json={"client_id": acme["id"], "title": "x"})
    assert r.status_code == 422 and "stage_id" in r.json()["fields"]


async def test_sales(admin_http: httpx.AsyncClient, stages: dict[str, int], make_user: MakeUser, session_for: Session) -> None:
    acme = await new_client(admin_http, "Acme")
    beta = await new_client(admin_http, "Beta")
    deal = (await admin_http.post("/api/deals", json={"client_id": acme["id"], "title": "x"})).json()
    r = await admin_http.post("/api/sales", json={
        "client_id": acme["id"], "deal_id": deal["id"], "sold_on": "2024-03-01", "amount": 1000, "margin": "250.5",
        "product": "Pump", "external_ref": "1C-0001",
    })
    assert r.status_code == 201, r.text
    assert (r.json()["amount"], r.json()["margin"], r.json()["sold_on"]) == ("1000.00", "250.50", "2024-03-01")
    first = r.json()["id"]
    r = await admin_http.post("/api/sales", json={"client_id": beta["id"], "sold_on": "2024-04-01", "amount": 10})
    second = r.json()["id"]
    r = await admin_http.post("/api/sales", json={"client_id": beta["id"], "sold_on": "2024-04-02", "amount": 5, "external_ref": "1C-0001"})
    assert r.status_code == 409 and r.json()["fields"] == {"external_ref": "already recorded"}
    r = await admin_http.post("/api/sales", json={"client_id": beta["id"], "deal_id": deal["id"], "sold_on": "2024-13-01", "amount": 0})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"sold_on", "amount"}
    r = await admin_http.post("/api/sales", json={"client_id": beta["id"], "deal_id": deal["id"], "sold_on": "2024-04-01", "amount": 1})
    assert r.status_code == 422 and r.json()["fields"] == {"deal_id": f"deal {deal['id']} is not with client {beta['id']}"}

    r = await admin_http.get("/api/sales")
    assert [s["id"] for s in r.json()["items"]] == [second, first]
    r = await admin_http.get("/api/sales", params={"client_id": acme["id"]})
    assert [s["id"] for s in r.json()["items"]] == [first]
    r = await admin_http.get("/api/sales", params={"from": "2024-03-15", "to": "2024-04-01"})
    assert [s["id"] for s in r.json()["items"]] == [second]
    r = await admin_http.get("/api/sales", params={"limit": 1})
    assert (r.json()["total"], len(r.json()["items"])) == (2, 1)
    assert [e["entity_id"] for e in await audit_entries(admin_http, entity="sale")] == [second, first]
    operator = await session_for(await make_user(Role.OPERATOR))
    assert (await operator.get("/api/sales")).json()["total"] == 2
