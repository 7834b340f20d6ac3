"""The admin switch restricting operators to their own clients, across every endpoint attached to clients."""

from __future__ import annotations

from typing import Any

import httpx

from callcenter.models.enums import Role
from tests.api.conftest import Session, new_client
from tests.conftest import MakeUser


async def created(http: httpx.AsyncClient, path: str, body: dict[str, Any]) -> int:
    r = await http.post(path, json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_operator_limited_to_own_clients(
    admin_http: httpx.AsyncClient, make_user: MakeUser, session_for: Session, stages: dict[str, int]
) -> None:
    me_user = await make_user(Role.OPERATOR)
    me = await session_for(me_user)
    supervisor = await session_for(await make_user(Role.SUPERVISOR))
    assert (await admin_http.patch("/api/admin/settings", json={"operators_own_clients_only": True})).status_code == 200

    mine = await new_client(me, "Mine")
    theirs = await new_client(admin_http, "Theirs")
    assert mine["owner_id"] == me_user.id
    items: dict[str, dict[str, int]] = {"mine": {}, "theirs": {}}
    for side, http, client in (("mine", me, mine), ("theirs", admin_http, theirs)):
        cid = client["id"]
        items[side]["interactions"] = await created(http, "/api/interactions", {"kind": "note", "client_id": cid})
        items[side]["tasks"] = await created(http, "/api/tasks", {"title": "t", "client_id": cid})
        items[side]["deals"] = await created(http, "/api/deals", {"title": "d", "client_id": cid})
        items[side]["claims"] = await created(http, "/api/claims", {"subject": "c", "client_id": cid})
        items[side]["contacts"] = await created(http, f"/api/clients/{cid}/contacts", {"full_name": f"{side} person"})
        items[side]["sales"] = await created(http, "/api/sales", {"client_id": cid, "sold_on": "2024-01-01", "amount": 1})
    loose_task = await created(admin_http, "/api/tasks", {"title": "someone else's, no client"})
    my_loose_task = await created(me, "/api/tasks", {"title": "mine, no client"})

    for kind in ("interactions", "tasks", "deals", "claims", "contacts", "sales"):
        listed = {i["id"] for i in (await me.get(f"/api/{kind}")).json()["items"]}
        expected = {items["mine"][kind]} | ({my_loose_task} if kind == "tasks" else set())
        assert listed == expected, kind
        everything = {i["id"] for i in (await supervisor.get(f"/api/{kind}")).json()["items"]}
        assert {items["mine"][kind], items["theirs"][kind]} <= everything, kind
    assert loose_task not in {t["id"] for t in (await me.get("/api/tasks")).json()["items"]}

    for kind in ("interactions", "tasks", "deals", "claims", "contacts"):
        other = items["theirs"][kind]
        assert (await me.get(f"/api/{kind}/{other}")).status_code == 403, kind
        assert (await me.patch(f"/api/{kind}/{other}", json={})).status_code == 403, kind
        assert (await me.get(f"/api/{kind}/{items['mine'][kind]}")).status_code == 200, kind
    assert (await me.get(f"/api/tasks/{loose_task}")).status_code == 403
    assert (await me.delete(f"/api/tasks/{items['theirs']['tasks']}")).status_code == 403
    assert (await me.delete(f"/api/deals/{items['theirs']['deals']}")).status_code == 403
    assert (await me.delete(f"/api/interactions/{items['theirs']['interactions']}")).status_code == 403

    tid = theirs["id"]
    for path, body in (
        ("/api/interactions", {"kind": "note", "client_id": tid}),
        ("/api/tasks", {"title": "t", "client_id": tid}),
        ("/api/deals", {"title": "d", "client_id": tid}),
        ("/api/claims", {"subject": "c", "client_id": tid}),
        ("/api/sales", {"client_id": tid, "sold_on": "2024-01-01", "amount": 1}),
        (f"/api/clients/{tid}/contacts", {"full_name": "x"}),
        (f"/api/clients/{tid}/relations", {"related_client_id": mine["id"], "kind": "partner"}),
        (f"/api/clients/{mine['id']}/relations", {"related_client_id": tid, "kind": "partner"}),
        (f"/api/clients/{tid}/contacts/{items['mine']['contacts']}", {"role": "x"}),
    ):
        assert (await me.post(path, json=body)).status_code == 403, path
    assert (await me.get(f"/api/clients/{tid}/relations")).status_code == 403

    # A person representing both clients is visible, but only changed by someone who may see both.
    shared = items["mine"]["contacts"]
    r = await admin_http.post(f"/api/clients/{tid}/contacts/{shared}", json={"role": "also"})
    assert r.status_code == 200
    assert (await me.get(f"/api/contacts/{shared}")).status_code == 200
    assert (await me.patch(f"/api/contacts/{shared}", json={"notes": "x"})).status_code == 403
    await created(admin_http, f"/api/clients/{mine['id']}/relations", {"related_client_id": tid, "kind": "partner"})
    assert (await me.get(f"/api/clients/{mine['id']}/relations")).json()["items"] == []

    await admin_http.patch("/api/admin/settings", json={"operators_own_clients_only": False})
    assert (await me.get(f"/api/deals/{items['theirs']['deals']}")).status_code == 200
    assert len((await me.get(f"/api/clients/{mine['id']}/relations")).json()["items"]) == 1
