"""Manager metrics over HTTP: the operator table for a period."""

from __future__ import annotations

from typing import Any

from callcenter.auth.principal import Permission
from callcenter.db.base import utcnow
from callcenter.deals.stages import open_stage_names
from callcenter.metrics.operators import operator_table
from callcenter.metrics.period import Period
from callcenter.metrics.schemas import OperatorMetricsQuery
from web.api.routing import ApiRouter, Call

router = ApiRouter("metrics")


@router.get("/api/metrics/operators",
            summary="The operator table for whole days from..to (YYYY-MM-DD, both included, in the CRM's time zone): "
                    "contacts, calls in and out, answered and missed, talk, waits, result rate, contacts per client, "
                    "tails, and the pipeline (clients by the stage of their furthest open deal); team= for one team",
            permission=Permission.USERS_READ, query=OperatorMetricsQuery,
            responses={422: "a date that is not one, to before from, or more than 400 days"})
async def operators(call: Call) -> dict[str, Any]:
    q = call.query
    settings = call.settings
    period = Period.of(q.from_, q.to, settings.time_zone)
    rows = await operator_table(call.db, period, now=utcnow(), tails_days=settings.tails_days, team_id=q.team)
    return {"from": q.from_.isoformat(), "to": q.to.isoformat(), "team": q.team, "time_zone": settings.time_zone,
            "tails_days": settings.tails_days, "stages": await open_stage_names(call.db), "rows": rows}
