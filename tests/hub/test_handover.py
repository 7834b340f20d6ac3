"""Through the real server and the simulated PBX: a team's lateness policy hands an overdue callback on and
both operators' desks hear of it, as they do of a manager's hand-over; and a client on a call with one
operator (or being wrapped up) is not dialled by another."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.models import Task, Team
from callcenter.models.enums import Role, TaskKind
from callcenter.settings import Settings
from tests.conftest import MakeUser
from tests.hub.serving import next_of, socket_of
from tests.hub.test_desk_flow import signed_in
from tests.hub.test_pops import KNOWN, crm_with_pbx, ring
from tests.test_calls import add_client


async def test_the_policy_and_a_manager_hand_callbacks_on_and_both_desks_hear(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser) -> None:
    north = Team(name="North")
    db.add(north)
    await db.flush()
    anna = await make_user(Role.OPERATOR, extension="101", team_id=north.id, full_name="Anna")
    boris = await make_user(Role.OPERATOR, extension="102", team_id=north.id, full_name="Boris")
    boss = await make_user(Role.MANAGER, full_name="Boss")
    client = await add_client(db, "ООО Ромашка", "8 916 123-45-67", KNOWN, owner=anna)
    fast = settings.model_copy(update={"callbacks_sweep_seconds": 0.2})
    async with crm_with_pbx(fast, db_engine) as (url, _demo), socket_of(url, anna.login) as anna_ws, \
            socket_of(url, boris.login) as boris_ws, signed_in(url, boss.login) as http:
        await next_of(anna_ws, "hello")
        await next_of(boris_ws, "hello")
        r = await http.put(f"/api/teams/{north.id}/callback-policy", json={"reassign_after_minutes": 60})
        assert r.status_code == 200, r.text
        late = Task(kind=TaskKind.CALLBACK, title="Send the offer", owner_id=anna.id, client_id=client.id,
                    due_at=datetime.now(UTC) - timedelta(hours=2))
        db.add(late)
        await db.commit()
        taken = await next_of(anna_ws, "callback", task_id=late.id)
        given = await next_of(boris_ws, "callback", task_id=late.id)
        assert (taken["role"], taken["to"], taken["by"], taken["client_name"]) == ("taken", "Boris", None, "ООО Ромашка")
        assert (given["role"], given["from"], given["title"]) == ("given", "Anna", "Send the offer")
        assert await db.scalar(select(Task.owner_id).where(Task.id == late.id)
                               .execution_options(populate_existing=True)) == boris.id
        # A manager gives it back by hand: both hear it, with who did it.
        r = await http.patch(f"/api/tasks/{late.id}", json={"owner_id": anna.id})
        assert r.status_code == 200, r.text
        back = await next_of(anna_ws, "callback", task_id=late.id, role="given")
        gone = await next_of(boris_ws, "callback", task_id=late.id, role="taken")
        assert back["by"] == gone["by"] == "Boss" and back["from"] == "Boris" and gone["to"] == "Anna"
        # A change that is not a hand-over says nothing.
        assert (await http.patch(f"/api/tasks/{late.id}", json={"owner_id": anna.id})).status_code == 200


async def test_a_client_worked_by_one_operator_is_not_dialled_by_another(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR, extension="101")
    boris = await make_user(Role.OPERATOR, extension="102")
    await add_client(db, "ООО Ромашка", "8 916 123-45-67", KNOWN, owner=anna)
    other = await add_client(db, "Другой", "8 916 765-43-21", "+79167654321")
    async with crm_with_pbx(settings, db_engine) as (url, _demo), socket_of(url, anna.login) as ws, \
            signed_in(url, boris.login) as http:
        await next_of(ws, "hello")
        ring(_demo, KNOWN, answer_after=0.5, talk=40.0)
        await next_of(ws, "answered")
        r = await http.post("/api/desk/dial", json={"phone": "8 (916) 123-45-67"})
        assert r.status_code == 409, r.text
        assert (r.json()["error"], r.json()["operator"], r.json()["state"]) == ("client-in-work", anna.login, "call")
        assert other.id and (await http.post("/api/desk/dial", json={"phone": "+7 916 765-43-21"})).status_code == 202
        await next_of(ws, "ended", timeout=20)
        r = await http.post("/api/desk/dial", json={"phone": KNOWN})
        assert r.status_code == 409 and r.json()["state"] == "wrap_up"
        async with signed_in(url, anna.login) as own:  # she may call her own client back herself
            assert (await own.post("/api/desk/dial", json={"phone": KNOWN})).status_code == 202
