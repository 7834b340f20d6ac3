"""The wrap-up after a call: result, notes, callback, deal and claim; waiting for the call to be logged;
who may wrap up; the mark left on calls whose result never came, and the sweeper that sets it."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.auth.principal import Principal
from callcenter.calls import wrapup
from callcenter.calls.schemas import WrapUpIn
from callcenter.calls.services import record_call
from callcenter.db.base import utcnow
from callcenter.db.engine import create_engine, create_sessionmaker
from callcenter.desk.events import WrapUpDone
from callcenter.models import AuditEntry, Call, Claim, Deal, Disposition, FunnelStage, Interaction, Task, User
from callcenter.models.enums import CallOutcome, Role
from callcenter.settings import Settings
from tests.api.conftest import Session
from tests.conftest import MakeUser, login_as
from tests.test_calls import MOBILE, add_client, summary


@pytest.fixture
async def agent(make_user: MakeUser) -> User:
    return await make_user(Role.OPERATOR, login="agent1", extension="101", agent_interface="PJSIP/agent1")


@pytest.fixture
async def results(db: AsyncSession) -> dict[str, int]:
    rows = [Disposition(code="sale", name="Sale", counts_as_result=True, sort_order=1),
            Disposition(code="info", name="Information", sort_order=2),
            Disposition(code="old", name="Retired", is_active=False, sort_order=3)]
    db.add_all(rows)
    await db.commit()
    return {d.code: d.id for d in rows}


@pytest.fixture
async def funnel(db: AsyncSession) -> dict[str, int]:
    """The first open stage by sort order is neither the first row nor the lowest sort order."""
    rows = [FunnelStage(code="offer", name="Offer", sort_order=2), FunnelStage(code="lead", name="Lead", sort_order=1),
            FunnelStage(code="won", name="Won", sort_order=0, is_closed=True)]
    db.add_all(rows)
    await db.commit()
    return {s.code: s.id for s in rows}


async def log_call(db: AsyncSession, linkedid: str, *, ended_ago: float = 60, **kw: Any) -> Call:
    """An answered call at agent1 from MOBILE that ended ``ended_ago`` seconds ago (65 s after it started)."""
    started = utcnow() - timedelta(seconds=ended_ago + 65)
    await record_call(db, summary(linkedid, started_at=started, **kw), region="RU")
    call = await db.scalar(select(Call).where(Call.linkedid == linkedid).execution_options(populate_existing=True))
    assert call is not None
    return call


def later(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


async def test_wrap_up_sets_the_result_and_makes_the_next_steps(
    http: httpx.AsyncClient, db: AsyncSession, agent: User, results: dict[str, int], funnel: dict[str, int]
) -> None:
    acme = await add_client(db, "Acme", "8 913 123-45-67", MOBILE)
    call = await log_call(db, "w1", ended_ago=60)
    await db.execute(update(Interaction).where(Interaction.id == call.interaction_id).values(notes="Asked for prices."))
    await db.commit()
    await login_as(http, agent)
    due = later(24)
    r = await http.post("/api/calls/wrap-up", json={
        "linkedid": "w1", "disposition_id": results["sale"], "notes": "Wants 20 units.",
        "callback": {"due_at": due, "note": "Confirm the delivery date"},
        "deal": {"title": "20 units", "amount": "1500.5"},
        "claim": {"subject": "Late delivery", "description": "The May order came a week late."},
    })
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["id"], body["linkedid"], body["operator"]) == (call.id, "w1", "agent1")
    assert body["result"] == {"id": results["sale"], "code": "sale", "name": "Sale"}
    assert 60 <= body["wrapup_seconds"] <= 75 and body["result_missing"] is False
    assert datetime.fromisoformat(body["result_at"]) > utcnow() - timedelta(seconds=15)

    interaction = await db.get(Interaction, call.interaction_id, populate_existing=True)
    assert interaction is not None
    assert interaction.disposition_id == results["sale"]
    assert interaction.notes == "Asked for prices.\n\nWants 20 units."

    task = await db.get(Task, body["task_id"])
    assert task is not None
    assert (task.kind.value, task.origin.value, task.title, task.description) == (
        "callback", "promised_callback", "Call back Acme", "Confirm the delivery date")
    assert (task.owner_id, task.client_id, task.interaction_id) == (agent.id, acme.id, call.interaction_id)
    assert task.due_at == datetime.fromisoformat(due)

    deal = await db.get(Deal, body["deal_id"])
    assert deal is not None
    assert (deal.client_id, deal.title, str(deal.amount), deal.stage_id, deal.status.value, deal.owner_id) == (
        acme.id, "20 units", "1500.50", funnel["lead"], "open", agent.id)
    claim = await db.get(Claim, body["claim_id"])
    assert claim is not None
    assert (claim.client_id, claim.interaction_id, claim.subject, claim.owner_id) == (
        acme.id, call.interaction_id, "Late delivery", agent.id)

    listed = (await http.get("/api/calls")).json()["items"]
    assert [(c["result"], c["wrapup_seconds"]) for c in listed] == [(body["result"], body["wrapup_seconds"])]
    entries = {(e.action, e.entity) for e in await db.scalars(select(AuditEntry).where(AuditEntry.user_id == agent.id))}
    assert {("wrap_up", "call"), ("update", "interaction"), ("create", "task"), ("create", "deal"),
            ("create", "claim")} <= entries


async def test_a_correction_keeps_the_first_wrap_up_time(
    db: AsyncSession, agent: User, results: dict[str, int]
) -> None:
    call = await log_call(db, "w2")
    assert call.ended_at is not None
    me = Principal(user_id=agent.id, login=agent.login, role=Role.OPERATOR)
    first = await wrapup.wrap_up(db, me, WrapUpIn(linkedid="w2", disposition_id=results["info"], notes="Called about X."),
                                 now=call.ended_at + timedelta(seconds=30), ip=None)
    assert (first["wrapup_seconds"], first["result"]["code"]) == (30, "info")
    second_at = call.ended_at + timedelta(seconds=500)
    second = await wrapup.wrap_up(db, me, WrapUpIn(linkedid="w2", disposition_id=results["sale"], notes="Called about X."),
                                  now=second_at, ip=None)
    assert (second["wrapup_seconds"], second["result"]["code"]) == (30, "sale")
    assert datetime.fromisoformat(second["result_at"]) == second_at
    assert second["task_id"] is second["deal_id"] is second["claim_id"] is None
    interaction = await db.get(Interaction, call.interaction_id, populate_existing=True)
    assert interaction is not None and interaction.notes == "Called about X."  # the same notes are not repeated
    before_call = call.ended_at - timedelta(seconds=10)  # a clock behind the call's end never gives negative time
    await db.execute(update(Call).where(Call.id == call.id).values(result_at=None, wrapup_seconds=None))
    await db.commit()
    third = await wrapup.wrap_up(db, me, WrapUpIn(linkedid="w2", disposition_id=results["sale"]), now=before_call, ip=None)
    assert third["wrapup_seconds"] == 0


async def test_an_unknown_call_is_waited_for_then_404(
    http: httpx.AsyncClient, agent: User, results: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wrapup, "LOG_WAIT_SECONDS", 0.4)
    await login_as(http, agent)
    started = time.monotonic()
    r = await http.post("/api/calls/wrap-up", json={"linkedid": "never", "disposition_id": results["sale"]})
    assert r.status_code == 404, r.text
    assert (r.json()["error"], r.json()["linkedid"]) == ("call-not-logged", "never")
    assert time.monotonic() - started >= 0.4


async def test_a_call_logged_while_the_request_waits_is_found(
    http: httpx.AsyncClient, db_engine: AsyncEngine, agent: User, results: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(wrapup, "LOG_WAIT_SECONDS", 5.0)
    await login_as(http, agent)

    async def logged_late() -> None:
        await asyncio.sleep(0.4)
        async with create_sessionmaker(db_engine)() as other:
            await record_call(other, summary("late", started_at=utcnow() - timedelta(seconds=70)), region="RU")

    started = time.monotonic()
    r, _ = await asyncio.gather(
        http.post("/api/calls/wrap-up", json={"linkedid": "late", "disposition_id": results["sale"]}), logged_late()
    )
    assert r.status_code == 200, r.text
    assert r.json()["linkedid"] == "late" and r.json()["result"]["code"] == "sale"
    assert 0.4 <= time.monotonic() - started < 5.0


async def test_only_the_answering_operator_or_a_supervisor_wraps_up(
    db: AsyncSession, session_for: Session, make_user: MakeUser, agent: User, results: dict[str, int]
) -> None:
    await log_call(db, "w3")
    other = await session_for(await make_user(Role.OPERATOR))
    r = await other.post("/api/calls/wrap-up", json={"linkedid": "w3", "disposition_id": results["sale"]})
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    supervisor = await session_for(await make_user(Role.SUPERVISOR))
    r = await supervisor.post("/api/calls/wrap-up", json={"linkedid": "w3", "disposition_id": results["info"],
                                                          "callback": {"due_at": later(2)}})
    assert r.status_code == 200, r.text
    task = await db.get(Task, r.json()["task_id"])
    assert task is not None and task.owner_id == agent.id  # the callback stays the operator's


async def test_bad_wrap_ups_write_nothing(
    http: httpx.AsyncClient, db: AsyncSession, agent: User, results: dict[str, int], funnel: dict[str, int]
) -> None:
    call = await log_call(db, "w4", caller="+7 495 000-00-00")  # a number no client has
    await login_as(http, agent)

    async def refused(**body: Any) -> dict[str, str]:
        r = await http.post("/api/calls/wrap-up", json={"linkedid": "w4", **body})
        assert r.status_code == 422, r.text
        return dict(r.json()["fields"])

    assert set(await refused(disposition_id=results["old"], callback={"due_at": later(-1)})) == {
        "disposition_id", "callback.due_at"}
    assert await refused(disposition_id=results["sale"], deal={"title": "X"}, claim={"subject": "Y"}) == {
        "deal": "the call has no client; a deal or a claim needs one",
        "claim": "the call has no client; a deal or a claim needs one",
    }
    assert set(await refused(disposition_id=9999, callback={"due_at": "2030-01-01T10:00:00"})) == {"callback.due_at"}
    assert set(await refused(disposition_id=results["sale"], deal={"title": "X", "amount": "-1"}, extra=1)) == {
        "deal.amount", "extra"}
    assert await refused(disposition_id=9999) == {"disposition_id": "no disposition with id 9999"}
    interaction = await db.get(Interaction, call.interaction_id, populate_existing=True)
    refreshed = await db.get(Call, call.id, populate_existing=True)
    assert interaction is not None and refreshed is not None
    assert interaction.disposition_id is None and refreshed.result_at is None
    assert await db.scalar(select(func.count()).select_from(Task)) == 0
    # Without a client, a callback is still made, named after the number.
    r = await http.post("/api/calls/wrap-up", json={"linkedid": "w4", "disposition_id": results["sale"],
                                                    "callback": {"due_at": later(1)}})
    assert r.status_code == 200, r.text
    task = await db.get(Task, r.json()["task_id"])
    assert task is not None and (task.title, task.client_id) == ("Call back +74950000000", None)


async def test_wrap_up_done_is_published_for_the_operator(
    app: Any, db: AsyncSession, session_for: Session, make_user: MakeUser, agent: User, results: dict[str, int]
) -> None:
    seen: list[Any] = []

    async def keep(event: Any) -> None:
        seen.append(event)

    app.state.bus.subscribe(keep, name="test")
    try:
        await log_call(db, "w5")
        supervisor = await session_for(await make_user(Role.SUPERVISOR))
        r = await supervisor.post("/api/calls/wrap-up", json={"linkedid": "w5", "disposition_id": results["sale"]})
        assert r.status_code == 200, r.text
        await app.state.bus.drain(timeout=2)
        assert len(seen) == 1 and isinstance(seen[0], WrapUpDone)
        assert (seen[0].user_id, seen[0].linkedid) == (agent.id, "w5")
        assert seen[0].at == datetime.fromisoformat(r.json()["result_at"])
    finally:
        await app.state.bus.close()


async def test_calls_without_a_result_in_their_window_are_marked(
    http: httpx.AsyncClient, db: AsyncSession, agent: User, results: dict[str, int]
) -> None:
    long_ago = await log_call(db, "old-no-result", ended_ago=3600)
    await log_call(db, "recent", ended_ago=10)
    await log_call(db, "old-with-result", ended_ago=3600)
    await log_call(db, "old-missed", ended_ago=3600, outcome=CallOutcome.NO_ANSWER)
    await log_call(db, "old-nobody", ended_ago=3600, answered_by="PJSIP/unknown")
    # Its window closed beyond the sweeper's horizon: earlier rounds decided it (or nothing ran then).
    await log_call(db, "ancient", ended_ago=int(wrapup.SWEEP_HORIZON.total_seconds()) + 4 * 3600)
    await db.execute(update(Interaction).where(Interaction.id == (
        select(Call.interaction_id).where(Call.linkedid == "old-with-result").scalar_subquery()
    )).values(disposition_id=results["info"]))
    await db.commit()

    assert await wrapup.mark_results_missing(db, now=utcnow(), window_seconds=300) == 1
    marked = set(await db.scalars(select(Call.linkedid).where(Call.result_missing.is_(True))))
    assert marked == {"old-no-result"}
    assert await wrapup.mark_results_missing(db, now=utcnow(), window_seconds=300) == 0
    # With a window an hour and a half long, nothing more is late.
    assert await wrapup.mark_results_missing(db, now=utcnow() + timedelta(seconds=60), window_seconds=5400) == 0

    await login_as(http, agent)
    listed = {c["linkedid"]: c["result_missing"] for c in (await http.get("/api/calls")).json()["items"]}
    assert listed == {"old-no-result": True, "recent": False, "old-with-result": False, "old-missed": False,
                      "old-nobody": False, "ancient": False}
    r = await http.post("/api/calls/wrap-up", json={"linkedid": "old-no-result", "disposition_id": results["sale"]})
    assert r.status_code == 200, r.text
    assert r.json()["result_missing"] is False and r.json()["wrapup_seconds"] >= 3600
    refreshed = await db.get(Call, long_ago.id, populate_existing=True)
    assert refreshed is not None and refreshed.result_missing is False


async def test_the_sweeper_marks_calls_and_survives_a_lost_database(
    db: AsyncSession, db_engine: AsyncEngine, agent: User, tmp_path: Path
) -> None:
    await log_call(db, "swept", ended_ago=3600)
    settings = Settings(data_dir=tmp_path, result_window_seconds=60)
    async with wrapup.results_sweeper(db_engine, settings, every=0.05) as task:
        for _ in range(100):
            if await db.scalar(select(Call.result_missing).where(Call.linkedid == "swept")
                               .execution_options(populate_existing=True)):
                break
            await db.rollback()
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the sweeper did not mark the call")
    assert task.done() and not task.cancelled() and task.exception() is None  # it finished its round and stopped

    missing = create_engine(f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/x.db")
    try:
        async with wrapup.results_sweeper(missing, settings, every=0.02) as task:
            await asyncio.sleep(0.2)  # several failed rounds
            assert not task.done()
        assert task.done() and task.exception() is None
    finally:
        await missing.dispose()
