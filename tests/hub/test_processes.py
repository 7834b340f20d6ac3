"""Scaled out: two web processes, each holding one operator's socket, and the telephony side in a third;
call events cross through Redis, and each operator gets their own pops, and only theirs."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.bus import EventBus
from callcenter.cli.demo_pbx import demo_pbx_running
from callcenter.fanout import fanout_running
from callcenter.models.enums import Role
from callcenter.settings import Settings
from telephony.simulator import Scenario
from tests.conftest import MakeUser
from tests.demo_process import free_port, serving_cli
from tests.hub.serving import next_of, socket_of
from tests.hub.test_desk_flow import signed_in
from tests.hub.test_pops import KNOWN, UNKNOWN, ring
from tests.telephony.fake_ami import wait_for
from tests.test_calls import add_client
from tests.test_fanout import REDIS, _redis_up

ROOT = Path(__file__).resolve().parents[2]


@contextlib.asynccontextmanager
async def web_process(folder: Path, env: dict[str, str]) -> AsyncIterator[str]:
    """``callcenter serve --no-telephony`` in a child process; its URL once it answers."""
    port = free_port()
    log = folder / f"web-{port}.log"
    async with serving_cli(["serve", "--no-telephony", "--no-migrate", "--port", str(port)], port=port, env=env,
                           cwd=ROOT, log=log):
        yield f"http://127.0.0.1:{port}"
    assert "Traceback" not in log.read_text(), log.read_text()


async def test_two_web_processes_pop_each_operator_on_their_own_socket(
        settings: Settings, database_url: str, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser,
        tmp_path: Path) -> None:
    if not await _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    anna = await make_user(Role.OPERATOR, extension="101")
    boris = await make_user(Role.OPERATOR, extension="102")
    client = await add_client(db, "ООО Ромашка", "8 916 123-45-67", KNOWN, owner=anna)
    channel = f"test:{uuid.uuid4().hex}"
    env = {
        **os.environ, "CALLCENTER_DATABASE_URL": database_url, "CALLCENTER_SECRET_KEY": settings.secret_key,
        "CALLCENTER_DATA_DIR": str(tmp_path / "data"), "CALLCENTER_BROKER_URL": REDIS,
        "CALLCENTER_BROKER_CHANNEL": channel, "CALLCENTER_EMBEDDED_TELEPHONY": "false",
        "CALLCENTER_LOG_LEVEL": "WARNING",
    }
    telephony = settings.model_copy(update={"ami_port": 0, "agi_port": 0, "broker_url": REDIS})
    bus = EventBus()
    try:
        async with web_process(tmp_path, env) as first, web_process(tmp_path, env) as second, \
                fanout_running(bus, REDIS, channel=channel), \
                demo_pbx_running(telephony, db_engine, bus, rate=0, time_factor=0.05) as demo:
            await wait_for(lambda: demo.telephony.connector.reconciles >= 1)
            async with socket_of(first, anna.login) as on_first, socket_of(second, boris.login) as on_second:
                for ws in (on_first, on_second):
                    await next_of(ws, "hello")
                # Straight to each one's extension (a queue would ring both).
                ring(demo, KNOWN, agent=0, scenario=Scenario.DIRECT_BUSY)
                ring(demo, UNKNOWN, agent=1, scenario=Scenario.DIRECT_BUSY)
                pop = await next_of(on_first, "pop")
                assert pop["number"] == KNOWN and pop["dossier"]["client"]["id"] == client.id
                other = await next_of(on_second, "pop")
                assert other["number"] == UNKNOWN and other["dossier"] is None
                assert (await next_of(on_first, "ended"))["call"]["caller"] == KNOWN
                assert (await next_of(on_second, "ended"))["call"]["caller"] == UNKNOWN
                # A pause clicked on the second process goes through Redis to the PBX, and its answer back.
                async with signed_in(second, boris.login) as http:
                    response = await http.post("/api/desk/pause", json={"paused": True, "reason": "break"})
                    assert response.status_code == 202, response.text
                while (agent := (await next_of(on_second, "state"))["agent"])["state"] != "paused":
                    pass
                assert agent["reason"] == "break" and demo.simulator.pbx.queue.members["PJSIP/102"].paused
                # Neither socket ever hears of the other operator's call.
                for ws, foreign in ((on_first, UNKNOWN), (on_second, KNOWN)):
                    await ws.send(json.dumps({"type": "ping"}))
                    while (message := json.loads(await ws.recv()))["type"] != "pong":
                        assert foreign not in json.dumps(message), message
    finally:
        await bus.close()
