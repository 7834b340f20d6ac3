"""The client list: one search box (name, phone in any format, e-mail, INN), filters, pages."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.clients.services import ClientFilter, list_clients
from callcenter.models.enums import AbcClass, Stage
from callcenter.users.directory import owner_choices
from web.pages.context import Page, page

PAGE_SIZE = 25
MAX_PAGE = 100_000


def _choice(value: str | None, allowed: list[str]) -> str | None:
    return value if value in allowed else None


def _int(value: str | None, default: int | None = None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else default


@page(permission=Permission.CLIENTS_READ)
async def clients_list(pg: Page) -> Response:
    params = pg.request.query_params
    q = (params.get("q") or "").strip()[:200]
    stage = _choice(params.get("stage"), [s.value for s in Stage])
    abc = _choice(params.get("abc"), [c.value for c in AbcClass])
    owner = _int(params.get("owner"))
    number = min(max(_int(params.get("page"), 1) or 1, 1), MAX_PAGE)
    flt = ClientFilter(q=q or None, owner_id=owner, stage=stage, abc_class=abc)
    items, total = await list_clients(
        pg.db, pg.principal, flt, region=pg.settings.default_region, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    owners = await owner_choices(pg.db)
    pages = max(1, -(-total // PAGE_SIZE))
    kept = {k: v for k, v in {"q": q, "stage": stage, "abc": abc, "owner": owner}.items() if v}

    def page_url(n: int) -> str:
        return "/clients?" + urlencode({**kept, "page": n})

    return await pg.render(
        "clients/list.html",
        clients=items,
        total=total,
        q=q,
        filters={"stage": stage or "", "abc": abc or "", "owner": owner},
        filtered=bool(kept),
        stages=[s.value for s in Stage],
        abc_classes=[c.value for c in AbcClass],
        owners=owners,
        owner_names={o.id: o.label for o in owners},
        page=number,
        pages=pages,
        prev_url=page_url(number - 1) if number > 1 else None,
        next_url=page_url(number + 1) if number < pages else None,
        first_index=(number - 1) * PAGE_SIZE + 1,
    )
