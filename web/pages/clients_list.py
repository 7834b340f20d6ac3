"""The client list: one search box (name, phone in any format, e-mail, INN), filters, pages."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from starlette.responses import Response

from callcenter.analytics.lifecycle import read_rules
from callcenter.auth.principal import Permission
from callcenter.clients.services import UNCLASSED, ClientFilter, list_clients
from callcenter.controls import TEXT_CONTROLS
from callcenter.db.base import utcnow
from callcenter.deals.stages import NO_OPEN_DEAL, open_stage_names
from callcenter.models import Team
from callcenter.models.enums import AbcClass, Stage, XyzClass
from callcenter.users.directory import owner_choices
from web.pages.context import Page, page
from web.pages.listing import choice, page_number, pager, whole_number

PAGE_SIZE = 25


@page(permission=Permission.CLIENTS_READ)
async def clients_list(pg: Page) -> Response:
    params = pg.request.query_params
    q = (params.get("q") or "").translate(TEXT_CONTROLS).strip()[:200]
    stage = choice(params.get("stage"), [s.value for s in Stage])
    # "none" comes from the dashboard's matrix: the clients without a class.
    abc = choice(params.get("abc"), [*(c.value for c in AbcClass), UNCLASSED])
    xyz = choice(params.get("xyz"), [*(c.value for c in XyzClass), UNCLASSED])
    teams = {tid: name for tid, name in await pg.db.execute(select(Team.id, Team.name).order_by(Team.name))}
    team = whole_number(params.get("team"))
    team = team if team in teams else None
    owner = whole_number(params.get("owner"))
    # The dashboard's pipeline links here: the clients whose furthest open deal is at a stage, or who have none.
    deal_stages = {**await open_stage_names(pg.db), NO_OPEN_DEAL: pg.t("dash.pipeline.none")}
    deal_stage = choice(params.get("deal_stage"), list(deal_stages))
    # From the dashboard: buyers slipping toward lost by the manager's rules, as of today in the CRM's zone.
    slips = params.get("slipping") == "1"
    since = (await read_rules(pg.db)).slipping_since(utcnow().astimezone(ZoneInfo(pg.settings.time_zone)).date()) \
        if slips else None
    number = page_number(params.get("page"))
    flt = ClientFilter(q=q or None, owner_id=owner, stage=stage, abc_class=abc, xyz_class=xyz, team_id=team,
                       deal_stage=deal_stage, slipping_since=since)
    items, total = await list_clients(
        pg.db, pg.principal, flt, region=pg.settings.default_region, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    owners = await owner_choices(pg.db)
    asked = {"q": q, "stage": stage, "abc": abc, "xyz": xyz, "team": team, "owner": owner, "deal_stage": deal_stage,
             "slipping": "1" if slips else None}
    kept = {k: v for k, v in asked.items() if v}

    return await pg.render(
        "clients/list.html",
        clients=items,
        total=total,
        q=q,
        filters={"stage": stage or "", "abc": abc or "", "xyz": xyz or "", "team": team, "owner": owner,
                 "deal_stage": deal_stage or "", "slipping_since": since},
        filtered=bool(kept),
        stages=[s.value for s in Stage],
        abc_classes={**{c.value: c.value for c in AbcClass}, UNCLASSED: pg.t("clients.filter.unclassed")},
        xyz_classes={**{c.value: c.value for c in XyzClass}, UNCLASSED: pg.t("clients.filter.unclassed")},
        teams=teams,
        deal_stages=deal_stages,
        owner_names={o.id: o.label for o in owners},
        **pager("/clients", number, total, PAGE_SIZE, kept),
        first_index=(number - 1) * PAGE_SIZE + 1,
    )
