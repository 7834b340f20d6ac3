"""Users, teams and the admin switch over the API."""

from __future__ import annotations

from typing import Any

import httpx

from callcenter.models.enums import Role
from tests.api.conftest import Session, audit_entries
from tests.conftest import PASSWORD, MakeUser


def no_secrets(user: dict[str, Any]) -> None:
    assert not any("password" in key or "hash" in key for key in user), user


async def test_create_read_update_user(admin_http: httpx.AsyncClient) -> None:
    team = (await admin_http.post("/api/teams", json={"name": "Sales"})).json()
    r = await admin_http.post("/api/users", json={
        "login": "olga", "password": "long-enough-pw", "role": "operator", "full_name": "Ольга", "extension": "101",
        "team_id": team["id"],
    })
    assert r.status_code == 201, r.text
    user = r.json()
    no_secrets(user)
    assert (user["agent_interface"], user["team_id"], user["is_active"]) == ("PJSIP/101", team["id"], True)
    r = await admin_http.patch(f"/api/users/{user['id']}", json={"role": "supervisor", "extension": "102", "team_id": None})
    assert r.status_code == 200, r.text
    assert (r.json()["role"], r.json()["extension"], r.json()["agent_interface"], r.json()["team_id"]) == (
        "supervisor", "102", "PJSIP/102", None
    )
    r = await admin_http.get(f"/api/users/{user['id']}")
    no_secrets(r.json())
    assert r.json()["role"] == "supervisor"
    assert (await admin_http.get("/api/users/9999")).status_code == 404
    entries = await audit_entries(admin_http, entity="user", entity_id=user["id"])
    assert [e["action"] for e in entries] == ["update", "create"]
    assert entries[0]["changes"]["role"] == ["operator", "supervisor"]


async def test_user_bad_fields_and_conflicts(admin_http: httpx.AsyncClient, make_user: MakeUser) -> None:
    r = await admin_http.post("/api/users", json={"login": "a b", "password": "short", "role": "boss", "extension": "1x"})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"login", "role", "extension"}
    r = await admin_http.post("/api/users", json={"login": "ab", "password": "short", "role": "operator", "team_id": 42})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"password", "team_id"}
    await make_user(Role.OPERATOR, login="taken", extension="200")
    r = await admin_http.post("/api/users", json={"login": "taken", "password": PASSWORD, "role": "operator"})
    assert r.status_code == 409 and r.json()["fields"] == {"login": "already taken"}
    r = await admin_http.post("/api/users", json={"login": "new", "password": PASSWORD, "role": "operator", "extension": "200"})
    assert r.status_code == 409 and r.json()["fields"] == {"extension": "already taken"}
    other = await make_user(Role.OPERATOR)
    r = await admin_http.patch(f"/api/users/{other.id}", json={"extension": "200", "password": "x", "role": None})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"password", "role"}
    r = await admin_http.patch(f"/api/users/{other.id}", json={"extension": "200"})
    assert r.status_code == 409
    me = (await admin_http.get("/api/session")).json()
    r = await admin_http.patch(f"/api/users/{me['id']}", json={"role": "operator", "is_active": False})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"role", "is_active"}


async def test_password_change_and_deactivation_log_out(
    admin_http: httpx.AsyncClient, make_user: MakeUser, session_for: Session
) -> None:
    first, second = await make_user(Role.OPERATOR), await make_user(Role.OPERATOR)
    first_http, second_http = await session_for(first), await session_for(second)
    assert (await first_http.get("/api/session")).status_code == 200
    r = await admin_http.patch(f"/api/users/{first.id}", json={"password": "a-brand-new-password"})
    assert r.status_code == 200
    assert (await first_http.get("/api/session")).status_code == 401
    r = await first_http.post("/api/session", json={"login": first.login, "password": "a-brand-new-password"})
    assert r.status_code == 200
    r = await admin_http.patch(f"/api/users/{second.id}", json={"is_active": False})
    assert r.json()["is_active"] is False
    assert (await second_http.get("/api/session")).status_code == 401
    entries = await audit_entries(admin_http, entity="user", entity_id=first.id, action="update")
    assert entries[0]["changes"] == {"password": "changed"}


async def test_list_filters_and_pages(admin_http: httpx.AsyncClient, make_user: MakeUser) -> None:
    team = (await admin_http.post("/api/teams", json={"name": "Support"})).json()
    await make_user(Role.OPERATOR, login="anna", team_id=team["id"])
    await make_user(Role.OPERATOR, login="boris")
    await make_user(Role.SUPERVISOR, login="vera", full_name="Vera Head")
    gone = await make_user(Role.OPERATOR, login="gleb")
    await admin_http.patch(f"/api/users/{gone.id}", json={"is_active": False})

    async def logins(**params: Any) -> list[str]:
        r = await admin_http.get("/api/users", params=params)
        assert r.status_code == 200, r.text
        for user in r.json()["items"]:
            no_secrets(user)
        return [u["login"] for u in r.json()["items"]]

    assert await logins() == ["admin", "anna", "boris", "gleb", "vera"]
    assert await logins(role="operator", active="true") == ["anna", "boris"]
    assert await logins(team_id=team["id"]) == ["anna"]
    assert await logins(q="HEAD") == ["vera"]
    assert await logins(active="false") == ["gleb"]
    r = await admin_http.get("/api/users", params={"limit": 2, "offset": 2})
    assert (r.json()["total"], [u["login"] for u in r.json()["items"]]) == (5, ["boris", "gleb"])


