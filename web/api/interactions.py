"""Interactions over HTTP: record a contact (with an optional promised callback), change, find, delete."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict
from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.interactions import services
from callcenter.interactions.schemas import InteractionFilter, InteractionIn, InteractionPatch
from web.api.routing import ApiRouter, Call, PageQuery, page

router = ApiRouter("interactions")


class InteractionListQuery(PageQuery, InteractionFilter):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


@router.get("/api/interactions",
            summary="List interactions, newest first (client_id, user_id, kind, direction, status, disposition code, from/to)",
            permission=Permission.WORK_READ, query=InteractionListQuery)
async def list_(call: Call) -> dict[str, Any]:
    q = call.query
    items, total = await services.list_interactions(call.db, call.principal, q, limit=q.limit, offset=q.offset)
    return page(items, total, q)


@router.post("/api/interactions", summary="Record an interaction; callback_at also creates a callback task",
             permission=Permission.WORK_WRITE, body=InteractionIn, status=201)
async def create(call: Call) -> dict[str, Any]:
    return await services.create_interaction(call.db, call.principal, call.body, ip=call.ip)


@router.get("/api/interactions/{interaction_id:int}", summary="One interaction with its result and call facts",
            permission=Permission.WORK_READ)
async def get(call: Call) -> dict[str, Any]:
    return await services.get_interaction(call.db, call.principal, call.path_int("interaction_id"))


@router.patch("/api/interactions/{interaction_id:int}", summary="Change an interaction (result, notes, ...)",
              permission=Permission.WORK_WRITE, body=InteractionPatch)
async def update(call: Call) -> dict[str, Any]:
    return await services.update_interaction(call.db, call.principal, call.path_int("interaction_id"), call.body, ip=call.ip)


@router.delete("/api/interactions/{interaction_id:int}",
               summary="Delete an interaction (operators: only their own; calls are kept)",
               permission=Permission.WORK_WRITE, status=204, responses={409: "the interaction records a call"})
async def remove(call: Call) -> Response:
    await services.delete_interaction(call.db, call.principal, call.path_int("interaction_id"), ip=call.ip)
    return Response(status_code=204)
