"""Closing an attempt when its call ends: the outcome stored, and the lead's next step worked out by the
campaign's rules (:mod:`dialer.retries`) from this campaign's counts and the client's abandoned calls."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.campaigns.attempts import attempt_by_channel, close_attempt, mark_live
from callcenter.campaigns.dnc import listed_numbers
from callcenter.campaigns.schemas import CampaignRules
from callcenter.enums import AttemptOutcome
from callcenter.models import Campaign, CampaignLead, DialAttempt, Phone
from dialer.retries import ABANDONED_QUIET, Retry, after_attempt


async def finish_attempt(db: AsyncSession, channel_id: str, outcome: AttemptOutcome, *, ended_at: datetime,
                         amd_status: str | None = None, amd_cause: str | None = None) -> Retry | None:
    """Close the attempt behind ``channel_id`` with ``outcome`` (and AMD's verdict, if not stored yet) and
    set its lead's next step; returns that step, or None when the attempt is unknown or already closed
    (a repeated or late event changes nothing)."""
    attempt = await attempt_by_channel(db, channel_id)
    if attempt is None or attempt.ended_at is not None:
        return None
    if amd_status is not None:
        await mark_live(db, channel_id, amd_status, amd_cause, at=ended_at)
    lead_id, client_id, campaign_id = attempt.lead_id, attempt.client_id, attempt.campaign_id
    rules = CampaignRules.model_validate(await db.scalar(select(Campaign.rules).where(Campaign.id == campaign_id)))
    client_attempts = await db.scalar(select(CampaignLead.attempts).where(CampaignLead.id == lead_id)) or 0
    decision = after_attempt(outcome, rules, ended_at=ended_at, client_attempts=client_attempts,
                             numbers_left=await _numbers_left(db, lead_id, client_id, campaign_id, rules),
                             last_abandoned_at=await _last_abandoned(db, client_id, ended_at))
    closed = await close_attempt(db, channel_id, outcome, ended_at=ended_at, next_attempt_at=decision.next_attempt_at,
                                 lead_state=decision.lead_state, reason=decision.reason)
    return decision if closed else None


async def _numbers_left(db: AsyncSession, lead_id: int, client_id: int, campaign_id: int,
                        rules: CampaignRules) -> int:
    """The client's numbers, off the do-not-call lists, with attempts left in this campaign."""
    numbers = set(await db.scalars(select(Phone.e164).where(Phone.client_id == client_id)))
    numbers -= await listed_numbers(db, numbers, campaign_id)
    used = dict((await db.execute(select(DialAttempt.number, func.count()).where(DialAttempt.lead_id == lead_id)
                                  .group_by(DialAttempt.number))).all())
    return sum(1 for n in numbers if used.get(n, 0) < rules.max_attempts_per_number)


async def _last_abandoned(db: AsyncSession, client_id: int, now: datetime) -> datetime | None:
    """When the client's latest abandoned call of the last 72 hours (any campaign) ended."""
    return await db.scalar(select(func.max(DialAttempt.ended_at)).where(
        DialAttempt.client_id == client_id, DialAttempt.outcome == AttemptOutcome.ABANDONED,
        DialAttempt.ended_at >= now - ABANDONED_QUIET))
