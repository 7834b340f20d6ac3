"""Logging in and out, bearer tokens, throttling, revocation and the cross-site check."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.auth.tokens import create_token
from callcenter.models import AuditEntry, WebSession
from callcenter.models.enums import Role
from callcenter.settings import Settings
from tests.conftest import PASSWORD, MakeUser, login_as


async def test_login_sets_opaque_cookie_and_whoami(http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession) -> None:
    user = await make_user(Role.SUPERVISOR)
    body = await login_as(http, user)
    assert body["role"] == "supervisor"
    cookie = http.cookies.get("cc_session")
    assert cookie and user.login not in cookie
    stored = (await db.scalars(select(WebSession))).all()
    assert len(stored) == 1 and stored[0].id_hash != cookie
    me = await http.get("/api/session")
    assert me.status_code == 200 and me.json()["login"] == user.login


async def test_wrong_password_is_401_and_unknown_login_too(http: httpx.AsyncClient, make_user: MakeUser) -> None:
    user = await make_user()
    r = await http.post("/api/session", json={"login": user.login, "password": "wrong-password"})
    assert r.status_code == 401 and r.json()["error"] == "not-authenticated"
    r = await http.post("/api/session", json={"login": "nobody", "password": "wrong-password"})
    assert r.status_code == 401


async def test_a_failed_login_slows_the_next_try_from_the_same_address(http: httpx.AsyncClient, make_user: MakeUser) -> None:
    user = await make_user()
    assert (await http.post("/api/session", json={"login": user.login, "password": "nope-nope"})).status_code == 401
    r = await http.post("/api/session", json={"login": user.login, "password": PASSWORD})
    assert r.status_code == 429
    assert r.json()["retry_after"] > 0 and int(r.headers["Retry-After"]) > 0


async def test_logout_revokes_the_session_on_the_server(http: httpx.AsyncClient, make_user: MakeUser) -> None:
    await login_as(http, await make_user())
    cookie = http.cookies.get("cc_session")
    assert (await http.delete("/api/session")).status_code == 204
    # Replaying the old cookie after logout must not work: the state lives on the server.
    http.cookies.set("cc_session", cookie)
    assert (await http.get("/api/clients")).status_code == 401


async def test_bearer_token_works_without_csrf(
    http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession, settings: Settings
) -> None:
    user = await make_user(Role.MANAGER)
    token = await create_token(db, user, key=settings.resolved_secret_key, name="integration")
    r = await http.post(
        "/api/clients",
        json={"name": "Token Client", "kind": "company"},
        headers={"Authorization": f"Bearer {token}", "Origin": "http://evil.example"},
    )
    assert r.status_code == 201, r.text
    bad = await http.get("/api/clients", headers={"Authorization": "Bearer cc_not-a-token"})
    assert bad.status_code == 401


async def test_cookie_writes_need_same_origin_or_token(http: httpx.AsyncClient, make_user: MakeUser) -> None:
    body = await login_as(http, await make_user())
    del http.headers["X-CSRF-Token"]
    payload = {"name": "Cross Site", "kind": "company"}
    r = await http.post("/api/clients", json=payload, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and r.json()["error"] == "cross-site"
    r = await http.post("/api/clients", json=payload)  # no Origin, no token
    assert r.status_code == 403
    r = await http.post("/api/clients", json=payload, headers={"Origin": "http://testserver"})
    assert r.status_code == 201
    r = await http.post("/api/clients", json={"name": "Other", "kind": "company"}, headers={"X-CSRF-Token": body["csrf_token"]})
    assert r.status_code == 201


async def test_unauthenticated_requests_get_json_401(http: httpx.AsyncClient) -> None:
    r = await http.get("/api/clients")
    assert r.status_code == 401
    assert r.json()["error"] == "not-authenticated"


async def test_writes_are_audited_with_the_author(admin_http: httpx.AsyncClient, db: AsyncSession) -> None:
    r = await admin_http.post("/api/clients", json={"name": "Audited", "kind": "person"})
    client_id = r.json()["id"]
    await admin_http.patch(f"/api/clients/{client_id}", json={"notes": "called twice"})
    entries = (await db.scalars(select(AuditEntry).where(AuditEntry.entity == "client").order_by(AuditEntry.id))).all()
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].changes["notes"] == ["", "called twice"]
    assert entries[1].user_id is not None


async def test_generated_secret_key_is_kept_in_the_data_folder(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path / "d").resolved_secret_key
    assert len(first) >= 40
    assert (tmp_path / "d" / "secret_key").stat().st_mode & 0o077 == 0
    assert Settings(data_dir=tmp_path / "d").resolved_secret_key == first
    assert Settings(data_dir=tmp_path / "d", secret_key="explicit").resolved_secret_key == "explicit"


async def test_credentials_stop_working_when_the_secret_key_changes(
    http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession, settings: Settings, app: object
) -> None:
    user = await make_user(Role.MANAGER)
    token = await create_token(db, user, key=settings.resolved_secret_key, name="x")
    await login_as(http, user)
    assert (await http.get("/api/clients")).status_code == 200
    app.state.settings = Settings(data_dir=settings.data_dir, database_url=settings.database_url, secret_key="rotated")  # type: ignore[attr-defined]
    assert (await http.get("/api/clients")).status_code == 401
    assert (await http.get("/api/clients", headers={"Authorization": f"Bearer {token}"})).status_code == 401


async def test_parallel_guesses_cannot_outrun_the_throttle(http: httpx.AsyncClient, make_user: MakeUser,
                                                            db_engine: AsyncEngine) -> None:
    import asyncio

    user = await make_user()
    if db_engine.dialect.name == "sqlite":
        # One writer at a time on SQLite; the race needs real concurrency to mean anything.
        attempts = 12
    else:
        attempts = 40

    async def guess(i: int) -> int:
        r = await http.post("/api/session", json={"login": user.login, "password": f"guess-{i}-xxxx"})
        return r.status_code

    codes = await asyncio.gather(*(guess(i) for i in range(attempts)))
    # Within the second a failure makes the pair wait, at most one guess reaches the password check.
    assert codes.count(401) <= 1, codes
    assert codes.count(429) == attempts - codes.count(401)


async def test_cross_site_login_and_non_json_bodies_are_refused(http: httpx.AsyncClient, make_user: MakeUser) -> None:
    user = await make_user()
    r = await http.post("/api/session", json={"login": user.login, "password": PASSWORD}, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and "cc_session" not in r.headers.get("set-cookie", "")
    # What a cross-site <form enctype="text/plain"> can send.
    body = '{"login": "%s", "password": "%s", "x": "="}' % (user.login, PASSWORD)
    r = await http.post("/api/session", content=body, headers={"Content-Type": "text/plain"})
    assert r.status_code == 415


async def test_huge_ids_are_not_found_or_invalid(admin_http: httpx.AsyncClient) -> None:
    assert (await admin_http.get("/api/clients/99999999999999999999")).status_code == 404
    r = await admin_http.post("/api/clients", json={"name": "X", "kind": "person", "owner_id": 2**70})
    assert r.status_code == 422 and "owner_id" in r.json()["fields"]


async def test_tokens_are_listed_without_secrets_and_can_be_revoked(http: httpx.AsyncClient, make_user: MakeUser) -> None:
    owner, other = await make_user(Role.OPERATOR), await make_user(Role.OPERATOR)
    await login_as(http, owner)
    created = await http.post("/api/tokens", json={"name": "crm-bridge"})
    assert created.status_code == 201
    secret = created.json()["token"]
    listed = (await http.get("/api/tokens")).json()["items"]
    assert [t["name"] for t in listed] == ["crm-bridge"] and "token" not in listed[0] and secret not in str(listed)
    bearer = {"Authorization": f"Bearer {secret}"}
    assert (await http.get("/api/clients", headers=bearer)).status_code == 200
    await login_as(http, other)
    assert (await http.delete(f"/api/tokens/{listed[0]['id']}")).status_code == 403
    assert (await http.get("/api/tokens", params={"user_id": owner.id})).status_code == 403
    await login_as(http, owner)
    assert (await http.delete(f"/api/tokens/{listed[0]['id']}")).json()["revoked_at"] is not None
    http.cookies.clear()
    assert (await http.get("/api/clients", headers=bearer)).status_code == 401


def test_token_commands(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from callcenter.cli import main
    from callcenter.settings import get_settings

    env = {"CALLCENTER_DATA_DIR": str(tmp_path), "CALLCENTER_DATABASE_URL": "", "CALLCENTER_LOG_LEVEL": "WARNING"}
    runner = CliRunner()
    get_settings.cache_clear()
    try:
        assert runner.invoke(main, ["migrate"], env=env).exit_code == 0
        r = runner.invoke(main, ["user", "create", "--login", "bridge", "--password", "long-enough-1", "--role", "manager"], env=env)
        assert r.exit_code == 0, r.output
        r = runner.invoke(main, ["token", "create", "--login", "bridge", "--name", "erp"], env=env)
        assert r.exit_code == 0 and r.output.strip().startswith("cc_")
        r = runner.invoke(main, ["token", "list", "--login", "bridge"], env=env)
        assert "erp" in r.output and "never" in r.output
        token_id = r.output.split()[0]
        r = runner.invoke(main, ["token", "revoke", token_id], env=env)
        assert r.exit_code == 0
        assert "revoked" in runner.invoke(main, ["token", "list", "--login", "bridge"], env=env).output
        assert runner.invoke(main, ["token", "revoke", "999"], env=env).exit_code == 1
    finally:
        get_settings.cache_clear()
