"""The campaign pages over HTTP, in both languages: the editor with errors next to the fields, start, pause
and stop (audited), the running campaign and its attempts, the do-not-call lists, who sees what; the call log
filtered by campaign and the dashboard's campaigns panel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.events import CallSummary
from callcenter.calls.services import record_call
from callcenter.enums import AttemptOutcome, CampaignState
from callcenter.models import AuditEntry, Call, Campaign, CampaignLead, DialAttempt, Disposition, DoNotCall, Interaction
from callcenter.models.enums import CallOutcome, Direction, Role
from tests.campaign_world import add_client, add_segment
from tests.conftest import MakeUser
from tests.test_pages import sign_in

KNOWN = "+79161234567"


def campaign_form(csrf: str, segment_id: int, **fields: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "csrf_token": csrf, "name": "Весна B", "segment_id": str(segment_id), "mode": "progressive",
        "refresh_minutes": "", "team_id": "", "caller_id": "+7 495 123-45-67", "queue": "",
        "windows_mon": "09:00-13:00, 14:00-20:00", "windows_tue": "09:00-20:00", "windows_wed": "09:00-20:00",
        "windows_thu": "09:00-20:00", "windows_fri": "09:00-20:00", "windows_sat": "", "windows_sun": "",
        "default_timezone": "Asia/Novosibirsk", "busy_retry_minutes": "10", "no_answer_retry_hours": "1,5",
        "machine_retry_hours": "4", "failed_retry_minutes": "30", "max_attempts_per_number": "3",
        "max_attempts_per_client": "5", "machine_action": "message", "order": "longest_since_contact",
        "ring_timeout_s": "20", "preview_countdown_s": "0", "abandon_percent": "2.5", "regulator_window": "us_30d",
        "connect_window_s": "2", "max_lines": "",
    }
    form.update(fields)
    return form


async def test_a_manager_makes_starts_pauses_and_stops_a_campaign(http: httpx.AsyncClient, db: AsyncSession,
                                                                   make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR, extension="101", full_name="Анна Смирнова")
    manager = await make_user(Role.MANAGER)
    await make_user(Role.SUPERVISOR, full_name="Борис Супервизоров")
    await add_client(db, "ООО Ромашка", KNOWN)
    segment = await add_segment(db, "Все клиенты")
    token = await sign_in(http, manager)
    assert 'href="/campaigns"' in (await http.get("/clients")).text
    for lang, title in (("ru", "Новая кампания"), ("en", "New campaign")):
        http.cookies.set("cc_lang", lang)
        page = await http.get("/campaigns/new")
        assert page.status_code == 200 and f"<h1>{title}</h1>" in page.text
        assert "Все клиенты" in page.text and "Анна Смирнова" in page.text
        assert "Борис Супервизоров" not in page.text  # only operators take a campaign's calls
    http.cookies.set("cc_lang", "en")
    bad = campaign_form(token, segment.id, name="", windows_mon="09:00-08:00", busy_retry_minutes="0",
                        abandon_percent="5", caller_id="12", default_timezone="Mars/Olympus", windows_tue="9-x")
    r = await http.post("/campaigns/new", data=bad)
    assert r.status_code == 422
    text = unescape(r.text)
    assert 'id="err-name"' in text and "The window 09:00-08:00 ends before it starts." in text
    assert "Write windows like 09:00-20:00" in text.split('id="err-windows_tue"')[1].split("</")[0]
    assert 'Unknown time zone "Mars/Olympus"' in text and "Not a phone number" in text
    assert 'id="err-windows_mon"' in text and 'id="err-busy_retry_minutes"' in text and "At least 1." in text
    assert 'id="err-abandon_percent"' in text and "the law allows no more" in text
    assert 'id="err-default_timezone"' in text and 'id="err-caller_id"' in text
    assert 'value="9-x"' in text  # what was typed stays
    # Every wrong field at once, in the page's language, each with a red border.
    http.cookies.set("cc_lang", "ru")
    r = await http.post("/campaigns/new", data=campaign_form(token, segment.id, windows_mon="25:00-26:00",
                                                             windows_tue="nonsense", windows_wed="09:00-12:00, 11:00-13:00",
                                                             caller_id="call me", default_timezone="Mars/Olympus"))
    text = unescape(r.text)
    assert r.status_code == 422
    for key in ("windows_mon", "windows_tue", "windows_wed", "caller_id", "default_timezone"):
        assert f'name="{key}"' in text.split(f'id="err-{key}"')[0].rsplit("<label", 1)[1], key
        assert 'aria-invalid="true"' in text.split(f'name="{key}"')[1].split(">")[0], key
    assert text.count("Пишите окна так: 09:00-20:00") == 2 and "Окна пересекаются." in text
    assert "Неизвестный часовой пояс «Mars/Olympus»" in text and "Это не номер телефона" in text
    http.cookies.set("cc_lang", "en")
    assert await db.scalar(select(Campaign.id)) is None
    r = await http.post("/campaigns/new", data=campaign_form(token, segment.id, operator_ids=[str(anna.id)]))
    assert r.status_code == 303, r.text
    campaign = await db.scalar(select(Campaign))
    assert campaign is not None and r.headers["location"] == f"/campaigns/{campaign.id}?saved=1"
    assert campaign.caller_id == "+74951234567" and campaign.state == CampaignState.DRAFT
    rules = campaign.rules
    assert rules["windows"]["mon"] == [["09:00", "13:00"], ["14:00", "20:00"]] and rules["windows"]["sat"] == []
    assert (rules["no_answer_retry_hours"], rules["abandon_target"], rules["order"]) == (1.5, 0.025, "longest_since_contact")
    assert rules["max_lines"] is None and rules["regulator_window"] == "us_30d"

    edit = await http.get(f"/campaigns/{campaign.id}/edit")
    assert edit.status_code == 200 and 'value="09:00-13:00, 14:00-20:00"' in edit.text and 'value="2.5"' in edit.text
    for action, state in (("start", CampaignState.RUNNING), ("pause", CampaignState.PAUSED),
                          ("start", CampaignState.RUNNING)):
        r = await http.post(f"/campaigns/{campaign.id}/{action}", data={"csrf_token": token, "next": "/campaigns"})
        assert r.status_code == 303 and r.headers["location"] == "/campaigns"
        await db.refresh(campaign)
        assert campaign.state == state
    assert await db.scalar(select(CampaignLead.id).where(CampaignLead.campaign_id == campaign.id)) is not None
    # Running: the name changes, the rules need a pause.
    r = await http.post(f"/campaigns/{campaign.id}/edit", data=campaign_form(token, segment.id, name="Весна A",
                                                                               operator_ids=[str(anna.id)]))
    assert r.status_code == 303
    r = await http.post(f"/campaigns/{campaign.id}/edit", data=campaign_form(token, segment.id, name="Весна A",
                                                                               ring_timeout_s="30",
                                                                               operator_ids=[str(anna.id)]))
    assert r.status_code == 409 and "This cannot change in the campaign" in unescape(r.text)
    listing = await http.get("/campaigns")
    assert listing.status_code == 200 and "Весна A" in listing.text and 'data-action="pause"' in listing.text
    view = await http.get(f"/campaigns/{campaign.id}")
    assert view.status_code == 200 and 'src="/static/campaign.js' in view.text and "Весна A" in view.text
    r = await http.post(f"/campaigns/{campaign.id}/stop", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == f"/campaigns/{campaign.id}"
    await db.refresh(campaign)
    assert campaign.state == CampaignState.FINISHED
    assert (await http.post(f"/campaigns/{campaign.id}/start", data={"csrf_token": token})).status_code == 409
    assert (await http.post(f"/campaigns/{campaign.id}/jump", data={"csrf_token": token})).status_code == 404
    actions = list(await db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "campaign")
                                    .order_by(AuditEntry.id)))
    assert actions == ["create", "start", "pause", "start", "update", "stop"]


async def test_who_sees_the_campaign_pages(http: httpx.AsyncClient, db: AsyncSession, make_user: MakeUser) -> None:
    segment = await add_segment(db)
    campaign = Campaign(name="Весна", segment_id=segment.id, caller_id="+74951234567", rules={})
    db.add(campaign)
    await db.commit()
    token = await sign_in(http, await make_user(Role.OPERATOR))
    assert 'href="/campaigns"' not in (await http.get("/clients")).text
    for path in ("/campaigns", "/campaigns/new", f"/campaigns/{campaign.id}", f"/campaigns/{campaign.id}/attempts",
                 f"/campaigns/{campaign.id}/edit", "/dnc"):
        assert (await http.get(path)).status_code == 403, path
    assert (await http.post(f"/campaigns/{campaign.id}/start", data={"csrf_token": token})).status_code == 403
    await http.post("/logout", data={"csrf_token": token})
    token = await sign_in(http, await make_user(Role.SUPERVISOR))
    for lang, words in (("ru", ("Кампании", "Черновик" if False else "черновик")), ("en", ("Campaigns", "draft"))):
        http.cookies.set("cc_lang", lang)
        for path in ("/campaigns", f"/campaigns/{campaign.id}", f"/campaigns/{campaign.id}/attempts", "/dnc"):
            r = await http.get(path)
            assert r.status_code == 200, path
        listing = await http.get("/campaigns")
        assert all(w in listing.text for w in words) and 'href="/campaigns/new"' not in listing.text
        assert 'data-action="start"' not in listing.text  # reading only
    assert (await http.get("/campaigns/new")).status_code == 403
    assert (await http.post(f"/campaigns/{campaign.id}/start", data={"csrf_token": token})).status_code == 403
    assert (await http.get("/campaigns/999999")).status_code == 404
    await http.post("/logout", data={"csrf_token": token})
    assert (await http.get("/campaigns")).status_code == 303  # signed out: to the login page


async def test_do_not_call_lists_on_their_page(http: httpx.AsyncClient, db: AsyncSession, make_user: MakeUser) -> None:
    segment = await add_segment(db)
    campaign = Campaign(name="Весна", segment_id=segment.id, caller_id="+74951234567", rules={})
    db.add(campaign)
    await db.commit()
    token = await sign_in(http, await make_user(Role.MANAGER))
    r = await http.post("/dnc/add", data={"csrf_token": token, "number": "8 916 123-45-67", "campaign_id": "",
                                          "reason": "просил не звонить", "back": ""})
    assert r.status_code == 303 and r.headers["location"] == "/dnc?saved=added"
    r = await http.post("/dnc/add", data={"csrf_token": token, "number": "+7 916 123 45 67",
                                          "campaign_id": str(campaign.id), "back": f"scope=campaign&campaign={campaign.id}"})
    assert r.status_code == 303 and r.headers["location"] == f"/dnc?scope=campaign&campaign={campaign.id}&saved=added"
    r = await http.post("/dnc/add", data={"csrf_token": token, "number": "89161234567", "campaign_id": ""})
    assert r.status_code == 409 and "already on that list" in r.text or "уже в этом списке" in r.text
    r = await http.post("/dnc/add", data={"csrf_token": token, "number": "12", "campaign_id": ""})
    assert r.status_code == 422 and 'id="err-number"' in r.text
    page = await http.get("/dnc?scope=global")
    assert "+7 916 123-45-67" in page.text and "просил не звонить" in page.text and "Весна" not in page.text.split("<tbody>")[-1]
    page = await http.get(f"/dnc?campaign={campaign.id}")
    assert page.text.count('data-number="+79161234567"') == 1
    r = await http.post("/dnc/remove", data={"csrf_token": token, "number": KNOWN, "campaign_id": "", "back": ""})
    assert r.status_code == 303
    left = list(await db.scalars(select(DoNotCall.campaign_id)))
    assert left == [campaign.id]
    actions = list(await db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "do_not_call")
                                    .order_by(AuditEntry.id)))
    assert actions == ["create", "create", "delete"]


async def _campaign_with_calls(db: AsyncSession, operator_id: int) -> tuple[Campaign, Interaction]:
    client = await add_client(db, "ООО Ромашка", KNOWN)
    segment = await add_segment(db)
    campaign = Campaign(name="Весна", segment_id=segment.id, caller_id="+74951234567", rules={},
                        state=CampaignState.RUNNING)
    db.add(campaign)
    await db.flush()
    lead = CampaignLead(campaign_id=campaign.id, client_id=client.id)
    db.add(lead)
    await db.flush()
    now = datetime.now(UTC) - timedelta(seconds=2)  # today, whatever the hour
    for n, outcome in enumerate((AttemptOutcome.CONNECTED, AttemptOutcome.ABANDONED, AttemptOutcome.NO_ANSWER)):
        live = outcome != AttemptOutcome.NO_ANSWER
        db.add(DialAttempt(campaign_id=campaign.id, lead_id=lead.id, client_id=client.id, number=KNOWN,
                           channel_id=f"crm-att-{900 + n}", started_at=now, ended_at=now + timedelta(minutes=2),
                           outcome=outcome, live_at=now if live else None, amd_status="HUMAN" if live else None,
                           amd_cause="HUMAN-500-700" if outcome == AttemptOutcome.CONNECTED else None,
                           connected_at=now if outcome == AttemptOutcome.CONNECTED else None,
                           operator_id=operator_id if outcome == AttemptOutcome.CONNECTED else None,
                           wait_for_operator_s=0.8 if outcome == AttemptOutcome.CONNECTED else None))
    await db.commit()
    for linkedid in ("crm-att-900", "1700000000.1"):  # the campaign's call, and another outbound call
        await record_call(db, CallSummary(
            linkedid=linkedid, direction=Direction.OUTBOUND, caller="+74951234567", callee=KNOWN, queue=None,
            offered_to=("PJSIP/101",), answered_by="PJSIP/101", started_at=now, answered_at=now + timedelta(seconds=5),
            ended_at=now + timedelta(seconds=95), ring_seconds=5, wait_seconds=5, talk_seconds=90, hangup_cause=16,
            outcome=CallOutcome.ANSWERED, transfers=()), region="RU")
    interaction = await db.scalar(select(Interaction).join(Call, Call.interaction_id == Interaction.id)
                                  .where(Call.linkedid == "crm-att-900"))
    assert interaction is not None
    return campaign, interaction


async def test_the_figures_open_the_attempts_and_calls_behind_them(http: httpx.AsyncClient, db: AsyncSession,
                                                                    make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR, extension="101", full_name="Анна")
    campaign, interaction = await _campaign_with_calls(db, anna.id)
    counting = Disposition(code="campaign_sale", name="Продажа", counts_as_result=True)
    db.add(counting)
    await db.flush()
    interaction.disposition_id = counting.id
    await db.commit()
    await sign_in(http, await make_user(Role.MANAGER))
    http.cookies.set("cc_lang", "en")
    calls = await http.get(f"/calls?campaign={campaign.id}")
    assert calls.status_code == 200 and 'data-linkedid="crm-att-900"' in calls.text
    assert "1700000000.1" not in calls.text and 'id="calls-campaign"' in calls.text
    assert "1700000000.1" in (await http.get("/calls")).text
    counted = await http.get(f"/calls?campaign={campaign.id}&counted=yes")
    assert 'data-linkedid="crm-att-900"' in counted.text
    assert 'data-linkedid="crm-att-900"' not in (await http.get(f"/calls?campaign={campaign.id}&counted=no")).text
    attempts = await http.get(f"/campaigns/{campaign.id}/attempts")
    assert attempts.status_code == 200 and attempts.text.count("data-attempt=") == 3
    abandoned = await http.get(f"/campaigns/{campaign.id}/attempts?outcome=abandoned")
    assert abandoned.text.count("data-attempt=") == 1 and "Abandoned" in abandoned.text
    connected = await http.get(f"/campaigns/{campaign.id}/attempts?connected=yes&operator={anna.id}")
    assert connected.text.count("data-attempt=") == 1 and "/review" in connected.text
    assert '<span data-amd="HUMAN" title="HUMAN-500-700">Person</span>' in connected.text  # the cause: a tooltip
    http.cookies.set("cc_lang", "ru")
    assert '<span data-amd="HUMAN">Человек</span>' in (await http.get(f"/campaigns/{campaign.id}/attempts?outcome=abandoned")).text
    http.cookies.set("cc_lang", "en")
    assert "<td>Анна</td>" in connected.text and "+7 916 123-45-67" in connected.text and "data-stage=\"connected\"" in connected.text
    dash = await http.get("/metrics")
    assert dash.status_code == 200 and 'id="dash-campaigns"' in dash.text
    row = dash.text.split(f'data-campaign="{campaign.id}" class="campaign-total"')[1].split("</tr>")[0]
    assert ">3</a>" in row and ">1</a>" in row and "100%" in row and "50.0%" in row
    assert f"/calls?campaign={campaign.id}&amp;counted=yes" in row
    assert f'data-operator="{anna.id}"' in dash.text
    listing = await http.get("/campaigns")
    assert "50.0%" in listing.text  # abandoned today over live answers
