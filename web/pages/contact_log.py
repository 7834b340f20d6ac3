"""The contact log: the calls, meetings and e-mails done, newest first, by operator, team, days, kind and
result. The manager's contact figures open it on exactly the contacts they count."""

from __future__ import annotations

from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.clients.services import client_names
from callcenter.interactions.schemas import InteractionFilter
from callcenter.interactions.services import list_interactions
from callcenter.models.enums import InteractionKind
from callcenter.users.directory import owner_choices
from web.pages.calls_list import filter_choices, span_of
from web.pages.context import Page, page
from web.pages.listing import choice, page_number, pager, whole_number

PAGE_SIZE = 50
KINDS = [k.value for k in InteractionKind if k is not InteractionKind.NOTE]
# "counts": the result counts as a result (the result rate's numerator); "none": no result set.
RESULTS = ["counts", "other", "none"]


@page(permission=Permission.WORK_READ)
async def contact_log(pg: Page) -> Response:
    params = pg.request.query_params
    kind = choice(params.get("kind"), KINDS)
    result = choice(params.get("result"), RESULTS)
    operator = whole_number(params.get("operator"))
    teams, _ = await filter_choices(pg)
    team = whole_number(params.get("team"))
    team = team if team in teams else None
    span = span_of(params.get("from"), params.get("to"), pg.settings.time_zone)
    number = page_number(params.get("page"))
    operators = await owner_choices(pg.db, also=operator)
    if operator is not None and operator not in {o.id for o in operators}:
        operator = None  # a stale link, not an error
    flt = InteractionFilter(
        user_id=operator, team_id=team, kind=InteractionKind(kind) if kind else None, contacts_only=True,
        from_=span.start if span else None, to=span.end if span else None,
        has_result=False if result == "none" else (True if result == "other" else None),
        result_counts=True if result == "counts" else (False if result == "other" else None))
    items, total = await list_interactions(pg.db, pg.principal, flt, limit=PAGE_SIZE,
                                           offset=(number - 1) * PAGE_SIZE)
    names = {o.id: o.label for o in operators}
    clients = await client_names(pg.db, pg.principal, [i["client_id"] for i in items if i["client_id"]])
    kept = {k: v for k, v in {
        "kind": kind, "result": result, "operator": operator, "team": team,
        "from": span.first.isoformat() if span else None, "to": span.last.isoformat() if span else None,
    }.items() if v is not None and v != ""}
    return await pg.render(
        "interactions/list.html", items=items, total=total, span=span, teams=teams, kinds=KINDS,
        results=RESULTS, operator_names=names, client_names=clients, filtered=bool(kept),
        filters={"kind": kind or "", "result": result or "", "operator": operator, "team": team},
        **pager("/interactions", number, total, PAGE_SIZE, kept),
    )

