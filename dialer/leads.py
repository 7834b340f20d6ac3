"""Choosing whom a campaign dials next.

SQL narrows the campaign's leads to those due (pending, their next attempt time passed) whose client is
neither being dialled now (an open attempt of any campaign) nor had an abandoned call in the last 72
hours (any campaign), in the campaign's order, a batch at a time; Python then reads each lead's numbers
against the do-not-call lists, the attempts left and the call windows of each number's own zone:

- consent to calls withdrawn: the lead is excluded ("consent");
- every number on a do-not-call list: excluded ("dnc"); no number at all: excluded ("no_number");
- the client's or every number's attempts used up: done ("attempts");
- no number inside its call window now: the lead stays pending, put off until the first of its
  numbers' windows opens (reason "window"), so that it is not read again before then;
- clients the engine says are busy with an operator (``busy_client_ids``) are left as they are.

Of a client's numbers inside their window, the one dialled least in this campaign is chosen (then the
first written). The leads returned are not claimed yet: ``callcenter.campaigns.attempts.open_attempt``
does that, and refuses a lead another process took meanwhile.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.campaigns.dnc import listed_numbers
from callcenter.campaigns.schemas import CampaignRules
from callcenter.campaigns.services import DEFERRED_BY_WINDOW
from callcenter.enums import AttemptOutcome, LeadState
from callcenter.models import Campaign, CampaignLead, Client, DialAttempt, Phone
from dialer.retries import ABANDONED_QUIET
from dialer.windows import WeeklyWindows, zones_for

BATCH = 200
MAX_BATCHES = 25  # at most this many batches read per call; what is put off is not read again soon
BUSY_IN_SQL = 1000  # up to this many busy clients are left out by SQL, more in Python
NEVER_OPEN_RETRY = timedelta(days=1)  # a number whose zones' windows never overlap is looked at again after this
LONGEST_CALL = timedelta(hours=1)  # an abandoned call ends this soon after it starts, with room to spare

_ORDERS: dict[str, tuple[Any, ...]] = {
    "class_a_first": (CampaignLead.priority_class.asc(),),
    "longest_since_contact": (CampaignLead.last_contact_at.asc().nulls_first(),),
    "recently_active": (CampaignLead.last_active_at.desc().nulls_last(),),
}


@dataclass(frozen=True, slots=True)
class LeadChoice:
    lead_id: int
    client_id: int
    number: str  # E.164


@dataclass(slots=True)
class _Verdicts:
    chosen: list[LeadChoice]
    excluded: dict[int, str]
    done: list[int]
    deferred: dict[int, datetime]


def due_leads_query(campaign_id: int, order: str, now: datetime, busy: frozenset[int]) -> Any:
    """The due leads whose client may be dialled as far as SQL can tell, in the campaign's order."""
    quiet_since = now - ABANDONED_QUIET
    dialling = exists().where(DialAttempt.client_id == CampaignLead.client_id, DialAttempt.ended_at.is_(None))
    abandoned = exists().where(DialAttempt.client_id == CampaignLead.client_id,
                               DialAttempt.started_at >= quiet_since - LONGEST_CALL,
                               DialAttempt.outcome == AttemptOutcome.ABANDONED, DialAttempt.ended_at >= quiet_since)
    query = (select(CampaignLead.id, CampaignLead.client_id, CampaignLead.attempts, Client.timezone,
                    Client.calls_consent_withdrawn_at)
             .join(Client, Client.id == CampaignLead.client_id)
             .where(CampaignLead.campaign_id == campaign_id, CampaignLead.state == LeadState.PENDING,
                    or_(CampaignLead.next_attempt_at.is_(None), CampaignLead.next_attempt_at <= now),
                    ~dialling, ~abandoned))
    if busy and len(busy) <= BUSY_IN_SQL:
        query = query.where(CampaignLead.client_id.not_in(sorted(busy)))
    return query.order_by(*_ORDERS[order], CampaignLead.id)


