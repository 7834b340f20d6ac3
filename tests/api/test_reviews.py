"""Call review: managers edit the scorecard; supervisors and above score calls and pin notes to moments;
the call's own operator reads its reviews; every other operator is refused; past totals keep their weights."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.services import record_call
from callcenter.models import AuditEntry, Call, Disposition, Interaction, Team, Transcript, User
from callcenter.models.enums import Role
from tests.conftest import MakeUser, login_as
from tests.test_calls import T0, summary


@pytest.fixture
async def agent(make_user: MakeUser) -> User:
    return await make_user(Role.OPERATOR, login="agent1", extension="101", agent_interface="PJSIP/agent1")


async def answered_call(db: AsyncSession) -> int:
    return (await record_call(db, summary("1714557600.1"), region="RU")).call_id


async def test_the_default_scorecard_and_who_may_change_it(
    http: httpx.AsyncClient, agent: User, make_user: MakeUser
) -> None:
    await login_as(http, agent)
    items = (await http.get("/api/review/criteria")).json()["items"]
    assert [c["code"] for c in items] == ["greeting", "need_found", "offer", "objections", "closing"]
    assert (await http.post("/api/review/criteria", json={"code": "empathy", "name": "Empathy"})).status_code == 403
    await login_as(http, await make_user(Role.SUPERVISOR))
    assert (await http.post("/api/review/criteria", json={"code": "empathy", "name": "Empathy"})).status_code == 403
    await login_as(http, await make_user(Role.MANAGER))
    r = await http.post("/api/review/criteria", json={"code": "empathy", "name": "Empathy", "weight": 2})
    assert r.status_code == 201 and r.json()["weight"] == 2
    assert (await http.post("/api/review/criteria", json={"code": "empathy", "name": "Again"})).status_code == 409
    r = await http.post("/api/review/criteria", json={"code": "x", "name": "X", "weight": 0})
    assert r.status_code == 422 and "weight" in r.json()["fields"]


async def test_a_supervisor_scores_a_call_and_its_operator_reads_it(
    http: httpx.AsyncClient, db: AsyncSession, agent: User, make_user: MakeUser
) -> None:
    call_id = await answered_call(db)
    boss = await make_user(Role.SUPERVISOR, login="boss")
    await login_as(http, boss)
    # Weights 1 (greeting), 3 (need found), 2 (closing): (1*10 + 3*5 + 2*0) / (6*10) = 41.67%
    r = await http.put(f"/api/calls/{call_id}/review",
                       json={"scores": {"greeting": 10, "need_found": 5, "closing": 0}, "comment": "Ask more."})
    assert r.status_code == 200, r.text
    assert r.json()["total"] == 41.67 and r.json()["reviewer"] == "boss"
    assert [s["code"] for s in r.json()["scores"]] == ["greeting", "need_found", "closing"]
    # Scored again by the same reviewer: replaced, not added.
    r = await http.put(f"/api/calls/{call_id}/review", json={"scores": {"greeting": 10, "need_found": 10}})
    assert r.status_code == 200 and r.json()["total"] == 100.0
    r = await http.post(f"/api/calls/{call_id}/review/notes", json={"at_ms": 12_500, "text": "Here: <b>interrupts</b>"})
    assert r.status_code == 201 and r.json()["author"] == "boss"
    await http.post(f"/api/calls/{call_id}/review/notes", json={"text": "Good energy overall"})
    await http.post(f"/api/calls/{call_id}/review/notes", json={"at_ms": 3_000, "text": "Greeting"})

    await login_as(http, agent)
    r = await http.get(f"/api/calls/{call_id}/review")
    assert r.status_code == 200
    body = r.json()
    assert len(body["reviews"]) == 1 and body["reviews"][0]["total"] == 100.0
    assert [n["at_ms"] for n in body["notes"]] == [3_000, 12_500, None]  # by moment, the whole call last
    assert body["notes"][1]["text"] == "Here: <b>interrupts</b>"  # text as written; pages show it as text
    assert len(body["criteria"]) == 5
    # An operator reads, never scores.
    assert (await http.put(f"/api/calls/{call_id}/review", json={"scores": {"greeting": 1}})).status_code == 403
    assert (await http.post(f"/api/calls/{call_id}/review/notes", json={"text": "me"})).status_code == 403

    await login_as(http, await make_user(Role.OPERATOR, login="agent2", extension="102"))
    assert (await http.get(f"/api/calls/{call_id}/review")).status_code == 403
    audited = await db.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.entity.in_(["call_review", "call_review_note"])))
    assert audited == 5  # two scorings, three notes


async def test_a_weight_changed_later_leaves_past_totals_alone(
    http: httpx.AsyncClient, db: AsyncSession, agent: User, make_user: MakeUser
) -> None:
    call_id = await answered_call(db)
    await login_as(http, await make_user(Role.MANAGER))
    await http.put(f"/api/calls/{call_id}/review", json={"scores": {"greeting": 10, "need_found": 0}})
    criteria = {c["code"]: c["id"] for c in (await http.get("/api/review/criteria")).json()["items"]}
    r = await http.patch(f"/api/review/criteria/{criteria['greeting']}", json={"weight": 9})
    assert r.status_code == 200 and r.json()["weight"] == 9
    reviews = (await http.get(f"/api/calls/{call_id}/review")).json()["reviews"]
    assert reviews[0]["total"] == 25.0  # 1*10 / (1*10 + 3*10), as scored
    assert (await http.patch(f"/api/review/criteria/{criteria['offer']}", json={"is_active": False})).status_code == 200
    r = await http.put(f"/api/calls/{call_id}/review", json={"scores": {"offer": 5, "nonsense": 3}})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"scores.nonsense", "scores.offer"}


@pytest.mark.parametrize("body", [
    {"scores": {}}, {"scores": {"greeting": 11}}, {"scores": {"greeting": -1}}, {"scores": {"greeting": "ten"}},
    {"scores": {"greeting": 5}, "extra": 1},
])
async def test_bad_reviews_are_refused_whole(
    http: httpx.AsyncClient, db: AsyncSession, agent: User, make_user: MakeUser, body: dict[str, object]
) -> None:
    call_id = await answered_call(db)
    await login_as(http, await make_user(Role.SUPERVISOR))
    r = await http.put(f"/api/calls/{call_id}/review", json=body)
    assert r.status_code == 422, r.text
    assert (await http.get(f"/api/calls/{call_id}/review")).json()["reviews"] == []
    assert (await http.put("/api/calls/999999/review", json={"scores": {"greeting": 5}})).status_code == 404
    r = await http.post(f"/api/calls/{call_id}/review/notes", json={"at_ms": -5, "text": "x"})
    assert r.status_code == 422


async def test_the_call_list_finds_calls_to_review(
    http: httpx.AsyncClient, db: AsyncSession, agent: User, make_user: MakeUser
) -> None:
    team = Team(name="Sales")
    other_team = Team(name="Support")
    db.add_all([team, other_team])
    await db.flush()
    agent.team_id = team.id
    colleague = await make_user(Role.OPERATOR, login="agent2", agent_interface="PJSIP/agent2")
    colleague.team_id = other_team.id
    sale = Disposition(code="sale-x", name="Sale")
    db.add(sale)
    await db.commit()
    short = (await record_call(db, summary("short", talk_seconds=20), region="RU")).call_id
    long = (await record_call(db, summary("long", talk_seconds=300, started_at=T0 + timedelta(hours=1)),
                              region="RU")).call_id
    theirs = (await record_call(db, summary("theirs", answered_by="PJSIP/agent2", started_at=T0 + timedelta(hours=2)),
                                region="RU")).call_id
    long_call = await db.get(Call, long)
    assert long_call is not None
    await db.execute(update(Interaction).where(Interaction.id == long_call.interaction_id).values(disposition_id=sale.id))
    await db.commit()
    await login_as(http, await make_user(Role.SUPERVISOR))
    await http.put(f"/api/calls/{long}/review", json={"scores": {"greeting": 7}})

    async def ids(**query: object) -> set[int]:
        r = await http.get("/api/calls", params={k: str(v).lower() if isinstance(v, bool) else v for k, v in query.items()})
        assert r.status_code == 200, r.text
        return {c["id"] for c in r.json()["items"]}

    assert await ids(team_id=team.id) == {short, long}
    assert await ids(team_id=other_team.id) == {theirs}
    assert await ids(result_id=sale.id) == {long}
    assert await ids(min_talk_seconds=61) == {long} and await ids(max_talk_seconds=60) == {short, theirs}
    assert await ids(reviewed=True) == {long} and await ids(reviewed=False) == {short, theirs}
    listed = (await http.get("/api/calls", params={"reviewed": "true"})).json()["items"]
    assert listed[0]["reviewed"] is True
    assert (await http.get("/api/calls", params={"min_talk_seconds": -1})).status_code == 422



async def test_the_call_list_finds_calls_by_the_words_said_in_them(
    http: httpx.AsyncClient, db: AsyncSession, db_engine: Any, agent: User, make_user: MakeUser
) -> None:
    said = {
        "ru": "Клиент хочет заказать две коробки и просит доставку завтра",
        "en": "I would like a refund for the broken kettle, please",
        "none": "",
    }
    ids = {}
    for n, (name, text) in enumerate(said.items()):
        call_id = (await record_call(db, summary(name, started_at=T0 + timedelta(minutes=n)), region="RU")).call_id
        db.add(Transcript(call_id=call_id, language=name[:2], duration_seconds=10, segments=[], text=text))
        ids[name] = call_id
    await db.commit()
    await login_as(http, await make_user(Role.SUPERVISOR))

    async def found(q: str) -> set[str]:
        r = await http.get("/api/calls", params={"q": q})
        assert r.status_code == 200, r.text
        return {name for name, call_id in ids.items() if call_id in {c["id"] for c in r.json()["items"]}}

    assert await found("коробки") == {"ru"} and await found("КОРОБКИ доставку") == {"ru"}
    assert await found("refund") == {"en"} and await found("broken kettle") == {"en"}
    assert await found("коробки refund") == set()  # every word, in one call
    assert await found("самовар") == set()
    if db_engine.dialect.name == "postgresql":  # stems: other forms of the same words
        assert await found("коробка") == {"ru"} and await found("refunds") == {"en"}
    assert (await http.get("/api/calls", params={"q": ""})).status_code == 422


async def test_words_said_find_only_the_calls_whose_transcript_the_asker_may_read(
    http: httpx.AsyncClient, db: AsyncSession, agent: User, make_user: MakeUser
) -> None:
    other = await make_user(Role.OPERATOR, login="agent2", extension="102", agent_interface="PJSIP/agent2")
    mine = (await record_call(db, summary("m1"), region="RU")).call_id
    theirs = (await record_call(db, summary("t1", started_at=T0 + timedelta(minutes=1), answered_by="PJSIP/agent2",
                                            offered_to=("PJSIP/agent2",)), region="RU")).call_id
    for call_id in (mine, theirs):
        db.add(Transcript(call_id=call_id, language="ru", duration_seconds=10, segments=[], text="пароль от сейфа"))
    await db.commit()
    assert await db.scalar(select(Call.operator_id).where(Call.id == theirs)) == other.id

    async def found(path: str, **params: object) -> set[int]:
        r = await http.get(path, params=params)
        assert r.status_code == 200, r.text
        if path == "/api/calls":
            return {c["id"] for c in r.json()["items"]} & {mine, theirs}
        return {call_id for call_id in (mine, theirs) if f'href="/calls/{call_id}' in r.text}

    await login_as(http, agent)
    assert await found("/api/calls") == {mine, theirs}  # both calls, as before: the sight rule is the client's
    assert await found("/api/calls", q="сейфа") == {mine}
    assert await found("/calls", q="сейфа") == {mine}
    await login_as(http, await make_user(Role.SUPERVISOR))
    assert await found("/api/calls", q="сейфа") == {mine, theirs}
    assert await found("/calls", q="сейфа") == {mine, theirs}


async def test_the_call_log_page_filters_calls_to_review(
    http: httpx.AsyncClient, db: AsyncSession, agent: User, make_user: MakeUser
) -> None:
    first = (await record_call(db, summary("p1", talk_seconds=300), region="RU")).call_id
    second = (await record_call(db, summary("p2", started_at=T0 + timedelta(days=1), talk_seconds=20),
                                region="RU")).call_id
    db.add(Transcript(call_id=first, language="ru", duration_seconds=300, segments=[], text="хочу вернуть чайник"))
    await db.commit()
    await login_as(http, await make_user(Role.SUPERVISOR))
    await http.put(f"/api/calls/{second}/review", json={"scores": {"greeting": 4}})

    async def listed(**params: object) -> set[int]:
        r = await http.get("/calls", params=params)
        assert r.status_code == 200, r.text
        return {call_id for call_id in (first, second) if f'href="/calls/{call_id}/review"' in r.text}

    assert await listed() == {first, second}
    assert await listed(q="чайник") == {first}
    assert await listed(reviewed="yes") == {second} and await listed(reviewed="no") == {first}
    assert await listed(min_talk=60) == {first}
    assert await listed(day="2024-05-02") == {second}  # the second call's day, in UTC (the default zone)
    assert await listed(day="not-a-day", reviewed="maybe", team="999") == {first, second}  # stale links: no filter
