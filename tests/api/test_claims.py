"""Claims over the API: record, investigate, resolve, reopen, find."""

from __future__ import annotations

import httpx

from callcenter.models.enums import Role
from tests.api.conftest import Session, audit_entries, new_client
from tests.conftest import MakeUser


async def test_claim_lifecycle(admin_http: httpx.AsyncClient) -> None:
    acme = await new_client(admin_http, "Acme")
    person = (await admin_http.post(f"/api/clients/{acme['id']}/contacts", json={"full_name": "Ann"})).json()
    r = await admin_http.post("/api/claims", json={
        "client_id": acme["id"], "contact_id": person["id"], "subject": "Broken pump", "description": "Leaks",
    })
    assert r.status_code == 201, r.text
    claim = r.json()
    assert (claim["status"], claim["resolved_at"], claim["owner_id"] is not None) == ("open", None, True)

    r = await admin_http.patch(f"/api/claims/{claim['id']}", json={"status": "investigating", "investigation": "Seal worn"})
    assert (r.json()["status"], r.json()["investigation"], r.json()["resolved_at"]) == ("investigating", "Seal worn", None)
    r = await admin_http.patch(f"/api/claims/{claim['id']}", json={"status": "resolved"})
    assert r.status_code == 422 and r.json()["fields"] == {"resolution": "required to resolve a claim"}
    r = await admin_http.patch(f"/api/claims/{claim['id']}", json={"status": "resolved", "resolution": "Seal replaced"})
    assert r.status_code == 200 and r.json()["resolved_at"] is not None
    r = await admin_http.patch(f"/api/claims/{claim['id']}", json={"status": "open"})
    assert r.json()["resolved_at"] is None
    r = await admin_http.get(f"/api/claims/{claim['id']}")
    assert (r.json()["status"], r.json()["resolution"]) == ("open", "Seal replaced")
    assert (await admin_http.delete(f"/api/claims/{claim['id']}")).status_code == 204
    assert (await admin_http.get(f"/api/claims/{claim['id']}")).status_code == 404
    actions = [e["action"] for e in await audit_entries(admin_http, entity="claim", entity_id=claim["id"])]
    assert actions == ["delete", "update", "update", "update", "create"]


async def test_claim_bad_fields(admin_http: httpx.AsyncClient) -> None:
    acme = await new_client(admin_http, "Acme")
    beta = await new_client(admin_http, "Beta")
    stranger = (await admin_http.post(f"/api/clients/{beta['id']}/contacts", json={"full_name": "Bob"})).json()
    r = await admin_http.post("/api/claims", json={"subject": " ", "status": "resolved"})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"client_id", "subject", "status"}
    r = await admin_http.post("/api/claims", json={"client_id": acme["id"], "subject": "x", "contact_id": stranger["id"], "interaction_id": 5})
    assert r.status_code == 422
    assert r.json()["fields"] == {
        "contact_id": f"contact person {stranger['id']} does not represent client {acme['id']}",
        "interaction_id": "no interaction with id 5",
    }
    assert (await admin_http.get("/api/claims")).json()["total"] == 0
    assert (await admin_http.patch("/api/claims/999", json={"subject": "x"})).status_code == 404


async def test_claim_filters_pages_and_delete_right(
    admin_http: httpx.AsyncClient, make_user: MakeUser, session_for: Session
) -> None:
    acme = await new_client(admin_http, "Acme")
    beta = await new_client(admin_http, "Beta")
    ids = [(await admin_http.post("/api/claims", json={"client_id": c["id"], "subject": "s"})).json()["id"] for c in (acme, beta, acme)]
    await admin_http.patch(f"/api/claims/{ids[0]}", json={"status": "rejected"})
    r = await admin_http.get("/api/claims", params={"client_id": acme["id"]})
    assert [c["id"] for c in r.json()["items"]] == [ids[2], ids[0]]
    r = await admin_http.get("/api/claims", params={"status": "rejected"})
    assert [c["id"] for c in r.json()["items"]] == [ids[0]] and r.json()["items"][0]["resolved_at"] is not None
    r = await admin_http.get("/api/claims", params={"limit": 2, "offset": 1})
    assert (r.json()["total"], [c["id"] for c in r.json()["items"]]) == (3, [ids[1], ids[0]])
    operator = await session_for(await make_user(Role.OPERATOR))
    assert (await operator.patch(f"/api/claims/{ids[1]}", json={"investigation": "called back"})).status_code == 200
    assert (await operator.delete(f"/api/claims/{ids[1]}")).status_code == 403
