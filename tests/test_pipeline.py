"""Each operator's clients by the stage of their furthest open deal, on both databases: the figures, the API's
rows, the export's columns, the team filter, and the dashboard's panel opening exactly the clients it counts."""

from __future__ import annotations

import io
import re
from html import unescape
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db.base import utcnow
from callcenter.metrics.operators import operator_table
from callcenter.metrics.period import Period
from callcenter.metrics.pipeline import pipelines
from callcenter.metrics.series import funnel
from callcenter.models import Client, Deal, FunnelStage, Team
from callcenter.models.enums import ClientKind, DealStatus, Role
from tests.conftest import MakeUser, login_as
from tests.test_pages import sign_in

STAGES = ["lead", "qualified", "proposal", "negotiation", "none"]  # the seeded open stages in order, then none
CLIENT_LINK = re.compile(r'<a class="strong" href="/clients/(\d+)">')


@pytest.fixture
async def book(db: AsyncSession, make_user: MakeUser) -> dict[str, Any]:
    sales, service = Team(name="Sales"), Team(name="Service")
    db.add_all([sales, service])
    await db.flush()
    anna = await make_user(Role.OPERATOR, login="anna", team_id=sales.id)
    boris = await make_user(Role.OPERATOR, login="boris", team_id=sales.id)
    sam = await make_user(Role.SUPERVISOR, login="sam", team_id=sales.id)
    vera = await make_user(Role.OPERATOR, login="vera", team_id=service.id)
    stage = {s.code: s.id for s in await db.scalars(select(FunnelStage))}
    clients: dict[str, int] = {}

    async def client(name: str, owner: Any, *deals: tuple[str, DealStatus]) -> None:
        row = Client(kind=ClientKind.COMPANY, name=name, name_search=name.lower(), name_key=name.lower(),
                     owner_id=owner.id if owner else None)
        db.add(row)
        await db.flush()
        clients[name] = row.id
        for code, status in deals:
            db.add(Deal(client_id=row.id, title=f"{name} {code}", stage_id=stage[code], status=status,
                        owner_id=boris.id, closed_at=None if status == DealStatus.OPEN else utcnow()))

    open_, won, lost = DealStatus.OPEN, DealStatus.WON, DealStatus.LOST
    await client("c1", anna, ("lead", open_), ("proposal", open_))  # the furthest of two open deals
    await client("c2", anna, ("negotiation", open_), ("lost", lost))
    await client("c3", anna)  # no deals
    await client("c4", anna, ("won", won))  # only a closed deal
    await client("c5", anna, ("qualified", open_))  # the deal's owner is Boris: the client's owner counts
    await client("c6", boris, ("lead", open_))
    await client("c7", vera, ("proposal", open_))
    await client("c8", None, ("lead", open_))  # nobody's
    # An open deal left in a closed stage is not in the funnel.
    await client("c9", anna, ("won", open_), ("lead", open_))
    await db.commit()
    return {"sales": sales.id, "service": service.id, "anna": anna, "boris": boris, "sam": sam, "vera": vera,
            "clients": clients}


def expected(**counts: int) -> dict[str, int]:
    return {code: counts.get(code, 0) for code in STAGES}


ANNA = expected(lead=1, qualified=1, proposal=1, negotiation=1, none=2)


async def test_each_client_counts_once_at_its_furthest_open_deal(db: AsyncSession, book: dict[str, Any]) -> None:
    found = await pipelines(db, [book[k].id for k in ("anna", "boris", "sam", "vera")])
    assert found[book["anna"].id] == ANNA and list(found[book["anna"].id]) == STAGES
    assert found[book["boris"].id] == expected(lead=1)
    assert found[book["sam"].id] == expected()
    assert found[book["vera"].id] == expected(proposal=1)
    # A deal moving on moves its client; the last open deal closing leaves the client with none.
    deal = await db.scalar(select(Deal).where(Deal.title == "c6 lead"))
    assert deal is not None
    deal.stage_id = await db.scalar(select(FunnelStage.id).where(FunnelStage.code == "negotiation"))
    await db.commit()
    assert (await pipelines(db, [book["boris"].id]))[book["boris"].id] == expected(negotiation=1)
    deal.status = DealStatus.WON
    await db.commit()
    assert (await pipelines(db, [book["boris"].id]))[book["boris"].id] == expected(none=1)


