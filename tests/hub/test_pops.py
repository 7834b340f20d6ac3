"""Screen-pop over real WebSockets: the simulated PBX rings an operator, their browser socket gets the
caller's dossier at once, then the answer and the end; nobody else gets it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.applications import Starlette
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from callcenter.auth.tokens import create_token
from callcenter.bus import EventBus
from callcenter.calls.events import CallQueued
from callcenter.cli.demo_pbx import DemoPbx, demo_pbx_running
from callcenter.desk.events import DialRequested
from callcenter.models.enums import Role
from callcenter.settings import Settings
from telephony.simulator import CallPlan, Scenario
from tests.conftest import MakeUser
from tests.hub.serving import next_of, served, session_cookie, socket_of
from tests.telephony.fake_ami import wait_for
from tests.test_calls import add_client
from web.app import create_app

KNOWN = "+79161234567"
UNKNOWN = "+79039876543"


@contextlib.asynccontextmanager
async def crm_with_pbx(settings: Settings, engine: AsyncEngine, **kwargs: Any) -> AsyncIterator[tuple[str, DemoPbx]]:
    """The CRM served on a real port, with the simulated PBX (no generated traffic) logged in to it."""
    started: list[DemoPbx] = []

    @contextlib.asynccontextmanager
    async def pbx(eng: AsyncEngine, bus: EventBus) -> AsyncIterator[None]:
        async with demo_pbx_running(settings.model_copy(update={"ami_port": 0, "agi_port": 0}), eng, bus,
                                    rate=0, time_factor=kwargs.get("time_factor", 0.05)) as demo:
            started.append(demo)
            yield

    app: Starlette = create_app(settings, engine=engine, services=[pbx])
    async with served(app) as url:
        demo = started[0]
        await wait_for(lambda: demo.telephony.connector.reconciles >= 1)
        yield url, demo


async def until_ended(ws: Any) -> list[dict[str, Any]]:
    """Every message up to and including the next ``ended``."""
    seen: list[dict[str, Any]] = []
    while not seen or seen[-1]["type"] != "ended":
        seen.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
    return seen


def ring(demo: DemoPbx, caller: str, agent: int = 0, *, answer_after: float = 2.0, talk: float = 10.0,
         scenario: Scenario = Scenario.QUEUE_ANSWERED) -> None:
    demo.simulator.pbx.start_call(CallPlan(scenario, caller=caller, agent=agent, greeting=0.5,
                                           answer_after=answer_after, talk=talk))


async def test_pop_brings_the_dossier_then_answer_and_end(settings: Settings, db_engine: AsyncEngine,
                                                         db: AsyncSession, make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR, extension="101", full_name="Anna")
    client = await add_client(db, "ООО Ромашка", "8 916 123-45-67", KNOWN, owner=anna)
    async with crm_with_pbx(settings, db_engine) as (url, demo), socket_of(url, anna.login) as ws:
        hello = await next_of(ws, "hello")
        assert hello["user"]["login"] == anna.login and hello["user"]["interface"] == "PJSIP/101"
        assert hello["agent"]["state"] == "available"
        ring(demo, KNOWN)
        pop = await next_of(ws, "pop")
        assert pop["number"] == KNOWN and pop["hidden"] is False
        assert pop["dossier"]["client"]["id"] == client.id
        assert pop["dossier"]["client"]["name"] == "ООО Ромашка"
        assert pop["call"]["state"] == "ringing" and pop["call"]["caller"] == KNOWN
        assert pop["call"]["client_id"] == client.id and pop["call"]["queue"] == "support"
        # The call's own messages come in order; desk states are not held back behind a slow pop.
        seen = await until_ended(ws)
        [answered] = [m for m in seen if m["type"] == "answered"]
        assert answered["mine"] is True and answered["call"]["operator"] == anna.login
        states = [m["agent"] for m in seen if m["type"] == "state"]
        in_call = next(a for a in states if a["state"] == "in_call")
        assert in_call["call"] == pop["call"]["linkedid"]
        ended = seen[-1]
        assert ended["wrap_up"] is True and ended["call"]["outcome"] == "answered"
        assert ended["call"]["talk_seconds"] is not None
        while states[-1]["state"] != "wrap_up":
            states.append((await next_of(ws, "state"))["agent"])
        assert states[-1]["call"] == pop["call"]["linkedid"]
        # The pop's call has every field the call log gives, once the call is logged.
        async with httpx.AsyncClient(base_url=url, headers={"Cookie": await session_cookie(url, anna.login)}) as http:
            async with asyncio.timeout(10):
                while not (listed := (await http.get("/api/calls")).json()["items"]):  # noqa: ASYNC110 - polling the API is the point
                    await asyncio.sleep(0.05)
        assert listed[0]["linkedid"] == pop["call"]["linkedid"]
        assert set(listed[0]) <= set(pop["call"]) and set(listed[0]) <= set(ended["call"])


async def test_unknown_number_pops_without_a_dossier(settings: Settings, db_engine: AsyncEngine,
                                                     make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR, extension="101")
    async with crm_with_pbx(settings, db_engine) as (url, demo), socket_of(url, anna.login) as ws:
        await next_of(ws, "hello")
        ring(demo, UNKNOWN)
        pop = await next_of(ws, "pop")
        assert pop["dossier"] is None and pop["number"] == UNKNOWN and pop["hidden"] is False


async def test_each_operator_gets_only_their_own_pops_on_every_tab(settings: Settings, db_engine: AsyncEngine,
                                                                   db: AsyncSession, make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR, extension="101")
    boris = await make_user(Role.OPERATOR, extension="102")
    await add_client(db, "Ромашка", "8 916 123-45-67", KNOWN)
    async with crm_with_pbx(settings, db_engine) as (url, demo):
        assert demo.simulator.config.agents == ("PJSIP/101", "PJSIP/102")
        async with socket_of(url, anna.login) as tab1, socket_of(url, anna.login) as tab2, \
                socket_of(url, boris.login) as other:
            for ws in (tab1, tab2, other):
                await next_of(ws, "hello")
            ring(demo, KNOWN, agent=0, scenario=Scenario.DIRECT_BUSY)
            ring(demo, UNKNOWN, agent=1, scenario=Scenario.DIRECT_BUSY)
            for ws in (tab1, tab2):
                assert (await next_of(ws, "pop"))["number"] == KNOWN
                assert (await next_of(ws, "ended"))["call"]["outcome"] == "busy"
            assert (await next_of(other, "pop"))["number"] == UNKNOWN
            # Nothing of Anna's call reaches Boris.
            await other.send(json.dumps({"type": "ping"}))
            while (message := json.loads(await other.recv()))["type"] != "pong":
                assert message.get("call", {}).get("caller") != KNOWN, message


async def test_a_socket_that_reconnects_while_it_rings_gets_the_pop_again(
        settings: Settings, db_engine: AsyncEngine, make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR, extension="101")
    async with crm_with_pbx(settings, db_engine, time_factor=0.1) as (url, demo):
        async with socket_of(url, anna.login) as ws:
            await next_of(ws, "hello")
            ring(demo, UNKNOWN, answer_after=12.0)  # 1.2 s of real ringing
            first = await next_of(ws, "pop")
        async with socket_of(url, anna.login) as again:
            hello = await next_of(again, "hello")
            assert hello["agent"]["state"] == "available"
            pop = await next_of(again, "pop", timeout=2)
            assert pop["call"]["linkedid"] == first["call"]["linkedid"] and pop["call"]["state"] == "ringing"


async def test_sockets_need_a_session_token_or_the_sites_own_origin(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR, extension="101")
    token = await create_token(db, anna, key=settings.resolved_secret_key, name="softphone")
    await db.commit()
    app = create_app(settings, engine=db_engine)
    async with served(app) as url:
        ws_url = url.replace("http://", "ws://") + "/ws"
        with pytest.raises(InvalidStatus) as refused:
            async with connect(ws_url):
                pass
        assert refused.value.response.status_code == 403
        with pytest.raises(InvalidStatus):
            async with connect(ws_url + "?token=not-a-token"):
                pass
        async with connect(ws_url + f"?token={token}") as ws:
            assert (await next_of(ws, "hello"))["user"]["login"] == anna.login
        async with connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
            assert (await next_of(ws, "hello"))["user"]["login"] == anna.login
        cookie = await session_cookie(url, anna.login)
        with pytest.raises(InvalidStatus):  # a page on another site, carrying the visitor's cookie
            async with connect(ws_url, additional_headers={"Cookie": cookie, "Origin": "http://evil.example"}):
                pass
        async with socket_of(url, anna.login, query="live=1") as ws:  # the live view is not an operator's
            with pytest.raises(ConnectionClosed) as closed:
                await next_of(ws, "never")
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_a_socket_that_falls_behind_is_closed_and_nobody_else_waits(
        settings: Settings, db_engine: AsyncEngine, make_user: MakeUser) -> None:
    boss = await make_user(Role.SUPERVISOR)
    app = create_app(settings.model_copy(update={"ws_queue_size": 8}), engine=db_engine)
    # Large updates that do not compress fill the stuck browser's TCP buffers within a few hundred.
    async with served(app) as url, socket_of(url, boss.login, query="live=1", max_queue=1) as stuck, \
            socket_of(url, boss.login, query="live=1") as reader:
        for ws in (stuck, reader):
            await next_of(ws, "live.snapshot")
        seen: set[str] = set()

        async def read_all() -> None:
            while len(seen) < 400:
                message = json.loads(await reader.recv())
                if message["type"] == "live.call":
                    seen.add(message["call"]["linkedid"])

        reading = asyncio.create_task(read_all())
        at = datetime.now(UTC)
        for n in range(400):  # the stuck socket never reads; the other one keeps up
            app.state.bus.publish(CallQueued(f"burst.{n}", f"+7916000{n:04d}", secrets.token_hex(30_000), at))
            if n % 4 == 3:
                await asyncio.sleep(0.005)
        await wait_for(lambda: app.state.hub.closed_behind == 1)
        # The browser comes back to life: behind what it had not read yet, it finds the close frame.
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await stuck.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4008
        async with asyncio.timeout(20):
            await reading
        assert seen == {f"burst.{n}" for n in range(400)}
        assert app.state.hub.closed_behind == 1
        assert closed.value.rcvd.reason == "fell behind"


async def test_a_transferred_call_pops_the_dossier_at_the_colleague(settings: Settings, db_engine: AsyncEngine,
                                                                     db: AsyncSession, make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR, extension="101")
    boris = await make_user(Role.OPERATOR, extension="102")
    client = await add_client(db, "ООО Ромашка", "8 916 123-45-67", KNOWN)
    async with crm_with_pbx(settings, db_engine) as (url, demo), socket_of(url, anna.login) as first, \
            socket_of(url, boris.login) as second:
        for ws in (first, second):
            await next_of(ws, "hello")
        demo.simulator.pbx.start_call(CallPlan(Scenario.TRANSFER, caller=KNOWN, agent=0, second=1, answer_after=1.0,
                                               talk=6.0, consult=2.0, talk2=4.0))
        assert (await next_of(first, "pop"))["dossier"]["client"]["id"] == client.id
        pop = await next_of(second, "pop")
        assert pop["number"] == KNOWN and pop["dossier"]["client"]["id"] == client.id
        seen = await until_ended(second)
        moved = next(m for m in seen if m["type"] == "transferred")
        assert (moved["from"], moved["to"]) == (anna.login, boris.login)
        assert any(m["type"] == "state" and m["agent"]["state"] == "in_call" for m in seen)
        assert seen[-1]["wrap_up"] is True and seen[-1]["call"]["outcome"] == "transferred"
        assert seen[-1]["call"]["operator"] == boris.login
        assert (await next_of(first, "transferred"))["to"] == boris.login
        assert (await next_of(first, "ended"))["wrap_up"] is False  # the result is Boris's to set


async def test_click_to_call_pops_the_called_client_when_the_operators_phone_rings(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR, extension="101")
    client = await add_client(db, "ООО Ромашка", "8 916 123-45-67", KNOWN)
    async with crm_with_pbx(settings, db_engine, time_factor=0.02) as (url, demo), socket_of(url, anna.login) as ws:
        await next_of(ws, "hello")
        demo.telephony.connector.bus.publish(
            DialRequested("c1", anna.id, "PJSIP/101", KNOWN, '"ООО Ромашка" <79161234567>', datetime.now(UTC)))
        pop = await next_of(ws, "pop")
        assert pop["call"]["direction"] == "outbound" and pop["number"] == KNOWN
        assert pop["dossier"]["client"]["id"] == client.id
        ended = await next_of(ws, "ended")
        assert ended["call"]["callee"] == KNOWN and ended["call"]["direction"] == "outbound"


async def test_hub_counters_are_for_supervisors(settings: Settings, db_engine: AsyncEngine, make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR, extension="101")
    boss = await make_user(Role.SUPERVISOR)
    async with crm_with_pbx(settings, db_engine) as (url, demo), socket_of(url, anna.login) as ws:
        await next_of(ws, "hello")
        ring(demo, UNKNOWN, scenario=Scenario.DIRECT_BUSY)
        await next_of(ws, "pop")
        async with httpx.AsyncClient(base_url=url) as http:
            assert (await http.get("/api/hub", headers={"Cookie": await session_cookie(url, anna.login)})).status_code == 403
            stats = (await http.get("/api/hub", headers={"Cookie": await session_cookie(url, boss.login)})).json()
    assert (stats["sockets"], stats["users"], stats["pops_sent"], stats["closed_behind"]) == (1, 1, 1, 0)
    assert stats["broker"] is None and stats["bus_dropped"] == 0