async def test_roles(admin_http: httpx.AsyncClient, make_user: MakeUser, session_for: Session) -> None:
    operator = await session_for(await make_user(Role.OPERATOR))
    supervisor = await session_for(await make_user(Role.SUPERVISOR))
    manager = await session_for(await make_user(Role.MANAGER))
    body = {"login": "x1", "password": PASSWORD, "role": "operator"}
    assert (await operator.post("/api/users", json=body)).status_code == 403
    assert (await operator.get("/api/users")).status_code == 403
    assert (await operator.get("/api/teams")).status_code == 403
    r = await supervisor.get("/api/users")
    assert r.status_code == 200 and r.json()["total"] == 4
    assert (await supervisor.post("/api/users", json=body)).status_code == 403
    assert (await manager.post("/api/users", json=body)).status_code == 403
    assert (await manager.post("/api/teams", json={"name": "T"})).status_code == 403
    assert (await manager.get("/api/admin/settings")).status_code == 403
    assert (await admin_http.post("/api/users", json=body)).status_code == 201


async def test_teams(admin_http: httpx.AsyncClient, make_user: MakeUser) -> None:
    r = await admin_http.post("/api/teams", json={"name": "Sales"})
    assert r.status_code == 201
    sales = r.json()
    await make_user(Role.OPERATOR, team_id=sales["id"])
    assert (await admin_http.post("/api/teams", json={"name": "Sales"})).status_code == 409
    assert (await admin_http.post("/api/teams", json={"name": ""})).json()["fields"].keys() == {"name"}
    r = await admin_http.patch(f"/api/teams/{sales['id']}", json={"name": "Outbound"})
    assert r.json()["name"] == "Outbound"
    r = await admin_http.get("/api/teams")
    assert [(t["name"], t["members"]) for t in r.json()["items"]] == [("Outbound", 1)]
    assert (await admin_http.get(f"/api/teams/{sales['id']}")).json()["members"] == 1
    assert (await admin_http.delete(f"/api/teams/{sales['id']}")).status_code == 204
    assert (await admin_http.get(f"/api/teams/{sales['id']}")).status_code == 404
    assert (await admin_http.get("/api/users", params={"role": "operator"})).json()["items"][0]["team_id"] is None
    actions = [e["action"] for e in await audit_entries(admin_http, entity="team")]
    assert actions == ["delete", "update", "create"]


async def test_admin_switch(admin_http: httpx.AsyncClient) -> None:
    r = await admin_http.get("/api/admin/settings")
    assert r.json() == {"operators_own_clients_only": False}
    r = await admin_http.patch("/api/admin/settings", json={"operators_own_clients_only": True})
    assert r.status_code == 200 and r.json() == {"operators_own_clients_only": True}
    assert (await admin_http.get("/api/admin/settings")).json() == {"operators_own_clients_only": True}
    r = await admin_http.patch("/api/admin/settings", json={"operators_own_clients_only": "sometimes", "other": 1})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"operators_own_clients_only", "other"}
    r = await admin_http.patch("/api/admin/settings", json={"operators_own_clients_only": None})
    assert r.status_code == 422
    entries = await audit_entries(admin_http, entity="app_setting")
    assert [e["changes"] for e in entries] == [{"operators_own_clients_only": [False, True]}]


async def test_search_ignores_case_in_any_alphabet(admin_http: httpx.AsyncClient, make_user: MakeUser) -> None:
    await make_user(Role.OPERATOR, login="semyon", full_name="Семён  ИВАНОВ")
    await make_user(Role.OPERATOR, login="olga_k", full_name="Ольга 100% Кузнецова")
    await make_user(Role.OPERATOR, login="olgak", full_name="Ольга Кузнецова")

    async def logins(q: str) -> list[str]:
        r = await admin_http.get("/api/users", params={"q": q})
        assert r.status_code == 200, r.text
        return [u["login"] for u in r.json()["items"]]

    for q in ("иванов", "ИВАНОВ", "Семен иванов", "СЕМЁН"):
        assert await logins(q) == ["semyon"], q
    assert await logins("кузнецова") == ["olga_k", "olgak"]
    assert await logins("OLGA_") == ["olga_k"]
    assert await logins("100%") == ["olga_k"]
    assert await logins("%") == ["olga_k"]
