"""The demo's outbound campaign: a segment of the sales team's regular and one-time buyers and a predictive
campaign over it, running, with the sales operators joined, so the demo's PBX has calls to place from the
first minute."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.auth.principal import SYSTEM
from callcenter.campaigns import services as campaigns
from callcenter.campaigns.schemas import WEEKDAYS, CampaignIn
from callcenter.db.base import utcnow
from callcenter.db.session import unit_of_work
from callcenter.models import Campaign, CampaignOperator, Team, User
from callcenter.seeding.users import SALES_TEAM
from callcenter.segments import services as segments
from callcenter.segments.schemas import SegmentIn

DEMO_CAMPAIGN = "Повторные продажи: постоянные клиенты"
DEMO_CALLER_ID = "+74951234567"


async def ensure_demo_campaign(engine: AsyncEngine) -> int | None:
    """The demo campaign's id, made and started on the first run; None when the sales team is missing."""
    async with unit_of_work(engine) as db:
        found = await db.scalar(select(Campaign.id).where(Campaign.name == DEMO_CAMPAIGN))
        if found is not None:
            return found
        team_id = await db.scalar(select(Team.id).where(Team.name == SALES_TEAM))
        if team_id is None:
            return None
        segment = await segments.create_segment(db, SYSTEM, SegmentIn.model_validate(
            {"name": "Постоянные и разовые покупатели", "filters": {"stages": ["regular", "one_time"]}}))
        operator_ids = list(await db.scalars(select(User.id).where(User.team_id == team_id, User.role == "operator")))
        # The demo is opened at any hour: its campaign's window is the whole day, every day.
        made = await campaigns.create_campaign(db, SYSTEM, CampaignIn.model_validate({
            "name": DEMO_CAMPAIGN, "segment_id": segment["id"], "mode": "predictive", "team_id": team_id,
            "operator_ids": operator_ids, "caller_id": DEMO_CALLER_ID,
            "rules": {"windows": {day: [["00:00", "24:00"]] for day in WEEKDAYS}},
        }))
        await campaigns.start_campaign(db, SYSTEM, made["id"])
        await db.execute(update(CampaignOperator).where(CampaignOperator.campaign_id == made["id"])
                         .values(joined_at=utcnow()))
        await db.commit()
        return int(made["id"])
