"""Do-not-call lists over HTTP: the global list and each campaign's."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints
from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.campaigns import dnc
from callcenter.campaigns.schemas import DncFilter, DncIn
from callcenter.ids import Id
from web.api.routing import ApiRouter, Call, PageQuery, page

router = ApiRouter("do-not-call")


class DncListQuery(PageQuery, DncFilter):
    model_config = ConfigDict(extra="forbid")


class DncRemoveQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    campaign_id: Id | None = None  # absent: the global list


@router.get("/api/dnc", summary="Numbers on the do-not-call lists (scope global/campaign, campaign_id, number)",
            permission=Permission.CAMPAIGNS_READ, query=DncListQuery)
async def list_(call: Call) -> dict[str, Any]:
    q = call.query
    items, total = await dnc.list_numbers(call.db, call.principal, q, limit=q.limit, offset=q.offset)
    return page(items, total, q)


@router.post("/api/dnc", summary="Put a number on the global do-not-call list or a campaign's",
             permission=Permission.WORK_WRITE, body=DncIn, status=201)
async def add(call: Call) -> dict[str, Any]:
    return await dnc.add_number(call.db, call.principal, call.body, ip=call.ip)


@router.delete("/api/dnc", summary="Take a number off the global do-not-call list (or a campaign's: campaign_id)",
               permission=Permission.CAMPAIGNS_WRITE, query=DncRemoveQuery, status=204)
async def remove(call: Call) -> Response:
    await dnc.remove_number(call.db, call.principal, call.query.number, call.query.campaign_id, ip=call.ip)
    return Response(status_code=204)
