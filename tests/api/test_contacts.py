"""Contact persons and relations between clients over the API."""

from __future__ import annotations

import httpx

from callcenter.models.enums import Role
from tests.api.conftest import Session, audit_entries, new_client
from tests.conftest import MakeUser


async def test_contact_lifecycle(admin_http: httpx.AsyncClient) -> None:
    acme = await new_client(admin_http, "Acme")
    r = await admin_http.post(
        f"/api/clients/{acme['id']}/contacts",
        json={"full_name": "Иван Петров", "position": "CFO", "role": "accountant",
              "phones": ["8 (913) 555-12-34"], "emails": ["Ivan@Acme.ru"]},
    )
    assert r.status_code == 201, r.text
    person = r.json()
    assert person["phones"][0]["e164"] == "+79135551234"
    assert person["emails"] == ["ivan@acme.ru"]
    assert person["clients"] == [{"client_id": acme["id"], "client_name": "Acme", "role": "accountant"}]

    r = await admin_http.get(f"/api/contacts/{person['id']}")
    assert r.status_code == 200 and r.json()["full_name"] == "Иван Петров"

    r = await admin_http.patch(f"/api/contacts/{person['id']}", json={"position": "CEO", "phones": ["+7 913 555 00 00"]})
    assert r.status_code == 200, r.text
    assert r.json()["position"] == "CEO"
    assert [p["e164"] for p in r.json()["phones"]] == ["+79135550000"]

    r = await admin_http.delete(f"/api/contacts/{person['id']}")
    assert r.status_code == 204
    assert (await admin_http.get(f"/api/contacts/{person['id']}")).status_code == 404
    actions = [e["action"] for e in await audit_entries(admin_http, entity="contact", entity_id=person["id"])]
    assert actions == ["delete", "update", "create"]


async def test_contact_list_search_filter_and_pages(admin_http: httpx.AsyncClient) -> None:
    acme = await new_client(admin_http, "Acme")
    other = await new_client(admin_http, "Other")
    for i, name in enumerate(["Анна Смирнова", "Борис Иванов", "Вера Смирнова"]):
        r = await admin_http.post(f"/api/clients/{acme['id']}/contacts",
                                  json={"full_name": name, "phones": [f"+7 913 000 00 0{i}"]})
        assert r.status_code == 201
    await admin_http.post(f"/api/clients/{other['id']}/contacts", json={"full_name": "Глеб Смирнов"})

    r = await admin_http.get("/api/contacts", params={"q": "СМИРНОВ"})
    assert [c["full_name"] for c in r.json()["items"]] == ["Анна Смирнова", "Вера Смирнова", "Глеб Смирнов"]
    r = await admin_http.get("/api/contacts", params={"q": "смирнов", "client_id": acme["id"]})
    assert r.json()["total"] == 2
    r = await admin_http.get("/api/contacts", params={"q": "8 913 000-00-01"})
    assert [c["full_name"] for c in r.json()["items"]] == ["Борис Иванов"]
    r = await admin_http.get("/api/contacts", params={"limit": 2, "offset": 2})
    body = r.json()
    assert (body["total"], body["limit"], body["offset"], len(body["items"])) == (4, 2, 2, 2)


async def test_contact_bad_fields_write_nothing(admin_http: httpx.AsyncClient) -> None:
    acme = await new_client(admin_http, "Acme")
    r = await admin_http.post(f"/api/clients/{acme['id']}/contacts",
                              json={"full_name": "X", "phones": ["+7 913 111 22 33", "12"]})
    assert r.status_code == 422
    assert set(r.json()["fields"]) == {"phones.1"}
    r = await admin_http.post(f"/api/clients/{acme['id']}/contacts", json={"full_name": "", "age": 3})
    assert r.status_code == 422
    assert set(r.json()["fields"]) == {"full_name", "age"}
    assert (await admin_http.get("/api/contacts")).json()["total"] == 0
    r = await admin_http.post("/api/clients/999/contacts", json={"full_name": "X"})
    assert r.status_code == 404
    assert (await admin_http.patch("/api/contacts/999", json={"notes": "x"})).status_code == 404
    r = await admin_http.post(f"/api/clients/{acme['id']}/contacts", json={"full_name": "Y"})
    r = await admin_http.patch(f"/api/contacts/{r.json()['id']}", json={"full_name": None})
    assert r.status_code == 422 and r.json()["fields"] == {"full_name": "may not be null"}


