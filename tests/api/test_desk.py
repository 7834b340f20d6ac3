"""Click-to-call and pause from the desk: the commands published for the PBX, and their refusals."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.desk.events import DialRequested, PauseRequested
from callcenter.models import User
from callcenter.models.enums import Role
from callcenter.settings import Settings
from tests.api.conftest import Session
from tests.conftest import MakeUser, login_as
from tests.test_calls import MOBILE, add_client
from web.app import create_app


@pytest.fixture
async def published(app: Any) -> AsyncIterator[list[Any]]:
    """What the app publishes on its bus, with commands able to reach a PBX."""
    app.state.commands_reach_pbx = True
    seen: list[Any] = []

    async def keep(event: Any) -> None:
        seen.append(event)

    app.state.bus.subscribe(keep, name="test")
    yield seen
    await app.state.bus.close()


async def drained(app: Any, seen: list[Any]) -> list[Any]:
    await app.state.bus.drain(timeout=2)
    return seen


async def test_dial_rings_the_operators_phone_then_the_number(
    app: Any, http: httpx.AsyncClient, db: AsyncSession, make_user: MakeUser, published: list[Any]
) -> None:
    agent = await make_user(Role.OPERATOR, extension="101", agent_interface="PJSIP/agent1")
    await add_client(db, 'Acme "Best" Ltd', "8 913 123-45-67", MOBILE)
    await login_as(http, agent)
    r = await http.post("/api/desk/dial", json={"phone": "8 (913) 123-45-67"})
    assert r.status_code == 202, r.text
    assert r.json()["number"] == MOBILE and r.json()["interface"] == "PJSIP/agent1"
    r2 = await http.post("/api/desk/dial", json={"phone": "+7 916 111 22 33"})  # nobody's number
    assert r2.status_code == 202, r2.text
    events = await drained(app, published)
    assert [type(e) for e in events] == [DialRequested, DialRequested]
    first, second = events
    assert (first.command_id, first.user_id, first.interface, first.number) == (
        r.json()["command_id"], agent.id, "PJSIP/agent1", MOBILE)
    assert first.caller_id == '"Acme Best Ltd" <79131234567>'  # quotes cannot break the caller id
    assert second.caller_id == '"+79161112233" <79161112233>' and second.command_id != first.command_id


async def test_a_user_with_only_an_extension_is_rung_on_pjsip(
    app: Any, http: httpx.AsyncClient, db: AsyncSession, make_user: MakeUser, published: list[Any]
) -> None:
    agent = await make_user(Role.SUPERVISOR, extension="205")
    await db.execute(update(User).where(User.id == agent.id).values(agent_interface=None))
    await db.commit()
    await login_as(http, agent)
    r = await http.post("/api/desk/pause", json={"paused": True, "reason": " lunch "})
    assert r.status_code == 202, r.text
    r = await http.post("/api/desk/pause", json={"paused": False})
    assert r.status_code == 202, r.text
    events = await drained(app, published)
    assert [(type(e), e.interface, e.paused, e.reason, e.user_id) for e in events] == [
        (PauseRequested, "PJSIP/205", True, "lunch", agent.id), (PauseRequested, "PJSIP/205", False, "", agent.id)]
    assert events[1].command_id == r.json()["command_id"]


async def test_refusals_publish_nothing(
    app: Any, http: httpx.AsyncClient, session_for: Session, make_user: MakeUser, published: list[Any]
) -> None:
    await login_as(http, await make_user(Role.OPERATOR, extension="101"))
    r = await http.post("/api/desk/dial", json={"phone": "call me"})
    assert r.status_code == 422 and r.json()["error"] == "bad-phone"
    assert r.json()["fields"] == {"phone": "not a phone number"}
    r = await http.post("/api/desk/dial", json={"phone": "+7 913 123"})
    assert r.status_code == 422 and r.json()["error"] == "bad-phone"
    r = await http.post("/api/desk/pause", json={"paused": True, "reason": "a\r\nAction: Originate"})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"reason"}
    r = await http.post("/api/desk/pause", json={"paused": "maybe"})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"paused"}

    phoneless = await session_for(await make_user(Role.MANAGER))
    r = await phoneless.post("/api/desk/dial", json={"phone": MOBILE})
    assert r.status_code == 422 and r.json()["error"] == "no-extension"
    r = await phoneless.post("/api/desk/pause", json={"paused": True})
    assert r.status_code == 422 and r.json()["error"] == "no-extension"
    assert await drained(app, published) == []


async def test_without_a_way_to_the_pbx_commands_answer_503(
    app: Any, http: httpx.AsyncClient, make_user: MakeUser
) -> None:
    assert app.state.commands_reach_pbx is False  # no telephony in this app, no broker
    seen: list[Any] = []

    async def keep(event: Any) -> None:
        seen.append(event)

    app.state.bus.subscribe(keep, name="test")
    try:
        await login_as(http, await make_user(Role.OPERATOR, extension="101"))
        for path, body in (("/api/desk/dial", {"phone": MOBILE}), ("/api/desk/pause", {"paused": True})):
            r = await http.post(path, json=body)
            assert r.status_code == 503 and r.json()["error"] == "telephony-unavailable", (path, r.text)
        await app.state.bus.drain(timeout=2)
        assert seen == []
    finally:
        await app.state.bus.close()


async def test_commands_reach_the_pbx_through_a_service_or_a_broker(settings: Settings, db_engine: AsyncEngine) -> None:
    @contextlib.asynccontextmanager
    async def nothing(engine: AsyncEngine, bus: Any) -> AsyncIterator[None]:
        yield

    assert create_app(settings, engine=db_engine).state.commands_reach_pbx is False
    assert create_app(settings, engine=db_engine, services=[nothing]).state.commands_reach_pbx is True
    brokered = settings.model_copy(update={"broker_url": "redis://127.0.0.1:6379/0"})
    assert create_app(brokered, engine=db_engine).state.commands_reach_pbx is True
