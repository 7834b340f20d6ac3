"""Logging finished calls as interactions and call rows, exactly once, and reading them over the API."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.calls.events import CallSummary, Transfer
from callcenter.calls.services import record_call
from callcenter.db.engine import create_sessionmaker
from callcenter.models import (
    AuditEntry,
    Call,
    CallTransfer,
    Client,
    ClientContact,
    ContactPerson,
    Interaction,
    Phone,
    Task,
    User,
)
from callcenter.models.enums import (
    CallOutcome,
    ClientKind,
    Direction,
    InteractionKind,
    InteractionStatus,
    Role,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from tests.conftest import MakeUser, login_as

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
MOBILE = "+79131234567"
OTHER_MOBILE = "+79161112233"


def summary(linkedid: str, **kw: Any) -> CallSummary:
    """An inbound queue call answered at agent1 after 5 s, talking 60 s, unless told otherwise."""
    outcome = kw.get("outcome", CallOutcome.ANSWERED)
    answered = outcome in (CallOutcome.ANSWERED, CallOutcome.TRANSFERRED)
    start = kw.pop("started_at", T0)
    values: dict[str, Any] = {
        "linkedid": linkedid, "direction": Direction.INBOUND, "caller": "89131234567", "callee": "100",
        "queue": "sales", "offered_to": ("PJSIP/agent1",), "answered_by": "PJSIP/agent1" if answered else None,
        "started_at": start, "answered_at": start + timedelta(seconds=5) if answered else None,
        "ended_at": start + timedelta(seconds=65 if answered else 20), "ring_seconds": 5 if answered else 20,
        "wait_seconds": 5 if answered else 20, "talk_seconds": 60 if answered else None, "hangup_cause": 16,
        "outcome": outcome, "recording": "/var/spool/asterisk/monitor/x.wav" if answered else None,
    }
    values.update(kw)
    return CallSummary(**values)


async def add_client(db: AsyncSession, name: str, phone_raw: str, e164: str, owner: User | None = None) -> Client:
    client = Client(kind=ClientKind.COMPANY, name=name, name_search=name.lower(), name_key=name.lower(),
                    owner_id=owner.id if owner else None)
    db.add(client)
    await db.flush()
    db.add(Phone(client_id=client.id, raw=phone_raw, e164=e164))
    await db.commit()
    return client


@pytest.fixture
async def agent(make_user: MakeUser) -> User:
    return await make_user(Role.OPERATOR, login="agent1", extension="101", agent_interface="PJSIP/agent1")


async def one_call(db: AsyncSession, linkedid: str) -> tuple[Call, Interaction]:
    call = await db.scalar(select(Call).where(Call.linkedid == linkedid).execution_options(populate_existing=True))
    assert call is not None
    interaction = await db.get(Interaction, call.interaction_id, populate_existing=True)
    assert interaction is not None
    return call, interaction


async def test_inbound_answered_matches_client_in_another_format_and_operator_by_interface(
    db: AsyncSession, agent: User
) -> None:
    acme = await add_client(db, "Acme", "8 (913) 123-45-67", MOBILE)
    s = summary("1714557600.1", answered_by="pjsip/AGENT1")
    recorded = await record_call(db, s, region="RU")
    assert recorded.created and recorded.client_id == acme.id and recorded.operator_id == agent.id
    assert recorded.task_id is None
    call, interaction = await one_call(db, "1714557600.1")
    assert (interaction.kind, interaction.direction, interaction.status) == (
        InteractionKind.CALL, Direction.INBOUND, InteractionStatus.DONE)
    assert interaction.occurred_at == T0 and interaction.duration_seconds == 60
    assert interaction.user_id == agent.id and interaction.client_id == acme.id
    assert (call.caller, call.callee, call.queue, call.operator_id) == (MOBILE, "100", "sales", agent.id)
    assert call.answered_at == T0 + timedelta(seconds=5) and call.ended_at == T0 + timedelta(seconds=65)
    assert (call.ring_seconds, call.wait_seconds, call.talk_seconds, call.hangup_cause) == (5, 5, 60, 16)
    assert call.outcome == CallOutcome.ANSWERED and call.recording_path and not call.times_approximate
    entries = list(await db.scalars(select(AuditEntry).where(AuditEntry.entity == "call")))
    assert [(e.action, e.entity_id, e.user_id) for e in entries] == [("create", call.id, None)]


async def test_client_found_through_a_contact_person(db: AsyncSession) -> None:
    acme = await add_client(db, "Acme", "+7 916 000 00 01", "+79160000001")
    person = ContactPerson(full_name="Ivan", name_search="ivan")
    db.add(person)
    await db.flush()
    db.add_all([ClientContact(client_id=acme.id, contact_id=person.id),
                Phone(contact_id=person.id, raw="8 916 111-22-33", e164=OTHER_MOBILE)])
    await db.commit()
    recorded = await record_call(db, summary("c1", caller="+7 (916) 111 22 33"), region="RU")
    _, interaction = await one_call(db, "c1")
    assert recorded.client_id == acme.id and interaction.contact_id == person.id


async def test_missed_inbound_calls_leave_one_callback(db: AsyncSession, agent: User, make_user: MakeUser) -> None:
    owner = await make_user(Role.MANAGER)
    acme = await add_client(db, "Acme", "89131234567", MOBILE, owner=owner)
    first = await record_call(db, summary("m1", outcome=CallOutcome.ABANDONED, offered_to=()), region="RU")
    call, interaction = await one_call(db, "m1")
    assert call.operator_id is None and interaction.user_id is None and call.talk_seconds is None
    task = await db.get(Task, first.task_id)
    assert task is not None
    assert (task.kind, task.origin, task.status) == (TaskKind.CALLBACK, TaskOrigin.MISSED_CALL, TaskStatus.OPEN)
    assert (task.owner_id, task.client_id, task.interaction_id) == (owner.id, acme.id, interaction.id)
    assert task.due_at == call.ended_at
    # The same impatient client again: the open callback grows, no second task.
    again = await record_call(db, summary("m2", outcome=CallOutcome.NO_ANSWER, started_at=T0 + timedelta(minutes=3)),
                              region="RU")
    assert again.task_id == first.task_id
    assert await db.scalar(select(func.count()).select_from(Task)) == 1
    await db.refresh(task)
    assert task.description.count("Missed call") == 2 and "no answer" in task.description
    # An unknown but real number: an unassigned callback with the number in its title.
    busy = await record_call(db, summary("m3", caller="8 916 111-22-33", outcome=CallOutcome.BUSY), region="RU")
    unknown = await db.get(Task, busy.task_id)
    assert unknown is not None and unknown.client_id is None and unknown.owner_id is None
    assert OTHER_MOBILE in unknown.title
    # A number that is not E.164 is kept as given, matches no one, and leaves no task.
    odd = await record_call(db, summary("m4", caller="+15550101", outcome=CallOutcome.ABANDONED), region="RU")
    call, _ = await one_call(db, "m4")
    assert call.caller == "+15550101" and odd.client_id is None and odd.task_id is None
    assert await db.scalar(select(func.count()).select_from(Task)) == 2
    tasks_audited = await db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "task"))
    assert tasks_audited == 3  # two created, one extended


async def test_outbound_and_internal_calls(db: AsyncSession, make_user: MakeUser) -> None:
    dialler = await make_user(Role.OPERATOR, extension="101")
    acme = await add_client(db, "Acme", "+7 913 123 45 67", MOBILE)
    out = summary("o1", direction=Direction.OUTBOUND, caller="101", callee="89131234567", queue=None,
                  offered_to=(), answered_by="PJSIP/101")
    answered = await record_call(db, out, region="RU")
    call, interaction = await one_call(db, "o1")
    assert answered.client_id == acme.id and call.operator_id == dialler.id and call.callee == MOBILE
    assert call.caller == "101" and interaction.direction == Direction.OUTBOUND
    failed = await record_call(
        db, replace(out, linkedid="o2", answered_by=None, answered_at=None, talk_seconds=None,
                    outcome=CallOutcome.FAILED, offered_to=("SIP/101",)), region="RU")
    call, interaction = await one_call(db, "o2")
    assert failed.task_id is None and call.operator_id is None and interaction.user_id == dialler.id
    assert call.outcome == CallOutcome.FAILED and failed.client_id == acme.id
    internal = await record_call(
        db, summary("i1", direction=Direction.INTERNAL, caller="2001", callee="2002", queue=None,
                    outcome=CallOutcome.NO_ANSWER, offered_to=("PJSIP/2002",)), region="RU")
    call, _ = await one_call(db, "i1")
    assert (call.caller, call.callee, internal.client_id, internal.task_id) == ("2001", "2002", None, None)
    assert await db.scalar(select(func.count()).select_from(Task)) == 0


async def test_a_repeated_summary_is_logged_once(db: AsyncSession, agent: User) -> None:
    s = summary("d1", outcome=CallOutcome.ABANDONED)
    first = await record_call(db, s, region="RU")
    second = await record_call(db, replace(s, talk_seconds=99, outcome=CallOutcome.ANSWERED), region="RU")
    assert first.created and not second.created
    assert (second.call_id, second.interaction_id, second.task_id) == (first.call_id, first.interaction_id, first.task_id)
    assert await db.scalar(select(func.count()).select_from(Call)) == 1
    assert await db.scalar(select(func.count()).select_from(Interaction)) == 1
    assert await db.scalar(select(func.count()).select_from(Task)) == 1
    call, _ = await one_call(db, "d1")
    assert call.outcome == CallOutcome.ABANDONED  # the first exact word stands


async def test_concurrent_duplicates_are_logged_once(db_engine: AsyncEngine, db: AsyncSession, agent: User) -> None:
    if db_engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter; SQLite serialises them")
    await add_client(db, "Acme", "89131234567", MOBILE)
    sessions = create_sessionmaker(db_engine)
    s = summary("race", outcome=CallOutcome.BUSY)

    async def log_once() -> Any:
        async with sessions() as own:
            return await record_call(own, s, region="RU")

    results = await asyncio.gather(*(log_once() for _ in range(8)))
    assert sum(r.created for r in results) == 1
    assert len({r.call_id for r in results}) == 1
    assert await db.scalar(select(func.count()).select_from(Call)) == 1
    assert await db.scalar(select(func.count()).select_from(Interaction)) == 1
    assert await db.scalar(select(func.count()).select_from(Task)) == 1
    assert await db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "call")) == 1


async def test_an_exact_summary_corrects_an_approximate_one(db: AsyncSession, agent: User) -> None:
    await add_client(db, "Acme", "89131234567", MOBILE)
    rough = summary("a1", outcome=CallOutcome.NO_ANSWER, times_approximate=True)
    first = await record_call(db, rough, region="RU")
    assert first.task_id is not None
    again = await record_call(db, rough, region="RU")
    assert not again.created and not again.corrected
    exact = summary("a1")
    fixed = await record_call(db, exact, region="RU")
    assert fixed.corrected and fixed.call_id == first.call_id and fixed.operator_id == agent.id
    call, interaction = await one_call(db, "a1")
    assert not call.times_approximate and call.outcome == CallOutcome.ANSWERED and call.talk_seconds == 60
    assert interaction.user_id == agent.id and interaction.duration_seconds == 60
    task = await db.get(Task, first.task_id, populate_existing=True)
    assert task is not None and task.status == TaskStatus.CANCELLED  # it was answered after all
    later = await record_call(db, replace(exact, talk_seconds=5), region="RU")
    assert not later.corrected
    call, _ = await one_call(db, "a1")
    assert call.talk_seconds == 60
    actions = list(await db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "call").order_by(AuditEntry.id)))
    assert actions == ["create", "correct"]


async def test_transfers_are_kept_with_who_and_when(db: AsyncSession, http: httpx.AsyncClient, agent: User,
                                                    make_user: MakeUser) -> None:
    """Who handed the call to whom, when: each operator's share of the talk can be told from it."""
    second = await make_user(Role.OPERATOR, login="agent2", agent_interface="PJSIP/agent2")
    handed = T0 + timedelta(seconds=15)
    transferred = summary(
        "t1", outcome=CallOutcome.TRANSFERRED, answered_by="PJSIP/agent2",
        transfers=(Transfer("PJSIP/agent1", "PJSIP/agent2", handed), Transfer("PJSIP/agent2", "7000@parking", handed)),
    )
    rough = replace(transferred, transfers=transferred.transfers[:1], times_approximate=True)
    await record_call(db, rough, region="RU")
    await record_call(db, transferred, region="RU")  # the exact summary replaces the rough one's transfers
    rows = list(await db.scalars(select(CallTransfer).order_by(CallTransfer.position)))
    assert [(r.from_user_id, r.to_user_id, r.target) for r in rows] == [
        (agent.id, second.id, "PJSIP/agent2"), (second.id, None, "7000@parking")]
    await login_as(http, await make_user(Role.SUPERVISOR))
    [call] = (await http.get("/api/calls")).json()["items"]
    assert call["operator"] == "agent2" and call["outcome"] == "transferred"
    assert call["transfers"] == [
        {"from": "agent1", "from_interface": "PJSIP/agent1", "to": "agent2", "to_interface": "PJSIP/agent2",
         "at": handed.isoformat()},
        {"from": "agent2", "from_interface": "PJSIP/agent2", "to": None, "to_interface": "7000@parking",
         "at": handed.isoformat()},
    ]


