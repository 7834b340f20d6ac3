"""Shared fixtures: every database test runs on SQLite and, when configured, on PostgreSQL.

``CALLCENTER_TEST_DATABASE_URL`` names a PostgreSQL server (any database on it); each run creates its
own uniquely named database there, migrates it, and drops it at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher, profiles
from sqlalchemy import Table, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.auth import passwords
from callcenter.auth.principal import SYSTEM
from callcenter.db.base import Base
from callcenter.db.engine import create_engine, create_sessionmaker
from callcenter.db.migrate import upgrade
from callcenter.models import User
from callcenter.models.enums import Role
from callcenter.settings import Settings
from callcenter.users.services import create_user
from web.app import create_app

PG_URL = os.environ.get("CALLCENTER_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
PASSWORD = "correct-horse-battery"

# Production hashing costs tens of milliseconds on purpose; tests log in hundreds of times. Hashes
# carry their own parameters, so verification follows whichever profile made them.
passwords._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)

# Rows the migrations put in place (default catalogues); restored after each test's wipe.
Snapshot = list[tuple[Table, list[dict[str, Any]]]]
MIGRATED_ROWS: dict[str, Snapshot] = {}


def _asyncpg_dsn(url: str, database: str) -> str:
    u = make_url(url).set(drivername="postgresql", database=database)
    return u.render_as_string(hide_password=False)


async def create_pg_database() -> str:
    """A fresh, migrated PostgreSQL database; returns its SQLAlchemy URL."""
    name = f"cc_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_asyncpg_dsn(PG_URL, make_url(PG_URL).database or "postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return make_url(PG_URL).set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)


async def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    admin = await asyncpg.connect(_asyncpg_dsn(PG_URL, make_url(PG_URL).database or "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session", params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A migrated database per backend, for the whole run."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "test.db"
        url = f"sqlite+aiosqlite:///{path}"
        await upgrade(url)
        yield url
        return
    url = await create_pg_database()
    try:
        await upgrade(url)
        yield url
    finally:
        await drop_pg_database(url)


async def snapshot(eng: AsyncEngine) -> Snapshot:
    """Every row the migrations left, table by table, in dependency order."""
    rows: Snapshot = []
    async with eng.connect() as conn:
        for table in Base.metadata.sorted_tables:
            found = [dict(r._mapping) for r in await conn.execute(select(table))]
            if found:
                rows.append((table, found))
    return rows


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(database_url)
    MIGRATED_ROWS[database_url] = await snapshot(eng)
    yield eng
    await eng.dispose()


async def wipe(eng: AsyncEngine) -> None:
    """Return to the freshly migrated state: every table emptied, the migrations' own rows put back."""
    tables = list(reversed(Base.metadata.sorted_tables))
    async with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await conn.execute(table.delete())
        restored = MIGRATED_ROWS.get(eng.url.render_as_string(hide_password=False), [])
        for table, rows in restored:
            await conn.execute(insert(table), rows)
        if eng.dialect.name == "postgresql":
            # Restored rows keep their ids; move each sequence past them.
            for table, _rows in restored:
                await conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT max(id) FROM {table.name}))")
                )


@pytest.fixture
async def db_engine(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The backend's engine, returned to its freshly migrated state after the test."""
    yield engine
    await wipe(engine)


@pytest.fixture
async def db(db_engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with create_sessionmaker(db_engine)() as session:
        yield session


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, secret_key="test-secret")


@pytest.fixture
def app(settings: Settings, db_engine: AsyncEngine) -> Any:
    return create_app(settings, engine=db_engine)


@pytest.fixture
async def http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client speaking to the app in-process (ASGI), as a same-origin browser would."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


MakeUser = Callable[..., Awaitable[User]]


@pytest.fixture
def make_user(db: AsyncSession) -> MakeUser:
    counter = iter(range(1, 10_000))

    async def make(role: Role | str = Role.OPERATOR, login: str | None = None, **kw: Any) -> User:
        n = next(counter)
        return await create_user(
            db, SYSTEM, login=login or f"{Role(role).value}{n}", password=PASSWORD, role=Role(role), **kw
        )

    return make


async def login_as(http: httpx.AsyncClient, user: User) -> dict[str, Any]:
    """Log ``http`` in as ``user``; later writes carry the CSRF header as the pages' scripts do."""
    response = await http.post("/api/session", json={"login": user.login, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    http.headers["X-CSRF-Token"] = body["csrf_token"]
    return body


@pytest.fixture
async def admin_http(http: httpx.AsyncClient, make_user: MakeUser) -> httpx.AsyncClient:
    await login_as(http, await make_user(Role.ADMIN, login="admin"))
    return http
