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


async def restricted_operator(
    admin_http: httpx.AsyncClient, make_user: MakeUser, session_for: Session
) -> tuple[httpx.AsyncClient, dict[str, Any], dict[str, Any]]:
    """A logged-in operator restricted to their own clients, their client "Mine", and another's "Secret Corp"."""
    me = await session_for(await make_user(Role.OPERATOR))
    assert (await admin_http.patch("/api/admin/settings", json={"operators_own_clients_only": True})).status_code == 200
    return me, await new_client(me, "Mine"), await new_client(admin_http, "Secret Corp")


async def shared_person(admin_http: httpx.AsyncClient, me: httpx.AsyncClient, mine: int, theirs: int) -> int:
    """A person the operator created for their client, whom the admin also linked to another's client."""
    shared = await created(me, f"/api/clients/{mine}/contacts", {"full_name": "Shared Person"})
    assert (await admin_http.post(f"/api/clients/{theirs}/contacts/{shared}", json={"role": "also"})).status_code == 200
    return shared


async def test_linking_a_person_needs_sight_of_them(
    admin_http: httpx.AsyncClient, make_user: MakeUser, session_for: Session
) -> None:
    me, mine, theirs = await restricted_operator(admin_http, make_user, session_for)
    second = await new_client(me, "Mine too")
    hidden = await created(admin_http, f"/api/clients/{theirs['id']}/contacts", {
        "full_name": "Hidden Person", "phones": ["+7 913 123 45 67"], "emails": ["h@x.ru"],
    })
    r = await me.post(f"/api/clients/{mine['id']}/contacts/{hidden}", json={"role": "x"})
    assert r.status_code == 403, r.text
    assert "+79131234567" not in r.text and "Secret Corp" not in r.text
    links = (await admin_http.get(f"/api/contacts/{hidden}")).json()["clients"]
    assert [link["client_id"] for link in links] == [theirs["id"]]
    assert (await me.post(f"/api/clients/{mine['id']}/contacts/999999", json={"role": "x"})).status_code == 404

    # A person the operator may see (representing one of their clients) can still be linked to another.
    shared = await shared_person(admin_http, me, mine["id"], theirs["id"])
    r = await me.post(f"/api/clients/{second['id']}/contacts/{shared}", json={"role": "buyer"})
    assert r.status_code == 200, r.text


async def test_a_shared_person_shows_only_own_clients(
    admin_http: httpx.AsyncClient, make_user: MakeUser, session_for: Session
) -> None:
    me, mine, theirs = await restricted_operator(admin_http, make_user, session_for)
    shared = await shared_person(admin_http, me, mine["id"], theirs["id"])

    own_only = [{"client_id": mine["id"], "client_name": "Mine", "role": ""}]
    assert (await me.get(f"/api/contacts/{shared}")).json()["clients"] == own_only
    [listed] = (await me.get("/api/contacts")).json()["items"]
    assert listed["clients"] == own_only
    both = (await admin_http.get(f"/api/contacts/{shared}")).json()["clients"]
    assert {link["client_id"] for link in both} == {mine["id"], theirs["id"]}

    await admin_http.patch("/api/admin/settings", json={"operators_own_clients_only": False})
    assert len((await me.get(f"/api/contacts/{shared}")).json()["clients"]) == 2


async def test_references_without_a_client_follow_the_rule(
    admin_http: httpx.AsyncClient, make_user: MakeUser, session_for: Session
) -> None:
    me, mine, theirs = await restricted_operator(admin_http, make_user, session_for)
    their_person = await created(admin_http, f"/api/clients/{theirs['id']}/contacts", {"full_name": "Hidden"})
    their_note = await created(admin_http, "/api/interactions", {"kind": "note"})
    their_call = await created(admin_http, "/api/interactions", {"kind": "call", "client_id": theirs["id"]})
    my_person = await created(me, f"/api/clients/{mine['id']}/contacts", {"full_name": "Mine"})
    my_note = await created(me, "/api/interactions", {"kind": "note"})
    before = {kind: (await admin_http.get(f"/api/{kind}")).json()["total"] for kind in ("interactions", "tasks")}

    for path, body in (
        ("/api/interactions", {"kind": "note", "contact_id": their_person}),
        ("/api/tasks", {"title": "t", "contact_id": their_person}),
        ("/api/tasks", {"title": "t", "interaction_id": their_note}),
        ("/api/tasks", {"title": "t", "interaction_id": their_call}),
    ):
        r = await me.post(path, json=body)
        assert r.status_code == 403, (path, body, r.text)
    after = {kind: (await admin_http.get(f"/api/{kind}")).json()["total"] for kind in ("interactions", "tasks")}
    assert after == before

    # Field errors still come first, and the operator's own references pass.
    r = await me.post("/api/tasks", json={"title": "t", "contact_id": 999999, "interaction_id": their_note})
    assert r.status_code == 422 and r.json()["fields"] == {"contact_id": "no contact person with id 999999"}
    await created(me, "/api/interactions", {"kind": "note", "contact_id": my_person})
    task = await created(me, "/api/tasks", {"title": "t", "contact_id": my_person, "interaction_id": my_note})
    assert (await me.patch(f"/api/tasks/{task}", json={"contact_id": their_person})).status_code == 403
    assert (await me.patch(f"/api/interactions/{my_note}", json={"contact_id": their_person})).status_code == 403
    assert (await admin_http.get(f"/api/tasks/{task}")).json()["contact_id"] == my_person
