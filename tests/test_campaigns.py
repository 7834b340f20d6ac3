"""Campaign services: states, freezing the segment, refreshing it, joining, attempts and their retries, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import SYSTEM, Principal
from callcenter.campaigns import attempts, operators, services
from callcenter.campaigns.errors import (
    CampaignLocked,
    CampaignNotDialling,
    IllegalTransition,
    LeadNotDue,
    NotCampaignOperator,
)
from callcenter.campaigns.freezing import due_for_refresh, refresh_leads
from callcenter.campaigns.schemas import CampaignIn, CampaignPatch
from callcenter.enums import AbcClass, AttemptOutcome, CampaignState, Direction, InteractionKind, LeadState, Role
from callcenter.models import AuditEntry, Campaign, CampaignLead, DialAttempt, Interaction, Team
from dialer.outcomes import finish_attempt
from tests.campaign_world import Members, add_client, add_segment, members, running_campaign
from tests.conftest import MakeUser

__all__ = ["members"]
NOW = datetime(2026, 7, 15, 8, 0, tzinfo=UTC)  # a Wednesday, 11:00 in Moscow


def principal_of(user: object) -> Principal:
    return Principal(user_id=user.id, login=user.login, role=user.role, team_id=user.team_id)  # type: ignore[attr-defined]


async def audit_actions(db: AsyncSession, campaign_id: int) -> list[str]:
    return list(await db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "campaign",
                                                                 AuditEntry.entity_id == campaign_id)
                                 .order_by(AuditEntry.id)))


async def test_states_freezing_and_what_may_change(db: AsyncSession, members: Members) -> None:
    a = await add_client(db, "Alpha", "+74951111111", abc=AbcClass.B)
    b = await add_client(db, "Beta", "+74952222222", abc=AbcClass.A)
    db.add(Interaction(kind=InteractionKind.CALL, direction=Direction.INBOUND, client_id=a.id,
                       occurred_at=NOW - timedelta(days=3)))
    await db.commit()
    segment = await add_segment(db)
    members.set(segment.id, [a.id, b.id])
    made = await services.create_campaign(db, SYSTEM, CampaignIn.model_validate(
        {"name": "Spring", "segment_id": segment.id, "caller_id": "+7 495 123-45-67"}))
    cid = made["id"]
    assert (made["state"], made["caller_id"], made["leads"]) == ("draft", "+74951234567", {})
    for action in (services.pause_campaign, services.stop_campaign):
        with pytest.raises(IllegalTransition):
            await action(db, SYSTEM, cid)

    started = await services.start_campaign(db, SYSTEM, cid, now=NOW)
    assert (started["state"], started["leads"]) == ("running", {"pending": 2})
    leads = {lead.client_id: lead for lead in await db.scalars(select(CampaignLead).where(CampaignLead.campaign_id == cid))}
    assert (leads[a.id].priority_class, leads[b.id].priority_class) == (1, 0)
    assert leads[a.id].last_contact_at == NOW - timedelta(days=3) == leads[a.id].last_active_at
    assert leads[b.id].last_contact_at is None

    with pytest.raises(CampaignLocked) as locked:
        await services.update_campaign(db, SYSTEM, cid, CampaignPatch.model_validate({"rules": {"order": "recently_active"}}))
    assert locked.value.details["fields"] == ["rules"]
    renamed = await services.update_campaign(db, SYSTEM, cid, CampaignPatch(name="Spring push"))
    assert renamed["name"] == "Spring push"

    await services.pause_campaign(db, SYSTEM, cid)
    changed = await services.update_campaign(db, SYSTEM, cid, CampaignPatch.model_validate(
        {"rules": {"order": "recently_active"}, "mode": "predictive"}))
    assert (changed["rules"]["order"], changed["mode"]) == ("recently_active", "predictive")
    with pytest.raises(CampaignLocked):  # frozen from its segment at the first start
        await services.update_campaign(db, SYSTEM, cid, CampaignPatch(segment_id=(await add_segment(db, "Other")).id))

    # A second start does not freeze again: a client new to the segment is not added.
    c = await add_client(db, "Gamma", "+74953333333")
    members.set(segment.id, [a.id, b.id, c.id])
    again = await services.start_campaign(db, SYSTEM, cid, now=NOW + timedelta(hours=1))
    assert again["leads"] == {"pending": 2}
    stopped = await services.stop_campaign(db, SYSTEM, cid, now=NOW + timedelta(hours=2))
    assert (stopped["state"], stopped["leads"], stopped["finished_at"] is not None) == ("finished", {"pending": 2}, True)
    with pytest.raises(IllegalTransition):
        await services.start_campaign(db, SYSTEM, cid)
    with pytest.raises(CampaignLocked):
        await services.update_campaign(db, SYSTEM, cid, CampaignPatch(caller_id="+74951234500"))
    assert await audit_actions(db, cid) == ["create", "start", "update", "pause", "update", "start", "stop"]


async def test_refresh_adds_only_new_members_when_due(db: AsyncSession, members: Members) -> None:
    a = await add_client(db, "Alpha", "+74951111111")
    campaign = await running_campaign(db, members, [a], now=NOW, refresh_minutes=30)
    b = await add_client(db, "Beta", "+74952222222")
    members.set(campaign.segment_id, [a.id, b.id])
    assert await refresh_leads(db, campaign, NOW + timedelta(minutes=29)) == 0
    assert await due_for_refresh(db, NOW + timedelta(minutes=29)) == []
    assert await due_for_refresh(db, NOW + timedelta(minutes=30)) == [campaign.id]
    assert await refresh_leads(db, campaign, NOW + timedelta(minutes=30)) == 1
    assert await refresh_leads(db, campaign, NOW + timedelta(minutes=61)) == 0  # nobody new
    clients = set(await db.scalars(select(CampaignLead.client_id).where(CampaignLead.campaign_id == campaign.id)))
    assert clients == {a.id, b.id}
    assert (await audit_actions(db, campaign.id)).count("refresh_leads") == 2
    frozen = await running_campaign(db, members, [a], now=NOW, name="Frozen")
    assert await refresh_leads(db, frozen, NOW + timedelta(days=1)) == 0


async def test_join_and_leave(db: AsyncSession, members: Members, make_user: MakeUser) -> None:
    team = Team(name="Sales")
    db.add(team)
    await db.commit()
    named = await make_user(Role.OPERATOR)
    in_team = await make_user(Role.OPERATOR, team_id=team.id)
    stranger = await make_user(Role.OPERATOR)
    a = await add_client(db, "Alpha", "+74951111111")
    segment = await add_segment(db)
    members.set(segment.id, [a.id])
    cid = (await services.create_campaign(db, SYSTEM, CampaignIn.model_validate(
        {"name": "S", "segment_id": segment.id, "caller_id": "+74951234567", "team_id": team.id,
         "operator_ids": [named.id]})))["id"]
    with pytest.raises(CampaignNotDialling):
        await operators.join_campaign(db, principal_of(named), cid)
    await services.start_campaign(db, SYSTEM, cid, now=NOW)
    with pytest.raises(NotCampaignOperator):
        await operators.join_campaign(db, principal_of(stranger), cid)
    await operators.join_campaign(db, principal_of(named), cid, now=NOW)
    await operators.join_campaign(db, principal_of(in_team), cid, now=NOW + timedelta(seconds=5))
    await operators.join_campaign(db, principal_of(named), cid, now=NOW + timedelta(seconds=9))  # keeps the first
    joined = await operators.joined_operators(db, cid)
    assert [(o.user_id, o.joined_at) for o in joined] == [(named.id, NOW), (in_team.id, NOW + timedelta(seconds=5))]
    await operators.leave_campaign(db, principal_of(named), cid)
    assert [o.user_id for o in await operators.joined_operators(db, cid)] == [in_team.id]
    # An operator sees the campaigns they belong to, and only those.
    seen, _ = await services.list_campaigns(db, principal_of(in_team), services.CampaignFilter(), limit=10, offset=0)
    assert [c["id"] for c in seen] == [cid]
    assert (await services.list_campaigns(db, principal_of(stranger), services.CampaignFilter(), limit=10, offset=0))[1] == 0
    await services.stop_campaign(db, SYSTEM, cid)
    assert await operators.joined_operators(db, cid) == []
    assert (await audit_actions(db, cid)).count("join") == 2


async def test_attempt_events_are_idempotent_and_retries_follow_the_rules(db: AsyncSession, members: Members,
                                                                          make_user: MakeUser) -> None:
    operator = await make_user(Role.OPERATOR)
    a = await add_client(db, "Alpha", "+74951111111", "+74952222222")
    campaign = await running_campaign(db, members, [a], now=NOW, rules={"busy_retry_minutes": 10,
                                                                        "max_attempts_per_number": 1})
    lead = await db.scalar(select(CampaignLead).where(CampaignLead.campaign_id == campaign.id))
    assert lead is not None
    first = await attempts.open_attempt(db, lead.id, "+74951111111", preview=False, now=NOW)
    assert first.channel_id == f"crm-att-{first.id}"
    with pytest.raises(LeadNotDue):
        await attempts.open_attempt(db, lead.id, "+74951111111", preview=False, now=NOW)
    step = await finish_attempt(db, first.channel_id, AttemptOutcome.BUSY, ended_at=NOW + timedelta(seconds=20))
    assert step is not None and step.next_attempt_at == NOW + timedelta(minutes=10, seconds=20)
    assert await finish_attempt(db, first.channel_id, AttemptOutcome.CONNECTED, ended_at=NOW) is None  # seen twice
    await db.refresh(lead)
    assert (lead.state, lead.attempts, lead.last_outcome, lead.reason) == (LeadState.PENDING, 1, AttemptOutcome.BUSY, "busy")

    second = await attempts.open_attempt(db, lead.id, "+74952222222", preview=False, now=NOW + timedelta(minutes=11))
    at = NOW + timedelta(minutes=11, seconds=5)
    assert await attempts.mark_answered(db, second.channel_id, at=at)
    assert not await attempts.mark_answered(db, second.channel_id, at=at + timedelta(seconds=1))
    assert await attempts.mark_live(db, second.channel_id, "HUMAN", "HUMAN-500-500", at=at + timedelta(seconds=2))
    assert not await attempts.mark_live(db, second.channel_id, "MACHINE", "LONGGREETING", at=at + timedelta(seconds=3))
    assert await attempts.mark_connected(db, second.channel_id, operator.id, 0.8, at=at + timedelta(seconds=3))
    assert not await attempts.mark_connected(db, second.channel_id, None, 9.0, at=at + timedelta(seconds=9))
    step = await finish_attempt(db, second.channel_id, AttemptOutcome.CONNECTED, ended_at=at + timedelta(minutes=2))
    assert step is not None and (step.lead_state, step.reason) == (LeadState.DONE, "reached")
    row = await db.scalar(select(DialAttempt).where(DialAttempt.channel_id == second.channel_id)
                          .execution_options(populate_existing=True))
    assert row is not None
    assert (row.outcome, row.amd_status, row.amd_cause, row.operator_id, row.wait_for_operator_s) == (
        AttemptOutcome.CONNECTED, "HUMAN", "HUMAN-500-500", operator.id, 0.8)
    assert row.live_at == at + timedelta(seconds=2) and row.ended_at == at + timedelta(minutes=2)
    assert not await attempts.mark_answered(db, second.channel_id, at=at)  # closed: nothing moves


async def test_abandoned_call_keeps_the_client_72_hours_and_numbers_run_out(db: AsyncSession, members: Members) -> None:
    a = await add_client(db, "Alpha", "+74951111111")
    campaign = await running_campaign(db, members, [a], now=NOW, rules={"max_attempts_per_number": 2,
                                                                        "max_attempts_per_client": 5})
    lead = await db.scalar(select(CampaignLead).where(CampaignLead.campaign_id == campaign.id))
    assert lead is not None
    first = await attempts.open_attempt(db, lead.id, "+74951111111", preview=False, now=NOW)
    await attempts.mark_live(db, first.channel_id, "HUMAN", "", at=NOW + timedelta(seconds=9))
    ended = NOW + timedelta(seconds=12)
    step = await finish_attempt(db, first.channel_id, AttemptOutcome.ABANDONED, ended_at=ended)
    assert step is not None and step.next_attempt_at == ended + timedelta(hours=72)
    await db.execute(CampaignLead.__table__.update().where(CampaignLead.id == lead.id).values(next_attempt_at=None))
    await db.commit()
    second = await attempts.open_attempt(db, lead.id, "+74951111111", preview=False, now=NOW + timedelta(hours=1))
    step = await finish_attempt(db, second.channel_id, AttemptOutcome.NO_ANSWER, ended_at=NOW + timedelta(hours=1))
    # Two attempts on the only number: done, whatever the client's own limit.
    assert step is not None and (step.lead_state, step.reason) == (LeadState.DONE, "attempts")


async def test_two_campaigns_never_dial_one_client_at_once(db: AsyncSession, members: Members) -> None:
    a = await add_client(db, "Alpha", "+74951111111")
    one = await running_campaign(db, members, [a], now=NOW, name="One")
    two = await running_campaign(db, members, [a], now=NOW, name="Two")
    lead_one, lead_two = [await db.scalar(select(CampaignLead.id).where(CampaignLead.campaign_id == c.id))
                          for c in (one, two)]
    assert lead_one is not None and lead_two is not None
    att = await attempts.open_attempt(db, lead_one, "+74951111111", preview=False, now=NOW)
    with pytest.raises(LeadNotDue):
        await attempts.open_attempt(db, lead_two, "+74951111111", preview=False, now=NOW)
    await finish_attempt(db, att.channel_id, AttemptOutcome.BUSY, ended_at=NOW + timedelta(seconds=5))
    assert (await attempts.open_attempt(db, lead_two, "+74951111111", preview=False, now=NOW)).id > att.id
    assert (await db.get(Campaign, two.id)) is not None and two.state == CampaignState.RUNNING
