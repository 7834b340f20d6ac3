"""Relations between clients over HTTP."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.clients.schemas import RelationIn
from callcenter.relations import services
from web.api.routing import ApiRouter, Call

router = ApiRouter("relations")


@router.get("/api/clients/{client_id:int}/relations", summary="The client's relations, stated by it or about it",
            permission=Permission.CLIENTS_READ)
async def list_(call: Call) -> dict[str, Any]:
    return {"items": await services.list_relations(call.db, call.principal, call.path_int("client_id"))}


@router.post("/api/clients/{client_id:int}/relations", summary="Relate the client to another (parent, partner, ...)",
             permission=Permission.CLIENTS_WRITE, body=RelationIn, status=201, responses={409: "already related"})
async def create(call: Call) -> dict[str, Any]:
    return await services.create_relation(call.db, call.principal, call.path_int("client_id"), call.body, ip=call.ip)


@router.delete("/api/relations/{relation_id:int}", summary="Remove a relation between clients",
               permission=Permission.CLIENTS_WRITE, status=204)
async def remove(call: Call) -> Response:
    await services.delete_relation(call.db, call.principal, call.path_int("relation_id"), ip=call.ip)
    return Response(status_code=204)
