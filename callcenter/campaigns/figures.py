"""A campaign's figures for its pages, and the attempts behind each figure.

An attempt's call in the call log is the call whose Linkedid is the attempt's ``channel_id``; talk time
and results come from there (results: contacts whose disposition counts as a result). The abandoned
share is of live answers (a person answered), over the period asked for and over the regulator's window
(UK: 24 hours, US: 30 days, rolling).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import Principal
from callcenter.campaigns.schemas import CampaignRules
from callcenter.campaigns.services import load_campaign
from callcenter.campaigns.stages import attempt_stage
from callcenter.db.base import utcnow
from callcenter.enums import AttemptOutcome
from callcenter.models import Call, CampaignLead, Client, DialAttempt, Disposition, Interaction, User
from callcenter.phones import display
from callcenter.rows import as_dict, plain

REGULATOR_WINDOWS = {"uk_24h": timedelta(hours=24), "us_30d": timedelta(days=30)}


def _counts(campaign_id: int, since: datetime | None) -> Any:
    outcome = DialAttempt.outcome
    query = select(
        func.count(),
        func.count(DialAttempt.live_at),
        func.count(DialAttempt.connected_at),
        *(func.sum(case((outcome == o, 1), else_=0)) for o in AttemptOutcome),
    ).where(DialAttempt.campaign_id == campaign_id)
    return query.where(DialAttempt.started_at >= since) if since is not None else query


async def attempt_counts(db: AsyncSession, campaign_id: int, since: datetime | None) -> dict[str, Any]:
    """Dialled, live, connected, each outcome, and the abandoned share of live answers (None with none live)."""
    row = (await db.execute(_counts(campaign_id, since))).one()
    dialled, live, connected = int(row[0]), int(row[1]), int(row[2])
    by_outcome = {o.value: int(n or 0) for o, n in zip(AttemptOutcome, row[3:])}
    abandoned = by_outcome[AttemptOutcome.ABANDONED.value]
    return {"dialled": dialled, "live": live, "connected": connected, "outcomes": by_outcome,
            "abandoned": abandoned, "abandon_rate": abandoned / live if live else None}


async def per_operator(db: AsyncSession, campaign_id: int, since: datetime | None) -> list[dict[str, Any]]:
    """Each operator's connected attempts, talk time and results."""
    query = (select(DialAttempt.operator_id, User.login, User.full_name, func.count(),
                    func.coalesce(func.sum(Call.talk_seconds), 0),
                    func.sum(case((Disposition.counts_as_result.is_(True), 1), else_=0)))
             .join(User, User.id == DialAttempt.operator_id)
             .outerjoin(Call, Call.linkedid == DialAttempt.channel_id)
             .outerjoin(Interaction, Interaction.id == Call.interaction_id)
             .outerjoin(Disposition, Disposition.id == Interaction.disposition_id)
             .where(DialAttempt.campaign_id == campaign_id, DialAttempt.connected_at.is_not(None))
             .group_by(DialAttempt.operator_id, User.login, User.full_name).order_by(DialAttempt.operator_id))
    if since is not None:
        query = query.where(DialAttempt.started_at >= since)
    return [{"operator_id": uid, "login": login, "full_name": name, "connected": int(n), "talk_seconds": int(talk),
             "results": int(results or 0)} for uid, login, name, n, talk, results in (await db.execute(query))]


async def campaign_figures(db: AsyncSession, principal: Principal, campaign_id: int, *, since: datetime | None = None,
                           now: datetime | None = None) -> dict[str, Any]:
    """The campaign page's figures: leads by state; attempts since ``since`` (the shift or the day; all when
    None) and over the regulator's window; per operator; the latest attempts."""
    campaign = await load_campaign(db, principal, campaign_id)
    now = now or utcnow()
    rules = CampaignRules.model_validate(campaign.rules)
    window = REGULATOR_WINDOWS[rules.regulator_window]
    leads = {plain(state): int(n) for state, n in (await db.execute(
        select(CampaignLead.state, func.count()).where(CampaignLead.campaign_id == campaign.id)
        .group_by(CampaignLead.state)))}
    return {
        "campaign_id": campaign.id, "state": campaign.state.value, "since": plain(since), "at": now.isoformat(),
        "leads": leads,
        "attempts": await attempt_counts(db, campaign.id, since),
        "regulator": {"window": rules.regulator_window, "target": rules.abandon_target,
                      **await attempt_counts(db, campaign.id, now - window)},
        "operators": await per_operator(db, campaign.id, since),
        "recent": (await list_attempts(db, principal, campaign.id, limit=20, offset=0))[0],
    }


async def list_attempts(db: AsyncSession, principal: Principal, campaign_id: int, *, outcome: AttemptOutcome | None = None,
                        operator_id: int | None = None, live: bool | None = None, connected: bool | None = None,
                        since: datetime | None = None, until: datetime | None = None, limit: int,
                        offset: int) -> tuple[list[dict[str, Any]], int]:
    """The campaign's attempts started in ``[since, until)``, newest first, with the client's name, the
    number as pages write it, the operator's login and full name, the stage the call is in (``stages``) and
    the call they link to (``linkedid``, and ``call_id`` once it is logged)."""
    campaign = await load_campaign(db, principal, campaign_id)
    query = (select(DialAttempt, Client.name, Call.id, User.login, User.full_name)
             .join(Client, Client.id == DialAttempt.client_id)
             .outerjoin(Call, Call.linkedid == DialAttempt.channel_id)
             .outerjoin(User, User.id == DialAttempt.operator_id)
             .where(DialAttempt.campaign_id == campaign.id))
    if since is not None:
        query = query.where(DialAttempt.started_at >= since)
    if until is not None:
        query = query.where(DialAttempt.started_at < until)
    if connected is not None:
        query = query.where(DialAttempt.connected_at.is_not(None) if connected else DialAttempt.connected_at.is_(None))
    if outcome is not None:
        query = query.where(DialAttempt.outcome == outcome)
    if operator_id is not None:
        query = query.where(DialAttempt.operator_id == operator_id)
    if live is not None:
        query = query.where(DialAttempt.live_at.is_not(None) if live else DialAttempt.live_at.is_(None))
    total = await db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = (await db.execute(query.order_by(DialAttempt.id.desc()).limit(limit).offset(offset))).all()
    return [{**as_dict(attempt), "client_name": name, "linkedid": attempt.channel_id, "call_id": call_id,
             "operator_login": login, "operator_name": full_name or login, "number_display": display(attempt.number),
             "stage": attempt_stage(attempt.outcome, answered_at=attempt.answered_at, live_at=attempt.live_at,
                                    connected_at=attempt.connected_at, ended_at=attempt.ended_at)}
            for attempt, name, call_id, login, full_name in rows], int(total)