async def test_concurrent_corrections_apply_once(db_engine: AsyncEngine, db: AsyncSession, agent: User) -> None:
    if db_engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter; SQLite serialises them")
    await record_call(db, summary("fix", outcome=CallOutcome.ABANDONED, times_approximate=True), region="RU")
    sessions = create_sessionmaker(db_engine)

    async def correct_once() -> Any:
        async with sessions() as own:
            return await record_call(own, summary("fix"), region="RU")

    results = await asyncio.gather(*(correct_once() for _ in range(6)))
    assert sum(r.corrected for r in results) == 1 and len({r.call_id for r in results}) == 1
    call, _ = await one_call(db, "fix")
    assert call.outcome == CallOutcome.ANSWERED and not call.times_approximate
    actions = list(await db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "call").order_by(AuditEntry.id)))
    assert actions == ["create", "correct"]


async def _log_sample(db: AsyncSession) -> None:
    await record_call(db, summary("s1"), region="RU")  # mine, answered by agent
    await record_call(db, summary("s2", caller=OTHER_MOBILE, started_at=T0 + timedelta(hours=1),
                                  answered_by="PJSIP/999"), region="RU")  # theirs, answered by other
    await record_call(db, summary("s3", caller="+15550101", outcome=CallOutcome.ABANDONED,
                                  started_at=T0 + timedelta(hours=2)), region="RU")  # no client
    await record_call(db, summary("s4", direction=Direction.OUTBOUND, caller="101", callee="2002", queue=None,
                                  started_at=T0 + timedelta(days=1)), region="RU")  # no client, agent answered


