"""Client analytics over HTTP: ABC and XYZ classes, lifecycle stages by the manager's rules, and the
transitions report with the clients behind it."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from callcenter.analytics import lifecycle
from callcenter.analytics.schemas import ClassifyIn, StageMovesQuery, StagesQuery
from callcenter.analytics.services import classify, last_run
from callcenter.analytics.stages import LifecycleRules
from callcenter.analytics.transitions import moved_clients, transitions
from callcenter.auth.principal import Permission
from callcenter.db.base import utcnow
from callcenter.metrics.period import Period
from web.api.routing import ApiRouter, Call

router = ApiRouter("analytics")


@router.post("/api/analytics/classes",
             summary="Classify every client by ABC (revenue, margin or number of sales) and XYZ (steadiness of "
                     "monthly purchases) over from..to; writes the client fields and returns the run with its moves",
             permission=Permission.CATALOGUE_WRITE, body=ClassifyIn,
             responses={422: "to before from, an unknown measure, or bounds that do not rise"})
async def run(call: Call) -> dict[str, Any]:
    b = call.body
    return await classify(call.db, call.principal, first=b.from_, last=b.to, measure=b.measure,
                          abc_bounds=b.abc_bounds, xyz_bounds=b.xyz_bounds, now=utcnow())


@router.get("/api/analytics/classes", summary="The last classification run: its period, counts and moves",
            permission=Permission.USERS_READ)
async def latest(call: Call) -> dict[str, Any]:
    return {"run": await last_run(call.db, call.principal)}


@router.get("/api/analytics/stages/rules", summary="The rules that put clients in lifecycle stages",
            permission=Permission.USERS_READ)
async def rules(call: Call) -> dict[str, Any]:
    return (await lifecycle.read_rules(call.db)).model_dump()


@router.put("/api/analytics/stages/rules",
            summary="Change the lifecycle rules (regular_sales in regular_months; lost after lost_days without a sale "
                    "and lost_quiet_days without a contact); they apply from the next run",
            permission=Permission.CATALOGUE_WRITE, body=LifecycleRules, responses={422: "a number out of range"})
async def save_rules(call: Call) -> dict[str, Any]:
    return await lifecycle.save_rules(call.db, call.principal, call.body, ip=call.ip)


@router.post("/api/analytics/stages",
             summary="Put every client in its lifecycle stage by the rules now; returns the counts and the moves",
             permission=Permission.CATALOGUE_WRITE)
async def compute(call: Call) -> dict[str, Any]:
    now = utcnow()
    today = now.astimezone(ZoneInfo(call.settings.time_zone)).date()
    return await lifecycle.compute_stages(call.db, call.principal, today=today, zone=call.settings.time_zone,
                                         now=now)


@router.get("/api/analytics/stages", summary="The last lifecycle run: its counts per stage and its moves",
            permission=Permission.USERS_READ)
async def stages_latest(call: Call) -> dict[str, Any]:
    return {"run": await lifecycle.last_stage_run(call.db, call.principal)}


@router.get("/api/analytics/stages/transitions",
            summary="Clients moved into each lifecycle stage on whole days from..to (new one-time against newly "
                    "lost), by month and by the stage they left; team= for one team's clients",
            permission=Permission.USERS_READ, query=StagesQuery,
            responses={422: "a date that is not one, to before from, or more than 400 days"})
async def stage_transitions(call: Call) -> dict[str, Any]:
    q = call.query
    return await transitions(call.db, call.principal, Period.of(q.from_, q.to, call.settings.time_zone), q.team)


@router.get("/api/analytics/stages/moves",
            summary="The clients behind a number of the transitions report: moves into stage= (from from_stage=)",
            permission=Permission.USERS_READ, query=StageMovesQuery,
            responses={422: "a bad date or stage"})
async def stage_moves(call: Call) -> dict[str, Any]:
    q = call.query
    items, total = await moved_clients(call.db, call.principal, Period.of(q.from_, q.to, call.settings.time_zone),
                                       q.stage, from_stage=q.from_stage, team_id=q.team, limit=q.limit,
                                       offset=q.offset)
    return {"items": items, "total": total, "limit": q.limit, "offset": q.offset}
