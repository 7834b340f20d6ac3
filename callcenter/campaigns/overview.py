"""Campaigns at a glance: the campaign list's figures of the day, and the dashboard's results over a period.

Counted from the attempts alone, in one grouped query per table; an attempt belongs to the day or the
period it was started in. Results are the connected attempts whose call in the call log (Linkedid = the
attempt's ``channel_id``) got a result that counts (``Disposition.counts_as_result``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import Permission, Principal
from callcenter.enums import AttemptOutcome
from callcenter.models import Call, Campaign, DialAttempt, Disposition, Interaction, Segment, User


def _figures(*keys: Any) -> Select[Any]:
    """Attempts, live, connected, abandoned and results, grouped by ``keys``."""
    counting = case((Disposition.counts_as_result.is_(True), 1), else_=0)
    return (select(*keys, func.count(), func.count(DialAttempt.live_at), func.count(DialAttempt.connected_at),
                   func.sum(case((DialAttempt.outcome == AttemptOutcome.ABANDONED, 1), else_=0)),
                   func.sum(case((DialAttempt.connected_at.is_not(None), counting), else_=0)))
            .outerjoin(Call, Call.linkedid == DialAttempt.channel_id)
            .outerjoin(Interaction, Interaction.id == Call.interaction_id)
            .outerjoin(Disposition, Disposition.id == Interaction.disposition_id)
            .group_by(*keys))


def _row(attempts: Any, live: Any, connected: Any, abandoned: Any, results: Any) -> dict[str, Any]:
    attempts, live, connected = int(attempts or 0), int(live or 0), int(connected or 0)
    abandoned, results = int(abandoned or 0), int(results or 0)
    return {"attempts": attempts, "live": live, "connected": connected, "abandoned": abandoned, "results": results,
            "abandon_rate": abandoned / live if live else None,
            "result_rate": results / connected if connected else None}


def _empty() -> dict[str, Any]:
    return _row(0, 0, 0, 0, 0)


async def day_figures(db: AsyncSession, campaign_ids: list[int], since: datetime) -> dict[int, dict[str, Any]]:
    """Each campaign's attempts started since ``since`` (the day's start): dialled, live, connected, abandoned."""
    found = {cid: _empty() for cid in campaign_ids}
    if campaign_ids:
        query = _figures(DialAttempt.campaign_id).where(DialAttempt.campaign_id.in_(campaign_ids),
                                                        DialAttempt.started_at >= since)
        for cid, *counts in await db.execute(query):
            found[cid] = _row(*counts)
    return found


async def segment_names(db: AsyncSession, segment_ids: list[int]) -> dict[int, str]:
    if not segment_ids:
        return {}
    rows = await db.execute(select(Segment.id, Segment.name).where(Segment.id.in_(sorted(set(segment_ids)))))
    return {sid: name for sid, name in rows}


async def campaign_results(db: AsyncSession, principal: Principal, start: datetime, end: datetime,
                           team_id: int | None = None) -> list[dict[str, Any]]:
    """The dashboard's campaigns panel: per campaign with attempts in ``[start, end)``, its figures and its
    operators' (connected calls, results); a team narrows the operators to its members."""
    principal.require(Permission.CAMPAIGNS_READ)
    period = (DialAttempt.started_at >= start, DialAttempt.started_at < end)
    campaigns: dict[int, dict[str, Any]] = {}
    for cid, name, state, mode, *counts in await db.execute(
            _figures(DialAttempt.campaign_id, Campaign.name, Campaign.state, Campaign.mode)
            .join(Campaign, Campaign.id == DialAttempt.campaign_id).where(*period)):
        campaigns[cid] = {"id": cid, "name": name, "state": str(state), "mode": str(mode), **_row(*counts),
                          "operators": []}
    per_operator = (_figures(DialAttempt.campaign_id, DialAttempt.operator_id, User.login, User.full_name)
                    .join(User, User.id == DialAttempt.operator_id).where(*period))
    if team_id is not None:
        per_operator = per_operator.where(User.team_id == team_id)
    for cid, uid, login, full_name, *counts in await db.execute(per_operator):
        if cid in campaigns:
            campaigns[cid]["operators"].append({"user_id": uid, "login": login, "full_name": full_name,
                                                **_row(*counts)})
    for campaign in campaigns.values():
        campaign["operators"].sort(key=lambda o: (-o["connected"], o["login"]))
    return sorted(campaigns.values(), key=lambda c: (-c["attempts"], c["id"]))
