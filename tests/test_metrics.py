"""The operator table on data built with known answers, on both databases: every figure, the period's edges
in the CRM's time zone, the team filter, tails, reviews, and the API's refusals."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db.base import utcnow
from callcenter.metrics.operators import operator_table
from callcenter.metrics.period import Period
from callcenter.metrics.rollup import MARGIN, roll_up
from callcenter.models import (
    Call,
    CallReview,
    Client,
    Deal,
    Disposition,
    FunnelStage,
    Interaction,
    MetricDay,
    Task,
    Team,
    User,
)
from callcenter.models.enums import (
    CallOutcome,
    ClientKind,
    DealStatus,
    Direction,
    InteractionKind,
    InteractionStatus,
    Role,
    TaskKind,
    TaskStatus,
)
from tests.conftest import MakeUser, login_as
from tests.test_transcription_jobs import run_jobs

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
WEEK = Period.of(datetime(2026, 3, 2).date(), datetime(2026, 3, 8).date())


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)


class Book:
    """Builds contacts and calls the way the call logger and the wrap-up leave them."""

    def __init__(self, db: AsyncSession) -> None:
        self.db = db
        self.n = 0

    async def client(self, name: str, owner: User | None = None, created: datetime | None = None) -> Client:
        client = Client(kind=ClientKind.COMPANY, name=name, name_search=name.lower(), name_key=name.lower(),
                        owner_id=owner.id if owner else None)
        if created is not None:
            client.created_at = created
        self.db.add(client)
        await self.db.flush()
        return client

    async def contact(self, user: User, when: datetime, *, client: Client | None = None,
                      result: Disposition | None = None, kind: InteractionKind = InteractionKind.CALL,
                      status: InteractionStatus = InteractionStatus.DONE, **call: Any) -> Call | None:
        interaction = Interaction(kind=kind, status=status, occurred_at=when, user_id=user.id,
                                  client_id=client.id if client else None,
                                  disposition_id=result.id if result else None)
        self.db.add(interaction)
        await self.db.flush()
        if kind is not InteractionKind.CALL:
            return None
        self.n += 1
        outcome = call.pop("outcome", CallOutcome.ANSWERED)
        answered = outcome in (CallOutcome.ANSWERED, CallOutcome.TRANSFERRED)
        row = Call(interaction_id=interaction.id, linkedid=f"m-{self.n}", direction=call.pop("direction", Direction.INBOUND),
                   started_at=when, answered_at=when + timedelta(seconds=5) if answered else None,
                   ended_at=when + timedelta(minutes=3), outcome=outcome,
                   operator_id=user.id if answered else None, **call)
        self.db.add(row)
        await self.db.flush()
        return row


@pytest.fixture
async def office(db: AsyncSession, make_user: MakeUser) -> dict[str, Any]:
    team_a, team_b = Team(name="Sales"), Team(name="Service")
    db.add_all([team_a, team_b])
    await db.flush()
    anna = await make_user(Role.OPERATOR, login="anna", team_id=team_a.id)
    boris = await make_user(Role.OPERATOR, login="boris", team_id=team_a.id)
    sam = await make_user(Role.SUPERVISOR, login="sam", team_id=team_a.id)
    vera = await make_user(Role.OPERATOR, login="vera", team_id=team_b.id)
    sale = Disposition(code="m-sale", name="Sale", counts_as_result=True)
    no = Disposition(code="m-no", name="Not interested", counts_as_result=False)
    db.add_all([sale, no])
    await db.flush()
    book = Book(db)
    c1 = await book.client("C1", owner=anna, created=at(3))
    c2 = await book.client("C2", owner=anna, created=at(1))  # before the period
    c3 = await book.client("C3", owner=boris)
    first = await book.contact(anna, at(2), client=c1, result=sale, talk_seconds=60, wait_seconds=10,
                               ring_seconds=5, wrapup_seconds=30, queue="support")
    second = await book.contact(anna, at(3), client=c1, result=no, talk_seconds=120, wait_seconds=25,
                                ring_seconds=7, wrapup_seconds=50, queue="support")
    await book.contact(anna, at(4), client=c2, direction=Direction.OUTBOUND, outcome=CallOutcome.NO_ANSWER,
                       ring_seconds=30)
    await book.contact(anna, at(5), client=c2, result=sale, kind=InteractionKind.MEETING)
    await book.contact(anna, at(6), talk_seconds=90, wait_seconds=0, ring_seconds=3)  # no client, no result
    await book.contact(anna, at(5), client=c2, kind=InteractionKind.NOTE)  # a note is not a contact
    await book.contact(anna, at(7), client=c2, kind=InteractionKind.MEETING, status=InteractionStatus.PLANNED)
    await book.contact(anna, at(9, 0), client=c1, talk_seconds=10)  # the day after the period
    await book.contact(anna, at(1, 23), client=c1, talk_seconds=10)  # 02:00 on the 2nd in Moscow
    await book.contact(boris, at(4), client=c3, result=sale, direction=Direction.OUTBOUND, talk_seconds=30,
                       outcome=CallOutcome.TRANSFERRED)
    await book.contact(vera, at(4), talk_seconds=40)
    assert first is not None and second is not None
    db.add_all([CallReview(call_id=first.id, reviewer_id=sam.id, scores=[], total=Decimal("80")),
                CallReview(call_id=second.id, reviewer_id=sam.id, scores=[], total=Decimal("60"))])
    for due, status in ((NOW - timedelta(days=5), TaskStatus.OPEN), (NOW - timedelta(days=1), TaskStatus.OPEN),
                        (NOW - timedelta(days=10), TaskStatus.DONE), (NOW + timedelta(days=1), TaskStatus.OPEN)):
        db.add(Task(kind=TaskKind.CALLBACK, title="Call back", owner_id=boris.id, client_id=c3.id, due_at=due,
                    status=status))
    db.add(Task(kind=TaskKind.TASK, title="Send the offer", owner_id=boris.id, due_at=NOW - timedelta(days=9)))
    stage = await db.scalar(select(FunnelStage).limit(1))
    if stage is None:
        stage = FunnelStage(code="won", name="Won", sort_order=1, is_closed=True)
        db.add(stage)
        await db.flush()
    db.add_all([
        Deal(client_id=c3.id, title="Boxes", stage_id=stage.id, status=DealStatus.WON, amount=Decimal("1000.50"),
             owner_id=boris.id, closed_at=at(5)),
        Deal(client_id=c3.id, title="Old", stage_id=stage.id, status=DealStatus.WON, amount=Decimal("5"),
             owner_id=boris.id, closed_at=at(1)),
        # Given up on the 4th: C1 had contacts on the 1st (23:00), the 2nd and the 3rd by then; C3 on the 4th.
        Deal(client_id=c1.id, title="No sale", stage_id=stage.id, status=DealStatus.LOST, owner_id=anna.id,
             closed_at=at(4, 12)),
        Deal(client_id=c3.id, title="No sale either", stage_id=stage.id, status=DealStatus.LOST, owner_id=anna.id,
             closed_at=at(4, 12)),
    ])
    await db.commit()
    return {"team_a": team_a, "team_b": team_b, "anna": anna, "boris": boris, "sam": sam, "vera": vera}


def by_login(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["operator"]: row for row in rows}


async def test_every_figure_of_the_operator_table(db: AsyncSession, office: dict[str, Any]) -> None:
    rows = by_login(await operator_table(db, WEEK, now=NOW, tails_days=3))
    assert set(rows) == {"anna", "boris", "sam", "vera"}
    anna = rows["anna"]
    assert {k: anna[k] for k in (
        "contacts", "calls", "calls_inbound", "calls_outbound", "calls_answered", "calls_missed",
        "calls_without_result", "talk_seconds_total", "talk_seconds_avg", "wait_seconds_avg", "ring_seconds_avg",
        "wrapup_seconds_avg", "result_contacts", "result_rate", "clients", "contacts_per_client",
        "review_score_avg", "reviews", "new_clients", "overdue_callbacks",
    )} == {
        "contacts": 5, "calls": 4, "calls_inbound": 3, "calls_outbound": 1, "calls_answered": 3, "calls_missed": 1,
        "calls_without_result": 1, "talk_seconds_total": 270, "talk_seconds_avg": 90.0, "wait_seconds_avg": 11.7,
        "ring_seconds_avg": 5.0, "wrapup_seconds_avg": 40.0, "result_contacts": 2, "result_rate": 0.4,
        "clients": 2, "contacts_per_client": 2.0, "review_score_avg": 70.0, "reviews": 2, "new_clients": 1,
        "overdue_callbacks": 0,
    }
    boris = rows["boris"]
    assert (boris["contacts"], boris["calls_outbound"], boris["calls_answered"], boris["result_rate"]) == (1, 1, 1, 1.0)
    assert (boris["overdue_callbacks"], boris["late_callbacks"]) == (1, 2)  # 5 days late is a tail; 1 day is not
    assert (boris["deals_won"], boris["deals_won_amount"]) == (1, "1000.50")
    assert (anna["deals_lost"], anna["lost_at_contact_avg"]) == (2, 2.0)  # (3 + 1) / 2 contacts before giving up
    sam = rows["sam"]  # takes calls, had none: a row of zeros, averages unknown
    assert (sam["contacts"], sam["talk_seconds_avg"], sam["result_rate"], sam["contacts_per_client"]) == (0, None, None, None)


async def test_the_period_runs_from_midnight_to_midnight_in_the_crms_time_zone(
        db: AsyncSession, office: dict[str, Any]) -> None:
    moscow = Period.of(WEEK.first, WEEK.last, "Europe/Moscow")
    assert moscow.start == datetime(2026, 3, 1, 21, 0, tzinfo=UTC)
    anna = by_login(await operator_table(db, moscow, now=NOW, tails_days=3))["anna"]
    assert anna["contacts"] == 6 and anna["calls_inbound"] == 4  # 23:00 UTC on the 1st is the 2nd in Moscow
    one_day = by_login(await operator_table(db, Period.of(at(4).date(), at(4).date()), now=NOW, tails_days=3))
    assert (one_day["anna"]["contacts"], one_day["boris"]["contacts"], one_day["vera"]["contacts"]) == (1, 1, 1)
    strict = by_login(await operator_table(db, WEEK, now=NOW, tails_days=0))
    assert strict["boris"]["overdue_callbacks"] == 2  # a strict team: every late callback is a tail


async def test_the_team_filter(db: AsyncSession, office: dict[str, Any]) -> None:
    rows = by_login(await operator_table(db, WEEK, now=NOW, tails_days=3, team_id=office["team_a"].id))
    assert set(rows) == {"anna", "boris", "sam"}
    rows = by_login(await operator_table(db, WEEK, now=NOW, tails_days=3, team_id=office["team_b"].id))
    assert set(rows) == {"vera"} and rows["vera"]["talk_seconds_total"] == 40


async def test_the_api(http: httpx.AsyncClient, office: dict[str, Any], make_user: MakeUser) -> None:
    await login_as(http, await make_user(Role.MANAGER))
    r = await http.get("/api/metrics/operators", params={"from": "2026-03-02", "to": "2026-03-08",
                                                         "team": office["team_a"].id})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["from"], body["to"], body["team"], body["tails_days"]) == ("2026-03-02", "2026-03-08",
                                                                            office["team_a"].id, 3)
    anna = by_login(body["rows"])["anna"]
    assert (anna["contacts"], anna["calls_inbound"], anna["talk_seconds_total"], anna["result_rate"],
            anna["contacts_per_client"]) == (5, 3, 270, 0.4, 2.0)
    for params, status in (({"from": "2026-03-08", "to": "2026-03-02"}, 422),
                           ({"from": "2026-02-30", "to": "2026-03-02"}, 422),
                           ({"from": "2024-01-01", "to": "2026-03-02"}, 422),
                           ({"to": "2026-03-02"}, 422),
                           ({"from": "2026-03-02", "to": "2026-03-08", "team": "x"}, 422),
                           ({"from": "2026-03-02", "to": "2026-03-08", "bogus": "1"}, 422)):
        assert (await http.get("/api/metrics/operators", params=params)).status_code == status, params
    await login_as(http, office["anna"])
    assert (await http.get("/api/metrics/operators", params={"from": "2026-03-02", "to": "2026-03-08"})).status_code == 403


async def test_the_dashboard_shows_the_figures_and_leads_to_the_calls_behind_them(
        http: httpx.AsyncClient, office: dict[str, Any], make_user: MakeUser) -> None:
    await login_as(http, await make_user(Role.MANAGER, full_name="<script>alert(1)</script>"))
    page = await http.get("/metrics", params={"from": "2026-03-02", "to": "2026-03-08"})
    assert page.status_code == 200, page.text
    html = page.text
    anna = office["anna"]
    row = html.split(f'data-operator="{anna.login}"')[1].split("</tr>")[0]
    contacts = f'/interactions?operator={anna.id}&amp;from=2026-03-02&amp;to=2026-03-08'
    assert f'class="m-contacts" href="{contacts}">5</a>' in row
    # The contacts and the result rate open exactly the contacts they count: 5, of which 2 with a result.
    log = (await http.get(contacts.replace("&amp;", "&"))).text
    assert len(re.findall(r'<tr data-interaction="\d+">', log)) == 5 and 'id="log-total">Контактов: 5<' in log
    with_result = (await http.get(contacts.replace("&amp;", "&") + "&result=counts")).text
    assert len(re.findall(r'<tr data-interaction="\d+">', with_result)) == 2
    assert f'href="/interactions?operator={anna.id}&amp;result=counts&amp;from=2026-03-02&amp;to=2026-03-08">40%</a>' in row
    lost = f'/deals?owner={anna.id}&amp;status=lost&amp;from=2026-03-02&amp;to=2026-03-08'
    assert f'm-lost-at attention">2.0 <a class="sub" href="{lost}">(2)</a>' in row  # gives up before the fifth
    assert len(re.findall(r'<tr data-deal="\d+">', (await http.get(lost.replace("&amp;", "&"))).text)) == 2
    boris = html.split(f'data-operator="{office["boris"].login}"')[1].split("</tr>")[0]
    won = f'/deals?owner={office["boris"].id}&amp;status=won&amp;from=2026-03-02&amp;to=2026-03-08'
    assert f'class="m-won" href="{won}">1</a>' in boris  # the deal won before the period is not counted
    won_page = (await http.get(won.replace("&amp;", "&"))).text
    assert len(re.findall(r'<tr data-deal="\d+">', won_page)) == 1 and "Boxes" in won_page and ">Old<" not in won_page
    answered = f'/calls?operator={anna.id}&amp;answered=yes&amp;from=2026-03-02&amp;to=2026-03-08'
    assert f'href="{answered}">3</a>' in row
    assert "<svg" in html and "<script" not in html.split("<main")[1].split("</main>")[0]  # charts run no script
    assert 'href="/calls?day=2026-03-04&amp;answered=yes"' in html  # a day's bar leads to that day's calls
    # The drill-down lists exactly the calls the figure counts.
    listed = await http.get(answered.replace("&amp;", "&"))
    assert listed.status_code == 200 and "calls-table" in listed.text
    assert len(re.findall(r'href="/calls/\d+/review"', listed.text)) == 3
    api = await http.get("/api/calls", params={"operator": anna.id, "answered": "true", "from": "2026-03-02T00:00:00Z",
                                               "to": "2026-03-09T00:00:00Z"})
    assert api.json()["total"] == 3
    missed = await http.get("/api/calls", params={"operator": anna.id, "answered": "false",
                                                  "from": "2026-03-02T00:00:00Z", "to": "2026-03-09T00:00:00Z"})
    assert missed.json()["total"] == 1  # the outbound call nobody answered is hers
    no_result = f'/calls?operator={anna.id}&amp;answered=yes&amp;has_result=no&amp;from=2026-03-02&amp;to=2026-03-08'
    assert f'href="{no_result}">1</a>' in row
    listed = await http.get(no_result.replace("&amp;", "&"))
    assert len(re.findall(r'href="/calls/\d+/review"', listed.text)) == 1
    queue = html.split('data-queue="support"')[1].split("</tr>")[0]
    assert '<td class="num q-sl">50%</td>' in queue  # 10 s of wait within the 20 s service level, 25 s not
    # The queue's calls open the call log on that queue's calls only, and the filter stays on the page.
    support = '/calls?queue=support&amp;from=2026-03-02&amp;to=2026-03-08'
    assert f'href="{support}">2</a>' in queue
    listed = (await http.get(support.replace("&amp;", "&"))).text
    assert len(re.findall(r'href="/calls/\d+/review"', listed)) == 2 and 'name="queue" value="support"' in listed
    team = await http.get("/metrics", params={"from": "2026-03-02", "to": "2026-03-08", "team": office["team_b"].id})
    assert 'data-operator="vera"' in team.text and 'data-operator="anna"' not in team.text
    bad = await http.get("/metrics", params={"from": "2026-03-08", "to": "2026-03-02"})
    assert bad.status_code == 200 and "alert-warn" in bad.text  # this month so far instead


async def test_the_operator_table_exports(http: httpx.AsyncClient, office: dict[str, Any], make_user: MakeUser) -> None:
    await login_as(http, await make_user(Role.MANAGER))
    params = {"from": "2026-03-02", "to": "2026-03-08", "team": office["team_a"].id}
    csv_file = await http.get("/metrics/operators.csv", params=params)
    assert csv_file.status_code == 200 and "attachment" in csv_file.headers["content-disposition"]
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("operator;full_name;contacts;calls;calls_inbound")
    anna = next(line.split(";") for line in lines if line.startswith("anna;"))
    assert anna[2:6] == ["5", "4", "3", "1"]
    xlsx = await http.get("/metrics/operators.xlsx", params=params)
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    assert values["anna"][2] == 5 and values["anna"][15] == 0.4 and values["boris"][24] == 1000.5
    assert (await http.get("/metrics/operators.pdf", params=params)).status_code == 404
    await login_as(http, office["anna"])
    assert (await http.get("/metrics/operators.csv", params=params)).status_code == 403
    assert (await http.get("/metrics", params=params)).status_code == 403


async def test_kept_days_give_the_same_figures_and_follow_later_changes(db: AsyncSession, office: dict[str, Any]) -> None:
    moscow = Period.of(WEEK.first, WEEK.last, "Europe/Moscow")
    live = {zone: await operator_table(db, period, now=NOW, tails_days=3)
            for zone, period in (("UTC", WEEK), ("Europe/Moscow", moscow))}
    # Every day with an interaction, the first time: in UTC the 1st (23:00) to the 9th, less the 8th; in Moscow
    # that 23:00 is on the 2nd.
    assert await roll_up(db, "UTC", now=utcnow() + MARGIN) == 8
    assert await roll_up(db, "Europe/Moscow", now=utcnow() + MARGIN) == 7
    assert await db.scalar(select(func.count()).select_from(MetricDay)) > 0
    assert await operator_table(db, WEEK, now=NOW, tails_days=3) == live["UTC"]  # from the kept days alone
    assert await operator_table(db, moscow, now=NOW, tails_days=3) == live["Europe/Moscow"]

    # A result set late on the 6th: that day is read from the contacts until the next run keeps it.
    sale = await db.scalar(select(Disposition).where(Disposition.code == "m-sale"))
    late = await db.scalar(select(Interaction).where(Interaction.user_id == office["anna"].id,
                                                     Interaction.occurred_at == at(6)))
    assert sale is not None and late is not None
    late.disposition_id = sale.id
    await db.commit()
    anna = by_login(await operator_table(db, WEEK, now=NOW, tails_days=3))["anna"]
    assert (anna["result_contacts"], anna["calls_without_result"], anna["result_rate"]) == (3, 0, 0.6)
    assert await roll_up(db, "UTC", now=utcnow() + MARGIN) == 1  # only the day that changed
    assert by_login(await operator_table(db, WEEK, now=NOW, tails_days=3))["anna"] == anna
    # The catalogue decides what counts as a result when the figures are read, not when they were kept.
    sale.counts_as_result = False
    await db.commit()
    assert by_login(await operator_table(db, WEEK, now=NOW, tails_days=3))["anna"]["result_contacts"] == 0


async def test_the_worker_keeps_the_days_as_a_job(db: AsyncSession, db_engine: Any, settings: Any,
                                                   office: dict[str, Any]) -> None:
    from callcenter.cli.worker import handlers
    from callcenter.db.engine import create_sessionmaker
    from callcenter.jobs.worker import Worker
    from callcenter.metrics import jobs as rollups
    from callcenter.models import Job, MetricRollup

    sessions = create_sessionmaker(db_engine)
    await rollups.queue_rollup(sessions, "UTC")
    await rollups.queue_rollup(sessions, "UTC")  # a second worker in the same five minutes finds the first job
    assert len((await db.scalars(select(Job).where(Job.kind == rollups.KIND))).all()) == 1
    worker = Worker(db_engine, handlers(settings, sessions), name="w1", poll=0.05)
    await run_jobs(worker, until=1)
    assert worker.done == 1
    state = await db.get(MetricRollup, "UTC", populate_existing=True)
    assert state is not None
    assert await db.scalar(select(func.count()).select_from(MetricDay).where(MetricDay.zone == "UTC")) > 0
