"""Helpers for the API tests: more logged-in clients, funnel stages, clients made over the API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.models import Disposition, FunnelStage, User
from tests.conftest import login_as

Session = Callable[[User], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def session_for(app: Any) -> AsyncIterator[Session]:
    """``await session_for(user)``: a separate HTTP client logged in as ``user`` (each with its own cookie)."""
    opened: list[httpx.AsyncClient] = []

    async def open_(user: User) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        opened.append(client)
        await login_as(client, user)
        return client

    yield open_
    for client in opened:
        await client.aclose()


@pytest.fixture(autouse=True)
async def empty_catalogues(db: AsyncSession) -> None:
    """Start without the catalogues the migrations seed: only the first test after migrating would see them."""
    await db.execute(delete(Disposition))
    await db.execute(delete(FunnelStage))
    await db.commit()


@pytest.fixture
async def stages(db: AsyncSession) -> dict[str, int]:
    """A small funnel: two open stages, then won and lost."""
    rows = [
        FunnelStage(code="lead", name="Lead", sort_order=1),
        FunnelStage(code="offer", name="Offer", sort_order=2),
        FunnelStage(code="won", name="Won", sort_order=3, is_closed=True),
        FunnelStage(code="lost", name="Lost", sort_order=4, is_closed=True),
    ]
    db.add_all(rows)
    await db.commit()
    return {s.code: s.id for s in rows}


async def new_client(http: httpx.AsyncClient, name: str, **fields: Any) -> dict[str, Any]:
    """A client created over the API (duplicate check skipped)."""
    r = await http.post("/api/clients", params={"force": "true"}, json={"name": name, "kind": "company", **fields})
    assert r.status_code == 201, r.text
    return r.json()


async def audit_entries(http: httpx.AsyncClient, **flt: Any) -> list[dict[str, Any]]:
    r = await http.get("/api/audit", params=flt)
    assert r.status_code == 200, r.text
    return r.json()["items"]
