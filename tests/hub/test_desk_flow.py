"""The desk's round trips through the real server and the simulated PBX: a pause asked over HTTP comes back
from the PBX to the operator's socket; a call's wrap-up saved over HTTP ends the wrap-up state."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.models import Disposition, Interaction, Task
from callcenter.models.enums import Role, TaskKind
from callcenter.settings import Settings
from telephony.simulator import Scenario
from tests.conftest import PASSWORD, MakeUser
from tests.hub.serving import next_of, socket_of
from tests.hub.test_pops import KNOWN, crm_with_pbx, ring, until_ended
from tests.test_calls import add_client


@contextlib.asynccontextmanager
async def signed_in(url: str, login: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client with the user's session, sending the CSRF token on writes as the pages do."""
    async with httpx.AsyncClient(base_url=url) as http:
        body = (await http.post("/api/session", json={"login": login, "password": PASSWORD})).json()
        http.headers["X-CSRF-Token"] = body["csrf_token"]
        yield http


async def test_pause_goes_to_the_pbx_and_its_answer_to_the_desk(settings: Settings, db_engine: AsyncEngine,
                                                                make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR, extension="101")
    async with crm_with_pbx(settings, db_engine) as (url, demo), socket_of(url, anna.login) as ws:
        await next_of(ws, "hello")
        async with signed_in(url, anna.login) as http:
            response = await http.post("/api/desk/pause", json={"paused": True, "reason": "lunch"})
            assert response.status_code == 202, response.text
            while (agent := (await next_of(ws, "state"))["agent"])["state"] != "paused":
                pass
            assert agent["reason"] == "lunch"
            assert demo.simulator.pbx.queue.members["PJSIP/101"].paused  # the PBX itself, not only the desk
            assert (await http.post("/api/desk/pause", json={"paused": False})).status_code == 202
            while (agent := (await next_of(ws, "state"))["agent"])["state"] != "available":
                pass
            assert agent["reason"] == ""


async def test_wrap_up_saved_over_http_ends_the_wrap_up_and_files_the_result(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR, extension="101")
    client = await add_client(db, "ООО Ромашка", "8 916 123-45-67", KNOWN, owner=anna)
    result = Disposition(code="order", name="Order placed", counts_as_result=True)
    db.add(result)
    await db.commit()
    async with crm_with_pbx(settings, db_engine) as (url, demo), socket_of(url, anna.login) as ws:
        await next_of(ws, "hello")
        ring(demo, KNOWN, answer_after=1.0, talk=4.0, scenario=Scenario.QUEUE_ANSWERED)
        ended = (await until_ended(ws))[-1]
        assert ended["wrap_up"] is True
        due = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
        async with signed_in(url, anna.login) as http:
            response = await http.post("/api/calls/wrap-up", json={
                "linkedid": ended["call"]["linkedid"], "disposition_id": result.id, "notes": "Wants a discount",
                "callback": {"due_at": due.isoformat(), "note": "Send the offer"},
            })
        assert response.status_code == 200, response.text
        filed = response.json()
        while (await next_of(ws, "state"))["agent"]["state"] != "available":
            pass
    assert filed["client_id"] == client.id and filed["operator"] == anna.login
    assert filed["result"]["code"] == "order" and filed["wrapup_seconds"] is not None
    interaction = await db.get(Interaction, filed["interaction_id"], populate_existing=True)
    assert interaction is not None and interaction.disposition_id == result.id
    task = await db.scalar(select(Task).where(Task.id == filed["task_id"]))
    assert task is not None and task.kind is TaskKind.CALLBACK and task.client_id == client.id
    assert task.owner_id == anna.id and task.due_at == due
