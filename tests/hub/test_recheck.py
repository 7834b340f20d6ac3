"""Open sockets follow what their login allows now: logout, revoked tokens, deactivation, a new role and the
own-clients-only switch reach sockets opened before them; one user cannot hold the hub with sockets or
oversized messages."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from callcenter.auth.tokens import create_token
from callcenter.models import ApiToken, User
from callcenter.models.enums import Role
from callcenter.settings import Settings
from tests.conftest import PASSWORD, MakeUser
from tests.hub.serving import next_of, served, session_cookie
from tests.hub.test_pops import KNOWN, crm_with_pbx, ring
from tests.test_calls import add_client
from web.app import create_app

FAR = 3600.0  # a re-check interval no test waits for: what closes the socket is the change itself


def ws_url(url: str, query: str = "") -> str:
    return url.replace("http://", "ws://") + "/ws" + (f"?{query}" if query else "")


@contextlib.asynccontextmanager
async def cookie_socket(url: str, cookie: str, query: str = "") -> AsyncIterator[ClientConnection]:
    async with connect(ws_url(url, query), additional_headers={"Cookie": cookie, "Origin": url}) as ws:
        await next_of(ws, "hello")
        yield ws


async def close_code(ws: ClientConnection, timeout: float = 5.0) -> int:  # noqa: ASYNC109
    """The code the server closes ``ws`` with (messages before it are skipped)."""
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(timeout):
            while True:
                await ws.recv()
    assert closed.value.rcvd is not None, "closed without a close frame"
    return closed.value.rcvd.code


@contextlib.asynccontextmanager
async def as_admin(url: str, admin: User) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=url, headers={"Origin": url}) as http:
        r = await http.post("/api/session", json={"login": admin.login, "password": PASSWORD})
        assert r.status_code == 200, r.text
        yield http


async def test_logout_closes_the_sockets_of_that_session_at_once(
        settings: Settings, db_engine: AsyncEngine, make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR, extension="101")
    app = create_app(settings.model_copy(update={"ws_recheck_seconds": FAR}), engine=db_engine)
    async with served(app) as url:
        cookie, other = await session_cookie(url, anna.login), await session_cookie(url, anna.login)
        async with cookie_socket(url, cookie) as ws, cookie_socket(url, other) as elsewhere:
            async with httpx.AsyncClient(base_url=url, headers={"Cookie": cookie, "Origin": url}) as http:
                assert (await http.delete("/api/session")).status_code == 204
            assert await close_code(ws) == 4401
            await elsewhere.send('{"type": "ping"}')  # the same user's other session stays
            assert (await next_of(elsewhere, "pong"))["type"] == "pong"


async def test_a_deactivated_supervisor_stops_getting_the_live_view(
        settings: Settings, db_engine: AsyncEngine, make_user: MakeUser) -> None:
    boss, admin = await make_user(Role.SUPERVISOR), await make_user(Role.ADMIN)
    app = create_app(settings.model_copy(update={"ws_recheck_seconds": FAR}), engine=db_engine)
    async with served(app) as url:
        async with cookie_socket(url, await session_cookie(url, boss.login), "live=1") as ws:
            async with as_admin(url, admin) as http:
                r = await http.patch(f"/api/users/{boss.id}", json={"is_active": False})
                assert r.status_code == 200, r.text
            assert await close_code(ws) == 4401


async def test_changes_made_by_another_process_reach_open_sockets_within_the_interval(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser) -> None:
    """Nothing in this process is told: only the periodic re-check can see these (as in a second web process)."""
    boss, anna, boris = await make_user(Role.SUPERVISOR), await make_user(Role.OPERATOR), await make_user(Role.OPERATOR)
    token = await create_token(db, boris, key=settings.resolved_secret_key, name="softphone")
    app = create_app(settings.model_copy(update={"ws_recheck_seconds": 0.3}), engine=db_engine)
    async with served(app) as url:
        async with (cookie_socket(url, await session_cookie(url, boss.login), "live=1") as live,
                    cookie_socket(url, await session_cookie(url, anna.login)) as desk,
                    connect(ws_url(url, f"token={token}")) as bearer):
            await next_of(bearer, "hello")
            await db.execute(update(User).where(User.id == boss.id).values(role=Role.OPERATOR))
            await db.execute(update(User).where(User.id == anna.id).values(is_active=False))
            await db.execute(update(ApiToken).where(ApiToken.user_id == boris.id).values(revoked_at=ApiToken.created_at))
            await db.commit()
            codes = await asyncio.gather(close_code(live), close_code(desk), close_code(bearer))
            assert codes == [4403, 4401, 4401]


async def test_an_old_socket_pops_under_own_clients_only_once_it_is_switched_on(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR, extension="101")
    boris, admin = await make_user(Role.OPERATOR, extension="102"), await make_user(Role.ADMIN)
    await add_client(db, "ООО Борис", "8 916 123-45-67", KNOWN, owner=boris)
    async with crm_with_pbx(settings.model_copy(update={"ws_recheck_seconds": FAR}), db_engine) as (url, demo):
        async with cookie_socket(url, await session_cookie(url, anna.login)) as ws:
            async with as_admin(url, admin) as http:
                r = await http.patch("/api/admin/settings", json={"operators_own_clients_only": True})
                assert r.status_code == 200, r.text
            await asyncio.sleep(0.3)  # the check round the change started
            ring(demo, KNOWN)
            pop = await next_of(ws, "pop")
            assert pop["hidden"] is True and pop["dossier"] is None


async def test_a_user_gets_only_so_many_sockets(settings: Settings, db_engine: AsyncEngine, make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR)
    app = create_app(settings.model_copy(update={"ws_max_sockets_per_user": 2}), engine=db_engine)
    async with served(app) as url:
        cookie = await session_cookie(url, anna.login)
        async with cookie_socket(url, cookie), cookie_socket(url, cookie):
            async with connect(ws_url(url), additional_headers={"Cookie": cookie, "Origin": url}) as third:
                assert await close_code(third) == 4429
        async with cookie_socket(url, cookie):  # the closed ones made room
            pass


async def test_an_oversized_message_closes_the_socket(
        settings: Settings, db_engine: AsyncEngine, make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR)
    app = create_app(settings, engine=db_engine)
    async with served(app) as url, cookie_socket(url, await session_cookie(url, anna.login)) as ws:
        await ws.send('{"type": "ping", "pad": "%s"}' % ("x" * settings.ws_max_message_bytes))
        assert await close_code(ws) == 1009


async def test_messages_within_the_limit_are_answered(settings: Settings, db_engine: AsyncEngine,
                                                     make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR)
    app = create_app(settings, engine=db_engine)
    async with served(app) as url, cookie_socket(url, await session_cookie(url, anna.login)) as ws:
        await ws.send("not json")
        await ws.send('{"type": "ping", "pad": "%s"}' % ("я" * 100))
        message: dict[str, Any] = await next_of(ws, "pong")
        assert message == {"type": "pong"}