async def next_leads(db: AsyncSession, campaign: Campaign, limit: int, *, now: datetime,
                     busy_client_ids: frozenset[int]) -> list[LeadChoice]:
    """Up to ``limit`` leads to dial now, best first; writes (and commits) the leads found excluded, done or
    put off on the way."""
    if limit <= 0:
        return []
    rules = CampaignRules.model_validate(campaign.rules)
    windows = WeeklyWindows.from_rules(rules.windows)
    query = due_leads_query(campaign.id, rules.order, now, busy_client_ids)
    verdicts = _Verdicts([], {}, [], {})
    # Offsets stay true: nothing is written until every batch is read.
    for batch_no in range(MAX_BATCHES):
        rows = (await db.execute(query.limit(BATCH).offset(batch_no * BATCH))).all()
        await _judge(db, campaign.id, rules, windows, rows, now, busy_client_ids, limit, verdicts)
        if len(verdicts.chosen) >= limit or len(rows) < BATCH:
            break
    await _write(db, verdicts)
    return verdicts.chosen


async def _judge(db: AsyncSession, campaign_id: int, rules: CampaignRules, windows: WeeklyWindows,
                 rows: Any, now: datetime, busy: frozenset[int], limit: int, verdicts: _Verdicts) -> None:
    rows = [row for row in rows if row[1] not in busy]
    if not rows:
        return
    lead_ids = [row[0] for row in rows]
    phones: dict[int, list[str]] = defaultdict(list)
    for client_id, e164 in (await db.execute(select(Phone.client_id, Phone.e164).where(
            Phone.client_id.in_([row[1] for row in rows])).order_by(Phone.id))):
        if client_id is not None and e164 not in phones[client_id]:
            phones[client_id].append(e164)
    listed = await listed_numbers(db, (n for numbers in phones.values() for n in numbers), campaign_id)
    dialled = {(lead_id, number): int(n) for lead_id, number, n in (await db.execute(
        select(DialAttempt.lead_id, DialAttempt.number, func.count()).where(DialAttempt.lead_id.in_(lead_ids))
        .group_by(DialAttempt.lead_id, DialAttempt.number)))}
    for lead_id, client_id, attempts, client_zone, withdrawn_at in rows:
        if len(verdicts.chosen) >= limit:
            return
        if withdrawn_at is not None:
            verdicts.excluded[lead_id] = "consent"
            continue
        numbers = phones.get(client_id, [])
        allowed = [n for n in numbers if n not in listed]
        left = [n for n in allowed if dialled.get((lead_id, n), 0) < rules.max_attempts_per_number]
        if not numbers or not allowed:
            verdicts.excluded[lead_id] = "no_number" if not numbers else "dnc"
        elif attempts >= rules.max_attempts_per_client or not left:
            verdicts.done.append(lead_id)
        else:
            zones = {n: zones_for(n, client_zone, rules.default_timezone) for n in left}
            open_now = [n for n in left if windows.open_in_all(zones[n], now)]
            if open_now:
                best = min(open_now, key=lambda n: (dialled.get((lead_id, n), 0), left.index(n)))
                verdicts.chosen.append(LeadChoice(lead_id, client_id, best))
            else:
                opens = [at for at in (windows.next_open(zones[n], now) for n in left) if at is not None]
                verdicts.deferred[lead_id] = min(opens) if opens else now + NEVER_OPEN_RETRY


async def _write(db: AsyncSession, verdicts: _Verdicts) -> None:
    by_reason: dict[str, list[int]] = defaultdict(list)
    for lead_id, reason in verdicts.excluded.items():
        by_reason[reason].append(lead_id)
    for reason, ids in by_reason.items():
        await db.execute(update(CampaignLead).where(CampaignLead.id.in_(ids), CampaignLead.state == LeadState.PENDING)
                         .values(state=LeadState.EXCLUDED, reason=reason, next_attempt_at=None)
                         .execution_options(synchronize_session=False))
    if verdicts.done:
        await db.execute(update(CampaignLead).where(CampaignLead.id.in_(verdicts.done),
                                                    CampaignLead.state == LeadState.PENDING)
                         .values(state=LeadState.DONE, reason="attempts", next_attempt_at=None)
                         .execution_options(synchronize_session=False))
    if verdicts.deferred:
        await db.execute(update(CampaignLead), [
            {"id": lead_id, "next_attempt_at": at, "reason": DEFERRED_BY_WINDOW}
            for lead_id, at in verdicts.deferred.items()])
    if verdicts.excluded or verdicts.done or verdicts.deferred:
        await db.commit()
