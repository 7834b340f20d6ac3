"""The manager's rules page: lifecycle rules saved and a run made from the page, the transitions table with
each number leading to its clients, a classification with the page's percentages, a team's callback lateness
in days; bad input is shown and changes nothing; supervisors read, operators may not open it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.analytics.lifecycle import read_rules
from callcenter.models import ClassificationRun, Client, Sale, Team
from callcenter.models.enums import ClientKind, Role, Stage
from tests.conftest import MakeUser
from tests.test_pages import sign_in


async def seeded(db: AsyncSession) -> dict[str, Client]:
    today = date.today()
    made = {}
    for name, stage, sales in (("Faded", Stage.REGULAR, [today - timedelta(days=400)]),
                               ("Fresh", Stage.POTENTIAL, [today - timedelta(days=3)]),
                               ("Lead", Stage.POTENTIAL, []),
                               ("Fading", Stage.ONE_TIME, [today - timedelta(days=180)])):
        row = Client(kind=ClientKind.COMPANY, name=name, name_search=name.lower(), name_key=name.lower(), stage=stage)
        db.add(row)
        await db.flush()
        db.add_all([Sale(client_id=row.id, sold_on=d, amount=Decimal("100")) for d in sales])
        made[name] = row
    north = Team(name="North")
    db.add(north)
    await db.commit()
    return made


async def test_a_manager_sets_rules_runs_them_and_follows_a_number(http: httpx.AsyncClient, make_user: MakeUser,
                                                                   db: AsyncSession) -> None:
    clients = await seeded(db)
    csrf = await sign_in(http, await make_user(Role.MANAGER))
    page = await http.get("/metrics/rules")
    assert page.status_code == 200 and 'id="rules-form"' in page.text and 'id="policy-' in page.text
    r = await http.post("/metrics/rules", data={"csrf_token": csrf, "action": "rules", "regular_sales": "4",
                                                "regular_months": "6", "lost_days": "200", "lost_quiet_days": "0"})
    assert r.status_code == 303 and r.headers["location"] == "/metrics/rules?done=rules"
    assert (await read_rules(db)).model_dump() == {"regular_sales": 4, "regular_months": 6, "lost_days": 200,
                                                   "lost_quiet_days": 0, "slipping_days": 30}
    r = await http.post("/metrics/rules", data={"csrf_token": csrf, "action": "stages"})
    assert r.status_code == 303
    stages = {n: str(s) for n, s in await db.execute(select(Client.name, Client.stage)
                                                     .execution_options(populate_existing=True))}
    assert stages == {"Faded": "lost", "Fresh": "one_time", "Lead": "potential", "Fading": "one_time"}
    shown = (await http.get("/metrics/rules?done=stages")).text
    assert 'id="rules-done"' in shown and 'id="stages-moves"' in shown
    assert 'class="num t-lost"><a href="/metrics/moves?stage=lost' in shown
    assert "Новых разовых клиентов: 1; новых потерянных: 1." in shown
    dash = (await http.get("/metrics")).text  # the dashboard shows the period's moves, leading to the same list
    assert f'id="stages-lost" href="/metrics/moves?stage=lost&amp;from={date.today().replace(day=1).isoformat()}' in dash
    assert dash.split('id="stages-lost"')[1].split("</a>")[0].endswith(">1")
    # Fading's only sale was 180 days ago: 20 days before "lost" at 200, inside the 30-day warning.
    assert 'id="stages-slipping" href="/clients?slipping=1">1</a>' in dash
    slipping = (await http.get("/clients", params={"slipping": "1"})).text
    assert f'href="/clients/{clients["Fading"].id}"' in slipping and f'href="/clients/{clients["Fresh"].id}"' not in slipping
    assert 'id="clients-slipping"' in slipping
    api = (await http.get("/api/clients", params={"slipping": "true"})).json()
    assert [c["name"] for c in api["items"]] == ["Fading"]
    moves = await http.get("/metrics/moves", params={"stage": "lost", "from": date.today().isoformat(),
                                                     "to": date.today().isoformat()})
    assert moves.status_code == 200 and f'data-client="{clients["Faded"].id}"' in moves.text
    assert f'data-client="{clients["Fresh"].id}"' not in moves.text

    r = await http.post("/metrics/rules", data={"csrf_token": csrf, "action": "classes", "from": "2020-01-01",
                                                "to": date.today().isoformat(), "measure": "revenue", "abc_a": "50",
                                                "abc_b": "90", "xyz_x": "10", "xyz_y": "25"})
    assert r.status_code == 303, r.text
    run = await db.scalar(select(ClassificationRun))
    assert run is not None and run.bounds["abc"] == [0.5, 0.9]

    north = await db.scalar(select(Team))
    assert north is not None
    r = await http.post("/metrics/rules", data={"csrf_token": csrf, "action": "policy", "team_id": str(north.id),
                                                "amount": "2", "unit": "days"})
    assert r.status_code == 303
    await db.refresh(north)
    assert north.callbacks_reassign_minutes == 2880
    assert 'value="2"' in (await http.get("/metrics/rules")).text

    for bad in ({"action": "rules", "regular_sales": "1", "regular_months": "6", "lost_days": "200",
                 "lost_quiet_days": "0"},
                {"action": "classes", "from": "2026-02-01", "to": "2026-01-01", "measure": "revenue", "abc_a": "80",
                 "abc_b": "95", "xyz_x": "10", "xyz_y": "25"},
                {"action": "policy", "team_id": str(north.id), "amount": "-3", "unit": "days"}):
        r = await http.post("/metrics/rules", data={"csrf_token": csrf, **bad})
        assert r.status_code == 422 and 'id="rules-errors"' in r.text, bad
    await db.refresh(north)
    assert north.callbacks_reassign_minutes == 2880 and (await read_rules(db)).regular_sales == 4
    assert (await http.post("/metrics/rules", data={"csrf_token": csrf, "action": "nonsense"})).status_code == 400
    r = await http.post("/metrics/rules", data={"csrf_token": csrf, "action": "policy", "team_id": str(north.id),
                                                "amount": "", "unit": "hours"})
    await db.refresh(north)
    assert r.status_code == 303 and north.callbacks_reassign_minutes is None


async def test_supervisors_read_and_operators_may_not_open(http: httpx.AsyncClient, make_user: MakeUser,
                                                           db: AsyncSession) -> None:
    await seeded(db)
    csrf = await sign_in(http, await make_user(Role.SUPERVISOR))
    page = await http.get("/metrics/rules")
    assert page.status_code == 200 and 'id="stages-run"' not in page.text and 'id="rules-counts"' in page.text
    assert (await http.post("/metrics/rules", data={"csrf_token": csrf, "action": "stages"})).status_code == 403
    await sign_in(http, await make_user(Role.OPERATOR))
    assert (await http.get("/metrics/rules")).status_code == 403
    assert (await http.get("/metrics/moves")).status_code == 403
