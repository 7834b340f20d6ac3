"""The scorecard page: a manager adds, renames, reweighs and retires criteria; bad input is shown and
changes nothing; supervisors and operators may not open it."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.models import AuditEntry, ScoreCriterion
from callcenter.models.enums import Role
from tests.conftest import MakeUser
from tests.test_pages import sign_in


async def criteria(db: AsyncSession) -> dict[str, ScoreCriterion]:
    rows = await db.scalars(select(ScoreCriterion).execution_options(populate_existing=True))
    return {c.code: c for c in rows}


async def test_a_manager_edits_the_scorecard(http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession) -> None:
    csrf = await sign_in(http, await make_user(Role.MANAGER))
    page = await http.get("/review/criteria")
    assert page.status_code == 200
    before = await criteria(db)
    assert all(f"data-code=\"{code}\"" in page.text for code in before)
    assert 'href="/review/criteria"' in page.text  # in the menu

    r = await http.post("/review/criteria", data={"csrf_token": csrf, "action": "create", "code": "upsell",
                                                  "name": "Допродажа", "weight": "3", "sort_order": "60"})
    assert r.status_code == 303 and r.headers["location"] == "/review/criteria?saved=1"
    greeting = before["greeting"]
    r = await http.post("/review/criteria", data={"csrf_token": csrf, "action": "update",
                                                  "criterion_id": str(greeting.id), "name": "Приветствие и имя",
                                                  "weight": "2", "sort_order": "5"})  # no is_active: retired
    assert r.status_code == 303
    after = await criteria(db)
    assert (after["upsell"].name, after["upsell"].weight, after["upsell"].sort_order, after["upsell"].is_active) == (
        "Допродажа", 3, 60, True)
    assert (after["greeting"].name, after["greeting"].weight, after["greeting"].is_active) == ("Приветствие и имя", 2, False)
    shown = (await http.get("/review/criteria?saved=1")).text
    assert "Допродажа" in shown and "Приветствие и имя" in shown

    bad = await http.post("/review/criteria", data={"csrf_token": csrf, "action": "create", "code": "Bad Code",
                                                    "name": "Плохой", "weight": "0"})
    assert bad.status_code == 422 and 'id="criteria-errors"' in bad.text and 'value="Плохой"' in bad.text
    taken = await http.post("/review/criteria", data={"csrf_token": csrf, "action": "create", "code": "upsell",
                                                      "name": "Ещё раз"})
    assert taken.status_code == 409 and "upsell" in taken.text
    assert set(await criteria(db)) == set(after)  # neither was written
    for made_up in ("abc", "99999999999999999999", ""):
        r = await http.post("/review/criteria", data={"csrf_token": csrf, "action": "update", "criterion_id": made_up,
                                                      "name": "X"})
        assert r.status_code == 400
    r = await http.post("/review/criteria", data={"csrf_token": csrf, "action": "update", "criterion_id": "987654",
                                                  "name": "X"})
    assert r.status_code == 404
    audits = (await db.scalars(select(AuditEntry).where(AuditEntry.entity == "score_criterion")
                               .order_by(AuditEntry.id))).all()
    assert [a.action for a in audits] == ["create", "update"]


async def test_only_managers_and_admins_edit_the_scorecard(http: httpx.AsyncClient, make_user: MakeUser) -> None:
    csrf = await sign_in(http, await make_user(Role.SUPERVISOR))
    assert (await http.get("/review/criteria")).status_code == 403
    r = await http.post("/review/criteria", data={"csrf_token": csrf, "action": "create", "code": "x", "name": "X"})
    assert r.status_code == 403
    assert 'href="/review/criteria"' not in (await http.get("/calls")).text
