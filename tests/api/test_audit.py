"""Reading the audit log: who may, and its filters."""

from __future__ import annotations

import httpx

from callcenter.models.enums import Role
from tests.api.conftest import Session, new_client
from tests.conftest import MakeUser


async def test_audit_filters_and_rights(admin_http: httpx.AsyncClient, make_user: MakeUser, session_for: Session) -> None:
    operator_user = await make_user(Role.OPERATOR)
    operator = await session_for(operator_user)
    acme = await new_client(admin_http, "Acme")
    task = (await operator.post("/api/tasks", json={"title": "call", "client_id": acme["id"]})).json()
    await operator.patch(f"/api/tasks/{task['id']}", json={"status": "done"})

    assert (await operator.get("/api/audit")).status_code == 403
    assert (await (await session_for(await make_user(Role.SUPERVISOR))).get("/api/audit")).status_code == 403
    manager = await session_for(await make_user(Role.MANAGER))
    r = await manager.get("/api/audit", params={"user_id": operator_user.id})
    assert r.status_code == 200
    entries = r.json()["items"]
    assert [(e["action"], e["entity"], e["entity_id"], e["user_login"]) for e in entries] == [
        ("update", "task", task["id"], operator_user.login),
        ("create", "task", task["id"], operator_user.login),
    ]
    assert entries[0]["changes"]["status"] == ["open", "done"]
    assert entries[0]["ip"] is not None and entries[0]["at"].endswith("+00:00")
    r = await manager.get("/api/audit", params={"entity": "client", "entity_id": acme["id"]})
    assert [e["action"] for e in r.json()["items"]] == ["create"]
    r = await manager.get("/api/audit", params={"entity": "task", "action": "create"})
    assert r.json()["total"] == 1
    r = await manager.get("/api/audit", params={"from": "2999-01-01T00:00:00Z"})
    assert r.json()["total"] == 0
    r = await manager.get("/api/audit", params={"from": "2000-01-01T00:00:00", "entity_id": "x"})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"from", "entity_id"}
    r = await manager.get("/api/audit", params={"limit": 1, "offset": 1, "entity": "task"})
    assert (r.json()["total"], [e["action"] for e in r.json()["items"]]) == (2, ["create"])
