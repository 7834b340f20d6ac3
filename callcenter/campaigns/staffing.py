"""Who works a campaign, for its supervisor's page: every operator named on it (or joined from its team),
whether they take its calls now, and the campaign's occupancy over the shift.

Occupancy is the operators' talk on the campaign's connected calls over the time they were joined to it
since the shift began; an operator who left is not counted (their joined time is not kept once they leave).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.models import CampaignOperator, User
from callcenter.rows import plain


async def campaign_operators(db: AsyncSession, campaign_id: int) -> list[dict[str, Any]]:
    """The campaign's operators, those joined first (longest joined first), then the others by name."""
    rows = await db.execute(
        select(User.id, User.login, User.full_name, User.extension, User.is_active, CampaignOperator.joined_at)
        .join(CampaignOperator, CampaignOperator.user_id == User.id)
        .where(CampaignOperator.campaign_id == campaign_id))
    found = [{"user_id": uid, "login": login, "full_name": name, "extension": ext, "active": bool(active),
              "joined": joined is not None, "joined_at": plain(joined), "_joined": joined}
             for uid, login, name, ext, active, joined in rows]
    found.sort(key=lambda o: (o["_joined"] is None, o["_joined"] or datetime.min, o["full_name"], o["user_id"]))
    return found


def occupancy(operators: list[dict[str, Any]], talk_seconds: float, since: datetime, now: datetime) -> float | None:
    """Talk over the joined operators' time since ``since`` (their joining, if later); None with no time."""
    logged = sum(max(0.0, (now - max(o["_joined"], since)).total_seconds())
                 for o in operators if o["_joined"] is not None)
    return min(1.0, talk_seconds / logged) if logged > 0 else None


def public(operators: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The operators without their private sort key."""
    return [{k: v for k, v in o.items() if not k.startswith("_")} for o in operators]
