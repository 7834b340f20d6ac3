"""A campaign's segment turned into leads: once at the first start (frozen), and, for a campaign with
``refresh_minutes``, its new members added later (:func:`refresh_leads`).

Each lead keeps what the campaign's order reads (class, last contact, last activity), taken when the
client became a lead, so choosing the next leads reads one table. A client already a lead is never
added twice, and a client who left the segment stays a lead: the campaign's history of them stands.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.principal import SYSTEM
from callcenter.campaigns import membership
from callcenter.enums import AbcClass, CampaignState, Direction, InteractionKind, InteractionStatus, LeadState
from callcenter.models import Campaign, CampaignLead, Client, Interaction, Sale, Segment

CHUNK = 2000
_CLASS_RANK = {AbcClass.A: 0, AbcClass.B: 1, AbcClass.C: 2}
NO_CLASS = 3


async def add_segment_members(db: AsyncSession, campaign: Campaign, now: datetime) -> int:
    """Add the segment's clients that are not leads of ``campaign`` yet; returns how many. Does not commit."""
    segment = await db.get(Segment, campaign.segment_id)
    if segment is None:
        return 0
    ids = await membership.segment_client_ids(db, segment)
    added = 0
    for n in range(0, len(ids), CHUNK):
        chunk = ids[n:n + CHUNK]
        known = set(await db.scalars(select(CampaignLead.client_id).where(
            CampaignLead.campaign_id == campaign.id, CampaignLead.client_id.in_(chunk))))
        fresh = [cid for cid in chunk if cid not in known]
        if fresh:
            rows = await _lead_rows(db, campaign.id, fresh, now)
            if rows:
                await db.execute(insert(CampaignLead), rows)
                added += len(rows)
    campaign.refreshed_at = now
    return added


async def _lead_rows(db: AsyncSession, campaign_id: int, client_ids: list[int], now: datetime) -> list[dict[str, Any]]:
    classes = dict((await db.execute(select(Client.id, Client.abc_class).where(Client.id.in_(client_ids)))).all())
    contacted = dict((await db.execute(
        select(Interaction.client_id, func.max(Interaction.occurred_at))
        .where(Interaction.client_id.in_(client_ids), Interaction.status == InteractionStatus.DONE,
               Interaction.kind != InteractionKind.NOTE)
        .group_by(Interaction.client_id))).all())
    reached_us = dict((await db.execute(
        select(Interaction.client_id, func.max(Interaction.occurred_at))
        .where(Interaction.client_id.in_(client_ids), Interaction.direction == Direction.INBOUND)
        .group_by(Interaction.client_id))).all())
    bought = dict((await db.execute(
        select(Sale.client_id, func.max(Sale.sold_on)).where(Sale.client_id.in_(client_ids))
        .group_by(Sale.client_id))).all())
    rows = []
    for cid in client_ids:
        if cid not in classes:  # deleted since the segment was read
            continue
        sale = bought.get(cid)
        active = [t for t in (reached_us.get(cid),
                              datetime.combine(sale, time(), UTC) if sale is not None else None) if t]
        rows.append({
            "campaign_id": campaign_id, "client_id": cid, "state": LeadState.PENDING, "attempts": 0,
            "reason": "", "added_at": now,
            "priority_class": _rank(classes[cid]),
            "last_contact_at": contacted.get(cid),
            "last_active_at": max(_aware(t) for t in active) if active else None,
        })
    return rows


def _rank(abc: AbcClass | None) -> int:
    return NO_CLASS if abc is None else _CLASS_RANK.get(abc, NO_CLASS)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


async def refresh_leads(db: AsyncSession, campaign: Campaign, now: datetime) -> int:
    """For a running campaign with ``refresh_minutes`` whose last refresh is that old: add the segment's new
    members (audited, committed); returns how many (0 when not due)."""
    if campaign.state != CampaignState.RUNNING or campaign.refresh_minutes is None:
        return 0
    if campaign.refreshed_at is not None and now < campaign.refreshed_at + timedelta(minutes=campaign.refresh_minutes):
        return 0
    added = await add_segment_members(db, campaign, now)
    audit.record(db, SYSTEM, "refresh_leads", "campaign", campaign.id, {"added": added})
    await db.commit()
    return added


async def due_for_refresh(db: AsyncSession, now: datetime) -> list[int]:
    """The running campaigns whose segment is due to be read again."""
    rows = await db.execute(select(Campaign.id, Campaign.refresh_minutes, Campaign.refreshed_at).where(
        and_(Campaign.state == CampaignState.RUNNING, Campaign.refresh_minutes.is_not(None))))
    return [cid for cid, minutes, at in rows
            if at is None or now >= _aware(at) + timedelta(minutes=minutes or 0)]
