"""The segments' pages over HTTP, in both languages: the list with live counts, the editor saving a filter,
deleting (refused while a campaign uses the segment), who sees what; and tags and consent to calls on the
client card and form."""

from __future__ import annotations

import json
from html import unescape

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.models import AuditEntry, Campaign, Client, Segment
from callcenter.models.enums import AbcClass, ClientKind, Role, Stage
from tests.conftest import MakeUser
from tests.test_pages import sign_in


async def _clients(db: AsyncSession) -> None:
    for name, stage, abc, tags in (("Альфа", Stage.REGULAR, AbcClass.B, ["vip"]), ("Бета", Stage.REGULAR, None, []),
                                   ("Гамма", Stage.POTENTIAL, AbcClass.B, ["vip"])):
        db.add(Client(kind=ClientKind.COMPANY, name=name, name_search=name.lower(), name_key=name.lower(),
                      stage=stage, abc_class=abc, tags=tags))
    await db.commit()


async def test_a_manager_saves_edits_and_deletes_a_segment(http: httpx.AsyncClient, db: AsyncSession,
                                                            make_user: MakeUser) -> None:
    await _clients(db)
    manager = await make_user(Role.MANAGER, login="olga")
    token = await sign_in(http, manager)
    assert 'href="/segments"' in (await http.get("/clients")).text  # in the navigation
    for lang, title in (("ru", "Новый сегмент"), ("en", "New segment")):
        http.cookies.set("cc_lang", lang)
        page = await http.get("/segments/new")
        assert page.status_code == 200 and f"<h1>{title}</h1>" in page.text
        assert 'src="/static/segments.js' in page.text
        # A refused count names the field by its label ("time_zones.0" -> "Часовые пояса").
        texts = json.loads(page.text.split('id="segment-texts">')[1].split("</script>")[0])
        label = {"ru": "Часовые пояса", "en": "Time zones"}[lang]
        assert texts["labels"]["time_zones"] == label and texts["inputs"]["custom_equals"] == "custom"
    http.cookies.set("cc_lang", "ru")
    r = await http.post("/segments/new", data={
        "csrf_token": token, "name": "Постоянные B", "stages": "regular", "abc": "B", "tags_any": "VIP, ",
        "never_called": "yes", "not_purchased_since": "quarter_start", "custom": "city=Новосибирск\nsize",
        "time_zones": "", "owner_ids": "x"})
    assert r.status_code == 303, r.text
    segment = await db.scalar(select(Segment))
    assert segment is not None and r.headers["location"] == f"/segments/{segment.id}?saved=1"
    assert segment.filters == {"stages": ["regular"], "abc": ["B"], "tags_any": ["vip"], "never_called": True,
                               "not_purchased_since": "quarter_start", "custom_equals": {"city": "Новосибирск"},
                               "custom_has": ["size"]}
    page = await http.get(r.headers["location"])
    assert "Сегмент сохранён." in page.text and 'value="quarter_start"' in page.text
    assert "city=Новосибирск\nsize</textarea>" in unescape(page.text)
    assert f'/api/segments/{segment.id}/export?format=xlsx' in page.text

    r = await http.post(f"/segments/{segment.id}", data={"csrf_token": token, "name": "Все B", "abc": "B",
                                                         "last_contact_before": "вчера"})
    assert r.status_code == 422 and 'aria-invalid="true"' in r.text
    r = await http.post(f"/segments/{segment.id}", data={"csrf_token": token, "name": "Все B", "abc": "B"})
    assert r.status_code == 303
    for lang, header in (("ru", "Клиентов сейчас"), ("en", "Clients now")):
        http.cookies.set("cc_lang", lang)
        listing = await http.get("/segments")
        assert listing.status_code == 200 and header in listing.text
        assert '<td class="num s-count">2</td>' in listing.text  # Альфа and Гамма

    campaign = Campaign(name="Осень", segment_id=segment.id)
    db.add(campaign)
    await db.commit()
    r = await http.post(f"/segments/{segment.id}/delete", data={"csrf_token": token})
    assert r.status_code == 409 and 'id="segment-in-use"' in r.text and "Осень" in r.text
    await db.delete(campaign)
    await db.commit()
    r = await http.post(f"/segments/{segment.id}/delete", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/segments?done=deleted"
    assert await db.scalar(select(Segment)) is None
    actions = list(await db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "segment").order_by(AuditEntry.id)))
    assert actions == ["create", "update", "delete"]


async def test_supervisors_read_operators_do_not(http: httpx.AsyncClient, db: AsyncSession, make_user: MakeUser) -> None:
    segment = Segment(name="Все", filters={})
    db.add(segment)
    await db.commit()
    token = await sign_in(http, await make_user(Role.SUPERVISOR, login="sveta"))
    page = await http.get(f"/segments/{segment.id}")
    assert page.status_code == 200 and 'id="segment-form"' in page.text
    assert 'type="submit" class="btn btn-primary"' not in page.text  # no saving
    r = await http.post(f"/segments/{segment.id}", data={"csrf_token": token, "name": "Мои"})
    assert r.status_code == 403
    await http.post("/logout", data={"csrf_token": token})
    await sign_in(http, await make_user(Role.OPERATOR, login="ivan"))
    assert 'href="/segments"' not in (await http.get("/clients")).text
    assert (await http.get("/segments")).status_code == 403


async def test_tags_and_consent_on_the_card_and_form(http: httpx.AsyncClient, db: AsyncSession,
                                                     make_user: MakeUser) -> None:
    client = Client(kind=ClientKind.COMPANY, name="Альфа", name_search="альфа", name_key="альфа", tags=["vip"])
    db.add(client)
    await db.commit()
    token = await sign_in(http, await make_user(Role.MANAGER))
    card = await http.get(f"/clients/{client.id}")
    assert '<span class="badge badge-plain">vip</span>' in card.text and "Не отозвано" in card.text
    form = await http.get(f"/clients/{client.id}/edit")
    assert 'name="tags" value="vip"' in form.text
    r = await http.post(f"/clients/{client.id}/edit", data={
        "csrf_token": token, "name": "Альфа", "kind": "company", "stage": "potential",
        "tags": "vip, Опт", "calls_consent_withdrawn": "1"})
    assert r.status_code == 303, r.text
    http.cookies.set("cc_lang", "en")
    card = await http.get(f"/clients/{client.id}")
    assert '<span class="badge badge-plain">опт</span>' in card.text and "Withdrawn" in card.text
    await db.refresh(client)
    assert client.tags == ["vip", "опт"] and client.calls_consent_withdrawn_at is not None
    r = await http.post(f"/clients/{client.id}/edit", data={"csrf_token": token, "name": "Альфа", "kind": "company",
                                                            "stage": "potential", "tags": "x" * 60})
    assert r.status_code == 422 and 'id="err-tags"' in r.text
