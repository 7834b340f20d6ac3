"""The operator's answer to a preview (dial the client now, or skip), checked before it goes to the dialer;
and the campaign a desk message names (a preview's, a campaign call's pop)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import Permission, Principal
from callcenter.campaigns.errors import NotCampaignOperator
from callcenter.campaigns.events import ATTEMPT_CHANNEL_PREFIX, PreviewDecision
from callcenter.campaigns.operators import member_filter
from callcenter.errors import NotFound
from callcenter.models import Campaign, CampaignLead, DialAttempt


async def preview_decision(db: AsyncSession, principal: Principal, lead_id: int, dial: bool, *,
                           now: datetime) -> PreviewDecision:
    """The decision to publish for the dialer: the lead must be of a campaign the operator works.

    Not audited: the attempt the dialer opens (or the lead offered to the next operator) is the record."""
    principal.require(Permission.WORK_WRITE)
    campaign_id = await db.scalar(select(CampaignLead.campaign_id).where(CampaignLead.id == lead_id))
    if campaign_id is None:
        raise NotFound("lead", lead_id)
    member = await db.scalar(select(Campaign.id).where(Campaign.id == campaign_id, member_filter(principal.user_id)))
    if member is None:
        raise NotCampaignOperator(campaign_id)
    return PreviewDecision(user_id=principal.user_id, lead_id=lead_id, dial=dial, at=now)


async def campaign_label(db: AsyncSession, campaign_id: int) -> dict[str, object] | None:
    """``{"id", "name"}`` of a campaign, for a desk message."""
    name = await db.scalar(select(Campaign.name).where(Campaign.id == campaign_id))
    return {"id": campaign_id, "name": name} if name is not None else None


async def campaign_of_call(db: AsyncSession, linkedid: str) -> dict[str, object] | None:
    """The campaign whose dialer placed the call ``linkedid`` (its attempt's channel id), or None."""
    if not linkedid.startswith(ATTEMPT_CHANNEL_PREFIX):
        return None
    row = (await db.execute(select(Campaign.id, Campaign.name).join(DialAttempt, DialAttempt.campaign_id == Campaign.id)
                            .where(DialAttempt.channel_id == linkedid))).one_or_none()
    return {"id": row[0], "name": row[1]} if row is not None else None
