"""ABC and XYZ on sales built with known answers, on both databases: the bounds, months without a sale,
clients without sales losing their class, the moves since the last run, and the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.analytics.classes import abc, quadrant, variation, xyz
from callcenter.analytics.services import classify, months
from callcenter.auth.principal import Principal
from callcenter.models import Client, Sale
from callcenter.models.enums import AbcClass, ClientKind, Role, XyzClass
from tests.conftest import MakeUser, login_as
from tests.test_transcription_jobs import run_jobs


def test_abc_by_cumulative_share() -> None:
    # 50 + 30 = 80: the client that reaches 80% is still A; 90 and 95 are B; the rest C.
    classes = abc({1: 50, 2: 30, 3: 10, 4: 5, 5: 3, 6: 2, 7: 0})
    assert classes == {1: AbcClass.A, 2: AbcClass.A, 3: AbcClass.B, 4: AbcClass.B, 5: AbcClass.C, 6: AbcClass.C}
    assert abc({1: 10, 2: 10}, (0.5, 0.9)) == {1: AbcClass.A, 2: AbcClass.B}  # ties by id
    assert abc({}) == {}


def test_xyz_by_coefficient_of_variation() -> None:
    assert variation([10, 10, 10]) == 0
    assert variation([0, 0]) is None
    assert round(variation([9, 11]) or 0, 4) == 0.1  # std 1, mean 10
    classes = xyz({1: [10, 10, 10, 10], 2: [9, 11], 3: [8, 12], 4: [30, 0, 0], 5: [0, 0]})
    assert classes == {1: XyzClass.X, 2: XyzClass.X, 3: XyzClass.Y, 4: XyzClass.Z}
    assert quadrant("A", "X") == "cash_cow" and quadrant("A", "Z") == "star" and quadrant("C", "Z") == "dog"
    assert quadrant("B", "Y") == "question" and quadrant("A", None) is None
    assert months(date(2025, 11, 15), date(2026, 2, 1)) == ["2025-11", "2025-12", "2026-01", "2026-02"]


async def client(db: AsyncSession, name: str, **kw: Any) -> Client:
    row = Client(kind=ClientKind.COMPANY, name=name, name_search=name.lower(), name_key=name.lower(), **kw)
    db.add(row)
    await db.flush()
    return row


def sold(row: Client, day: date, amount: str, margin: str | None = None) -> Sale:
    return Sale(client_id=row.id, sold_on=day, amount=Decimal(amount), margin=Decimal(margin) if margin else None)


@pytest.fixture
async def book(db: AsyncSession) -> dict[str, Client]:
    big = await client(db, "Big")  # 1000 a month: A, steady X
    mid = await client(db, "Mid")  # 300 in one month only: B, Z
    small = await client(db, "Small")  # 90 + 110: C, X (cv 0.1 over two months with sales... and one without)
    gone = await client(db, "Gone", abc_class=AbcClass.A, xyz_class=XyzClass.X)  # no sales in the period
    db.add_all([sold(big, date(2026, m, 5), "1000", "100") for m in (1, 2, 3)])
    db.add_all([sold(mid, date(2026, 2, 10), "300", "290"), sold(small, date(2026, 1, 3), "90"),
                sold(small, date(2026, 3, 3), "110"), sold(gone, date(2025, 6, 1), "5000")])
    await db.commit()
    return {"big": big, "mid": mid, "small": small, "gone": gone}


async def classes_of(db: AsyncSession) -> dict[str, tuple[str | None, str | None]]:
    rows = await db.execute(select(Client.name, Client.abc_class, Client.xyz_class).execution_options(populate_existing=True))
    return {name: (str(a) if a else None, str(x) if x else None) for name, a, x in rows}


async def test_a_run_classifies_writes_the_clients_and_keeps_the_moves(
        db: AsyncSession, book: dict[str, Client], make_user: MakeUser) -> None:
    manager = await make_user(Role.MANAGER)
    me = Principal(user_id=manager.id, login=manager.login, role=manager.role)
    run = await classify(db, me, first=date(2026, 1, 1), last=date(2026, 3, 31))
    # Totals 3000, 300, 200 of 3500: Big A; Mid starts at 85.7% (B); Small at 94.3% (B).
    assert await classes_of(db) == {"Big": ("A", "X"), "Mid": ("B", "Z"), "Small": ("B", "Z"), "Gone": (None, None)}
    assert run["counts"] == {"abc": {"A": 1, "B": 2}, "xyz": {"X": 1, "Z": 2}, "quadrant": {"cash_cow": 1, "question": 2},
                             "classified": 3}
    assert run["moves"]["abc"] == {"-→A": 1, "-→B": 2, "A→-": 1}
    assert run["moves"]["quadrant"]["cash_cow→-"] == 1  # Gone, who bought nothing in the period
    by_margin = await classify(db, me, first=date(2026, 1, 1), last=date(2026, 3, 31), measure="margin",
                               abc_bounds=(0.5, 0.9))
    # Margins 300, 290, 0: Big A, Mid B (50.8% above it), Small none (no margin recorded)
    assert (await classes_of(db))["Mid"] == ("B", "Z") and (await classes_of(db))["Small"][0] is None
    assert by_margin["moves"]["abc"] == {"B→-": 1}
    count = await classify(db, me, first=date(2026, 1, 1), last=date(2026, 3, 31), measure="count")
    assert count["counts"]["abc"] == {"A": 2, "B": 1}  # 3, 2 and 1 sales of 6: 0%, 50% and 83% above each


async def test_the_api(http: httpx.AsyncClient, db: AsyncSession, book: dict[str, Client], make_user: MakeUser) -> None:
    await login_as(http, await make_user(Role.MANAGER))
    assert (await http.get("/api/analytics/classes")).json() == {"run": None}
    r = await http.post("/api/analytics/classes", json={"from": "2026-01-01", "to": "2026-03-31"})
    assert r.status_code == 200, r.text
    assert r.json()["counts"]["abc"] == {"A": 1, "B": 2}
    assert (await http.get("/api/analytics/classes")).json()["run"]["id"] == r.json()["id"]
    page = (await http.get("/metrics")).text  # the dashboard's matrix and the run's moves
    assert 'data-cell="AX"><a href="/clients?abc=A&amp;xyz=X">1</a>' in page
    assert 'id="dash-classified"' in page and "-→B</span>: 2" in page
    # Each cell lists its clients: Big is the cash cow; Gone, who bought nothing, has no class at all.
    for cell, names in ((("A", "X"), ["Big"]), (("none", "none"), ["Gone"]), (("B", "Z"), ["Mid", "Small"])):
        listed = (await http.get("/clients", params={"abc": cell[0], "xyz": cell[1]})).text
        assert sorted(n for n in ("Big", "Mid", "Small", "Gone") if f">{n}</a>" in listed) == names, cell
    for bad in ({"from": "2026-03-31", "to": "2026-01-01"}, {"from": "2026-01-01", "to": "2026-03-31", "measure": "x"},
                {"from": "2026-01-01", "to": "2026-03-31", "abc_bounds": [0.9, 0.8]}):
        assert (await http.post("/api/analytics/classes", json=bad)).status_code == 422, bad
    await login_as(http, await make_user(Role.SUPERVISOR))
    assert (await http.post("/api/analytics/classes", json={"from": "2026-01-01", "to": "2026-03-31"})).status_code == 403


async def test_the_worker_classifies_once_a_day(db: AsyncSession, db_engine: Any, settings: Any,
                                                book: dict[str, Client]) -> None:
    from datetime import UTC, datetime

    from callcenter.analytics import jobs as classes
    from callcenter.cli.worker import handlers
    from callcenter.db.engine import create_sessionmaker
    from callcenter.jobs.worker import Worker
    from callcenter.models import ClassificationRun, Job

    assert classes.whole_months(date(2026, 4, 17), 3) == (date(2026, 1, 1), date(2026, 3, 31))
    sessions = create_sessionmaker(db_engine)
    when = datetime(2026, 4, 17, 8, 0, tzinfo=UTC)
    for _ in range(2):  # two workers, or two hourly looks, on the same day: one job
        await classes.queue_classification(sessions, settings.model_copy(update={"classes_months": 3}), now=when)
    assert len((await db.scalars(select(Job).where(Job.kind == classes.KIND))).all()) == 1
    assert len((await db.scalars(select(Job).where(Job.kind == classes.STAGES_KIND))).all()) == 1
    worker = Worker(db_engine, handlers(settings.model_copy(update={"classes_months": 3}), sessions), name="w1",
                    poll=0.05)
    await run_jobs(worker, until=2)
    assert worker.done == 2
    run = await db.scalar(select(ClassificationRun))
    assert run is not None and (run.first, run.last, run.user_id) == (date(2026, 1, 1), date(2026, 3, 31), None)
    assert (await classes_of(db))["Big"] == ("A", "X")
    # The same day's stages job, with the default rules: three sales in the year make Big regular; Gone has
    # bought nothing for more than 180 days and nobody has spoken to it since.
    stages = {name: str(stage) for name, stage in await db.execute(
        select(Client.name, Client.stage).execution_options(populate_existing=True))}
    assert stages == {"Big": "regular", "Mid": "one_time", "Small": "one_time", "Gone": "lost"}
