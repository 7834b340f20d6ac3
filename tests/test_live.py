"""The supervisor's live view: today's queue and operator figures from the call log, and ``GET /api/live``
joining them with the hub's board of calls and desks; the page and its nav link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import SYSTEM
from callcenter.calls.events import AgentPaused, CallAnswered, CallQueued, CallRinging
from callcenter.calls.services import record_call
from callcenter.calls.today import day_start, operators_day, queue_day
from callcenter.models import User
from callcenter.models.enums import CallOutcome, Direction, Role
from callcenter.users.services import create_user
from tests.conftest import PASSWORD, MakeUser, login_as
from tests.test_calls import add_client, summary
from tests.test_pages import sign_in

NOW = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)
TODAY = datetime(2025, 3, 5, tzinfo=UTC)
CLIENT_NUMBER = "+79131234567"


def at(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


async def log_day(db: AsyncSession) -> tuple[User, User]:
    """A day of calls with known answers: two queues, two operators, one call from yesterday."""
    anna = await make_operator(db, "anna", Role.OPERATOR, "Anna", extension="101")
    boris = await make_operator(db, "boris", Role.SUPERVISOR, "Boris", extension="102")
    calls: list[dict[str, Any]] = [
        # sales: answered in 5 s and in 30 s, abandoned after 40 s, taken in 10 s then transferred, unanswered
        {"linkedid": "s1", "started_at": at(300), "answered_by": "PJSIP/101", "wait_seconds": 5, "talk_seconds": 60},
        {"linkedid": "s2", "started_at": at(200), "answered_by": "PJSIP/101", "wait_seconds": 30, "talk_seconds": 40},
        {"linkedid": "s3", "started_at": at(100), "outcome": CallOutcome.ABANDONED, "wait_seconds": 40},
        {"linkedid": "s4", "started_at": at(50), "answered_by": "PJSIP/102", "wait_seconds": 10, "talk_seconds": 15,
         "outcome": CallOutcome.TRANSFERRED},
        {"linkedid": "s5", "started_at": at(40), "outcome": CallOutcome.NO_ANSWER, "wait_seconds": 25},
        # support: one answered in 20 s (exactly the limit)
        {"linkedid": "p1", "started_at": at(30), "queue": "support", "answered_by": "PJSIP/102", "wait_seconds": 20,
         "talk_seconds": 100},
        # yesterday, and a direct call outside any queue
        {"linkedid": "y1", "started_at": TODAY - timedelta(seconds=1), "answered_by": "PJSIP/101", "wait_seconds": 1},
        {"linkedid": "d1", "started_at": at(10), "queue": None, "answered_by": "PJSIP/101", "wait_seconds": None,
         "talk_seconds": 7},
    ]
    for values in calls:
        await record_call(db, summary(**values), region="RU")
    return anna, boris


async def make_operator(db: AsyncSession, login: str, role: Role, name: str, **kw: Any) -> User:
    return await create_user(db, SYSTEM, login=login, password=PASSWORD, role=role, full_name=name, **kw)


def test_the_day_starts_at_midnight_in_the_configured_zone() -> None:
    assert day_start(NOW) == TODAY
    assert day_start(NOW, "Europe/Moscow") == datetime(2025, 3, 4, 21, 0, tzinfo=UTC)
    assert day_start(datetime(2025, 3, 4, 22, 0, tzinfo=UTC), "Europe/Moscow") == datetime(2025, 3, 4, 21, 0, tzinfo=UTC)
    assert day_start(NOW, "America/New_York") == datetime(2025, 3, 5, 5, 0, tzinfo=UTC)


async def test_queue_day_counts_answers_abandons_and_service_level(db: AsyncSession) -> None:
    await log_day(db)
    queues = await queue_day(db, since=TODAY, service_level_seconds=20)
    assert queues == [
        {"queue": "sales", "calls": 5, "answered": 3, "abandoned": 1,
         # s1 and s4 within 20 s, out of s1, s2, s4 answered and s3 abandoned; s5 (no answer) is neither
         "service_level": 0.5, "avg_wait_seconds": 22.0, "longest_wait_seconds": 40},
        {"queue": "support", "calls": 1, "answered": 1, "abandoned": 0, "service_level": 1.0,
         "avg_wait_seconds": 20.0, "longest_wait_seconds": 20},
    ]
    stricter = {q["queue"]: q["service_level"] for q in await queue_day(db, since=TODAY, service_level_seconds=5)}
    assert stricter == {"sales": 0.25, "support": 0.0}
    # Yesterday's call joins once the day starts earlier.
    earlier = await queue_day(db, since=TODAY - timedelta(hours=1), service_level_seconds=20)
    assert earlier[0]["calls"] == 6 and earlier[0]["answered"] == 4
    assert await queue_day(db, since=NOW, service_level_seconds=20) == []


async def test_a_queue_with_no_answered_or_abandoned_calls_has_no_service_level(db: AsyncSession) -> None:
    await record_call(db, summary("n1", started_at=at(5), outcome=CallOutcome.NO_ANSWER, wait_seconds=None), region="RU")
    [queue] = await queue_day(db, since=TODAY, service_level_seconds=20)
    assert queue == {"queue": "sales", "calls": 1, "answered": 0, "abandoned": 0, "service_level": None,
                     "avg_wait_seconds": None, "longest_wait_seconds": None}


async def test_operators_day_lists_who_takes_calls_with_their_day(db: AsyncSession, make_user: MakeUser) -> None:
    anna, boris = await log_day(db)
    await make_user(Role.OPERATOR)  # no phone: not a desk
    await make_user(Role.MANAGER, extension="150")  # not taking queue calls
    gone = await make_user(Role.OPERATOR, extension="103")
    gone.is_active = False
    idle = await make_operator(db, "vera", Role.OPERATOR, "", agent_interface="SIP/vera")
    await db.commit()
    operators = await operators_day(db, since=TODAY)
    assert operators == [
        {"user_id": anna.id, "login": "anna", "full_name": "Anna", "extension": "101", "interface": "PJSIP/101",
         "calls_today": 3, "talk_seconds_today": 107},  # s1, s2 and the direct d1; not yesterday's
        {"user_id": boris.id, "login": "boris", "full_name": "Boris", "extension": "102", "interface": "PJSIP/102",
         "calls_today": 2, "talk_seconds_today": 115},
        {"user_id": idle.id, "login": "vera", "full_name": "", "extension": None, "interface": "SIP/vera",
         "calls_today": 0, "talk_seconds_today": 0},
    ]


# GET /api/live


@pytest.fixture
def clock(app: Any) -> datetime:
    app.state.hub.clock = lambda: NOW
    return NOW


async def test_operators_may_not_read_the_live_view(http: httpx.AsyncClient, make_user: MakeUser) -> None:
    await login_as(http, await make_user(Role.OPERATOR, extension="101"))
    response = await http.get("/api/live")
    assert response.status_code == 403 and response.json()["error"] == "forbidden"
    assert (await http.get("/live")).status_code == 403


async def test_live_view_of_a_quiet_day(http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession,
                                        clock: datetime) -> None:
    anna, boris = await log_day(db)
    await login_as(http, await make_user(Role.SUPERVISOR))
    response = await http.get("/api/live")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"queues", "operators", "calls", "service_level_seconds", "day_start", "time_zone",
                         "server_time"}
    assert body["service_level_seconds"] == 20 and body["time_zone"] == "UTC"
    assert body["day_start"] == TODAY.isoformat() and body["server_time"] == NOW.isoformat()
    assert body["calls"] == []
    sales = body["queues"][0]
    assert sales["queue"] == "sales" and (sales["answered"], sales["abandoned"], sales["service_level"]) == (3, 1, 0.5)
    assert sales["waiting"] == 0 and sales["longest_waiting_seconds"] is None
    by_login = {o["login"]: o for o in body["operators"]}
    assert by_login["anna"]["calls_today"] == 3 and by_login["boris"]["calls_today"] == 2
    assert by_login["anna"]["agent"] == {"user_id": anna.id, "login": "anna", "state": "available", "reason": "",
                                         "paused": False, "since": None, "call": None, "call_since": None}
    assert by_login["anna"]["call"] is None and by_login["anna"]["ringing"] == []


async def test_live_view_shows_who_waits_who_talks_and_who_is_paused(
        app: Any, http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession, clock: datetime) -> None:
    anna, boris = await log_day(db)
    await make_operator(db, "vera", Role.OPERATOR, "Vera", extension="103")
    client = await add_client(db, "ООО Ромашка", "8 913 123-45-67", CLIENT_NUMBER)
    hub = app.state.hub
    # Two callers wait in sales (one ringing at Vera), one in a queue with no calls logged today yet;
    # Anna talks to a known client; Boris is paused.
    events = [
        CallQueued("w1", "89160000001", "sales", at(1.5)),
        CallQueued("w2", "89160000002", "sales", at(0.5)),
        CallRinging("w2", Direction.INBOUND, "89160000002", "100", "PJSIP/103", "sales", at(0.25)),
        CallQueued("n1", "89160000003", "vip", at(0.2)),
        CallQueued("t1", "8 913 123 45 67", "support", at(3)),
        CallRinging("t1", Direction.INBOUND, "8 913 123 45 67", "100", "PJSIP/101", "support", at(2.9)),
        CallAnswered("t1", "PJSIP/101", "support", at(2.5)),
        AgentPaused("PJSIP/102", True, "lunch", "sales", at(20)),
    ]
    for event in events:
        await hub.handle(event)
    await login_as(http, await make_user(Role.SUPERVISOR))
    body = (await http.get("/api/live")).json()

    queues = {q["queue"]: q for q in body["queues"]}
    assert list(queues) == ["sales", "support", "vip"]
    assert (queues["sales"]["waiting"], queues["sales"]["longest_waiting_seconds"]) == (2, 90)
    assert queues["sales"]["oldest_waiting_since"] == at(1.5).isoformat()
    assert queues["sales"]["answered"] == 3  # today's figures stay
    assert (queues["support"]["waiting"], queues["support"]["answered"]) == (0, 1)
    assert queues["vip"] == {"queue": "vip", "calls": 0, "answered": 0, "abandoned": 0, "service_level": None,
                             "avg_wait_seconds": None, "longest_wait_seconds": None, "waiting": 1,
                             "longest_waiting_seconds": 12, "oldest_waiting_since": at(0.2).isoformat()}

    calls = {c["linkedid"]: c for c in body["calls"]}
    assert list(calls) == ["t1", "w1", "w2", "n1"]  # oldest first
    assert calls["w1"]["state"] == "queued" and calls["w1"]["caller"] == "+79160000001"
    assert calls["w2"]["state"] == "ringing" and calls["w2"]["ringing"] == ["vera"]
    talking = calls["t1"]
    assert (talking["state"], talking["operator"], talking["operator_id"]) == ("answered", "anna", anna.id)
    assert (talking["client_id"], talking["client_name"]) == (client.id, "ООО Ромашка")  # looked up for the view
    assert talking["caller"] == CLIENT_NUMBER and talking["answered_at"] == at(2.5).isoformat()

    ops = {o["login"]: o for o in body["operators"]}
    assert ops["anna"]["agent"]["state"] == "in_call" and ops["anna"]["agent"]["call"] == "t1"
    assert ops["anna"]["agent"]["call_since"] == at(2.5).isoformat()
    assert ops["anna"]["call"]["linkedid"] == "t1" and ops["anna"]["call"]["client_name"] == "ООО Ромашка"
    assert ops["boris"]["agent"]["state"] == "paused" and ops["boris"]["agent"]["reason"] == "lunch"
    assert ops["boris"]["call"] is None and ops["boris"]["calls_today"] == 2
    assert ops["vera"]["agent"]["state"] == "available" and ops["vera"]["ringing"] == ["w2"]


async def test_live_page_and_its_link_are_for_supervisors(http: httpx.AsyncClient, make_user: MakeUser) -> None:
    operator = await make_user(Role.OPERATOR, extension="101")
    await sign_in(http, operator)
    assert 'href="/live"' not in (await http.get("/clients")).text
    http.cookies.clear()
    await sign_in(http, await make_user(Role.SUPERVISOR))
    assert 'href="/live"' in (await http.get("/clients")).text
    page = await http.get("/live")
    assert page.status_code == 200
    assert 'id="live-queues"' in page.text and 'src="/static/live.js' in page.text
    assert "SL ≤ 20 с" in page.text and 'id="live-texts"' in page.text
    assert (await http.get("/static/live.js")).status_code == 200
