"""Dial attempts: opened when the dialer places a call, moved along as the call's events arrive, closed
with the lead's next step.

Every function after :func:`open_attempt` is keyed by ``channel_id`` (the Originate's ChannelId, the
call's Linkedid) and idempotent: each writes only what is not written yet and only while the attempt
is open, so an event seen twice, or again after a restart, changes nothing. Each commits: the dialer
publishes the call's command only once the attempt is stored.

Attempts are the dialer's own record and not audited one by one; the changes people make are.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.campaigns.errors import LeadNotDue
from callcenter.campaigns.events import attempt_channel_id
from callcenter.enums import AttemptOutcome, LeadState
from callcenter.errors import NotFound
from callcenter.models import CampaignLead, DialAttempt

# AMD verdicts that mean a person: NOTSURE goes to an operator, as hanging up on a person is an abandoned call.
PERSON_VERDICTS = frozenset({"HUMAN", "NOTSURE"})
_CLIENT_LOCK = 0x4449_414C  # "DIAL": one attempt at a time per client, across campaigns and processes


async def open_attempt(db: AsyncSession, lead_id: int, number: str, *, preview: bool, now: datetime) -> DialAttempt:
    """Store a new attempt for a pending lead (lead -> dialing, attempts + 1) and commit; its ``channel_id``
    is ``attempt_channel_id(id)``. Raises :class:`LeadNotDue` when the lead is not pending or its client
    is being dialled by another campaign."""
    lead = await db.get(CampaignLead, lead_id)
    if lead is None:
        raise NotFound("lead", lead_id)
    if db.get_bind().dialect.name == "postgresql":
        await db.execute(select(func.pg_advisory_xact_lock(_CLIENT_LOCK, lead.client_id)))
    if await db.scalar(select(exists().where(DialAttempt.client_id == lead.client_id, DialAttempt.ended_at.is_(None)))):
        await db.commit()  # nothing written; ends the transaction (and its lock) without expiring the session
        raise LeadNotDue(lead_id, "the client is being dialled")
    claimed = await db.execute(
        update(CampaignLead).where(CampaignLead.id == lead_id, CampaignLead.state == LeadState.PENDING)
        .values(state=LeadState.DIALING, attempts=CampaignLead.attempts + 1, reason="")
        .execution_options(synchronize_session=False))
    if getattr(claimed, "rowcount", 0) != 1:
        await db.commit()  # the claim changed nothing
        raise LeadNotDue(lead_id, f"the lead is {lead.state.value}")
    attempt = DialAttempt(campaign_id=lead.campaign_id, lead_id=lead_id, client_id=lead.client_id, number=number,
                          channel_id=f"crm-att-new-{uuid.uuid4().hex}", preview=preview, started_at=now,
                          outcome=AttemptOutcome.DIALING)
    db.add(attempt)
    await db.flush()
    attempt.channel_id = attempt_channel_id(attempt.id)
    await db.commit()
    return attempt


async def _set(db: AsyncSession, channel_id: str, where: list[Any], values: dict[str, Any]) -> bool:
    result = await db.execute(
        update(DialAttempt).where(DialAttempt.channel_id == channel_id, DialAttempt.ended_at.is_(None), *where)
        .values(**values).execution_options(synchronize_session=False))
    await db.commit()
    return bool(getattr(result, "rowcount", 0))


async def mark_answered(db: AsyncSession, channel_id: str, *, at: datetime) -> bool:
    """The client's side answered (DialEnd ANSWER / Newstate Up). True when this changed the attempt."""
    return await _set(db, channel_id, [DialAttempt.answered_at.is_(None)], {"answered_at": at})


async def mark_live(db: AsyncSession, channel_id: str, amd_status: str | None, amd_cause: str | None, *,
                    at: datetime) -> bool:
    """AMD's verdict (None: no AMD ran). A person (HUMAN, NOTSURE, or no AMD) makes the attempt live at
    ``at``; a machine's verdict is only kept. The first verdict stands."""
    status = amd_status.strip().upper()[:20] if amd_status else None
    values: dict[str, Any] = {"amd_status": status, "amd_cause": (amd_cause or "")[:60] or None,
                              "answered_at": func.coalesce(DialAttempt.answered_at, at)}
    if status is None or status in PERSON_VERDICTS:
        values["live_at"] = at
    return await _set(db, channel_id, [DialAttempt.amd_status.is_(None), DialAttempt.live_at.is_(None)], values)


async def mark_connected(db: AsyncSession, channel_id: str, operator_id: int | None, wait_s: float | None, *,
                         at: datetime) -> bool:
    """The live answer reached an operator ``wait_s`` after it was live (BridgeEnter with the operator)."""
    return await _set(db, channel_id, [DialAttempt.connected_at.is_(None)], {
        "connected_at": at, "operator_id": operator_id, "wait_for_operator_s": wait_s,
        "live_at": func.coalesce(DialAttempt.live_at, at), "answered_at": func.coalesce(DialAttempt.answered_at, at)})


async def close_attempt(db: AsyncSession, channel_id: str, outcome: AttemptOutcome, *, ended_at: datetime,
                        next_attempt_at: datetime | None, lead_state: LeadState, reason: str) -> bool:
    """End the attempt with ``outcome`` and move its lead on (state, next attempt, reason), in one commit.
    False, with nothing changed, when the attempt is unknown or already closed."""
    if outcome == AttemptOutcome.DIALING:
        raise ValueError("an attempt closes with its outcome")
    lead_id = await db.scalar(select(DialAttempt.lead_id).where(DialAttempt.channel_id == channel_id))
    closed = await db.execute(
        update(DialAttempt).where(DialAttempt.channel_id == channel_id, DialAttempt.ended_at.is_(None))
        .values(outcome=outcome, ended_at=ended_at).execution_options(synchronize_session=False))
    if lead_id is None or not getattr(closed, "rowcount", 0):
        await db.commit()  # nothing changed
        return False
    await db.execute(
        update(CampaignLead).where(CampaignLead.id == lead_id)
        .values(state=lead_state, next_attempt_at=next_attempt_at, last_outcome=outcome, reason=reason[:40])
        .execution_options(synchronize_session=False))
    await db.commit()
    return True


async def attempt_by_channel(db: AsyncSession, channel_id: str) -> DialAttempt | None:
    return await db.scalar(select(DialAttempt).where(DialAttempt.channel_id == channel_id))


async def open_attempts(db: AsyncSession, campaign_id: int | None = None) -> list[DialAttempt]:
    """Attempts not closed yet (after a restart: the calls to look for on the PBX)."""
    query = select(DialAttempt).where(DialAttempt.ended_at.is_(None))
    if campaign_id is not None:
        query = query.where(DialAttempt.campaign_id == campaign_id)
    return list(await db.scalars(query.order_by(DialAttempt.id)))


async def put_off_lead(db: AsyncSession, lead_id: int, until: datetime, reason: str) -> bool:
    """A pending lead not to be offered before ``until`` (an operator skipped it in preview); committed."""
    result = await db.execute(
        update(CampaignLead).where(CampaignLead.id == lead_id, CampaignLead.state == LeadState.PENDING)
        .values(next_attempt_at=until, reason=reason[:40]).execution_options(synchronize_session=False))
    await db.commit()
    return bool(getattr(result, "rowcount", 0))
