"""Campaigns: making, reading and changing them, and their states (draft -> running <-> paused -> finished).

What may change in which state:

- draft: everything;
- paused: everything but the segment once the campaign has started (its leads are frozen from it);
- running: the name, the operators (team and named ones) and the refresh period; the rules, mode,
  caller id, queue and segment need a pause, so that no call is placed under half-changed rules;
- finished: the name only.

Starting a campaign for the first time turns its segment into leads (:mod:`callcenter.campaigns.freezing`).
Stopping it finishes it for good: its leads are left as they are and its operators leave it.
Every change is audited. Reading takes ``campaigns:read``, or being an operator of the campaign.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.principal import Permission, Principal
from callcenter.campaigns.errors import CampaignLocked, IllegalTransition
from callcenter.campaigns.freezing import add_segment_members
from callcenter.campaigns.operators import member_filter
from callcenter.campaigns.schemas import CampaignFilter, CampaignIn, CampaignPatch
from callcenter.campaigns.serialize import campaign_dict, campaign_dicts
from callcenter.db.base import utcnow
from callcenter.enums import CampaignState, LeadState
from callcenter.errors import NotFound
from callcenter.models import Campaign, CampaignLead, CampaignOperator, Segment
from callcenter.references import Checks
from callcenter.rows import fetch_page

WHILE_RUNNING = frozenset({"name", "team_id", "operator_ids", "refresh_minutes"})
WHEN_FINISHED = frozenset({"name"})
DEFERRED_BY_WINDOW = "window"  # the reason of a pending lead put off until its call window opens


async def load_campaign(db: AsyncSession, principal: Principal, campaign_id: int) -> Campaign:
    """The campaign, if ``principal`` may read it (``campaigns:read``, or being one of its operators)."""
    query = select(Campaign).where(Campaign.id == campaign_id)
    if not principal.can(Permission.CAMPAIGNS_READ):
        query = query.where(member_filter(principal.user_id))
    campaign = await db.scalar(query)
    if campaign is None:
        raise NotFound("campaign", campaign_id)
    return campaign


async def get_campaign(db: AsyncSession, principal: Principal, campaign_id: int) -> dict[str, Any]:
    return await campaign_dict(db, await load_campaign(db, principal, campaign_id))


async def list_campaigns(db: AsyncSession, principal: Principal, flt: CampaignFilter, *, limit: int,
                         offset: int) -> tuple[list[dict[str, Any]], int]:
    """Newest first; an operator sees the campaigns they belong to."""
    query = select(Campaign)
    if flt.state is not None:
        query = query.where(Campaign.state == CampaignState(flt.state))
    if not principal.can(Permission.CAMPAIGNS_READ):
        query = query.where(member_filter(principal.user_id))
    rows, total = await fetch_page(db, query, (Campaign.id.desc(),), limit=limit, offset=offset)
    return await campaign_dicts(db, rows), total


async def _check_references(checks: Checks, segment_id: int | None, team_id: int | None,
                            operator_ids: list[int] | None) -> None:
    if segment_id is not None and await checks.db.get(Segment, segment_id) is None:
        checks.fail("segment_id", f"no segment with id {segment_id}")
    await checks.team(team_id)
    for n, uid in enumerate(operator_ids or ()):
        await checks.user(uid, f"operator_ids.{n}")


async def create_campaign(db: AsyncSession, principal: Principal, data: CampaignIn,
                          ip: str | None = None) -> dict[str, Any]:
    """A new campaign, in draft."""
    principal.require(Permission.CAMPAIGNS_WRITE)
    checks = Checks(db, principal)
    await _check_references(checks, data.segment_id, data.team_id, data.operator_ids)
    checks.done()
    campaign = Campaign(name=data.name, segment_id=data.segment_id, mode=data.mode, refresh_minutes=data.refresh_minutes,
                        team_id=data.team_id, caller_id=data.caller_id, queue=data.queue,
                        rules=data.rules.model_dump(), state=CampaignState.DRAFT,
                        created_by_id=principal.user_id or None)
    db.add(campaign)
    await db.flush()
    operators = sorted(set(data.operator_ids))
    db.add_all(CampaignOperator(campaign_id=campaign.id, user_id=uid) for uid in operators)
    audit.record(db, principal, "create", "campaign", campaign.id,
                 {"name": data.name, "segment_id": data.segment_id, "mode": data.mode, "operator_ids": operators}, ip)
    await db.commit()
    return await campaign_dict(db, campaign)


def _locked_fields(campaign: Campaign, given: set[str]) -> list[str]:
    if campaign.state == CampaignState.RUNNING:
        return sorted(given - WHILE_RUNNING)
    if campaign.state == CampaignState.FINISHED:
        return sorted(given - WHEN_FINISHED)
    if campaign.started_at is not None and "segment_id" in given:
        return ["segment_id"]
    return []


async def update_campaign(db: AsyncSession, principal: Principal, campaign_id: int, patch: CampaignPatch,
                          ip: str | None = None) -> dict[str, Any]:
    principal.require(Permission.CAMPAIGNS_WRITE)
    campaign = await load_campaign(db, principal, campaign_id)
    given = set(patch.model_fields_set)
    checks = Checks(db, principal)
    checks.not_null(patch, ("name", "segment_id", "mode", "caller_id", "rules", "operator_ids"))
    await _check_references(checks, patch.segment_id, patch.team_id, patch.operator_ids)
    checks.done()
    locked = _locked_fields(campaign, given)
    if locked:
        raise CampaignLocked(campaign.id, campaign.state, locked)
    for name in given - {"operator_ids", "rules"}:
        setattr(campaign, name, getattr(patch, name))
    if patch.rules is not None:
        campaign.rules = patch.rules.model_dump()
        # Leads put off until their window opened are looked at again under the new windows.
        await db.execute(update(CampaignLead).where(
            CampaignLead.campaign_id == campaign.id, CampaignLead.state == LeadState.PENDING,
            CampaignLead.reason == DEFERRED_BY_WINDOW).values(next_attempt_at=None, reason="")
            .execution_options(synchronize_session=False))
    changes = audit.changed_fields(campaign)
    if patch.operator_ids is not None:
        changes.update(await _replace_operators(db, campaign.id, sorted(set(patch.operator_ids))))
    audit.record(db, principal, "update", "campaign", campaign.id, changes, ip)
    await db.commit()
    return await campaign_dict(db, campaign)


async def _replace_operators(db: AsyncSession, campaign_id: int, wanted: list[int]) -> dict[str, Any]:
    """Name exactly ``wanted`` on the campaign; those staying keep whether they have joined."""
    have = list(await db.scalars(select(CampaignOperator.user_id).where(CampaignOperator.campaign_id == campaign_id)
                                 .order_by(CampaignOperator.user_id)))
    gone = [uid for uid in have if uid not in wanted]
    if gone:
        await db.execute(delete(CampaignOperator).where(CampaignOperator.campaign_id == campaign_id,
                                                        CampaignOperator.user_id.in_(gone)))
    db.add_all(CampaignOperator(campaign_id=campaign_id, user_id=uid) for uid in wanted if uid not in have)
    return {"operator_ids": [have, wanted]} if have != wanted else {}


async def _transition(db: AsyncSession, principal: Principal, campaign_id: int, action: str,
                      allowed: tuple[CampaignState, ...], ip: str | None) -> Campaign:
    principal.require(Permission.CAMPAIGNS_WRITE)
    # Locked for the change: two starts at once must not both freeze the segment.
    campaign = await db.scalar(select(Campaign).where(Campaign.id == campaign_id).with_for_update())
    if campaign is None:
        raise NotFound("campaign", campaign_id)
    if campaign.state not in allowed:
        raise IllegalTransition(campaign.id, campaign.state, action)
    return campaign


async def start_campaign(db: AsyncSession, principal: Principal, campaign_id: int, *, now: datetime | None = None,
                         ip: str | None = None) -> dict[str, Any]:
    """Draft or paused -> running; the first start freezes the segment into leads."""
    now = now or utcnow()
    campaign = await _transition(db, principal, campaign_id, "start", (CampaignState.DRAFT, CampaignState.PAUSED), ip)
    changes: dict[str, Any] = {"state": [campaign.state, CampaignState.RUNNING]}
    if campaign.started_at is None:
        changes["leads_added"] = await add_segment_members(db, campaign, now)
        campaign.started_at = now
    campaign.state = CampaignState.RUNNING
    audit.record(db, principal, "start", "campaign", campaign.id, changes, ip)
    await db.commit()
    return await campaign_dict(db, campaign)


async def pause_campaign(db: AsyncSession, principal: Principal, campaign_id: int,
                         ip: str | None = None) -> dict[str, Any]:
    """Running -> paused: no new call is placed; calls under way end as they would."""
    campaign = await _transition(db, principal, campaign_id, "pause", (CampaignState.RUNNING,), ip)
    campaign.state = CampaignState.PAUSED
    audit.record(db, principal, "pause", "campaign", campaign.id, {"state": [CampaignState.RUNNING, campaign.state]}, ip)
    await db.commit()
    return await campaign_dict(db, campaign)


async def stop_campaign(db: AsyncSession, principal: Principal, campaign_id: int, *, now: datetime | None = None,
                        ip: str | None = None) -> dict[str, Any]:
    """Running or paused -> finished, for good; leads stay as they are, operators leave."""
    campaign = await _transition(db, principal, campaign_id, "stop", (CampaignState.RUNNING, CampaignState.PAUSED), ip)
    old = campaign.state
    campaign.state = CampaignState.FINISHED
    campaign.finished_at = now or utcnow()
    await db.execute(update(CampaignOperator).where(CampaignOperator.campaign_id == campaign.id,
                                                    CampaignOperator.joined_at.is_not(None)).values(joined_at=None))
    audit.record(db, principal, "stop", "campaign", campaign.id, {"state": [old, campaign.state]}, ip)
    await db.commit()
    return await campaign_dict(db, campaign)


async def running_campaign_ids(db: AsyncSession) -> list[int]:
    """The campaigns the dialer works on now."""
    return list(await db.scalars(select(Campaign.id).where(Campaign.state == CampaignState.RUNNING)
                                 .order_by(Campaign.id)))

