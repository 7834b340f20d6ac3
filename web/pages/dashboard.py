"""The manager's dashboard: a period and a team, the operator table, contacts per day, the funnel, tails by
age, each operator's clients by funnel stage and the ABC×XYZ matrix; every figure leads to the calls, tasks or
clients behind it; the table exports."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import select
from starlette.responses import Response

from callcenter.analytics.lifecycle import read_rules
from callcenter.analytics.services import last_run
from callcenter.analytics.transitions import count_slipping, transitions
from callcenter.auth.principal import Permission
from callcenter.calls.today import queue_day
from callcenter.campaigns.overview import campaign_results
from callcenter.db.base import utcnow
from callcenter.deals.stages import open_stage_names
from callcenter.errors import ValidationFailed
from callcenter.metrics.export import operators_csv, operators_xlsx
from callcenter.metrics.operators import operator_table
from callcenter.metrics.period import Period
from callcenter.metrics.series import client_classes, contacts_by_day, funnel, month_so_far, tails_by_age
from callcenter.models import Team
from web.pages import charts
from web.pages.context import Page, page
from web.pages.listing import whole_number


def _period(pg: Page) -> tuple[Period, bool]:
    """The period asked for, or this month so far (and whether the one asked for had to be replaced)."""
    zone = pg.settings.time_zone
    params = pg.request.query_params
    try:
        return Period.of(date.fromisoformat(params.get("from") or ""), date.fromisoformat(params.get("to") or ""),
                         zone), False
    except (ValueError, ValidationFailed):
        first, last = month_so_far(utcnow().astimezone(ZoneInfo(zone)).date())
        asked = bool(params.get("from") or params.get("to"))
        return Period.of(first, last, zone), asked


def link(path: str, **params: Any) -> str:
    return path + "?" + urlencode({k: v for k, v in params.items() if v is not None and v != ""})


async def _teams(pg: Page) -> dict[int, str]:
    return {tid: name for tid, name in await pg.db.execute(select(Team.id, Team.name).order_by(Team.name))}


@page(permission=Permission.USERS_READ)
async def dashboard(pg: Page) -> Response:
    period, replaced = _period(pg)
    teams = await _teams(pg)
    team = whole_number(pg.request.query_params.get("team"))
    team = team if team in teams else None
    now = utcnow()
    tails_days = pg.settings.tails_days
    rows = await operator_table(pg.db, period, now=now, tails_days=tails_days, team_id=team)
    days = await contacts_by_day(pg.db, period, team)
    stages = await funnel(pg.db, team)
    tails = await tails_by_age(pg.db, now=now, tails_days=tails_days, team_id=team)
    classes = await client_classes(pg.db, team)
    classified = await last_run(pg.db, pg.principal)
    moves = await transitions(pg.db, pg.principal, period, team)
    today = now.astimezone(ZoneInfo(pg.settings.time_zone)).date()
    rules = await read_rules(pg.db)
    slipping = await count_slipping(pg.db, pg.principal, rules.slipping_since(today), team)
    queues = await queue_day(pg.db, since=period.start, until=period.end,
                             service_level_seconds=pg.settings.service_level_seconds)
    campaigns = (await campaign_results(pg.db, pg.principal, period.start, period.end, team)
                 if pg.principal.can(Permission.CAMPAIGNS_READ) else None)
    span = {"from": period.first.isoformat(), "to": period.last.isoformat()}
    t = pg.t
    step = max(1, len(days) // 15)
    day_chart = await charts.bars(
        t("dash.chart.per_day"), [d["day"][5:] for d in days],
        [(t("dash.contacts"), [d["contacts"] for d in days], [None for _ in days]),
         (t("dash.answered"), [d["calls_answered"] for d in days],
          [link("/calls", day=d["day"], team=team, answered="yes") for d in days])],
        label_step=step,
    )
    funnel_chart = await charts.bars(t("dash.chart.funnel"), [s["stage"] for s in stages],
                                     [(t("dash.deals"), [s["deals"] for s in stages],
                                       [link("/deals", status="open", stage=s["code"], team=team) for s in stages])],
                                     horizontal=True, height=1.0 + 0.4 * max(1, len(stages)))
    totals = {
        "contacts": sum(r["contacts"] for r in rows),
        "result_contacts": sum(r["result_contacts"] for r in rows),
        "calls_answered": sum(r["calls_answered"] for r in rows),
        "talk_seconds_total": sum(r["talk_seconds_total"] for r in rows),
        "overdue_callbacks": sum(r["overdue_callbacks"] for r in rows),
    }
    totals["result_rate"] = totals["result_contacts"] / totals["contacts"] if totals["contacts"] else None
    totals["talk_seconds_avg"] = totals["talk_seconds_total"] / totals["calls_answered"] if totals["calls_answered"] else None
    return await pg.render(
        "metrics/dashboard.html", period=period, replaced=replaced, teams=teams, team=team, rows=rows,
        totals=totals, tails=tails, tails_days=tails_days, classes=classes, day_chart=day_chart, queues=queues,
        service_level_seconds=pg.settings.service_level_seconds, classified=classified, moves=moves,
        slipping=slipping, rules=rules, campaigns=campaigns,
        funnel_chart=funnel_chart, span=span, link=link, stage_names=await open_stage_names(pg.db),
    )


@page(permission=Permission.USERS_READ)
async def dashboard_export(pg: Page) -> Response:
    period, _ = _period(pg)
    fmt = pg.request.path_params["fmt"]
    if fmt not in ("csv", "xlsx"):
        return await pg.error(404)
    teams = await _teams(pg)
    team = whole_number(pg.request.query_params.get("team"))
    team = team if team in teams else None
    rows = await operator_table(pg.db, period, now=utcnow(), tails_days=pg.settings.tails_days, team_id=team)
    name = f"operators-{period.first.isoformat()}-{period.last.isoformat()}.{fmt}"
    if fmt == "xlsx":
        content = operators_xlsx(rows, f"{period.first.isoformat()}..{period.last.isoformat()}")
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content, media = operators_csv(rows), "text/csv; charset=utf-8"
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