async def test_link_and_unlink_existing_person(admin_http: httpx.AsyncClient) -> None:
    acme = await new_client(admin_http, "Acme")
    beta = await new_client(admin_http, "Beta")
    person = (await admin_http.post(f"/api/clients/{acme['id']}/contacts", json={"full_name": "Ann"})).json()
    r = await admin_http.post(f"/api/clients/{beta['id']}/contacts/{person['id']}", json={"role": "director"})
    assert r.status_code == 200, r.text
    assert {(c["client_id"], c["role"]) for c in r.json()["clients"]} == {(acme["id"], ""), (beta["id"], "director")}
    r = await admin_http.post(f"/api/clients/{beta['id']}/contacts/{person['id']}", json={"role": "owner"})
    assert {c["role"] for c in r.json()["clients"] if c["client_id"] == beta["id"]} == {"owner"}
    r = await admin_http.get("/api/contacts", params={"client_id": beta["id"]})
    assert [c["id"] for c in r.json()["items"]] == [person["id"]]

    assert (await admin_http.delete(f"/api/clients/{beta['id']}/contacts/{person['id']}")).status_code == 204
    assert (await admin_http.delete(f"/api/clients/{beta['id']}/contacts/{person['id']}")).status_code == 404
    r = await admin_http.get(f"/api/contacts/{person['id']}")
    assert [c["client_id"] for c in r.json()["clients"]] == [acme["id"]]
    assert (await admin_http.post(f"/api/clients/{beta['id']}/contacts/9999", json={})).status_code == 404
    actions = [e["action"] for e in await audit_entries(admin_http, entity="contact", entity_id=person["id"])]
    assert actions == ["unlink", "update", "link", "create"]


async def test_operator_cannot_delete_contacts(
    admin_http: httpx.AsyncClient, make_user: MakeUser, session_for: Session
) -> None:
    acme = await new_client(admin_http, "Acme")
    person = (await admin_http.post(f"/api/clients/{acme['id']}/contacts", json={"full_name": "Ann"})).json()
    operator = await session_for(await make_user(Role.OPERATOR))
    assert (await operator.delete(f"/api/contacts/{person['id']}")).status_code == 403
    r = await operator.patch(f"/api/contacts/{person['id']}", json={"notes": "met at expo"})
    assert r.status_code == 200 and r.json()["notes"] == "met at expo"


async def test_relations(admin_http: httpx.AsyncClient) -> None:
    parent = await new_client(admin_http, "Holding")
    child = await new_client(admin_http, "Daughter")
    r = await admin_http.post(f"/api/clients/{parent['id']}/relations",
                              json={"related_client_id": child["id"], "kind": "parent", "note": "100%"})
    assert r.status_code == 201, r.text
    relation = r.json()
    assert relation["direction"] == "outgoing" and relation["other_client"]["name"] == "Daughter"
    r = await admin_http.get(f"/api/clients/{child['id']}/relations")
    items = r.json()["items"]
    assert [(i["id"], i["direction"], i["kind"], i["other_client"]["id"]) for i in items] == [
        (relation["id"], "incoming", "parent", parent["id"])
    ]
    r = await admin_http.post(f"/api/clients/{parent['id']}/relations", json={"related_client_id": child["id"], "kind": "parent"})
    assert r.status_code == 409
    r = await admin_http.post(f"/api/clients/{parent['id']}/relations", json={"related_client_id": 999, "kind": "friend"})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"kind"}
    r = await admin_http.post(f"/api/clients/{parent['id']}/relations", json={"related_client_id": 999, "kind": "partner"})
    assert r.status_code == 422 and r.json()["fields"] == {"related_client_id": "no client with id 999"}
    r = await admin_http.post(f"/api/clients/{parent['id']}/relations", json={"related_client_id": parent["id"], "kind": "partner"})
    assert r.status_code == 422 and "related_client_id" in r.json()["fields"]
    assert (await admin_http.delete(f"/api/relations/{relation['id']}")).status_code == 204
    assert (await admin_http.delete(f"/api/relations/{relation['id']}")).status_code == 404
    assert (await admin_http.get(f"/api/clients/{parent['id']}/relations")).json()["items"] == []
    actions = [e["action"] for e in await audit_entries(admin_http, entity="client_relation")]
    assert actions == ["delete", "create"]
