"""Overdue callbacks handed on by each team's lateness policy, on both databases: who gets them (the team's
least loaded other operator), when (the lateness counts again from the hand-over), who never does, and the
policy's API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.services import OWN_CLIENTS_ONLY
from callcenter.models import AppSetting, AuditEntry, Client, Task, Team, User
from callcenter.models.enums import ClientKind, Role, TaskKind, TaskStatus
from callcenter.tasks.reassign import reassign_overdue
from tests.conftest import MakeUser, login_as

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def callback(owner: User, late: timedelta, title: str = "Call back", **kw: object) -> Task:
    return Task(kind=TaskKind.CALLBACK, title=title, owner_id=owner.id, due_at=NOW - late, **kw)


async def team(db: AsyncSession, name: str, minutes: int | None) -> Team:
    row = Team(name=name, callbacks_reassign_minutes=minutes)
    db.add(row)
    await db.flush()
    return row


async def owners(db: AsyncSession) -> dict[str, int | None]:
    rows = await db.execute(select(Task.title, Task.owner_id).execution_options(populate_existing=True))
    return {title: owner for title, owner in rows}


async def test_late_callbacks_go_to_the_least_loaded_operator_of_the_team(db: AsyncSession,
                                                                          make_user: MakeUser) -> None:
    strict = await team(db, "Strict", 60)
    lax = await team(db, "Lax", None)
    anna = await make_user(Role.OPERATOR, team_id=strict.id, full_name="Anna")
    boris = await make_user(Role.OPERATOR, team_id=strict.id, full_name="Boris")
    vera = await make_user(Role.OPERATOR, team_id=strict.id)
    await make_user(Role.SUPERVISOR, team_id=strict.id)  # not an operator: never given callbacks
    gleb = await make_user(Role.OPERATOR, team_id=lax.id)
    dina = await make_user(Role.OPERATOR, team_id=lax.id)
    db.add_all([
        callback(anna, timedelta(hours=2), "late-1"), callback(anna, timedelta(hours=3), "late-2"),
        callback(anna, timedelta(minutes=30), "not-yet"),  # 30 minutes late of the 60 allowed
        callback(anna, timedelta(hours=5), "done", status=TaskStatus.DONE),
        callback(boris, timedelta(days=-1), "boris-own"),  # Boris already has one open: Vera is less loaded
        callback(gleb, timedelta(days=10), "lax-team"),  # his team has no policy
        Task(kind=TaskKind.TASK, title="plain-task", owner_id=anna.id, due_at=NOW - timedelta(days=2)),
    ])
    await db.commit()
    handed = await reassign_overdue(db, now=NOW)
    # The latest first goes to Vera (no open callbacks); then Boris and Vera have one each: Boris, by id.
    assert [(e.title, e.from_user_id, e.to_user_id, e.by) for e in handed] == [
        ("late-2", anna.id, vera.id, None), ("late-1", anna.id, boris.id, None)]
    assert handed[0].from_name == "Anna" and handed[1].to_name == "Boris"
    now = await owners(db)
    assert (now["late-1"], now["late-2"], now["not-yet"], now["done"], now["lax-team"], now["plain-task"]) == (
        boris.id, vera.id, anna.id, anna.id, gleb.id, anna.id)
    audit = (await db.scalars(select(AuditEntry).where(AuditEntry.action == "reassign"))).all()
    assert len(audit) == 2 and audit[0].changes["reason"] == "overdue" and audit[0].user_id is None
    assert {a.changes["late_minutes"] for a in audit} == {120, 180}
    # The lateness counts again from the hand-over: those handed on wait another hour; "not-yet" is due now.
    assert [e.title for e in await reassign_overdue(db, now=NOW + timedelta(minutes=59))] == ["not-yet"]
    later = await reassign_overdue(db, now=NOW + timedelta(minutes=61))
    assert {e.title for e in later} == {"late-1", "late-2"}
    assert all(e.to_user_id != e.from_user_id for e in later)
    assert dina.id not in {e.to_user_id for e in later}  # never outside the team


async def test_a_team_of_one_keeps_its_callbacks(db: AsyncSession, make_user: MakeUser) -> None:
    alone = await team(db, "Alone", 1)
    anna = await make_user(Role.OPERATOR, team_id=alone.id)
    db.add(callback(anna, timedelta(days=3), "mine"))
    await db.commit()
    assert await reassign_overdue(db, now=NOW) == []
    assert (await owners(db))["mine"] == anna.id


async def test_the_policy_over_http(http: httpx.AsyncClient, db: AsyncSession, make_user: MakeUser) -> None:
    north = await team(db, "North", None)
    await db.commit()
    await login_as(http, await make_user(Role.MANAGER))
    r = await http.put(f"/api/teams/{north.id}/callback-policy", json={"reassign_after_minutes": 3 * 24 * 60})
    assert r.status_code == 200, r.text
    assert r.json()["callbacks_reassign_minutes"] == 4320
    assert (await http.get(f"/api/teams/{north.id}")).json()["callbacks_reassign_minutes"] == 4320
    for bad in ({"reassign_after_minutes": 0}, {"reassign_after_minutes": "soon"}, {}, {"minutes": 5}):
        assert (await http.put(f"/api/teams/{north.id}/callback-policy", json=bad)).status_code == 422, bad
    assert (await http.put("/api/teams/999999/callback-policy", json={"reassign_after_minutes": 5})).status_code == 404
    r = await http.put(f"/api/teams/{north.id}/callback-policy", json={"reassign_after_minutes": None})
    assert r.status_code == 200 and r.json()["callbacks_reassign_minutes"] is None
    await login_as(http, await make_user(Role.SUPERVISOR))
    assert (await http.put(f"/api/teams/{north.id}/callback-policy",
                           json={"reassign_after_minutes": 5})).status_code == 403


async def test_where_operators_see_only_their_own_clients_the_client_goes_along(
        db: AsyncSession, make_user: MakeUser) -> None:
    strict = await team(db, "Strict", 60)
    anna = await make_user(Role.OPERATOR, team_id=strict.id)
    boris = await make_user(Role.OPERATOR, team_id=strict.id)
    gone = await make_user(Role.OPERATOR, team_id=strict.id, login="gone")
    gone.is_active = False  # has left: their callbacks are handed on too, never given to them
    theirs = Client(kind=ClientKind.COMPANY, name="Anna's", name_search="anna's", name_key="anna's", owner_id=anna.id)
    other = Client(kind=ClientKind.COMPANY, name="Vera's", name_search="vera's", name_key="vera's", owner_id=None)
    db.add_all([theirs, other, AppSetting(key=OWN_CLIENTS_ONLY, value=True)])
    await db.flush()
    db.add_all([callback(anna, timedelta(hours=2), "hers", client_id=theirs.id),
                callback(anna, timedelta(hours=3), "not-her-client", client_id=other.id),
                callback(gone, timedelta(days=2), "left-behind")])
    await db.commit()
    handed = {e.title: e for e in await reassign_overdue(db, now=NOW)}
    assert set(handed) == {"hers", "not-her-client", "left-behind"}
    assert all(e.to_user_id in (anna.id, boris.id) for e in handed.values())
    assert handed["hers"].to_user_id == boris.id and handed["left-behind"].from_user_id == gone.id
    owners_now = {c.name: c.owner_id for c in await db.scalars(
        select(Client).execution_options(populate_existing=True))}
    assert owners_now == {"Anna's": boris.id, "Vera's": None}  # only the client that was Anna's moved
    moved = await db.scalar(select(AuditEntry).where(AuditEntry.entity == "client"))
    assert moved is not None and moved.changes == {"owner_id": [anna.id, boris.id], "reason": "callback handed on"}
