"""What the dialer reads from the database each round: the running campaigns and the operators who have
joined them, with the devices the PBX rings for them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.campaigns.schemas import CampaignRules
from callcenter.desk.commands import device_of_user
from callcenter.enums import CampaignState
from callcenter.errors import NoDevice
from callcenter.models import Campaign, CampaignOperator, DialAttempt, User


@dataclass(frozen=True, slots=True)
class RunningCampaign:
    campaign: Campaign
    rules: CampaignRules
    joined: dict[int, str]  # user id -> device interface, of the operators taking its calls now


async def running_campaigns(db: AsyncSession) -> list[RunningCampaign]:
    """The running campaigns, oldest first, each with its joined operators.

    An operator joined to several running campaigns takes the calls of the oldest only, so that no two
    pacers count the same person free."""
    campaigns = list((await db.scalars(
        select(Campaign).where(Campaign.state == CampaignState.RUNNING).order_by(Campaign.id))).all())
    if not campaigns:
        return []
    rows = (await db.execute(
        select(CampaignOperator.campaign_id, User)
        .join(User, User.id == CampaignOperator.user_id)
        .where(CampaignOperator.campaign_id.in_([c.id for c in campaigns]),
               CampaignOperator.joined_at.is_not(None), User.is_active.is_(True))
        .order_by(CampaignOperator.campaign_id)
    )).all()
    taken: set[int] = set()
    joined: dict[int, dict[int, str]] = {c.id: {} for c in campaigns}
    for campaign_id, user in rows:
        if user.id in taken:
            continue
        try:
            joined[campaign_id][user.id] = device_of_user(user)
        except NoDevice:
            continue
        taken.add(user.id)
    return [RunningCampaign(c, CampaignRules.model_validate(c.rules or {}), joined[c.id]) for c in campaigns]


async def campaigns_left_open(db: AsyncSession, besides: set[int]) -> list[RunningCampaign]:
    """Campaigns not running (paused, finished) that still have attempts open, other than ``besides``: a
    process that died while following their calls left them so, and they are followed to their end."""
    campaigns = (await db.scalars(
        select(Campaign).where(Campaign.id.in_(select(DialAttempt.campaign_id).where(DialAttempt.ended_at.is_(None))),
                               Campaign.id.not_in(besides or {0})).order_by(Campaign.id))).all()
    return [RunningCampaign(c, CampaignRules.model_validate(c.rules or {}), {}) for c in campaigns]
