"""The manager's rules and runs for client analytics: lifecycle stages (the rules, a run now, the transitions
report month by month), the ABC/XYZ classification run on demand with its bounds, and each team's lateness
after which overdue callbacks go to another operator. Supervisors read it; managers change it.

``/metrics/moves`` lists the clients behind each number of the transitions report.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import func, select
from starlette.responses import Response

from callcenter.analytics import lifecycle
from callcenter.analytics.schemas import ClassifyIn
from callcenter.analytics.services import classify, last_run
from callcenter.analytics.stages import LifecycleRules, window_start
from callcenter.analytics.transitions import moved_clients, transitions
from callcenter.auth.principal import Permission
from callcenter.db.base import utcnow
from callcenter.errors import ValidationFailed
from callcenter.metrics.period import Period
from callcenter.models import Client, Team
from callcenter.models.enums import Stage
from callcenter.users import teams as team_services
from callcenter.users.schemas import CallbackPolicyIn
from web.pages import charts
from web.pages.client_fields import localise, schema_errors
from web.pages.context import Page, page
from web.pages.dashboard import link
from web.pages.listing import choice, page_number, pager, whole_number

UNITS = {"minutes": 1, "hours": 60, "days": 24 * 60}
MOVES_PAGE = 50


def _today(pg: Page) -> date:
    return utcnow().astimezone(ZoneInfo(pg.settings.time_zone)).date()


def _span(pg: Page) -> Period:
    """The report's period: as asked, else the last three whole months and this one so far."""
    params, today = pg.request.query_params, _today(pg)
    try:
        return Period.of(date.fromisoformat(params.get("from") or ""), date.fromisoformat(params.get("to") or ""),
                         pg.settings.time_zone)
    except (ValueError, ValidationFailed):
        return Period.of(window_start(today.replace(day=1), 3), today, pg.settings.time_zone)


def _policy(team: Team) -> tuple[int | None, str]:
    """A team's lateness in the largest unit that writes it whole."""
    minutes = team.callbacks_reassign_minutes
    if minutes is None:
        return None, "hours"
    unit = next(u for u in ("days", "hours", "minutes") if minutes % UNITS[u] == 0)
    return minutes // UNITS[unit], unit


@page(permission=Permission.USERS_READ)
async def client_rules(pg: Page) -> Response:
    if pg.form is None:
        return await _show(pg, done=choice(pg.request.query_params.get("done"), ["rules", "stages", "classes",
                                                                                  "policy"]))
    action = pg.value("action", 20)
    try:
        if action == "rules":
            # A field left empty takes its default.
            rules = LifecycleRules(**{f: v for f in LifecycleRules.model_fields if (v := pg.value(f, 10).strip())})
            await lifecycle.save_rules(pg.db, pg.principal, rules, ip=pg.ip)
        elif action == "stages":
            await lifecycle.compute_stages(pg.db, pg.principal, today=_today(pg), zone=pg.settings.time_zone)
        elif action == "classes":
            asked = ClassifyIn.model_validate({
                "from": pg.value("from", 10), "to": pg.value("to", 10), "measure": pg.value("measure", 10),
                "abc_bounds": [_share(pg.value("abc_a", 10)), _share(pg.value("abc_b", 10))],
                "xyz_bounds": [_share(pg.value("xyz_x", 10)), _share(pg.value("xyz_y", 10))]})
            await classify(pg.db, pg.principal, first=asked.from_, last=asked.to, measure=asked.measure,
                           abc_bounds=asked.abc_bounds, xyz_bounds=asked.xyz_bounds)
        elif action == "policy":
            team_id = whole_number(pg.value("team_id", 20))
            amount = pg.value("amount", 10).strip()
            unit = UNITS.get(pg.value("unit", 10), 0)
            if team_id is None or not unit:
                return await pg.error(400)  # the page sends these from its own lists
            minutes = int(amount) * unit if amount.isascii() and amount.isdigit() else (amount or None)
            await team_services.set_callback_policy(pg.db, pg.principal, team_id,
                                                    CallbackPolicyIn(reassign_after_minutes=minutes), ip=pg.ip)
        else:
            return await pg.error(400)
    except ValidationError as exc:
        await pg.db.rollback()
        return await _show(pg, status=422, errors=localise(pg.t, schema_errors(exc)), failed=action)
    return pg.redirect(f"/metrics/rules?done={action}")


def _share(text: str) -> Any:
    """A percentage typed on the page as the share the schema takes; anything else goes on to be refused."""
    try:
        return float(text.replace(",", ".")) / 100
    except ValueError:
        return text


async def _show(pg: Page, *, status: int = 200, done: str | None = None, errors: dict[str, str] | None = None,
                failed: str | None = None) -> Response:
    period = _span(pg)
    team = whole_number(pg.request.query_params.get("team"))
    teams = list(await pg.db.scalars(select(Team).order_by(Team.name, Team.id)))
    team = team if team in {t.id for t in teams} else None
    report = await transitions(pg.db, pg.principal, period, team)
    counts = {str(s): int(n) for s, n in await pg.db.execute(select(Client.stage, func.count()).group_by(Client.stage))}
    t = pg.t
    span = {"from": period.first.isoformat(), "to": period.last.isoformat()}
    chart = await charts.bars(
        t("rules.chart"), [m["month"] for m in report["by_month"]],
        [(t("rules.new_one_time"), [m["one_time"] for m in report["by_month"]], [None for _ in report["by_month"]]),
         (t("rules.new_lost"), [m["lost"] for m in report["by_month"]], [None for _ in report["by_month"]])],
        height=2.6)
    today = _today(pg)
    return await pg.render(
        "metrics/rules.html", status=status, done=done, errors=errors or {}, failed=failed,
        rules=await lifecycle.read_rules(pg.db), stage_run=await lifecycle.last_stage_run(pg.db, pg.principal),
        classes_run=await last_run(pg.db, pg.principal), counts=counts, stages=[s.value for s in Stage],
        report=report, chart=chart, span=span, team=team, teams=[(tm, *_policy(tm)) for tm in teams],
        units=list(UNITS), link=link, may_change=pg.principal.can(Permission.CATALOGUE_WRITE),
        classes_default={"from": (today.replace(day=1) - timedelta(days=365)).replace(day=1).isoformat(),
                         "to": (today.replace(day=1) - timedelta(days=1)).isoformat()},
    )


@page(permission=Permission.USERS_READ)
async def stage_moves(pg: Page) -> Response:
    params = pg.request.query_params
    period = _span(pg)
    stages = [s.value for s in Stage]
    to_stage = choice(params.get("stage"), stages) or Stage.LOST.value
    from_stage = choice(params.get("from_stage"), stages)
    team = whole_number(params.get("team"))
    number = page_number(params.get("page"))
    items, total = await moved_clients(pg.db, pg.principal, period, Stage(to_stage),
                                       from_stage=Stage(from_stage) if from_stage else None, team_id=team,
                                       limit=MOVES_PAGE, offset=(number - 1) * MOVES_PAGE)
    kept = {"from": period.first.isoformat(), "to": period.last.isoformat(), "stage": to_stage,
            "from_stage": from_stage, "team": team}
    return await pg.render("metrics/moves.html", items=items, total=total, to_stage=to_stage, from_stage=from_stage,
                           period=period, **pager("/metrics/moves", number, total, MOVES_PAGE,
                                                  {k: v for k, v in kept.items() if v}))