async def test_the_operator_table_api_and_export_carry_the_pipeline(
        db: AsyncSession, http: httpx.AsyncClient, book: dict[str, Any], make_user: MakeUser) -> None:
    today = utcnow().date()
    rows = {r["operator"]: r for r in await operator_table(db, Period.of(today, today), now=utcnow(), tails_days=3)}
    assert rows["anna"]["pipeline"] == ANNA and rows["sam"]["pipeline"] == expected()
    await login_as(http, await make_user(Role.MANAGER))
    params = {"from": today.isoformat(), "to": today.isoformat()}
    body = (await http.get("/api/metrics/operators", params=params)).json()
    assert list(body["stages"]) == STAGES[:-1] and body["stages"]["proposal"] == "Коммерческое предложение"
    assert {r["operator"]: r["pipeline"] for r in body["rows"]} == {
        "anna": ANNA, "boris": expected(lead=1), "sam": expected(), "vera": expected(proposal=1)}
    team = (await http.get("/api/metrics/operators", params={**params, "team": book["service"]})).json()
    assert [(r["operator"], r["pipeline"]) for r in team["rows"]] == [("vera", expected(proposal=1))]

    csv_file = await http.get("/metrics/operators.csv", params=params)
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    header = lines[0].split(";")
    assert header[:3] == ["operator", "full_name", "contacts"] and header[-5:] == [f"pipeline.{c}" for c in STAGES]
    anna = next(line.split(";") for line in lines if line.startswith("anna;"))
    assert anna[-5:] == ["1", "1", "1", "1", "2"]
    xlsx = await http.get("/metrics/operators.xlsx", params=params)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    assert list(values["operator"][-5:]) == [f"pipeline.{c}" for c in STAGES]
    assert list(values["anna"][-5:]) == [1, 1, 1, 1, 2]


async def test_every_count_of_the_panel_opens_exactly_the_clients_it_counts(
        http: httpx.AsyncClient, db: AsyncSession, book: dict[str, Any], make_user: MakeUser) -> None:
    await sign_in(http, await make_user(Role.MANAGER))
    page = await http.get("/metrics")
    assert page.status_code == 200
    panel = page.text.split('id="dash-pipeline"')[1].split("</table>")[0]
    assert "Коммерческое предложение" in panel and "Нет открытой сделки" in panel
    cells = re.findall(r'<tr data-operator="(\w+)">|<a data-stage="(\w+)" href="([^"]+)">(\d+)</a>', panel)
    shown: dict[str, dict[str, int]] = {}
    operator = ""
    for login, code, href, count in cells:
        if login:
            operator = login
            continue
        shown.setdefault(operator, {})[code] = int(count)
        listed = await http.get(unescape(href))
        assert listed.status_code == 200
        assert len(CLIENT_LINK.findall(listed.text)) == int(count), (operator, code)
    assert shown == {"anna": ANNA, "boris": expected(lead=1), "sam": expected(), "vera": expected(proposal=1)}
    anna = book["anna"].id
    c = book["clients"]
    proposal = await http.get("/clients", params={"owner": anna, "deal_stage": "proposal"})
    assert [int(n) for n in CLIENT_LINK.findall(proposal.text)] == [c["c1"]]
    assert '<option value="proposal" selected>' in proposal.text  # the filter shows what it narrows to
    none = await http.get("/clients", params={"owner": anna, "deal_stage": "none"})
    assert sorted(int(n) for n in CLIENT_LINK.findall(none.text)) == sorted([c["c3"], c["c4"]])
    service = await http.get("/metrics", params={"team": book["service"]})
    panel = service.text.split('id="dash-pipeline"')[1].split("</table>")[0]
    assert re.findall(r'<tr data-operator="(\w+)">', panel) == ["vera"]
    # Each bar of the funnel opens the open deals at its stage (the team's, under a team): as many as it shows.
    for html, team in ((page.text, None), (service.text, book["service"])):
        chart = html.split('id="chart-funnel"')[1].split("</section>")[0]
        bars = re.findall(r'xlink:href="(/deals\?status=open&amp;stage=(\w+)[^"]*)"', chart)
        assert [code for _, code in bars] == [code for code in STAGES if code != "none"]
        counted = {s["code"]: s["deals"] for s in await funnel(db, team)}
        # The open deals in open stages; Boris (Sales) owns every deal, so the Service team has none.
        assert counted == ({"lead": 4, "qualified": 1, "proposal": 2, "negotiation": 1} if team is None
                           else dict.fromkeys(counted, 0))
        for href, code in bars:
            assert (f"team={team}" in href) == (team is not None)
            deals = (await http.get(unescape(href))).text
            assert len(re.findall(r'<tr data-deal="\d+">', deals)) == counted[code], (team, code)


async def test_the_client_api_filters_by_deal_stage(http: httpx.AsyncClient, book: dict[str, Any],
                                                    make_user: MakeUser) -> None:
    await login_as(http, await make_user(Role.MANAGER))
    c = book["clients"]

    async def names(**params: Any) -> set[int]:
        r = await http.get("/api/clients", params=params)
        assert r.status_code == 200, r.text
        return {item["id"] for item in r.json()["items"]}

    assert await names(deal_stage="lead") == {c["c6"], c["c8"], c["c9"]}
    assert await names(deal_stage="lead", owner_id=book["anna"].id) == {c["c9"]}
    assert await names(deal_stage="none") == {c["c3"], c["c4"]}
    assert await names(deal_stage="won") == set()  # a closed stage holds no open deal
    assert (await http.get("/api/clients", params={"deal_stage": "x" * 51})).status_code == 422
