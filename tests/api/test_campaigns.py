"""Campaigns and do-not-call lists over the API: CRUD, transitions, roles, join/leave, figures, attempts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.campaigns import attempts
from callcenter.enums import AttemptOutcome, Role
from callcenter.models import CampaignLead
from callcenter.settings import Settings
from dialer.outcomes import finish_attempt
from tests.api.conftest import Session, audit_entries
from tests.campaign_world import Members, add_client, add_segment, members
from tests.conftest import MakeUser

__all__ = ["members"]


async def test_crud_transitions_and_audit(admin_http: httpx.AsyncClient, db: AsyncSession, members: Members) -> None:
    a = await add_client(db, "Alpha", "+74951111111")
    segment = await add_segment(db)
    members.set(segment.id, [a.id])
    r = await admin_http.post("/api/campaigns", json={"name": "Spring", "segment_id": segment.id,
                                                      "caller_id": "8 495 123-45-67", "rules": {"order": "recently_active"}})
    assert r.status_code == 201, r.text
    campaign = r.json()
    cid = campaign["id"]
    assert (campaign["state"], campaign["caller_id"], campaign["rules"]["order"]) == ("draft", "+74951234567", "recently_active")
    assert campaign["rules"]["abandon_target"] == 0.03

    bad = await admin_http.post("/api/campaigns", json={"name": "x", "segment_id": 999, "caller_id": "+74951234567",
                                                        "rules": {"abandon_target": 0.1, "retry_abandoned_hours": 1}})
    assert bad.status_code == 422 and {"rules.abandon_target", "rules.retry_abandoned_hours"} <= set(bad.json()["fields"])
    bad = await admin_http.post("/api/campaigns", json={"name": "x", "segment_id": 999, "caller_id": "+74951234567"})
    assert bad.status_code == 422 and bad.json()["fields"] == {"segment_id": "no segment with id 999"}
    assert (await admin_http.post("/api/campaigns", json={"name": "x", "segment_id": segment.id,
                                                          "caller_id": "call me"})).status_code == 422

    assert (await admin_http.post(f"/api/campaigns/{cid}/pause")).json()["error"] == "campaign-illegal-transition"
    r = await admin_http.post(f"/api/campaigns/{cid}/start")
    assert (r.status_code, r.json()["state"], r.json()["leads"]) == (200, "running", {"pending": 1})
    r = await admin_http.patch(f"/api/campaigns/{cid}", json={"mode": "predictive"})
    assert (r.status_code, r.json()["error"], r.json()["fields"]) == (409, "campaign-locked", ["mode"])
    assert (await admin_http.post(f"/api/campaigns/{cid}/pause")).json()["state"] == "paused"
    assert (await admin_http.patch(f"/api/campaigns/{cid}", json={"mode": "predictive"})).json()["mode"] == "predictive"
    assert (await admin_http.post(f"/api/campaigns/{cid}/stop")).json()["state"] == "finished"
    assert (await admin_http.post(f"/api/campaigns/{cid}/start")).status_code == 409
    listed = (await admin_http.get("/api/campaigns", params={"state": "finished"})).json()
    assert [c["id"] for c in listed["items"]] == [cid]
    assert (await admin_http.get("/api/campaigns/99999")).status_code == 404
    actions = [e["action"] for e in await audit_entries(admin_http, entity="campaign", entity_id=cid)]
    assert actions == ["stop", "update", "pause", "start", "create"]


async def test_roles_join_leave_figures_and_attempts(admin_http: httpx.AsyncClient, db: AsyncSession, members: Members,
                                                     make_user: MakeUser, session_for: Session) -> None:
    operator = await make_user(Role.OPERATOR)
    outsider = await make_user(Role.OPERATOR)
    supervisor = await make_user(Role.SUPERVISOR)
    a = await add_client(db, "Alpha", "+74951111111")
    segment = await add_segment(db)
    members.set(segment.id, [a.id])
    cid = (await admin_http.post("/api/campaigns", json={"name": "S", "segment_id": segment.id,
                                                         "caller_id": "+74951234567",
                                                         "operator_ids": [operator.id]})).json()["id"]
    await admin_http.post(f"/api/campaigns/{cid}/start")
    op_http, out_http, sup_http = [await session_for(u) for u in (operator, outsider, supervisor)]

    assert (await op_http.get(f"/api/campaigns/{cid}")).status_code == 200
    assert (await out_http.get(f"/api/campaigns/{cid}")).status_code == 404
    assert (await out_http.get("/api/campaigns")).json()["total"] == 0
    assert (await op_http.post(f"/api/campaigns/{cid}/pause")).status_code == 403
    assert (await sup_http.post(f"/api/campaigns/{cid}/pause")).status_code == 403
    assert (await sup_http.get(f"/api/campaigns/{cid}")).status_code == 200
    assert (await op_http.get(f"/api/campaigns/{cid}/figures")).status_code == 403

    r = await op_http.post(f"/api/campaigns/{cid}/join")
    assert r.status_code == 200 and r.json()["joined_at"] is not None
    assert (await out_http.post(f"/api/campaigns/{cid}/join")).json()["error"] == "not-campaign-operator"
    assert (await admin_http.get(f"/api/campaigns/{cid}")).json()["joined_operator_ids"] == [operator.id]
    assert (await op_http.post(f"/api/campaigns/{cid}/leave")).json()["joined_at"] is None

    lead_id = await db.scalar(select(CampaignLead.id).where(CampaignLead.campaign_id == cid))
    assert lead_id is not None
    now = datetime.now(UTC)
    att = await attempts.open_attempt(db, lead_id, "+74951111111", preview=False, now=now)
    await attempts.mark_live(db, att.channel_id, "HUMAN", "HUMAN-1", at=now)
    await finish_attempt(db, att.channel_id, AttemptOutcome.ABANDONED, ended_at=now)
    figures = (await sup_http.get(f"/api/campaigns/{cid}/figures")).json()
    assert (figures["attempts"]["dialled"], figures["attempts"]["live"], figures["attempts"]["abandon_rate"]) == (1, 1, 1.0)
    assert figures["regulator"]["abandoned"] == 1 and figures["leads"] == {"pending": 1}
    assert figures["recent"][0]["client_name"] == "Alpha"
    r = await sup_http.get(f"/api/campaigns/{cid}/attempts", params={"outcome": "abandoned"})
    assert [x["linkedid"] for x in r.json()["items"]] == [att.channel_id]
    assert (await sup_http.get(f"/api/campaigns/{cid}/attempts", params={"outcome": "busy"})).json()["total"] == 0
    assert (await sup_http.get(f"/api/campaigns/{cid}/attempts", params={"outcome": "nope"})).status_code == 422


async def test_do_not_call(admin_http: httpx.AsyncClient, make_user: MakeUser, session_for: Session) -> None:
    op_http = await session_for(await make_user(Role.OPERATOR))
    r = await op_http.post("/api/dnc", json={"number": "8 (913) 123-45-67", "reason": "asked on the phone"})
    assert r.status_code == 201 and r.json()["e164"] == "+79131234567" and r.json()["campaign_id"] is None
    assert (await op_http.post("/api/dnc", json={"number": "+79131234567"})).status_code == 409
    r = await op_http.post("/api/dnc", json={"number": "12ab"})
    assert r.status_code == 422 and "number" in r.json()["fields"]
    assert (await op_http.post("/api/dnc", json={"number": "+79131234567", "campaign_id": 77})).status_code == 422
    assert (await op_http.get("/api/dnc")).status_code == 403
    assert (await op_http.delete("/api/dnc", params={"number": "+79131234567"})).status_code == 403
    listed = (await admin_http.get("/api/dnc", params={"number": "89131234567", "scope": "global"})).json()
    assert [x["e164"] for x in listed["items"]] == ["+79131234567"]
    assert (await admin_http.delete("/api/dnc", params={"number": "+7 913 123 45 67"})).status_code == 204
    assert (await admin_http.delete("/api/dnc", params={"number": "+79131234567"})).status_code == 404
    assert (await admin_http.get("/api/dnc")).json()["total"] == 0
    actions = [e["action"] for e in await audit_entries(admin_http, entity="do_not_call")]
    assert actions == ["delete", "create"]


async def test_times_without_a_zone_are_read_in_the_installations_zone(
        admin_http: httpx.AsyncClient, db: AsyncSession, members: Members, settings: Settings) -> None:
    settings.time_zone = "Europe/Moscow"  # UTC+3 all year
    a = await add_client(db, "Alpha", "+74951111111")
    segment = await add_segment(db)
    members.set(segment.id, [a.id])
    cid = (await admin_http.post("/api/campaigns", json={"name": "T", "segment_id": segment.id,
                                                         "caller_id": "+74951234567"})).json()["id"]
    await admin_http.post(f"/api/campaigns/{cid}/start")
    lead_id = await db.scalar(select(CampaignLead.id).where(CampaignLead.campaign_id == cid))
    assert lead_id is not None
    at = datetime(2026, 12, 7, 22, 0, tzinfo=UTC)  # 01:00 on 8 December in Moscow
    att = await attempts.open_attempt(db, lead_id, "+74951111111", preview=False, now=at)
    await finish_attempt(db, att.channel_id, AttemptOutcome.NO_ANSWER, ended_at=at)

    async def dialled(since: str) -> int:
        r = await admin_http.get(f"/api/campaigns/{cid}/figures", params={"since": since})
        assert r.status_code == 200, (since, r.text)
        return int(r.json()["attempts"]["dialled"])

    async def listed(**params: str) -> int:
        r = await admin_http.get(f"/api/campaigns/{cid}/attempts", params=params)
        assert r.status_code == 200, (params, r.text)
        return int(r.json()["total"])

    # 00:30 Moscow is 21:30 UTC the day before: the attempt counts; read as UTC it would not.
    assert await dialled("2026-12-08T00:30:00") == 1
    assert await dialled("2026-12-08T00:00:00") == 1
    assert await dialled("2026-12-08") == 1
    assert await dialled("2026-12-08T01:00:01") == 0
    assert await dialled("2026-12-07T22:00:00Z") == 1 and await dialled("2026-12-07T22:00:01+00:00") == 0
    assert await dialled("9999-12-31T23:59:59") == 0
    assert await listed(since="2026-12-08") == 1 and await listed(until="2026-12-08") == 0
    assert await listed(until="9999-12-31T23:59:59") == 1 and await listed(since="9999-12-31T23:59:59") == 0

    def refused(r: httpx.Response, field: str) -> None:
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/json"), r.text
        assert r.json()["error"] == "validation-failed" and field in r.json()["fields"]

    # Midnight of 1 January of the year 1 in Moscow is before the calendar starts in UTC.
    refused(await admin_http.get(f"/api/campaigns/{cid}/figures", params={"since": "0001-01-01"}), "since")
    refused(await admin_http.get(f"/api/campaigns/{cid}/attempts", params={"since": "0001-01-01T00:00:00"}), "since")
    refused(await admin_http.get(f"/api/campaigns/{cid}/attempts", params={"until": "0001-01-01T01:00:00+05:00"}),
            "until")
    for nonsense in ("2026-02-30", "2026-12-08T25:00:00", "yesterday", ""):
        refused(await admin_http.get(f"/api/campaigns/{cid}/figures", params={"since": nonsense}), "since")

    settings.time_zone = "America/New_York"  # west of Greenwich: the calendar's other end overflows instead
    assert await dialled("0001-01-01") == 1 and await listed(since="0001-01-01", until="2026-12-08") == 1
    refused(await admin_http.get(f"/api/campaigns/{cid}/figures", params={"since": "9999-12-31T23:59:59"}), "since")
    refused(await admin_http.get(f"/api/campaigns/{cid}/attempts", params={"until": "9999-12-31T20:00"}), "until")
    assert await listed(until="9999-12-31") == 1
    board = await admin_http.get(f"/api/campaigns/{cid}/board", params={"since": "0001-01-01"})
    assert board.status_code == 200 and board.json()["campaign"]["id"] == cid


async def test_segment_days_at_the_calendars_edges(admin_http: httpx.AsyncClient, db: AsyncSession,
                                                   settings: Settings) -> None:
    settings.time_zone = "Asia/Tokyo"
    await add_client(db, "Alpha", "+74951111111")
    for filters, expected in (({"last_contact_after": "0001-01-01"}, 0), ({"last_contact_before": "0001-01-01"}, 1),
                              ({"last_contact_before": "9999-12-31"}, 1), ({"purchased_since": "0001-01-01"}, 0),
                              ({"last_contact_after": "-9999d"}, 0)):
        r = await admin_http.post("/api/segments/count", json=filters)
        assert (r.status_code, r.json()) == (200, {"count": expected}), (filters, r.text)


async def test_the_board_shows_each_calls_stage_and_why_nothing_is_dialled(
        admin_http: httpx.AsyncClient, db: AsyncSession, members: Members, make_user: MakeUser,
        session_for: Session, settings: Settings) -> None:
    settings.time_zone = "Asia/Novosibirsk"
    operator = await make_user(Role.OPERATOR, full_name="Анна Смирнова")
    a = await add_client(db, "Alpha", "+74951111111")
    segment = await add_segment(db)
    members.set(segment.id, [a.id])
    cid = (await admin_http.post("/api/campaigns", json={"name": "B", "segment_id": segment.id,
                                                         "caller_id": "+74951234567",
                                                         "operator_ids": [operator.id]})).json()["id"]

    async def board() -> dict[str, Any]:
        r = await admin_http.get(f"/api/campaigns/{cid}/board")
        assert r.status_code == 200, r.text
        return dict(r.json())

    assert (await board())["idle"] is None  # a draft is not expected to call
    await admin_http.post(f"/api/campaigns/{cid}/start")
    assert (await board())["idle"] == {"reason": "no_operators", "next_at": None, "next_local": None}
    op_http = await session_for(operator)
    await op_http.post(f"/api/campaigns/{cid}/join")
    assert (await board())["idle"] is None  # a lead is due and an operator is there: calls can go out

    lead_id = await db.scalar(select(CampaignLead.id).where(CampaignLead.campaign_id == cid))
    assert lead_id is not None
    opens = (datetime.now(UTC) + timedelta(days=3)).replace(second=0, microsecond=0)
    await db.execute(update(CampaignLead).where(CampaignLead.id == lead_id)
                     .values(next_attempt_at=opens, reason="window"))
    await db.commit()
    local = opens.astimezone(ZoneInfo("Asia/Novosibirsk")).strftime("%d.%m %H:%M")
    assert (await board())["idle"] == {"reason": "outside_windows", "next_at": opens.isoformat(), "next_local": local}
    await db.execute(update(CampaignLead).where(CampaignLead.id == lead_id).values(reason=""))
    await db.commit()
    assert (await board())["idle"]["reason"] == "not_due"

    now = datetime.now(UTC)
    att = await attempts.open_attempt(db, lead_id, "+74951111111", preview=False, now=now)
    stages = []
    for step in ("dialing", "amd", "waiting", "talking", "connected"):
        if step == "amd":
            await attempts.mark_answered(db, att.channel_id, at=now)
        elif step == "waiting":
            await attempts.mark_live(db, att.channel_id, "HUMAN", "HUMAN-500-700", at=now)
        elif step == "talking":
            await attempts.mark_connected(db, att.channel_id, operator.id, 0.7, at=now)
        elif step == "connected":
            await finish_attempt(db, att.channel_id, AttemptOutcome.CONNECTED, ended_at=now)
        await db.commit()
        shown = await board()
        assert shown["idle"] is None or step == "connected"
        recent = shown["recent"][0]
        stages.append(recent["stage"])
    assert stages == ["dialing", "amd", "waiting", "talking", "connected"]
    assert (recent["operator_name"], recent["number_display"], recent["amd_status"]) == (
        "Анна Смирнова", "+7 495 111-11-11", "HUMAN")

    await db.execute(update(CampaignLead).where(CampaignLead.id == lead_id).values(state="done", reason="reached"))
    await db.commit()
    assert (await board())["idle"] == {"reason": "no_leads", "next_at": None, "next_local": None}
