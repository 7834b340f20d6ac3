"""The dossier by phone: content, unknown numbers, shared numbers, and one statement whatever the history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.auth.principal import SYSTEM
from callcenter.db.base import utcnow
from callcenter.dossier.services import dossier_by_phone
from callcenter.models import Call, Claim, Deal, Disposition, FunnelStage, Interaction, Task, User
from callcenter.models.enums import (
    CallOutcome,
    ClaimStatus,
    DealStatus,
    Direction,
    InteractionKind,
    TaskKind,
    TaskStatus,
)
from tests.conftest import MakeUser


async def add_history(db: AsyncSession, client_id: int, user: User, n: int) -> None:
    """``n`` interactions (every other one a call with a result), tasks, deals and claims."""
    sale = Disposition(code=f"sale{client_id}", name="Заказ оформлен", counts_as_result=True)
    stage = FunnelStage(code=f"offer{client_id}", name="Предложение", sort_order=3)
    db.add_all([sale, stage])
    await db.flush()
    start = utcnow() - timedelta(days=n + 1)
    for i in range(n):
        item = Interaction(
            kind=InteractionKind.CALL if i % 2 == 0 else InteractionKind.MEETING,
            direction=Direction.INBOUND,
            subject=f"contact {i}",
            occurred_at=start + timedelta(days=i),
            user_id=user.id,
            client_id=client_id,
            disposition_id=sale.id if i % 2 == 0 else None,
        )
        db.add(item)
        await db.flush()
        if i % 2 == 0:
            db.add(Call(interaction_id=item.id, linkedid=f"{client_id}.{i}", direction=Direction.INBOUND,
                        started_at=item.occurred_at, talk_seconds=60 + i, outcome=CallOutcome.ANSWERED))
        db.add(Task(kind=TaskKind.CALLBACK, title=f"call back {i}", owner_id=user.id, client_id=client_id,
                    due_at=utcnow() + timedelta(days=i - n // 2), status=TaskStatus.OPEN if i % 3 else TaskStatus.DONE))
        db.add(Deal(client_id=client_id, title=f"deal {i}", stage_id=stage.id, amount=Decimal("1500.50"),
                    status=DealStatus.OPEN if i % 2 else DealStatus.WON))
        db.add(Claim(client_id=client_id, subject=f"claim {i}", status=ClaimStatus.OPEN if i % 4 == 0 else ClaimStatus.RESOLVED))
    await db.commit()


async def test_dossier_content(admin_http: httpx.AsyncClient, db: AsyncSession, make_user: MakeUser) -> None:
    owner = await make_user(login="ivanova", extension="101", full_name="Анна Иванова")
    body = {
        "name": 'ООО "Ромашка"', "kind": "company", "abc_class": "A", "stage": "regular", "owner_id": owner.id,
        "phones": ["+7 913 123 45 67"],
        "contacts": [{"full_name": "Пётр Сидоров", "role": "директор", "phones": ["+7 913 765 43 21"]}],
    }
    client = (await admin_http.post("/api/clients", json=body)).json()
    await add_history(db, client["id"], owner, 14)

    r = await admin_http.get("/api/dossier", params={"phone": "8 913 765-43-21"})
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["phone"] == "+79137654321"
    assert d["client"]["name"] == 'ООО "Ромашка"' and d["client"]["abc_class"] == "A" and d["client"]["stage"] == "regular"
    assert d["owner"] == {"id": owner.id, "login": "ivanova", "full_name": "Анна Иванова", "extension": "101"}
    assert d["contact"]["full_name"] == "Пётр Сидоров" and d["contact"]["role"] == "директор"
    assert len(d["interactions"]) == 10
    assert [i["subject"] for i in d["interactions"]][:3] == ["contact 13", "contact 12", "contact 11"]
    call = d["interactions"][1]
    assert call["result"] == {"code": f"sale{client['id']}", "name": "Заказ оформлен", "counts_as_result": True}
    assert call["call_outcome"] == "answered" and call["user"]["login"] == "ivanova"
    assert all(t["id"] for t in d["tasks"]) and len(d["tasks"]) == sum(1 for i in range(14) if i % 3)
    assert any(t["overdue"] for t in d["tasks"]) and not all(t["overdue"] for t in d["tasks"])
    assert len(d["deals"]) == 7 and d["deals"][0]["amount"] == "1500.50" and d["deals"][0]["stage"] == "Предложение"
    assert len(d["claims"]) == 4
    assert d["interactions"][0]["occurred_at"].endswith("+00:00")


async def test_unknown_and_bad_numbers(admin_http: httpx.AsyncClient) -> None:
    r = await admin_http.get("/api/dossier", params={"phone": "+7 913 000 00 00"})
    assert r.status_code == 404 and r.json()["phone"] == "+79130000000"
    r = await admin_http.get("/api/dossier", params={"phone": "hello"})
    assert r.status_code == 422 and r.json()["error"] == "bad-phone"
    r = await admin_http.get("/api/dossier")
    assert r.status_code == 422 and "phone" in r.json()["fields"]


async def test_query_count_is_bounded_by_history_size(
    admin_http: httpx.AsyncClient, db: AsyncSession, db_engine: AsyncEngine, make_user: MakeUser
) -> None:
    owner = await make_user()
    small = (await admin_http.post("/api/clients", json={"name": "Small", "kind": "person", "phones": ["+79130000001"]})).json()
    large = (await admin_http.post("/api/clients", json={"name": "Large", "kind": "person", "phones": ["+79130000002"]})).json()
    await add_history(db, small["id"], owner, 1)
    await add_history(db, large["id"], owner, 60)

    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db_engine.sync_engine, "before_cursor_execute", count)
    try:
        async with AsyncSession(db_engine) as session:
            assert await dossier_by_phone(session, SYSTEM, "+79130000001") is not None
            small_count = len(statements)
            statements.clear()
            assert await dossier_by_phone(session, SYSTEM, "+79130000002") is not None
            large_count = len(statements)
            statements.clear()
            assert await dossier_by_phone(session, SYSTEM, "+79130000003") is None
            miss_count = len(statements)
    finally:
        event.remove(db_engine.sync_engine, "before_cursor_execute", count)
    assert small_count == large_count == miss_count == 1


async def test_shared_number_restricted_operator_gets_own_client_and_no_foreign_ids(
    http: httpx.AsyncClient, db: AsyncSession, make_user: MakeUser
) -> None:
    from callcenter.auth.services import OWN_CLIENTS_ONLY
    from callcenter.models import AppSetting
    from callcenter.models.enums import Role
    from tests.conftest import login_as

    alice, bob = await make_user(Role.OPERATOR), await make_user(Role.OPERATOR)
    await login_as(http, bob)
    foreign = (await http.post("/api/clients", json={"name": "Чужой", "kind": "person", "phones": ["+79135550000"]})).json()
    await login_as(http, alice)
    mine = (await http.post("/api/clients", params={"force": "true"},
                            json={"name": "Свой", "kind": "person", "phones": ["+79135550000"]})).json()
    db.add(AppSetting(key=OWN_CLIENTS_ONLY, value=True))
    await db.commit()
    r = await http.get("/api/dossier", params={"phone": "+7 913 555 00 00"})
    assert r.status_code == 200, r.text
    assert r.json()["client"]["id"] == mine["id"] and r.json()["other_client_ids"] == []
    await login_as(http, bob)
    d = (await http.get("/api/dossier", params={"phone": "89135550000"})).json()
    assert d["client"]["id"] == foreign["id"] and d["other_client_ids"] == []


async def test_unrestricted_viewers_see_the_oldest_phone_first_and_the_others(admin_http: httpx.AsyncClient) -> None:
    first = (await admin_http.post("/api/clients", json={"name": "Первый", "kind": "person", "phones": ["+79135550001"]})).json()
    second = (await admin_http.post("/api/clients", params={"force": "true"},
                                    json={"name": "Второй", "kind": "person", "phones": ["+79135550001"]})).json()
    d = (await admin_http.get("/api/dossier", params={"phone": "+79135550001"})).json()
    assert d["client"]["id"] == first["id"] and d["other_client_ids"] == [second["id"]]


async def test_dated_callbacks_are_not_crowded_out_by_undated_tasks(
    admin_http: httpx.AsyncClient, db: AsyncSession, make_user: MakeUser
) -> None:
    owner = await make_user()
    client = (await admin_http.post("/api/clients", json={"name": "Задачи", "kind": "person", "phones": ["+79135550002"]})).json()
    for i in range(25):
        db.add(Task(title=f"someday {i}", owner_id=owner.id, client_id=client["id"]))
    db.add(Task(kind=TaskKind.CALLBACK, title="urgent", owner_id=owner.id, client_id=client["id"], due_at=utcnow() - timedelta(hours=1)))
    await db.commit()
    d = (await admin_http.get("/api/dossier", params={"phone": "+79135550002"})).json()
    assert d["tasks"][0]["title"] == "urgent" and d["tasks"][0]["overdue"] is True
    assert len(d["tasks"]) == 20
