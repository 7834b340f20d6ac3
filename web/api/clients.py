"""Clients over HTTP: create with duplicate check, read, change, delete, list and search."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from callcenter.analytics.lifecycle import read_rules
from callcenter.auth.principal import Permission
from callcenter.clients import services
from callcenter.clients.schemas import ClientIn, ClientPatch
from callcenter.db.base import utcnow
from callcenter.ids import Id
from callcenter.models.enums import AbcClass, ClientKind, Stage, XyzClass
from web.api.routing import ApiRouter, Call, PageQuery, page

router = ApiRouter("clients")


class ForceQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    force: bool = False


class ClientListQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")

    q: str | None = None
    owner_id: Id | None = None
    stage: Stage | None = None
    abc_class: AbcClass | None = None
    xyz_class: XyzClass | None = None
    team: Id | None = Field(default=None, description="owned by a member of this team")
    kind: ClientKind | None = None
    slipping: bool | None = Field(default=None, description="one-time and regular clients slipping toward lost "
                                                           "by the lifecycle rules (no sale for lost_days - "
                                                           "slipping_days days)")
    deal_stage: str | None = Field(default=None, max_length=50,
                                   description="a funnel stage code: the client's furthest open deal is there; "
                                               "none: the client has no open deal")


@router.post("/api/clients", summary="Create a client; 409 with candidates when it looks like a duplicate",
             permission=Permission.CLIENTS_WRITE, body=ClientIn, query=ForceQuery, status=201,
             responses={409: "duplicate candidates with reasons", 422: "bad fields"})
async def create(call: Call) -> dict[str, Any]:
    return await services.create_client(
        call.db, call.principal, call.body, region=call.settings.default_region, force=call.query.force, ip=call.ip
    )


@router.get("/api/clients", summary="List and search clients (q: name fragment, phone, e-mail or tax id)",
            permission=Permission.CLIENTS_READ, query=ClientListQuery)
async def list_(call: Call) -> dict[str, Any]:
    q = call.query
    flt = services.ClientFilter(
        q=q.q or None,
        owner_id=q.owner_id,
        stage=q.stage.value if q.stage else None,
        abc_class=q.abc_class.value if q.abc_class else None,
        xyz_class=q.xyz_class.value if q.xyz_class else None,
        team_id=q.team,
        kind=q.kind.value if q.kind else None,
        deal_stage=q.deal_stage or None,
        slipping_since=(await read_rules(call.db)).slipping_since(
            utcnow().astimezone(ZoneInfo(call.settings.time_zone)).date()) if q.slipping else None,
    )
    items, total = await services.list_clients(
        call.db, call.principal, flt, region=call.settings.default_region, limit=q.limit, offset=q.offset
    )
    return page(items, total, q)


@router.get("/api/clients/{client_id:int}", summary="One client", permission=Permission.CLIENTS_READ)
async def get(call: Call) -> dict[str, Any]:
    return await services.get_client(call.db, call.principal, call.path_int("client_id"))


@router.patch("/api/clients/{client_id:int}", summary="Change a client; lists given replace the old ones",
              permission=Permission.CLIENTS_WRITE, body=ClientPatch, query=ForceQuery)
async def update(call: Call) -> dict[str, Any]:
    return await services.update_client(
        call.db, call.principal, call.path_int("client_id"), call.body,
        region=call.settings.default_region, force=call.query.force, ip=call.ip,
    )


@router.delete("/api/clients/{client_id:int}", summary="Delete a client and everything attached to it",
               permission=Permission.CLIENTS_DELETE, status=204)
async def remove(call: Call) -> Response:
    await services.delete_client(call.db, call.principal, call.path_int("client_id"), ip=call.ip)
    return Response(status_code=204)
