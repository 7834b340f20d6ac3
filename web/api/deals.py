"""Deals and the funnel stages they move through, over HTTP."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict
from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.deals import services, stages
from callcenter.deals.schemas import DealFilter, DealIn, DealPatch
from web.api.routing import ApiRouter, Call, PageQuery, page

router = ApiRouter("deals")


class DealListQuery(PageQuery, DealFilter):
    model_config = ConfigDict(extra="forbid")


@router.get("/api/funnel-stages", summary="The funnel stages in order", permission=Permission.WORK_READ)
async def list_stages(call: Call) -> dict[str, Any]:
    return {"items": await stages.list_stages(call.db, call.principal)}


@router.get("/api/deals", summary="List deals, newest first (client_id, status, stage code, stage_id, owner_id)",
            permission=Permission.WORK_READ, query=DealListQuery)
async def list_(call: Call) -> dict[str, Any]:
    q = call.query
    items, total = await services.list_deals(call.db, call.principal, q, limit=q.limit, offset=q.offset)
    return page(items, total, q)


@router.post("/api/deals", summary="Open a deal (in the first open stage unless stage_id says otherwise)",
             permission=Permission.WORK_WRITE, body=DealIn, status=201)
async def create(call: Call) -> dict[str, Any]:
    return await services.create_deal(call.db, call.principal, call.body, ip=call.ip)


@router.get("/api/deals/{deal_id:int}", summary="One deal with its stage", permission=Permission.WORK_READ)
async def get(call: Call) -> dict[str, Any]:
    return await services.get_deal(call.db, call.principal, call.path_int("deal_id"))


@router.patch("/api/deals/{deal_id:int}", summary="Change a deal or move it; a closed stage makes it won or lost",
              permission=Permission.WORK_WRITE, body=DealPatch)
async def update(call: Call) -> dict[str, Any]:
    return await services.update_deal(call.db, call.principal, call.path_int("deal_id"), call.body, ip=call.ip)


@router.delete("/api/deals/{deal_id:int}", summary="Delete a deal", permission=Permission.WORK_WRITE, status=204)
async def remove(call: Call) -> Response:
    await services.delete_deal(call.db, call.principal, call.path_int("deal_id"), ip=call.ip)
    return Response(status_code=204)
