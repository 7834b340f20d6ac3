"""A database that drops connections or is down: clear answers, nothing lost, recovery by itself."""

from __future__ import annotations

import socket
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.db.engine import create_engine
from callcenter.settings import Settings
from tests.conftest import PG_URL
from web.app import create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("driver", ["postgresql+asyncpg", "sqlite+aiosqlite"])
async def test_unreachable_database_answers_503(tmp_path: Path, driver: str) -> None:
    if driver.startswith("postgresql"):
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nothing"
    else:
        url = f"sqlite+aiosqlite:///{tmp_path}/missing-dir/none/db.sqlite"
    engine = create_engine(url)
    app = create_app(Settings(data_dir=tmp_path, database_url=url, secret_key="k"), engine=engine)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            r = await http.post("/api/session", json={"login": "a", "password": "b"})
        assert r.status_code == 503
        assert r.json()["error"] == "database-unavailable"
    finally:
        await engine.dispose()


async def test_requests_recover_after_the_server_drops_every_connection(
    admin_http: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    if db_engine.dialect.name != "postgresql":
        pytest.skip("connection drops are a client/server matter")
    first = await admin_http.post("/api/clients", json={"name": "До перезапуска", "kind": "company"})
    assert first.status_code == 201
    # What a restart does to the pool: every server-side connection of this database is killed.
    name = db_engine.url.database
    admin = await asyncpg.connect(make_url(PG_URL).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
    finally:
        await admin.close()
    assert killed >= 1
    second = await admin_http.post("/api/clients", json={"name": "После перезапуска", "kind": "company"})
    assert second.status_code == 201, second.text
    listed = (await admin_http.get("/api/clients")).json()
    assert {c["name"] for c in listed["items"]} == {"До перезапуска", "После перезапуска"}


async def test_lookups_survive_a_restart_without_a_pre_ping(admin_http: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
    from callcenter.auth.principal import SYSTEM
    from callcenter.db.engine import create_lookup_engine
    from callcenter.dossier.services import lookup_dossier

    created = await admin_http.post("/api/clients", json={"name": "Звонящий", "kind": "person", "phones": ["+79131230000"]})
    assert created.status_code == 201
    url = db_engine.url.render_as_string(hide_password=False)
    lookups = create_lookup_engine(url)
    try:
        first = await lookup_dossier(lookups, SYSTEM, "+79131230000")
        assert first is not None and first["client"]["name"] == "Звонящий"
        assert await lookup_dossier(lookups, SYSTEM, "+79131230001") is None
        if db_engine.dialect.name != "postgresql":
            return
        admin = await asyncpg.connect(make_url(PG_URL).set(drivername="postgresql").render_as_string(hide_password=False))
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                db_engine.url.database,
            )
        finally:
            await admin.close()
        again = await lookup_dossier(lookups, SYSTEM, "+79131230000")
        assert again is not None and again["client"]["id"] == first["client"]["id"]
    finally:
        await lookups.dispose()
