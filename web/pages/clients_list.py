"""The client list: one search box (name, phone in any format, e-mail, INN), filters, pages."""

from __future__ import annotations

from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.clients.services import ClientFilter, list_clients
from callcenter.models.enums import AbcClass, Stage
from callcenter.users.directory import owner_choices
from web.pages.context import Page, page
from web.pages.listing import choice, page_number, pager, whole_number

PAGE_SIZE = 25


@page(permission=Permission.CLIENTS_READ)
async def clients_list(pg: Page) -> Response:
    params = pg.request.query_params
    q = (params.get("q") or "").strip()[:200]
    stage = choice(params.get("stage"), [s.value for s in Stage])
    abc = choice(params.get("abc"), [c.value for c in AbcClass])
    owner = whole_number(params.get("owner"))
    number = page_number(params.get("page"))
    flt = ClientFilter(q=q or None, owner_id=owner, stage=stage, abc_class=abc)
    items, total = await list_clients(
        pg.db, pg.principal, flt, region=pg.settings.default_region, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    owners = await owner_choices(pg.db)
    kept = {k: v for k, v in {"q": q, "stage": stage, "abc": abc, "owner": owner}.items() if v}

    return await pg.render(
        "clients/list.html",
        clients=items,
        total=total,
        q=q,
        filters={"stage": stage or "", "abc": abc or "", "owner": owner},
        filtered=bool(kept),
        stages=[s.value for s in Stage],
        abc_classes=[c.value for c in AbcClass],
        owner_names={o.id: o.label for o in owners},
        **pager("/clients", number, total, PAGE_SIZE, kept),
        first_index=(number - 1) * PAGE_SIZE + 1,
    )
