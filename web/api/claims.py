"""Claims over HTTP: record a complaint, investigate, resolve, find, delete."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict
from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.claims import services
from callcenter.claims.schemas import ClaimFilter, ClaimIn, ClaimPatch
from web.api.routing import ApiRouter, Call, PageQuery, page

router = ApiRouter("claims")


class ClaimListQuery(PageQuery, ClaimFilter):
    model_config = ConfigDict(extra="forbid")


@router.get("/api/claims", summary="List claims, newest first (client_id, status, owner_id)",
            permission=Permission.WORK_READ, query=ClaimListQuery)
async def list_(call: Call) -> dict[str, Any]:
    q = call.query
    items, total = await services.list_claims(call.db, call.principal, q, limit=q.limit, offset=q.offset)
    return page(items, total, q)


@router.post("/api/claims", summary="Record a claim", permission=Permission.WORK_WRITE, body=ClaimIn, status=201)
async def create(call: Call) -> dict[str, Any]:
    return await services.create_claim(call.db, call.principal, call.body, ip=call.ip)


@router.get("/api/claims/{claim_id:int}", summary="One claim", permission=Permission.WORK_READ)
async def get(call: Call) -> dict[str, Any]:
    return await services.get_claim(call.db, call.principal, call.path_int("claim_id"))


@router.patch("/api/claims/{claim_id:int}", summary="Work on a claim: investigation, resolution, status",
              permission=Permission.WORK_WRITE, body=ClaimPatch)
async def update(call: Call) -> dict[str, Any]:
    return await services.update_claim(call.db, call.principal, call.path_int("claim_id"), call.body, ip=call.ip)


@router.delete("/api/claims/{claim_id:int}", summary="Delete a claim", permission=Permission.CLIENTS_DELETE, status=204)
async def remove(call: Call) -> Response:
    await services.delete_claim(call.db, call.principal, call.path_int("claim_id"), ip=call.ip)
    return Response(status_code=204)
