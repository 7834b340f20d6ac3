"""Why a running campaign places no calls, for its supervisor's page: nobody joined to take them, no lead
left to call, or no lead due now (every pending one put off until its call window opens, or until its
next retry). Read from what the board already has: the joined operators, the leads by state, and the
pending leads' next attempt times with the reason they were put off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.campaigns.services import DEFERRED_BY_WINDOW
from callcenter.enums import CampaignState, LeadState
from callcenter.models import CampaignLead
from callcenter.rows import plain

NO_OPERATORS = "no_operators"  # no operator has joined from their desk
NO_LEADS = "no_leads"  # every lead is done or excluded
OUTSIDE_WINDOWS = "outside_windows"  # every lead left waits for its call window to open
NOT_DUE = "not_due"  # the leads left wait for their next retry
REASONS = (NO_OPERATORS, NO_LEADS, OUTSIDE_WINDOWS, NOT_DUE)


@dataclass(frozen=True, slots=True)
class PendingTiming:
    """When the campaign's pending leads are next due: how many are due now, and the first time one put off
    by its window and one put off for a retry become due."""

    due: int
    next_window_at: datetime | None
    next_retry_at: datetime | None


async def pending_timing(db: AsyncSession, campaign_id: int, now: datetime) -> PendingTiming:
    """The campaign's pending leads by when they are due (one query)."""
    later = CampaignLead.next_attempt_at > now
    window = CampaignLead.reason == DEFERRED_BY_WINDOW
    due, by_window, by_retry = (await db.execute(
        select(func.count(case((or_(CampaignLead.next_attempt_at.is_(None), CampaignLead.next_attempt_at <= now), 1))),
               func.min(case((later & window, CampaignLead.next_attempt_at))),
               func.min(case((later & ~window, CampaignLead.next_attempt_at))))
        .where(CampaignLead.campaign_id == campaign_id, CampaignLead.state == LeadState.PENDING))).one()
    return PendingTiming(int(due or 0), by_window, by_retry)


def why_idle(state: CampaignState | str, joined_operators: int, leads: dict[str, int],
             timing: PendingTiming) -> dict[str, Any] | None:
    """``{"reason": ..., "next_at": ISO or None}`` when a running campaign can place no call now; None when it
    is not running or could call (a lead due and an operator joined)."""
    if CampaignState(state) is not CampaignState.RUNNING:
        return None
    if joined_operators == 0:
        return {"reason": NO_OPERATORS, "next_at": None}
    if leads.get(LeadState.PENDING.value, 0) + leads.get(LeadState.DIALING.value, 0) == 0:
        return {"reason": NO_LEADS, "next_at": None}
    if timing.due > 0 or leads.get(LeadState.DIALING.value, 0) > 0:
        return None
    if timing.next_retry_at is None or (timing.next_window_at is not None and timing.next_window_at <= timing.next_retry_at):
        return {"reason": OUTSIDE_WINDOWS, "next_at": plain(timing.next_window_at)}
    return {"reason": NOT_DUE, "next_at": plain(timing.next_retry_at)}
