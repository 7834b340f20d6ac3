"""Operators change only what is theirs: another operator's interaction is refused, and no operator gives a
client, deal or task to anyone (themselves included) unless it had no owner; supervisors and above may."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.services import record_call
from callcenter.models.enums import Role
from tests.api.conftest import Session, new_client
from tests.conftest import MakeUser
from tests.test_calls import summary


def refused(r: httpx.Response, error_id: str) -> bool:
    return r.status_code == 403 and r.json()["error"] == error_id


async def test_an_operator_changes_only_their_own_interactions(
    admin_http: httpx.AsyncClient, make_user: MakeUser, session_for: Session, db: AsyncSession
) -> None:
    alice = await make_user(Role.OPERATOR, login="agent1", extension="101", agent_interface="PJSIP/agent1")
    bob = await make_user(Role.OPERATOR)
    acme = await new_client(admin_http, "Acme")
    when = "2024-05-01T10:00:00+03:00"
    bobs = (await admin_http.post("/api/interactions", json={
        "kind": "note", "client_id": acme["id"], "occurred_at": when, "user_id": bob.id})).json()
    taken_by_alice = (await record_call(db, summary("1714557600.7"), region="RU")).interaction_id
    as_alice, as_bob = await session_for(alice), await session_for(bob)

    r = await as_alice.patch(f"/api/interactions/{bobs['id']}", json={"notes": "mine now"})
    assert refused(r, "not-yours"), r.text
    assert (await as_bob.patch(f"/api/interactions/{bobs['id']}", json={"notes": "ok"})).status_code == 200
    # A call's interaction is its answering operator's, as for the wrap-up.
    assert refused(await as_bob.patch(f"/api/interactions/{taken_by_alice}", json={"notes": "x"}), "not-yours")
    assert (await as_alice.patch(f"/api/interactions/{taken_by_alice}", json={"notes": "x"})).status_code == 200
    supervisor = await session_for(await make_user(Role.SUPERVISOR))
    assert (await supervisor.patch(f"/api/interactions/{bobs['id']}", json={"notes": "seen"})).status_code == 200


async def test_only_supervisors_and_above_give_clients_deals_and_tasks_an_owner(
    admin_http: httpx.AsyncClient, make_user: MakeUser, session_for: Session, stages: dict[str, int]
) -> None:
    alice, bob = await make_user(Role.OPERATOR), await make_user(Role.OPERATOR)
    as_alice = await session_for(alice)
    bobs_client = await new_client(admin_http, "Bob's", owner_id=bob.id)
    nobodys = await new_client(admin_http, "Nobody's")
    assert (await admin_http.patch(f"/api/clients/{nobodys['id']}", json={"owner_id": None})).status_code == 200
    deal = (await admin_http.post("/api/deals", json={
        "client_id": bobs_client["id"], "title": "Big", "stage_id": stages["lead"], "owner_id": bob.id})).json()
    task = (await admin_http.post("/api/tasks", json={"kind": "task", "title": "Call", "owner_id": bob.id})).json()

    async def patch(path: str, body: dict[str, Any]) -> httpx.Response:
        return await as_alice.patch(path, json=body)

    for owner in (alice.id, None):
        assert refused(await patch(f"/api/clients/{bobs_client['id']}", {"owner_id": owner}), "owner-change-forbidden")
        assert refused(await patch(f"/api/deals/{deal['id']}", {"owner_id": owner}), "owner-change-forbidden")
        assert refused(await patch(f"/api/tasks/{task['id']}", {"owner_id": owner}), "owner-change-forbidden")
    # Keeping the owner as it is, or changing something else, is not a reassignment.
    assert (await patch(f"/api/clients/{bobs_client['id']}", {"owner_id": bob.id, "notes": "x"})).status_code == 200
    assert (await patch(f"/api/deals/{deal['id']}", {"title": "Bigger"})).status_code == 200
    # Creating: one's own, never a colleague's.
    r = await as_alice.post("/api/deals", json={"client_id": bobs_client["id"], "title": "Mine",
                                                "stage_id": stages["lead"], "owner_id": bob.id})
    assert refused(r, "owner-change-forbidden")
    r = await as_alice.post("/api/deals", json={"client_id": bobs_client["id"], "title": "Mine",
                                                "stage_id": stages["lead"]})
    assert r.status_code == 201 and r.json()["owner_id"] == alice.id
    assert refused(await as_alice.post("/api/tasks", json={"kind": "task", "title": "You", "owner_id": bob.id}),
                   "owner-change-forbidden")
    r = await as_alice.post("/api/clients", params={"force": "true"},
                            json={"name": "Gift", "kind": "company", "owner_id": bob.id})
    assert refused(r, "owner-change-forbidden")
    # An item with no owner may be taken by the operator for themselves.
    r = await patch(f"/api/clients/{nobodys['id']}", {"owner_id": alice.id})
    assert r.status_code == 200 and r.json()["owner_id"] == alice.id
    # Her own: she may not hand it on either.
    assert refused(await patch(f"/api/clients/{nobodys['id']}", {"owner_id": bob.id}), "owner-change-forbidden")

    supervisor = await session_for(await make_user(Role.SUPERVISOR))
    for path in (f"/api/clients/{bobs_client['id']}", f"/api/deals/{deal['id']}", f"/api/tasks/{task['id']}"):
        r = await supervisor.patch(path, json={"owner_id": alice.id})
        assert r.status_code == 200 and r.json()["owner_id"] == alice.id, r.text


