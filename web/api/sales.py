"""Sales over HTTP: list and record."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict

from callcenter.auth.principal import Permission
from callcenter.deals import sales
from callcenter.deals.schemas import SaleFilter, SaleIn
from web.api.routing import ApiRouter, Call, PageQuery, page

router = ApiRouter("sales")


class SaleListQuery(PageQuery, SaleFilter):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


@router.get("/api/sales", summary="List sales, latest first (client_id, deal_id, from/to dates)",
            permission=Permission.WORK_READ, query=SaleListQuery)
async def list_(call: Call) -> dict[str, Any]:
    q = call.query
    items, total = await sales.list_sales(call.db, call.principal, q, limit=q.limit, offset=q.offset)
    return page(items, total, q)


@router.post("/api/sales", summary="Record a sale", permission=Permission.WORK_WRITE, body=SaleIn, status=201,
             responses={409: "external_ref already recorded"})
async def create(call: Call) -> dict[str, Any]:
    return await sales.create_sale(call.db, call.principal, call.body, ip=call.ip)
