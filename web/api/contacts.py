"""Contact persons over HTTP: created for a client, linked to and unlinked from clients, changed, listed."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict
from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.contacts import services
from callcenter.contacts.schemas import ContactFilter, ContactIn, ContactPatch, ContactRoleIn
from web.api.routing import ApiRouter, Call, PageQuery, page

router = ApiRouter("contacts")


class ContactListQuery(PageQuery, ContactFilter):
    model_config = ConfigDict(extra="forbid")


@router.get("/api/contacts", summary="List contact persons (q: name fragment, phone or e-mail; client_id)",
            permission=Permission.CLIENTS_READ, query=ContactListQuery)
async def list_(call: Call) -> dict[str, Any]:
    q = call.query
    items, total = await services.list_contacts(
        call.db, call.principal, q, region=call.settings.default_region, limit=q.limit, offset=q.offset
    )
    return page(items, total, q)


@router.get("/api/contacts/{contact_id:int}", summary="One contact person with the clients they represent",
            permission=Permission.CLIENTS_READ)
async def get(call: Call) -> dict[str, Any]:
    return await services.get_contact(call.db, call.principal, call.path_int("contact_id"))


@router.patch("/api/contacts/{contact_id:int}", summary="Change a contact person; phone and e-mail lists replace the old ones",
              permission=Permission.CLIENTS_WRITE, body=ContactPatch)
async def update(call: Call) -> dict[str, Any]:
    return await services.update_contact(
        call.db, call.principal, call.path_int("contact_id"), call.body, region=call.settings.default_region, ip=call.ip
    )


@router.delete("/api/contacts/{contact_id:int}", summary="Delete a contact person", permission=Permission.CLIENTS_DELETE,
               status=204)
async def remove(call: Call) -> Response:
    await services.delete_contact(call.db, call.principal, call.path_int("contact_id"), ip=call.ip)
    return Response(status_code=204)


@router.post("/api/clients/{client_id:int}/contacts", summary="Create a contact person representing the client in a role",
             permission=Permission.CLIENTS_WRITE, body=ContactIn, status=201)
async def create(call: Call) -> dict[str, Any]:
    return await services.create_for_client(
        call.db, call.principal, call.path_int("client_id"), call.body, region=call.settings.default_region, ip=call.ip
    )


@router.post("/api/clients/{client_id:int}/contacts/{contact_id:int}",
             summary="Link an existing contact person to the client in a role (or change the role)",
             permission=Permission.CLIENTS_WRITE, body=ContactRoleIn)
async def link(call: Call) -> dict[str, Any]:
    return await services.link_contact(
        call.db, call.principal, call.path_int("client_id"), call.path_int("contact_id"), call.body.role, ip=call.ip
    )


@router.delete("/api/clients/{client_id:int}/contacts/{contact_id:int}",
               summary="Unlink a contact person from the client (the person stays)",
               permission=Permission.CLIENTS_WRITE, status=204)
async def unlink(call: Call) -> Response:
    await services.unlink_contact(call.db, call.principal, call.path_int("client_id"), call.path_int("contact_id"), ip=call.ip)
    return Response(status_code=204)
