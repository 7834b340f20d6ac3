"""Who works a campaign: its operators (named on it, or in its team), and who of them has joined it from
their desk and takes its calls now (the only ones the dialer counts).

An operator of the team who joins is named on the campaign from then on (their row keeps ``joined_at``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.principal import Principal
from callcenter.campaigns.errors import CampaignNotDialling, NotCampaignOperator
from callcenter.db.base import utcnow
from callcenter.enums import CampaignState
from callcenter.errors import NotFound
from callcenter.models import Campaign, CampaignOperator, User

DIALLING = (CampaignState.RUNNING, CampaignState.PAUSED)


def member_filter(user_id: int) -> ColumnElement[bool]:
    """Campaigns ``user_id`` is an operator of: named on them, or in their team."""
    named = exists().where(CampaignOperator.campaign_id == Campaign.id, CampaignOperator.user_id == user_id)
    in_team = exists().where(User.id == user_id, User.team_id.is_not(None), User.team_id == Campaign.team_id)
    return or_(named, in_team)


@dataclass(frozen=True, slots=True)
class JoinedOperator:
    user_id: int
    login: str
    full_name: str
    extension: str | None
    agent_interface: str | None
    joined_at: datetime


async def joined_operators(db: AsyncSession, campaign_id: int) -> list[JoinedOperator]:
    """The active operators taking the campaign's calls now, longest joined first."""
    rows = await db.execute(
        select(User.id, User.login, User.full_name, User.extension, User.agent_interface, CampaignOperator.joined_at)
        .join(CampaignOperator, CampaignOperator.user_id == User.id)
        .where(CampaignOperator.campaign_id == campaign_id, CampaignOperator.joined_at.is_not(None),
               User.is_active.is_(True))
        .order_by(CampaignOperator.joined_at, User.id))
    return [JoinedOperator(uid, login, name, ext, iface, at) for uid, login, name, ext, iface, at in rows
            if at is not None]


async def _member_campaign(db: AsyncSession, principal: Principal, campaign_id: int) -> Campaign:
    campaign = await db.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("campaign", campaign_id)
    if await db.scalar(select(Campaign.id).where(Campaign.id == campaign_id, member_filter(principal.user_id))) is None:
        raise NotCampaignOperator(campaign_id)
    return campaign


async def join_campaign(db: AsyncSession, principal: Principal, campaign_id: int, *, now: datetime | None = None,
                        ip: str | None = None) -> dict[str, Any]:
    """The operator starts taking the campaign's calls (running or paused campaigns); joining twice keeps the
    first time."""
    campaign = await _member_campaign(db, principal, campaign_id)
    if campaign.state not in DIALLING:
        raise CampaignNotDialling(campaign.id, campaign.state)
    row = await db.get(CampaignOperator, (campaign.id, principal.user_id))
    if row is None:
        row = CampaignOperator(campaign_id=campaign.id, user_id=principal.user_id)
        db.add(row)
    if row.joined_at is None:
        row.joined_at = now or utcnow()
        audit.record(db, principal, "join", "campaign", campaign.id, {"user_id": principal.user_id}, ip)
    await db.commit()
    return {"campaign_id": campaign.id, "user_id": principal.user_id, "joined_at": row.joined_at.isoformat()}


async def leave_campaign(db: AsyncSession, principal: Principal, campaign_id: int,
                         ip: str | None = None) -> dict[str, Any]:
    """The operator stops taking the campaign's calls (a call under way stays theirs)."""
    campaign = await _member_campaign(db, principal, campaign_id)
    result = await db.execute(update(CampaignOperator).where(
        and_(CampaignOperator.campaign_id == campaign.id, CampaignOperator.user_id == principal.user_id,
             CampaignOperator.joined_at.is_not(None))).values(joined_at=None))
    if getattr(result, "rowcount", 0):
        audit.record(db, principal, "leave", "campaign", campaign.id, {"user_id": principal.user_id}, ip)
    await db.commit()
    return {"campaign_id": campaign.id, "user_id": principal.user_id, "joined_at": None}


async def desk_campaigns(db: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    """The running and paused campaigns ``user_id`` is an operator of, for their desk: id, name, mode, state,
    and whether they have joined it."""
    joined = (select(CampaignOperator.joined_at)
              .where(CampaignOperator.campaign_id == Campaign.id, CampaignOperator.user_id == user_id)
              .scalar_subquery())
    rows = await db.execute(select(Campaign.id, Campaign.name, Campaign.mode, Campaign.state, joined)
                            .where(Campaign.state.in_(DIALLING), member_filter(user_id)).order_by(Campaign.id))
    return [{"id": cid, "name": name, "mode": str(mode), "state": str(state), "joined": at is not None}
            for cid, name, mode, state, at in rows]
