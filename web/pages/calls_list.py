"""The call log: every call the PBX reported, newest first, with its durations, outcome and hand-overs."""

from __future__ import annotations

from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.calls.reading import list_calls
from callcenter.calls.schemas import CallFilter
from callcenter.models.enums import CallOutcome, Direction
from callcenter.users.directory import owner_choices
from web.pages.context import Page, page
from web.pages.listing import choice, page_number, pager, whole_number

PAGE_SIZE = 50


@page(permission=Permission.WORK_READ)
async def calls_list(pg: Page) -> Response:
    params = pg.request.query_params
    direction = choice(params.get("direction"), [d.value for d in Direction])
    outcome = choice(params.get("outcome"), [o.value for o in CallOutcome])
    operator = whole_number(params.get("operator"))
    number = page_number(params.get("page"))
    flt = CallFilter(direction=direction, outcome=outcome, operator=str(operator) if operator else None)
    operators = await owner_choices(pg.db)
    if operator is not None and operator not in {o.id for o in operators}:
        flt, operator = CallFilter(direction=direction, outcome=outcome), None  # a stale link, not an error
    calls, total = await list_calls(pg.db, pg.principal, flt, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    kept = {k: v for k, v in {"direction": direction, "outcome": outcome, "operator": operator}.items() if v}

    return await pg.render(
        "calls/list.html",
        calls=calls,
        total=total,
        filters={"direction": direction or "", "outcome": outcome or "", "operator": operator},
        filtered=bool(kept),
        directions=[d.value for d in Direction],
        outcomes=[o.value for o in CallOutcome],
        operator_names={o.id: o.label for o in operators},
        **pager("/calls", number, total, PAGE_SIZE, kept),
    )
