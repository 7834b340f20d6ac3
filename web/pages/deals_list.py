"""The deal list: deals by status, funnel stage, owner, team and the days they closed on. The manager's
deal figures (won, given up, open by stage) open it on exactly the deals they count."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.clients.services import client_names
from callcenter.deals.schemas import DealFilter
from callcenter.deals.services import list_deals
from callcenter.models import FunnelStage
from callcenter.models.enums import DealStatus
from callcenter.users.directory import owner_choices
from web.pages.calls_list import filter_choices, span_of
from web.pages.context import Page, page
from web.pages.listing import choice, page_number, pager, whole_number

PAGE_SIZE = 50
STATUSES = [s.value for s in DealStatus]


@page(permission=Permission.WORK_READ)
async def deals_list(pg: Page) -> Response:
    params = pg.request.query_params
    status = choice(params.get("status"), STATUSES)
    stages = {code: name for code, name in await pg.db.execute(
        select(FunnelStage.code, FunnelStage.name).order_by(FunnelStage.sort_order, FunnelStage.id))}
    stage = choice(params.get("stage"), list(stages))
    owner = whole_number(params.get("owner"))
    teams, _ = await filter_choices(pg)
    team = whole_number(params.get("team"))
    team = team if team in teams else None
    # from..to are the days the deals closed on: the figures count deals won or lost in a period.
    span = span_of(params.get("from"), params.get("to"), pg.settings.time_zone)
    number = page_number(params.get("page"))
    owners = await owner_choices(pg.db)
    flt = DealFilter(status=DealStatus(status) if status else None, stage=stage, owner_id=owner, team_id=team,
                     closed_from=span.start if span else None, closed_to=span.end if span else None)
    items, total = await list_deals(pg.db, pg.principal, flt, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    clients = await client_names(pg.db, pg.principal, [d["client_id"] for d in items])
    kept = {k: v for k, v in {
        "status": status, "stage": stage, "owner": owner, "team": team,
        "from": span.first.isoformat() if span else None, "to": span.last.isoformat() if span else None,
    }.items() if v is not None and v != ""}
    return await pg.render(
        "deals/list.html", items=items, total=total, span=span, teams=teams, statuses=STATUSES, stages=stages,
        owner_names={o.id: o.label for o in owners}, client_names=clients, filtered=bool(kept),
        filters={"status": status or "", "stage": stage or "", "owner": owner, "team": team},
        **pager("/deals", number, total, PAGE_SIZE, kept),
    )
