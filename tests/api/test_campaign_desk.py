"""The desk's side of campaigns over HTTP: the answer to a preview goes to the dialer as a ``PreviewDecision``
(only for an operator of the lead's campaign), and the supervisor's board of a running campaign."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.campaigns.events import PreviewDecision
from callcenter.enums import AttemptOutcome
from callcenter.models import CampaignLead, CampaignOperator, DialAttempt
from callcenter.models.enums import Role
from tests.api.test_desk import drained, published
from tests.campaign_world import Members, add_client, members, running_campaign
from tests.conftest import MakeUser, login_as

__all__ = ["members", "published"]  # fixtures


async def _campaign(db: AsyncSession, members: Members, operator_id: int, **fields: Any) -> tuple[int, int]:
    client = await add_client(db, "ООО Ромашка", "+79161234567")
    campaign = await running_campaign(db, members, [client], now=datetime.now(UTC), mode="preview",
                                      operator_ids=[operator_id], **fields)
    lead = await db.scalar(select(CampaignLead.id).where(CampaignLead.campaign_id == campaign.id))
    assert lead is not None
    return campaign.id, lead


async def test_a_preview_answer_goes_to_the_dialer(app: Any, http: httpx.AsyncClient, db: AsyncSession,
                                                    make_user: MakeUser, members: Members,
                                                    published: list[Any]) -> None:
    anna = await make_user(Role.OPERATOR, extension="101")
    boris = await make_user(Role.OPERATOR, extension="102")
    _, lead = await _campaign(db, members, anna.id)
    await login_as(http, anna)
    r = await http.post("/api/desk/preview", json={"lead_id": lead, "dial": True})
    assert r.status_code == 202, r.text
    assert r.json() == {"lead_id": lead, "dial": True}
    r = await http.post("/api/desk/preview", json={"lead_id": lead, "dial": False})
    assert r.status_code == 202
    assert (await http.post("/api/desk/preview", json={"lead_id": lead + 1000, "dial": True})).status_code == 404
    assert (await http.post("/api/desk/preview", json={"lead_id": lead})).status_code == 422
    await login_as(http, boris)  # not an operator of the campaign
    r = await http.post("/api/desk/preview", json={"lead_id": lead, "dial": True})
    assert r.status_code == 403 and r.json()["error"] == "not-campaign-operator"
    decisions = [e for e in await drained(app, published) if isinstance(e, PreviewDecision)]
    assert [(d.user_id, d.lead_id, d.dial) for d in decisions] == [(anna.id, lead, True), (anna.id, lead, False)]


async def test_a_preview_answer_without_a_pbx_is_refused(http: httpx.AsyncClient, db: AsyncSession,
                                                          make_user: MakeUser, members: Members) -> None:
    anna = await make_user(Role.OPERATOR, extension="101")
    _, lead = await _campaign(db, members, anna.id)
    await login_as(http, anna)
    r = await http.post("/api/desk/preview", json={"lead_id": lead, "dial": True})
    assert r.status_code == 503 and r.json()["error"] == "telephony-unavailable"


async def test_the_board_shows_figures_operators_and_attempts(http: httpx.AsyncClient, db: AsyncSession,
                                                               make_user: MakeUser, members: Members) -> None:
    anna = await make_user(Role.OPERATOR, extension="101", full_name="Анна")
    supervisor = await make_user(Role.SUPERVISOR)
    campaign_id, lead = await _campaign(db, members, anna.id, rules={"abandon_target": 0.02})
    now = datetime.now(UTC)
    row = await db.get(CampaignOperator, (campaign_id, anna.id))
    assert row is not None
    row.joined_at = now - timedelta(minutes=10)
    lead_row = await db.get(CampaignLead, lead)
    assert lead_row is not None
    for n, (outcome, live, connected) in enumerate([(AttemptOutcome.CONNECTED, True, True),
                                                    (AttemptOutcome.ABANDONED, True, False),
                                                    (AttemptOutcome.BUSY, False, False)]):
        db.add(DialAttempt(campaign_id=campaign_id, lead_id=lead, client_id=lead_row.client_id, number="+79161234567",
                           channel_id=f"crm-att-test-{n}", started_at=now - timedelta(seconds=3 - n), outcome=outcome,
                           ended_at=now, live_at=now if live else None, connected_at=now if connected else None,
                           operator_id=anna.id if connected else None, amd_status="HUMAN" if live else None))
    await db.commit()
    await login_as(http, anna)
    assert (await http.get(f"/api/campaigns/{campaign_id}/board")).status_code == 403
    await login_as(http, supervisor)
    board = (await http.get(f"/api/campaigns/{campaign_id}/board")).json()
    assert board["attempts"]["dialled"] == 3 and board["attempts"]["live"] == 2
    assert board["attempts"]["connected"] == 1 and board["attempts"]["abandon_rate"] == 0.5
    assert board["regulator"]["target"] == 0.02 and board["regulator"]["abandoned"] == 1
    [op] = board["operators"]
    assert op["user_id"] == anna.id and op["joined"] is True and op["connected"] == 1
    assert op["agent"]["state"] == "available"
    assert board["occupancy"] == 0.0  # joined 10 minutes, no logged call to talk on yet
    assert [a["outcome"] for a in board["recent"]] == ["busy", "abandoned", "connected"]
    assert board["recent"][2]["operator_login"] == anna.login
    assert board["campaign"]["segment_name"] == "Spring segment"
