"""Tasks and callbacks over the API: create, reassign, complete, overdue tails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from callcenter.models.enums import Role
from tests.api.conftest import audit_entries, new_client
from tests.conftest import MakeUser


def at(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


async def test_create_reassign_complete_delete(admin_http: httpx.AsyncClient, make_user: MakeUser) -> None:
    acme = await new_client(admin_http, "Acme")
    other = await make_user(Role.OPERATOR)
    r = await admin_http.post("/api/tasks", json={
        "title": "Send the offer", "kind": "callback", "client_id": acme["id"], "due_at": "2030-01-02T09:00:00+03:00",
    })
    assert r.status_code == 201, r.text
    task = r.json()
    assert (task["status"], task["origin"], task["due_at"], task["overdue"]) == ("open", "manual", "2030-01-02T06:00:00+00:00", False)
    assert task["owner_id"] == task["created_by_id"] and task["completed_at"] is None

    r = await admin_http.patch(f"/api/tasks/{task['id']}", json={"owner_id": other.id, "due_at": "2030-01-03T09:00:00Z"})
    assert r.status_code == 200, r.text
    assert (r.json()["owner_id"], r.json()["due_at"]) == (other.id, "2030-01-03T09:00:00+00:00")

    r = await admin_http.patch(f"/api/tasks/{task['id']}", json={"status": "done"})
    assert r.json()["status"] == "done" and r.json()["completed_at"] is not None
    r = await admin_http.patch(f"/api/tasks/{task['id']}", json={"status": "open"})
    assert r.json()["completed_at"] is None
    assert (await admin_http.get(f"/api/tasks/{task['id']}")).json()["owner_id"] == other.id

    assert (await admin_http.delete(f"/api/tasks/{task['id']}")).status_code == 204
    assert (await admin_http.get(f"/api/tasks/{task['id']}")).status_code == 404
    entries = await audit_entries(admin_http, entity="task", entity_id=task["id"])
    assert [e["action"] for e in entries] == ["delete", "update", "update", "update", "create"]
    assert entries[3]["changes"]["owner_id"] == [task["owner_id"], other.id]


async def test_bad_fields(admin_http: httpx.AsyncClient) -> None:
    r = await admin_http.post("/api/tasks", json={"title": "", "kind": "callback", "due_at": "tomorrow"})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"title", "due_at"}
    r = await admin_http.post("/api/tasks", json={"title": "x", "kind": "callback", "client_id": 77, "owner_id": 88, "interaction_id": 99})
    assert r.status_code == 422
    assert r.json()["fields"] == {
        "client_id": "no client with id 77",
        "owner_id": "no active user with id 88",
        "interaction_id": "no interaction with id 99",
        "due_at": "a callback needs a due time",
    }
    r = await admin_http.post("/api/tasks", json={"title": "x", "due_at": "2030-01-01T10:00:00"})
    assert r.status_code == 422 and "timezone" in r.json()["fields"]["due_at"]
    assert (await admin_http.get("/api/tasks")).json()["total"] == 0
    assert (await admin_http.patch("/api/tasks/12345", json={"status": "done"})).status_code == 404
    task = (await admin_http.post("/api/tasks", json={"title": "x"})).json()
    r = await admin_http.patch(f"/api/tasks/{task['id']}", json={"status": "finished", "title": None})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"status"}
    r = await admin_http.patch(f"/api/tasks/{task['id']}", json={"title": None})
    assert r.status_code == 422 and r.json()["fields"] == {"title": "may not be null"}


async def test_filters_overdue_and_pages(admin_http: httpx.AsyncClient, make_user: MakeUser) -> None:
    acme = await new_client(admin_http, "Acme")
    operator = await make_user(Role.OPERATOR)

    async def task(**fields: Any) -> int:
        r = await admin_http.post("/api/tasks", json={"title": "t", **fields})
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    late = await task(kind="callback", due_at=at(-72), client_id=acme["id"], owner_id=operator.id)
    soon = await task(due_at=at(2), client_id=acme["id"])
    undated = await task()
    done_late = await task(due_at=at(-5))
    await admin_http.patch(f"/api/tasks/{done_late}", json={"status": "done"})

    async def found(**params: Any) -> list[int]:
        r = await admin_http.get("/api/tasks", params=params)
        assert r.status_code == 200, r.text
        return [t["id"] for t in r.json()["items"]]

    assert await found() == [late, done_late, soon, undated]
    assert await found(overdue="true") == [late]
    assert await found(overdue="false") == [done_late, soon, undated]
    assert await found(owner_id=operator.id) == [late]
    assert await found(client_id=acme["id"]) == [late, soon]
    assert await found(status="done") == [done_late]
    assert await found(kind="callback") == [late]
    r = await admin_http.get("/api/tasks", params={"limit": 1, "offset": 1})
    assert (r.json()["total"], [t["id"] for t in r.json()["items"]]) == (4, [done_late])
    r = await admin_http.get("/api/tasks", params={"overdue": "maybe", "offset": -1})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"overdue", "offset"}
    assert (await admin_http.get(f"/api/tasks/{late}")).json()["overdue"] is True
