"""Campaigns in plain-dict form for the API and the pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.models import Campaign, CampaignLead, CampaignOperator
from callcenter.rows import as_dict, plain


async def campaign_dicts(db: AsyncSession, campaigns: list[Campaign]) -> list[dict[str, Any]]:
    """Each campaign's columns, its named operators (and who of them has joined) and its leads by state."""
    ids = [c.id for c in campaigns]
    operators: dict[int, list[int]] = {cid: [] for cid in ids}
    joined: dict[int, list[int]] = {cid: [] for cid in ids}
    leads: dict[int, dict[str, int]] = {cid: {} for cid in ids}
    if ids:
        for cid, uid, at in (await db.execute(
                select(CampaignOperator.campaign_id, CampaignOperator.user_id, CampaignOperator.joined_at)
                .where(CampaignOperator.campaign_id.in_(ids)).order_by(CampaignOperator.user_id))):
            operators[cid].append(uid)
            if at is not None:
                joined[cid].append(uid)
        for cid, state, n in (await db.execute(
                select(CampaignLead.campaign_id, CampaignLead.state, func.count())
                .where(CampaignLead.campaign_id.in_(ids))
                .group_by(CampaignLead.campaign_id, CampaignLead.state))):
            leads[cid][plain(state)] = int(n)
    return [{**as_dict(c), "operator_ids": operators[c.id], "joined_operator_ids": joined[c.id],
             "leads": leads[c.id]} for c in campaigns]


async def campaign_dict(db: AsyncSession, campaign: Campaign) -> dict[str, Any]:
    return (await campaign_dicts(db, [campaign]))[0]
