"""The task list (/tasks) on both databases: the dashboard's callback counts open exactly the tasks they count,
the filters and columns, operators' defaults and limits, and handing a task over by form, with its refusals."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import Principal
from callcenter.auth.services import OWN_CLIENTS_ONLY
from callcenter.db.base import utcnow
from callcenter.models import AppSetting, AuditEntry, Client, Task, Team, User
from callcenter.models.enums import ClientKind, Role, TaskKind, TaskStatus
from callcenter.tasks.lateness import BUCKETS, Lateness, bucket_of
from callcenter.tasks.schemas import TaskFilter
from callcenter.tasks.services import list_tasks
from tests.conftest import MakeUser, login_as
from tests.test_pages import sign_in

ROW = re.compile(r'<tr data-task="(\d+)"')


def listed(html: str) -> list[int]:
    """The task ids of a /tasks page, in the order shown."""
    return [int(n) for n in ROW.findall(html)]


def row_of(html: str, task_id: int) -> str:
    return html.split(f'<tr data-task="{task_id}"')[1].split("</tr>")[0]


@pytest.fixture
async def desk(db: AsyncSession, make_user: MakeUser) -> dict[str, Any]:
    """Operators in two teams with callbacks in every bucket, a plain task, a closed one and an unowned tail."""
    sales, service = Team(name="Продажи"), Team(name="Сервис")
    db.add_all([sales, service])
    await db.flush()
    anna = await make_user(Role.OPERATOR, login="anna", full_name="Анна Смирнова", team_id=sales.id)
    boris = await make_user(Role.OPERATOR, login="boris", full_name="Борис Петров", team_id=sales.id)
    vera = await make_user(Role.OPERATOR, login="vera", full_name="Вера Ильина", team_id=service.id)
    gleb = await make_user(Role.OPERATOR, login="gleb", full_name="Глеб Уволенный", team_id=sales.id)
    olga = await make_user(Role.MANAGER, login="olga", full_name="Ольга Руководова")
    gleb.is_active = False
    clients = {}
    for name, owner in (("Ромашка", anna), ("Берёзка", boris), ("Липа", vera)):
        client = Client(kind=ClientKind.COMPANY, name=name, name_search=name.lower(), name_key=name.lower(),
                        owner_id=owner.id)
        db.add(client)
        clients[name] = client
    await db.flush()
    now = utcnow()

    def task(key: str, owner: User | None, client: str | None, due: timedelta | None,
             kind: TaskKind = TaskKind.CALLBACK, status: TaskStatus = TaskStatus.OPEN) -> Task:
        row = Task(kind=kind, title=key, owner_id=owner.id if owner else None, status=status,
                   client_id=clients[client].id if client else None, due_at=now + due if due is not None else None)
        db.add(row)
        return row

    tasks = {
        "a_soon": task("a_soon", anna, "Ромашка", timedelta(days=1)),
        "a_late": task("a_late", anna, "Ромашка", -timedelta(days=1)),
        "a_tail": task("a_tail", anna, "Ромашка", -timedelta(days=5)),
        "a_done": task("a_done", anna, "Ромашка", -timedelta(days=10), status=TaskStatus.DONE),
        "a_undated": task("a_undated", anna, None, None, kind=TaskKind.TASK),
        "b_tail": task("b_tail", boris, "Берёзка", -timedelta(days=4)),
        "b_late": task("b_late", boris, "Берёзка", -timedelta(hours=2)),
        "b_task": task("b_task", boris, "Берёзка", -timedelta(days=9), kind=TaskKind.TASK),
        "v_tail": task("v_tail", vera, "Липа", -timedelta(days=7)),
        "nobody": task("nobody", None, None, -timedelta(days=6)),
    }
    await db.commit()
    ids = {key: row.id for key, row in tasks.items()}
    return {"sales": sales.id, "service": service.id, "anna": anna, "boris": boris, "vera": vera, "gleb": gleb,
            "olga": olga, "ids": ids, "clients": {k: c.id for k, c in clients.items()}}


async def test_the_dashboards_callback_counts_open_exactly_the_tasks_they_count(
        http: httpx.AsyncClient, desk: dict[str, Any]) -> None:
    ids = desk["ids"]
    await sign_in(http, desk["olga"])
    expected = {
        None: {"not_due": [ids["a_soon"]], "late": [ids["a_late"], ids["b_late"]],
               "tail": [ids["v_tail"], ids["nobody"], ids["a_tail"], ids["b_tail"]]},
        desk["sales"]: {"not_due": [ids["a_soon"]], "late": [ids["a_late"], ids["b_late"]],
                        "tail": [ids["a_tail"], ids["b_tail"]]},
    }
    for team, buckets in expected.items():
        dashboard = await http.get("/metrics", params={"team": team} if team else {})
        assert dashboard.status_code == 200, dashboard.text
        for bucket, tasks in buckets.items():
            found = re.search(rf'<a id="tails-{bucket}" href="([^"]+)">(\d+)</a>', dashboard.text)
            assert found is not None, bucket
            href, shown = unescape(found.group(1)), int(found.group(2))
            assert parse_qs(urlsplit(href).query) == {
                "kind": ["callback"], "status": ["open"], "bucket": [bucket], **({"team": [str(team)]} if team else {})}
            page = await http.get(href)
            assert shown == len(tasks) and listed(page.text) == tasks, (team, bucket)
        # Each operator's tails figure opens that operator's tails.
        for login, tails in (("anna", [ids["a_tail"]]), ("boris", [ids["b_tail"]])):
            row = dashboard.text.split(f'data-operator="{login}"')[1].split("</tr>")[0]
            found = re.search(r'm-tails[^"]*"><a href="([^"]+)">(\d+)</a>', row)
            assert found is not None
            page = await http.get(unescape(found.group(1)))
            assert int(found.group(2)) == 1 and listed(page.text) == tails


async def test_the_filters_and_the_columns(http: httpx.AsyncClient, desk: dict[str, Any]) -> None:
    ids = desk["ids"]
    await sign_in(http, desk["olga"])
    page = await http.get("/tasks", params={"kind": "callback"})
    assert page.status_code == 200
    # Open ones by default, soonest due first.
    assert listed(page.text) == [ids[k] for k in ("v_tail", "nobody", "a_tail", "b_tail", "a_late", "b_late", "a_soon")]
    row = row_of(page.text, ids["a_tail"])
    assert f'href="/clients/{desk["clients"]["Ромашка"]}">Ромашка</a>' in row
    assert "Анна Смирнова (anna)" in row and "Перезвонить" in row and "Открыта" in row
    assert 't-late attention' in row and "5 дн. 0 ч" in row
    assert 'data-local="datetime"' in row  # the page script shows the due time in the reader's zone
    assert "Срок не наступил" in row_of(page.text, ids["a_soon"])
    assert "Не назначен" in row_of(page.text, ids["nobody"])
    assert "Задач: 7" in page.text

    async def ids_for(**params: Any) -> list[int]:
        return listed((await http.get("/tasks", params=params)).text)

    assert await ids_for(owner=desk["boris"].id) == [ids["b_task"], ids["b_tail"], ids["b_late"]]
    assert await ids_for(team=desk["service"]) == [ids["v_tail"]]
    assert await ids_for(kind="task") == [ids["b_task"], ids["a_undated"]]
    assert await ids_for(kind="task", bucket="tail") == [ids["b_task"]]
    assert await ids_for(status="done") == [ids["a_done"]]
    assert ids["a_done"] in await ids_for(status="")  # any status
    assert len(await ids_for(kind="bogus", team="999", bucket="bogus", owner="x")) == 9  # stale links: only open
    api = await http.get("/api/tasks", params={"team_id": desk["service"]})
    assert [t["id"] for t in api.json()["items"]] == [ids["v_tail"]]


async def test_operators_see_their_own_tasks_and_may_not_hand_them_over(
        http: httpx.AsyncClient, db: AsyncSession, desk: dict[str, Any]) -> None:
    ids = desk["ids"]
    csrf = await sign_in(http, desk["anna"])
    page = await http.get("/tasks")
    assert 'href="/tasks"' in page.text  # in the navigation
    assert listed(page.text) == [ids["a_tail"], ids["a_late"], ids["a_soon"], ids["a_undated"]]
    assert "/reassign" not in page.text and "— оператор —" not in page.text
    assert ids["b_tail"] in listed((await http.get("/tasks", params={"owner": ""})).text)  # everyone's, when asked
    r = await http.post(f"/tasks/{ids['b_tail']}/reassign",
                        data={"csrf_token": csrf, "owner": desk["anna"].id, "back": "bucket=tail"})
    assert r.status_code == 403 and "супервизоры, менеджеры и администраторы" in r.text
    assert (await db.scalar(select(Task.owner_id).where(Task.id == ids["b_tail"]))) == desk["boris"].id

    # Limited to her own clients, she sees the tasks of her clients and her own tasks without a client.
    db.add(AppSetting(key=OWN_CLIENTS_ONLY, value=True))
    await db.commit()
    assert sorted(listed((await http.get("/tasks", params={"owner": "", "status": ""})).text)) == sorted(
        ids[k] for k in ("a_soon", "a_late", "a_tail", "a_done", "a_undated"))


async def test_a_manager_hands_a_callback_to_another_operator(
        app: Any, http: httpx.AsyncClient, db: AsyncSession, desk: dict[str, Any]) -> None:
    ids = desk["ids"]
    told: list[Any] = []

    async def keep(event: Any) -> None:
        told.append(event)

    app.state.bus.subscribe(keep, name="test")
    csrf = await sign_in(http, desk["olga"])
    page = await http.get("/tasks", params={"bucket": "tail", "kind": "callback"})
    form = row_of(page.text, ids["a_tail"])
    assert f'action="/tasks/{ids["a_tail"]}/reassign"' in form
    # Anna's team first, then the others; not Anna herself, nor Gleb who has left, nor the manager.
    options = re.findall(r'<option value="(\d+)">', form)
    assert options == [str(desk["boris"].id), str(desk["vera"].id)]
    assert form.index('<optgroup label="Продажи">') < form.index("Борис") < form.index(
        '<optgroup label="Другие команды">') < form.index("Вера")
    back = re.search(r'name="back" value="([^"]*)"', form)
    assert back is not None and unescape(back.group(1)) == "owner=&status=open&kind=callback&bucket=tail"
    r = await http.post(f"/tasks/{ids['a_tail']}/reassign",
                        data={"csrf_token": csrf, "owner": desk["boris"].id, "back": unescape(back.group(1))})
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/tasks?owner=&status=open&kind=callback&bucket=tail&moved={ids['a_tail']}"
    assert (await db.scalar(select(Task.owner_id).where(Task.id == ids["a_tail"]))) == desk["boris"].id
    entry = await db.scalar(select(AuditEntry).where(AuditEntry.entity == "task",
                                                     AuditEntry.entity_id == ids["a_tail"]))
    assert entry is not None and entry.user_id == desk["olga"].id
    assert entry.changes["owner_id"] == [desk["anna"].id, desk["boris"].id]
    await app.state.bus.drain(timeout=2)  # both desks are told, as with the API and the team's policy
    assert [(e.task_id, e.from_user_id, e.to_user_id) for e in told] == [
        (ids["a_tail"], desk["anna"].id, desk["boris"].id)]
    assert told[0].by == "Ольга Руководова"
    after = await http.get(r.headers["location"])
    assert "Задача «a_tail» передана: Борис Петров (boris)." in after.text
    assert "Борис Петров (boris)" in row_of(after.text, ids["a_tail"]).split('class="t-owner"')[1].split("</td>")[0]
    back_after = re.search(r'name="back" value="([^"]*)"', after.text)
    assert back_after is not None and "moved" not in back_after.group(1)  # the notice is not carried on


@pytest.mark.parametrize("case", ["inactive", "unknown", "not_a_number", "manager", "same", "closed", "gone",
                                  "huge", "no_token"])
async def test_a_bad_hand_over_says_why_and_changes_nothing(
        http: httpx.AsyncClient, db: AsyncSession, desk: dict[str, Any], case: str) -> None:
    ids = desk["ids"]
    csrf = await sign_in(http, desk["olga"])
    task, owner, token = ids["a_tail"], desk["boris"].id, csrf
    status, message = {
        "inactive": (422, "Выберите активного оператора"), "unknown": (422, "Выберите активного оператора"),
        "not_a_number": (422, "Выберите активного оператора"), "manager": (422, "Выберите активного оператора"),
        "same": (422, "Задача уже у этого оператора"), "closed": (409, "передать можно только открытую"),
        "gone": (404, "Этой задачи больше нет"), "huge": (404, "Этой задачи больше нет"),
        "no_token": (403, "Форма устарела"),
    }[case]
    owner_of: Any = {"inactive": desk["gleb"].id, "unknown": 999_999, "not_a_number": "boris",
                     "manager": desk["olga"].id, "same": desk["anna"].id}.get(case, owner)
    task = {"closed": ids["a_done"], "gone": 999_999, "huge": 99_999_999_999_999_999_999}.get(case, task)
    token = "" if case == "no_token" else token
    before = {t.id: t.owner_id for t in await db.scalars(select(Task))}
    r = await http.post(f"/tasks/{task}/reassign", data={"csrf_token": token, "owner": owner_of, "back": "bucket=tail"})
    assert r.status_code == status and message in unescape(r.text), r.text[:300]
    if case != "no_token":  # the list comes back as it was, with the reason above it
        assert listed(r.text) == [ids[k] for k in ("b_task", "v_tail", "nobody", "a_tail", "b_tail")]
    db.expire_all()
    assert {t.id: t.owner_id for t in await db.scalars(select(Task))} == before
    assert await db.scalar(select(AuditEntry).where(AuditEntry.entity == "task")) is None


async def test_the_buckets_in_sql_and_in_python_agree_at_their_edges(db: AsyncSession, make_user: MakeUser) -> None:
    owner = await make_user(Role.OPERATOR)
    now = utcnow().replace(microsecond=0)
    edges = [timedelta(0), timedelta(seconds=1), -timedelta(seconds=1), -timedelta(days=3),
             -timedelta(days=3, seconds=1), -timedelta(days=30)]
    for n, shift in enumerate(edges):
        db.add(Task(kind=TaskKind.CALLBACK, title=f"edge {n}", owner_id=owner.id, due_at=now + shift))
    await db.commit()
    me = Principal(user_id=owner.id, login=owner.login, role=owner.role)
    by_sql = {}
    for bucket in BUCKETS:
        items, _ = await list_tasks(db, me, TaskFilter(), limit=50, offset=0,
                                    lateness=Lateness(bucket, now, tails_days=3))
        by_sql.update({t["title"]: bucket for t in items})
    assert by_sql == {f"edge {n}": bucket_of(now + shift, now=now, tails_days=3) for n, shift in enumerate(edges)}
    assert list(by_sql.values()).count("late") == 2  # due a second ago, and exactly three days ago
    assert by_sql["edge 0"] == "not_due" and by_sql["edge 4"] == "tail"


async def test_the_api_reads_the_team_filter_for_operators_too(
        http: httpx.AsyncClient, desk: dict[str, Any]) -> None:
    await login_as(http, desk["anna"])
    r = await http.get("/api/tasks", params={"team_id": desk["sales"], "status": "open", "kind": "callback"})
    assert r.status_code == 200
    assert {t["title"] for t in r.json()["items"]} == {"a_soon", "a_late", "a_tail", "b_tail", "b_late"}
