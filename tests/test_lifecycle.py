"""Lifecycle stages by the manager's rules, on clients built with known answers, on both databases: the rules
themselves, a run writing the stages and keeping each move, contacts holding off "lost", a base without sales
left alone, hand-made changes counted, the transitions report with the clients behind it, and the API."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.analytics.lifecycle import compute_stages, read_rules, save_rules
from callcenter.analytics.stages import ClientFacts, LifecycleRules, stage_of, window_start
from callcenter.analytics.transitions import count_slipping, moved_clients, transitions
from callcenter.auth.principal import SYSTEM, Principal
from callcenter.clients.services import ClientFilter, list_clients
from callcenter.metrics.period import Period
from callcenter.models import Client, Interaction, Sale, StageChange, Team
from callcenter.models.enums import ClientKind, InteractionKind, InteractionStatus, Role, Stage
from tests.conftest import MakeUser, login_as

TODAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


def test_the_rules() -> None:
    rules = LifecycleRules()
    assert (rules.regular_sales, rules.regular_months, rules.lost_days, rules.lost_quiet_days) == (3, 12, 180, 90)
    assert rules.slipping_since(TODAY) == date(2026, 1, 16)  # 150 days: lost in 30 more without a sale
    assert stage_of(ClientFacts(0, 0, None, date(2026, 6, 1)), rules, TODAY) is Stage.POTENTIAL
    assert stage_of(ClientFacts(1, 1, date(2026, 6, 1), None), rules, TODAY) is Stage.ONE_TIME
    assert stage_of(ClientFacts(3, 3, date(2026, 6, 1), None), rules, TODAY) is Stage.REGULAR
    assert stage_of(ClientFacts(9, 2, date(2026, 6, 1), None), rules, TODAY) is Stage.ONE_TIME  # old sales fell out
    # 180 days before the 15th of June is the 17th of December: a sale that day is not lost yet, one before is.
    assert stage_of(ClientFacts(1, 1, date(2025, 12, 17), None), rules, TODAY) is Stage.ONE_TIME
    assert stage_of(ClientFacts(1, 1, date(2025, 12, 16), None), rules, TODAY) is Stage.LOST
    # A contact within 90 days holds it off; one before does not; with lost_quiet_days 0 contacts do not count.
    assert stage_of(ClientFacts(1, 1, date(2025, 1, 1), date(2026, 3, 17)), rules, TODAY) is Stage.ONE_TIME
    assert stage_of(ClientFacts(1, 1, date(2025, 1, 1), date(2026, 3, 16)), rules, TODAY) is Stage.LOST
    deaf = rules.model_copy(update={"lost_quiet_days": 0})
    assert stage_of(ClientFacts(1, 1, date(2025, 1, 1), date(2026, 6, 14)), deaf, TODAY) is Stage.LOST
    assert window_start(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert window_start(date(2024, 2, 29), 12) == date(2023, 2, 28)
    with pytest.raises(ValueError):
        LifecycleRules(regular_sales=1)


async def client(db: AsyncSession, name: str, stage: Stage = Stage.POTENTIAL, **kw: Any) -> Client:
    row = Client(kind=ClientKind.COMPANY, name=name, name_search=name.lower(), name_key=name.lower(), stage=stage, **kw)
    db.add(row)
    await db.flush()
    return row


def sold(row: Client, day: date, amount: str = "100") -> Sale:
    return Sale(client_id=row.id, sold_on=day, amount=Decimal(amount))


def talked(row: Client, day: date, kind: InteractionKind = InteractionKind.CALL) -> Interaction:
    return Interaction(client_id=row.id, kind=kind, status=InteractionStatus.DONE,
                       occurred_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC))


@pytest.fixture
async def book(db: AsyncSession) -> dict[str, Client]:
    lead = await client(db, "Lead", Stage.REGULAR)  # typed in as regular, never bought: potential
    once = await client(db, "Once")  # one sale last month: one-time
    steady = await client(db, "Steady", Stage.ONE_TIME)  # four sales this year: regular
    faded = await client(db, "Faded", Stage.REGULAR)  # bought a year ago, silent since: lost
    courted = await client(db, "Courted", Stage.REGULAR)  # bought a year ago, called last week: one-time
    noted = await client(db, "Noted", Stage.ONE_TIME)  # bought a year ago, only a note since: lost
    db.add_all([sold(once, date(2026, 5, 10)), sold(faded, date(2025, 6, 1)), sold(courted, date(2025, 6, 1)),
                sold(noted, date(2025, 6, 1))])
    db.add_all([sold(steady, date(2026, m, 3)) for m in (1, 2, 4, 6)])
    db.add_all([talked(courted, date(2026, 6, 8)), talked(noted, date(2026, 6, 8), InteractionKind.NOTE),
                talked(faded, date(2025, 12, 1)), talked(lead, date(2026, 6, 1))])
    await db.commit()
    return {c.name: c for c in (lead, once, steady, faded, courted, noted)}


async def stages_of(db: AsyncSession) -> dict[str, str]:
    rows = await db.execute(select(Client.name, Client.stage).execution_options(populate_existing=True))
    return {name: str(stage) for name, stage in rows}


async def test_a_run_sets_the_stages_and_keeps_each_move(db: AsyncSession, book: dict[str, Client]) -> None:
    run = await compute_stages(db, SYSTEM, today=TODAY, now=NOW)
    assert await stages_of(db) == {"Lead": "potential", "Once": "one_time", "Steady": "regular", "Faded": "lost",
                                   "Courted": "one_time", "Noted": "lost"}
    assert run["counts"] == {"potential": 1, "one_time": 2, "regular": 1, "lost": 2}
    assert run["moves"] == {"one_time→lost": 1, "one_time→regular": 1, "potential→one_time": 1,
                            "regular→lost": 1, "regular→one_time": 1, "regular→potential": 1}
    assert run["changed"] == 6 and run["skipped"] is None
    changes = {(c.client_id, c.from_stage, c.to_stage, c.source) for c in await db.scalars(select(StageChange))}
    assert (book["Faded"].id, "regular", "lost", "rules") in changes and len(changes) == 6
    # Courted bought a year ago and is held off "lost" by last week's call: slipping, the one to call.
    assert await count_slipping(db, SYSTEM, LifecycleRules().slipping_since(TODAY)) == 1
    slipping_clients = await list_clients(db, SYSTEM, ClientFilter(slipping_since=date(2026, 1, 16)), region="RU",
                                          limit=10, offset=0)
    assert [c["name"] for c in slipping_clients[0]] == ["Courted"]
    again = await compute_stages(db, SYSTEM, today=TODAY, now=NOW)
    assert again["changed"] == 0 and again["moves"] == {}
    assert len((await db.scalars(select(StageChange))).all()) == 6


async def test_rules_a_manager_saves_apply_from_the_next_run(db: AsyncSession, book: dict[str, Client],
                                                             make_user: MakeUser) -> None:
    manager = await make_user(Role.MANAGER)
    me = Principal(user_id=manager.id, login=manager.login, role=manager.role)
    await save_rules(db, me, LifecycleRules(regular_sales=5, lost_quiet_days=0))
    assert (await read_rules(db)).regular_sales == 5
    await compute_stages(db, me, today=TODAY, now=NOW)
    stages = await stages_of(db)
    assert stages["Steady"] == "one_time" and stages["Courted"] == "lost"  # four sales are not five; calls ignored


async def test_a_base_without_sales_is_left_alone(db: AsyncSession) -> None:
    await client(db, "Typed", Stage.REGULAR)
    await db.commit()
    run = await compute_stages(db, SYSTEM, today=TODAY, now=NOW)
    assert run["skipped"] == "no-sales" and run["changed"] == 0
    assert await stages_of(db) == {"Typed": "regular"}


async def test_the_transitions_report_and_its_clients(db: AsyncSession, book: dict[str, Client],
                                                      make_user: MakeUser) -> None:
    team = Team(name="North")
    db.add(team)
    await db.flush()
    north = await make_user(Role.OPERATOR, team_id=team.id)
    book["Faded"].owner_id = north.id
    await db.commit()
    await compute_stages(db, SYSTEM, today=date(2026, 5, 31), now=datetime(2026, 5, 31, 21, 30, tzinfo=UTC))
    # 21:30 UTC on the 31st of May is the 1st of June in Moscow: the report counts by the CRM's days.
    june = Period.of(date(2026, 6, 1), date(2026, 6, 30), "Europe/Moscow")
    report = await transitions(db, SYSTEM, june)
    assert report["new_lost"] == 2 and report["new_one_time"] == 2 and report["into"]["regular"] == 1
    assert report["by_month"] == [{"month": "2026-06", "first": "2026-06-01", "last": "2026-06-30", "potential": 1,
                                   "one_time": 2, "regular": 1, "lost": 2}]
    # A month's link counts its days within the period: February has 28, and a period may start mid-month.
    spring = await transitions(db, SYSTEM, Period.of(date(2026, 1, 15), date(2026, 3, 10), "UTC"))
    assert [(m["month"], m["first"], m["last"]) for m in spring["by_month"]] == [
        ("2026-01", "2026-01-15", "2026-01-31"), ("2026-02", "2026-02-01", "2026-02-28"),
        ("2026-03", "2026-03-01", "2026-03-10")]
    assert {"from": "regular", "to": "lost", "clients": 1} in report["moves"]
    may = await transitions(db, SYSTEM, Period.of(date(2026, 5, 1), date(2026, 5, 31), "UTC"))
    assert may["new_lost"] == 2 and may["by_month"][0]["month"] == "2026-05"
    assert (await transitions(db, SYSTEM, june, team.id))["into"] == {
        "potential": 0, "one_time": 0, "regular": 0, "lost": 1}
    items, total = await moved_clients(db, SYSTEM, june, Stage.LOST)
    assert total == 2 and {i["name"] for i in items} == {"Faded", "Noted"}
    items, total = await moved_clients(db, SYSTEM, june, Stage.LOST, from_stage=Stage.ONE_TIME)
    assert total == 1 and items[0]["name"] == "Noted" and items[0]["source"] == "rules"
    # An operator restricted to their own clients sees only their own moves.
    own = Principal(user_id=north.id, login=north.login, role=Role.SUPERVISOR, own_clients_only=True)
    assert (await moved_clients(db, own, june, Stage.LOST))[1] == 1


async def test_the_api_and_a_hand_made_change(http: httpx.AsyncClient, db: AsyncSession, book: dict[str, Client],
                                              make_user: MakeUser) -> None:
    await login_as(http, await make_user(Role.MANAGER))
    assert (await http.get("/api/analytics/stages")).json() == {"run": None}
    assert (await http.get("/api/analytics/stages/rules")).json()["lost_days"] == 180
    r = await http.put("/api/analytics/stages/rules", json={"regular_sales": 4, "regular_months": 12,
                                                             "lost_days": 180, "lost_quiet_days": 90})
    assert r.status_code == 200 and r.json()["regular_sales"] == 4
    assert (await http.put("/api/analytics/stages/rules", json={"regular_sales": 1})).status_code == 422
    assert (await http.put("/api/analytics/stages/rules", json={"lost_days": "soon"})).status_code == 422
    r = await http.post("/api/analytics/stages")
    assert r.status_code == 200, r.text
    assert r.json()["counts"]["potential"] >= 1 and (await http.get("/api/analytics/stages")).json()["run"]
    # By hand: the client form's stage change is a move too, counted as the manager's.
    lead = book["Lead"]
    r = await http.patch(f"/api/clients/{lead.id}", json={"stage": "lost"})
    assert r.status_code == 200, r.text
    today = datetime.now(UTC).date().isoformat()
    moves = (await http.get("/api/analytics/stages/moves", params={"from": today, "to": today, "stage": "lost",
                                                                   "from_stage": "potential"})).json()
    assert ("Lead", "manual") in [(m["name"], m["source"]) for m in moves["items"]]
    assert all(m["source"] == "rules" for m in moves["items"] if m["name"] != "Lead")
    report = await http.get("/api/analytics/stages/transitions", params={"from": today, "to": today})
    assert report.status_code == 200 and report.json()["new_lost"] >= 1
    assert (await http.get("/api/analytics/stages/transitions", params={"from": today, "to": "2020-01-01"})
            ).status_code == 422
    assert (await http.get("/api/analytics/stages/moves", params={"from": today, "to": today, "stage": "gone"})
            ).status_code == 422
    await login_as(http, await make_user(Role.SUPERVISOR))
    assert (await http.post("/api/analytics/stages")).status_code == 403
    assert (await http.get("/api/analytics/stages/transitions", params={"from": today, "to": today})).status_code == 200
    await login_as(http, await make_user(Role.OPERATOR))
    assert (await http.get("/api/analytics/stages/transitions", params={"from": today, "to": today})).status_code == 403