@pytest.fixture
async def sample(db: AsyncSession, agent: User, make_user: MakeUser) -> dict[str, Any]:
    other = await make_user(Role.OPERATOR, login="other", extension="999")
    mine = await add_client(db, "Mine", "89131234567", MOBILE, owner=agent)
    theirs = await add_client(db, "Theirs", OTHER_MOBILE, OTHER_MOBILE, owner=other)
    await _log_sample(db)
    return {"agent": agent, "other": other, "mine": mine, "theirs": theirs}


def linkedids(r: httpx.Response) -> list[str]:
    assert r.status_code == 200, r.text
    return [c["linkedid"] for c in r.json()["items"]]


async def test_api_lists_and_filters_calls(admin_http: httpx.AsyncClient, sample: dict[str, Any]) -> None:
    r = await admin_http.get("/api/calls")
    assert linkedids(r) == ["s4", "s3", "s2", "s1"] and r.json()["total"] == 4
    first = next(c for c in r.json()["items"] if c["linkedid"] == "s1")
    assert first["operator"] == "agent1" and first["client_id"] == sample["mine"].id
    assert first["caller"] == MOBILE and first["recording"] is True and first["outcome"] == "answered"
    assert first["started_at"] == "2024-05-01T10:00:00+00:00" and first["wait_seconds"] == 5
    for key in ("id", "callee", "queue", "answered_at", "ended_at", "talk_seconds", "hangup_cause",
                "ring_seconds", "times_approximate", "direction"):
        assert key in first
    missed = next(c for c in r.json()["items"] if c["linkedid"] == "s3")
    assert missed["operator"] is None and missed["recording"] is False and missed["client_id"] is None

    assert linkedids(await admin_http.get("/api/calls", params={"operator": "agent1"})) == ["s4", "s1"]
    other_id = sample["other"].id
    assert linkedids(await admin_http.get("/api/calls", params={"operator": str(other_id)})) == ["s2"]
    assert linkedids(await admin_http.get("/api/calls", params={"direction": "outbound"})) == ["s4"]
    assert linkedids(await admin_http.get("/api/calls", params={"outcome": "abandoned"})) == ["s3"]
    # from inclusive, to exclusive, any zone: 10:30Z up to 12:00Z takes s2 (11:00) but not s3 (12:00).
    period = {"from": "2024-05-01T13:30:00+03:00", "to": "2024-05-01T12:00:00Z"}
    assert linkedids(await admin_http.get("/api/calls", params=period)) == ["s2"]
    period = {"from": "2024-05-01T11:00:00Z", "to": "2024-05-01T12:00:01Z"}
    assert linkedids(await admin_http.get("/api/calls", params=period)) == ["s3", "s2"]
    paged = await admin_http.get("/api/calls", params={"limit": 2, "offset": 1})
    assert linkedids(paged) == ["s3", "s2"] and paged.json()["total"] == 4 and paged.json()["limit"] == 2

    one = await admin_http.get(f"/api/calls/{first['id']}")
    assert one.status_code == 200 and one.json() == first
    assert (await admin_http.get("/api/calls/999999")).status_code == 404


