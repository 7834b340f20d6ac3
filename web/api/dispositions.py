"""The disposition catalogue over HTTP: every role reads it, ``catalogue:write`` edits it."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict
from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.catalogue import services
from callcenter.catalogue.schemas import DispositionFilter, DispositionIn, DispositionPatch
from web.api.routing import ApiRouter, Call, PageQuery, page

router = ApiRouter("dispositions")


class DispositionListQuery(PageQuery, DispositionFilter):
    model_config = ConfigDict(extra="forbid")


@router.get("/api/dispositions", summary="The dispositions in display order (active: only active or inactive ones)",
            permission=Permission.WORK_READ, query=DispositionListQuery)
async def list_(call: Call) -> dict[str, Any]:
    q = call.query
    items, total = await services.list_dispositions(call.db, call.principal, q, limit=q.limit, offset=q.offset)
    return page(items, total, q)


@router.post("/api/dispositions", summary="Add a disposition", permission=Permission.CATALOGUE_WRITE,
             body=DispositionIn, status=201, responses={409: "code already taken"})
async def create(call: Call) -> dict[str, Any]:
    return await services.create_disposition(call.db, call.principal, call.body, ip=call.ip)


@router.get("/api/dispositions/{disposition_id:int}", summary="One disposition", permission=Permission.WORK_READ)
async def get(call: Call) -> dict[str, Any]:
    return await services.get_disposition(call.db, call.principal, call.path_int("disposition_id"))


@router.patch("/api/dispositions/{disposition_id:int}", summary="Change a disposition (is_active: false retires it)",
              permission=Permission.CATALOGUE_WRITE, body=DispositionPatch)
async def update(call: Call) -> dict[str, Any]:
    return await services.update_disposition(call.db, call.principal, call.path_int("disposition_id"), call.body, ip=call.ip)


@router.delete("/api/dispositions/{disposition_id:int}", summary="Delete a disposition no interaction uses",
               permission=Permission.CATALOGUE_WRITE, status=204, responses={409: "in use; deactivate it instead"})
async def remove(call: Call) -> Response:
    await services.delete_disposition(call.db, call.principal, call.path_int("disposition_id"), ip=call.ip)
    return Response(status_code=204)
