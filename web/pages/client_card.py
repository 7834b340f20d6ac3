"""The client card: everything known about one client, as an operator needs it during a call."""

from __future__ import annotations

from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.clients.services import get_client
from callcenter.contacts.schemas import ContactFilter
from callcenter.contacts.services import list_contacts
from callcenter.dossier.services import dossier_by_client_id
from callcenter.errors import NotFound
from web.pages.context import Page, page

MAX_CONTACTS = 50


@page(permission=Permission.CLIENTS_READ)
async def client_card(pg: Page) -> Response:
    client_id = pg.path_id("client_id")
    # get_client checks the principal may see this client and gives the raw phones and addresses.
    client = await get_client(pg.db, pg.principal, client_id)
    dossier = await dossier_by_client_id(pg.db, pg.principal, client_id)
    if dossier is None:
        raise NotFound("client", client_id)
    # The contact persons' own phones, to call them from the card.
    people, _ = await list_contacts(pg.db, pg.principal, ContactFilter(client_id=client_id),
                                    region=pg.settings.default_region, limit=MAX_CONTACTS, offset=0)
    return await pg.render(
        "clients/card.html",
        client=client,
        dossier=dossier,
        contact_phones={person["id"]: person["phones"] for person in people},
        saved=pg.request.query_params.get("saved") == "1",
    )
