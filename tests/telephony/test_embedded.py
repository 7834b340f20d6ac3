"""The embedded default: the web process runs the connector, the call logger and FastAGI itself, and the
demo adds the simulated PBX, so calls reach ``GET /api/calls`` with nothing else started."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.applications import Starlette

from callcenter.bus import EventBus
from callcenter.cli.demo_pbx import DemoPbx, demo_pbx_running
from callcenter.cli.telephony import PortTaken, telephony_running
from callcenter.models.enums import Role
from callcenter.settings import Settings
from telephony.simulator import CallPlan, Scenario
from tests.conftest import MakeUser, login_as
from tests.demo_process import DEMO_PASSWORD, running_demo
from tests.telephony.fake_ami import FakeAmi, event_stream, wait_for
from tests.test_calls import add_client
from web.app import create_app

CLIENT_MOBILE = "+79161234567"


@contextlib.asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan (its services start and stop with it) and talk to it over ASGI."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def calls_of(http: httpx.AsyncClient, want: int, limit: float = 10.0) -> list[dict[str, Any]]:
    """Poll ``GET /api/calls`` until it lists ``want`` calls."""
    items: list[dict[str, Any]] = []

    async def listed() -> bool:
        nonlocal items
        response = await http.get("/api/calls")
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        return len(items) >= want

    async with asyncio.timeout(limit):
        while not await listed():  # noqa: ASYNC110 - the API is what is being watched
            await asyncio.sleep(0.05)
    return items


def busy_port() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


async def test_demo_pbx_calls_reach_the_call_log_with_operator_client_and_lookup(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser) -> None:
    operator = await make_user(Role.OPERATOR, extension="101")
    client = await add_client(db, "ООО Звонок", "8 916 123-45-67", CLIENT_MOBILE, owner=operator)
    started: list[DemoPbx] = []

    @contextlib.asynccontextmanager
    async def pbx(engine: AsyncEngine, bus: EventBus) -> AsyncIterator[None]:
        async with demo_pbx_running(settings.model_copy(update={"ami_port": 0, "agi_port": 0}), engine, bus,
                                    rate=0, time_factor=0.02) as demo:
            started.append(demo)
            yield

    app = create_app(settings, engine=db_engine, services=[pbx])
    async with serving(app) as http:
        demo = started[0]
        # The operators in the base are the PBX's queue members.
        assert demo.simulator.config.agents == ("PJSIP/101",)
        assert CLIENT_MOBILE in demo.simulator.config.numbers
        await login_as(http, operator)
        await wait_for(lambda: demo.telephony.connector.reconciles == 1)
        demo.simulator.pbx.start_call(CallPlan(Scenario.QUEUE_ANSWERED, caller=CLIENT_MOBILE, agent=0,
                                               greeting=1.0, answer_after=2.0, talk=30.0))
        [call] = await calls_of(http, 1)
        assert demo.telephony.agi is not None and demo.telephony.agi.sessions == 1  # the dialplan's lookup
    assert (call["direction"], call["outcome"], call["operator"]) == ("inbound", "answered", operator.login)
    assert (call["caller"], call["client_id"], call["queue"]) == (CLIENT_MOBILE, client.id, "support")
    assert call["recording"] is True and call["talk_seconds"] is not None


async def test_demo_pbx_takes_a_free_port_when_the_configured_ones_are_taken(
        settings: Settings, db_engine: AsyncEngine) -> None:
    with busy_port() as ami, busy_port() as agi:
        taken = settings.model_copy(update={"ami_port": ami.getsockname()[1], "agi_port": agi.getsockname()[1]})
        bus = EventBus()
        try:
            async with demo_pbx_running(taken, db_engine, bus, rate=0) as demo:
                assert demo.simulator.port != taken.ami_port and demo.telephony.agi is not None
                assert demo.telephony.agi.port != taken.agi_port
                await wait_for(lambda: demo.telephony.connector.client.connected)
        finally:
            await bus.close()


async def test_serve_fails_to_start_when_the_fastagi_port_is_taken(settings: Settings, db_engine: AsyncEngine) -> None:
    with busy_port() as agi:
        taken = settings.model_copy(update={"agi_port": agi.getsockname()[1], "ami_port": 9})
        app = create_app(taken, engine=db_engine, services=[lambda e, b: telephony_running(taken, e, b)])
        with pytest.raises(PortTaken, match="CALLCENTER_AGI_PORT"):
            async with serving(app):
                pass


async def test_served_app_logs_calls_from_the_configured_asterisk(
        settings: Settings, db_engine: AsyncEngine, make_user: MakeUser) -> None:
    """``serve`` on the embedded default: a recorded Asterisk call, replayed over TCP, becomes a call row."""
    agent1 = await make_user(Role.SUPERVISOR, agent_interface="PJSIP/agent1")
    async with FakeAmi(stream=event_stream("a_queue_answered"), wait_for_list=True, secret="s3") as ami:
        s = settings.model_copy(update={"ami_port": ami.port, "ami_secret": "s3", "agi_port": 0})
        app = create_app(s, engine=db_engine, services=[lambda e, b: telephony_running(s, e, b)])
        async with serving(app) as http:
            await login_as(http, agent1)
            [call] = await calls_of(http, 1)
    assert (call["linkedid"], call["operator"], call["outcome"]) == ("1795413747.0", agent1.login, "answered")


async def test_demo_command_serves_the_crm_with_simulated_calls(tmp_path: Path) -> None:
    """``callcenter demo`` as a newcomer runs it: seeded base, web server, PBX, and calls being logged."""
    args = ("--clients", "40", "--call-rate", "120", "--time-factor", "0.05", "--seed", "3")
    async with running_demo(tmp_path, *args) as url, httpx.AsyncClient(base_url=url) as http:
        signed_in = await http.post("/api/session", json={"login": "supervisor", "password": DEMO_PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        calls = await calls_of(http, 8, limit=60)
    # Seeded traffic: the same callers every run, most of them clients in the demo base.
    assert {call["operator"] for call in calls} - {None} <= {f"operator{n}" for n in range(1, 6)}
    assert any(call["operator"] for call in calls) and any(call["client_id"] for call in calls), calls