async def test_api_refuses_bad_filters(admin_http: httpx.AsyncClient, sample: dict[str, Any]) -> None:
    naive = await admin_http.get("/api/calls", params={"from": "2024-05-01T10:00:00"})
    assert naive.status_code == 422 and "from" in naive.json()["fields"]
    for params in ({"operator": "nobody"}, {"direction": "sideways"}, {"outcome": "maybe"}, {"limit": 0}, {"x": 1}):
        r = await admin_http.get("/api/calls", params=params)
        assert r.status_code == 422, params
        assert set(r.json()["fields"]) == {next(iter(params))}, r.text


async def test_api_needs_credentials(http: httpx.AsyncClient) -> None:
    assert (await http.get("/api/calls")).status_code == 401
    assert (await http.get("/api/calls/1")).status_code == 401


async def test_own_clients_only_operator_sees_own_calls(
    admin_http: httpx.AsyncClient, app: Any, sample: dict[str, Any]
) -> None:
    assert (await admin_http.patch("/api/admin/settings", json={"operators_own_clients_only": True})).status_code == 200
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as me:
        await login_as(me, sample["agent"])
        # s1: own client; s4: no client, answered by me. Not s2 (another's client) nor s3 (no client, nobody's).
        assert linkedids(await me.get("/api/calls")) == ["s4", "s1"]
        everything = {c["linkedid"]: c["id"] for c in (await admin_http.get("/api/calls")).json()["items"]}
        assert (await me.get(f"/api/calls/{everything['s2']}")).status_code == 403
        assert (await me.get(f"/api/calls/{everything['s3']}")).status_code == 403
        assert (await me.get(f"/api/calls/{everything['s1']}")).status_code == 200
    await admin_http.patch("/api/admin/settings", json={"operators_own_clients_only": False})
