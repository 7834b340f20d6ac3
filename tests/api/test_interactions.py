"""Interactions over the API, with results and promised callbacks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.models import Call, Interaction, Task
from callcenter.models.enums import Role
from tests.api.conftest import Session, audit_entries, new_client
from tests.conftest import MakeUser


async def disposition(http: httpx.AsyncClient, code: str, counts: bool = True) -> dict[str, Any]:
    r = await http.post("/api/dispositions", json={"code": code, "name": code.title(), "counts_as_result": counts})
    assert r.status_code == 201, r.text
    return r.json()


async def test_record_read_change_delete(admin_http: httpx.AsyncClient) -> None:
    acme = await new_client(admin_http, "Acme")
    sale = await disposition(admin_http, "sale")
    r = await admin_http.post("/api/interactions", json={
        "kind": "call", "direction": "outbound", "subject": "Offer", "client_id": acme["id"],
        "occurred_at": "2024-05-01T10:00:00+03:00", "duration_seconds": 150, "disposition_id": sale["id"],
    })
    assert r.status_code == 201, r.text
    item = r.json()
    assert item["occurred_at"] == "2024-05-01T07:00:00+00:00"
    assert item["disposition"] == {"id": sale["id"], "code": "sale", "name": "Sale", "counts_as_result": True}
    assert item["status"] == "done" and item["callback_task_id"] is None and item["call"] is None

    r = await admin_http.get(f"/api/interactions/{item['id']}")
    assert r.status_code == 200 and r.json()["subject"] == "Offer"
    r = await admin_http.patch(f"/api/interactions/{item['id']}", json={"notes": "asked for a discount", "disposition_id": None})
    assert r.status_code == 200, r.text
    assert r.json()["notes"] == "asked for a discount" and r.json()["disposition"] is None
    assert (await admin_http.delete(f"/api/interactions/{item['id']}")).status_code == 204
    assert (await admin_http.get(f"/api/interactions/{item['id']}")).status_code == 404
    assert (await admin_http.delete(f"/api/interactions/{item['id']}")).status_code == 404
    actions = [e["action"] for e in await audit_entries(admin_http, entity="interaction", entity_id=item["id"])]
    assert actions == ["delete", "update", "create"]


async def test_callback_created_in_same_commit(admin_http: httpx.AsyncClient) -> None:
    acme = await new_client(admin_http, "Acme")
    r = await admin_http.post("/api/interactions", json={
        "kind": "call", "subject": "Price", "client_id": acme["id"], "occurred_at": "2024-05-01T10:00:00Z",
        "callback_at": "2024-05-03T09:00:00Z",
    })
    assert r.status_code == 201, r.text
    task_id = r.json()["callback_task_id"]
    task = (await admin_http.get(f"/api/tasks/{task_id}")).json()
    assert (task["kind"], task["origin"], task["due_at"], task["interaction_id"], task["client_id"]) == (
        "callback", "promised_callback", "2024-05-03T09:00:00+00:00", r.json()["id"], acme["id"]
    )
    assert task["owner_id"] == r.json()["user_id"]


async def test_bad_fields_are_named_and_nothing_is_written(admin_http: httpx.AsyncClient, db: AsyncSession) -> None:
    acme = await new_client(admin_http, "Acme")
    retired = await disposition(admin_http, "old")
    await admin_http.patch(f"/api/dispositions/{retired['id']}", json={"is_active": False})
    r = await admin_http.post("/api/interactions", json={
        "kind": "fax", "occurred_at": "2024-05-01T10:00:00", "duration_seconds": -1,
    })
    assert r.status_code == 422
    assert set(r.json()["fields"]) == {"kind", "occurred_at", "duration_seconds"}
    assert "timezone" in r.json()["fields"]["occurred_at"]
    r = await admin_http.post("/api/interactions", json={
        "kind": "call", "client_id": 5000, "user_id": 6000, "contact_id": 7000, "disposition_id": retired["id"],
    })
    assert r.status_code == 422
    assert r.json()["fields"] == {
        "client_id": "no client with id 5000",
        "user_id": "no active user with id 6000",
        "contact_id": "no contact person with id 7000",
        "disposition_id": "disposition 'old' is inactive",
    }
    r = await admin_http.post("/api/interactions", json={
        "kind": "call", "client_id": acme["id"], "occurred_at": "2024-05-02T10:00:00Z", "callback_at": "2024-05-01T10:00:00Z",
    })
    assert r.status_code == 422 and set(r.json()["fields"]) == {"callback_at"}
    assert await db.scalar(select(Interaction.id)) is None
    assert await db.scalar(select(Task.id)) is None


async def test_list_filters_and_pages(admin_http: httpx.AsyncClient, make_user: MakeUser) -> None:
    acme = await new_client(admin_http, "Acme")
    beta = await new_client(admin_http, "Beta")
    ok = await disposition(admin_http, "ok")
    operator = await make_user(Role.OPERATOR)
    rows = [
        {"kind": "call", "direction": "inbound", "client_id": acme["id"], "occurred_at": "2024-05-01T10:00:00Z", "disposition_id": ok["id"]},
        {"kind": "call", "direction": "outbound", "client_id": acme["id"], "occurred_at": "2024-05-02T10:00:00Z", "user_id": operator.id},
        {"kind": "meeting", "client_id": beta["id"], "occurred_at": "2024-05-03T10:00:00Z", "status": "planned"},
        {"kind": "note", "client_id": beta["id"], "occurred_at": "2024-05-04T10:00:00Z"},
    ]
    ids = []
    for row in rows:
        r = await admin_http.post("/api/interactions", json=row)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])

    async def found(**params: Any) -> list[int]:
        r = await admin_http.get("/api/interactions", params=params)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert await found() == ids[::-1]
    assert await found(client_id=acme["id"]) == [ids[1], ids[0]]
    assert await found(user_id=operator.id) == [ids[1]]
    assert await found(kind="meeting") == [ids[2]]
    assert await found(direction="inbound") == [ids[0]]
    assert await found(status="planned") == [ids[2]]
    assert await found(disposition="ok") == [ids[0]]
    assert await found(**{"from": "2024-05-02T00:00:00+00:00", "to": "2024-05-04T00:00:00+00:00"}) == [ids[2], ids[1]]
    r = await admin_http.get("/api/interactions", params={"limit": 3, "offset": 3})
    assert (r.json()["total"], [i["id"] for i in r.json()["items"]]) == (4, [ids[0]])
    r = await admin_http.get("/api/interactions", params={"from": "2024-05-02", "kind": "fax", "limit": 0})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"from", "kind", "limit"}


async def test_delete_rules(
    admin_http: httpx.AsyncClient, make_user: MakeUser, session_for: Session, db: AsyncSession
) -> None:
    acme = await new_client(admin_http, "Acme")
    operator = await session_for(await make_user(Role.OPERATOR))
    theirs = (await admin_http.post("/api/interactions", json={"kind": "note", "client_id": acme["id"]})).json()
    mine = (await operator.post("/api/interactions", json={"kind": "note", "client_id": acme["id"]})).json()
    assert (await operator.delete(f"/api/interactions/{theirs['id']}")).status_code == 403
    assert (await operator.delete(f"/api/interactions/{mine['id']}")).status_code == 204
    db.add(Call(interaction_id=theirs["id"], linkedid="1700000000.1", direction="inbound",
                started_at=datetime(2024, 5, 1, tzinfo=UTC)))
    await db.commit()
    r = await admin_http.get(f"/api/interactions/{theirs['id']}")
    assert r.json()["call"]["linkedid"] == "1700000000.1"
    assert (await admin_http.delete(f"/api/interactions/{theirs['id']}")).status_code == 409


async def test_operators_record_their_own_interactions(
    admin_http: httpx.AsyncClient, make_user: MakeUser, session_for: Session, db: AsyncSession
) -> None:
    acme = await new_client(admin_http, "Acme")
    operator_user = await make_user(Role.OPERATOR)
    colleague = await make_user(Role.OPERATOR)
    operator = await session_for(operator_user)
    supervisor = await session_for(await make_user(Role.SUPERVISOR))

    r = await operator.post("/api/interactions", json={"kind": "call", "client_id": acme["id"], "user_id": colleague.id})
    assert r.status_code == 403, r.text
    assert await db.scalar(select(Interaction.id)) is None
    r = await operator.post("/api/interactions", json={"kind": "call", "client_id": acme["id"], "user_id": operator_user.id})
    assert r.status_code == 201 and r.json()["user_id"] == operator_user.id
    mine = r.json()["id"]
    r = await operator.post("/api/interactions", json={"kind": "note", "client_id": acme["id"]})
    assert r.status_code == 201 and r.json()["user_id"] == operator_user.id

    for user_id in (colleague.id, None):
        r = await operator.patch(f"/api/interactions/{mine}", json={"user_id": user_id})
        assert r.status_code == 403, r.text
    assert (await operator.patch(f"/api/interactions/{mine}", json={"user_id": operator_user.id})).status_code == 200
    assert (await admin_http.get(f"/api/interactions/{mine}")).json()["user_id"] == operator_user.id

    # A supervisor records on an operator's behalf, and moves an interaction between operators.
    r = await supervisor.post("/api/interactions", json={"kind": "call", "client_id": acme["id"], "user_id": colleague.id})
    assert r.status_code == 201 and r.json()["user_id"] == colleague.id
    theirs = r.json()["id"]
    assert (await operator.patch(f"/api/interactions/{theirs}", json={"user_id": operator_user.id})).status_code == 403
    r = await supervisor.patch(f"/api/interactions/{mine}", json={"user_id": colleague.id})
    assert r.status_code == 200 and r.json()["user_id"] == colleague.id
