"""The client card: everything known about one client, as an operator needs it during a call."""

from __future__ import annotations

from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.clients.services import get_client
from callcenter.dossier.services import dossier_by_client_id
from callcenter.errors import NotFound
from web.pages.context import Page, page


@page(permission=Permission.CLIENTS_READ)
async def client_card(pg: Page) -> Response:
    client_id = pg.path_id("client_id")
    # get_client checks the principal may see this client and gives the raw phones and addresses.
    client = await get_client(pg.db, pg.principal, client_id)
    dossier = await dossier_by_client_id(pg.db, pg.principal, client_id)
    if dossier is None:
        raise NotFound("client", client_id)
    return await pg.render(
        "clients/card.html",
        client=client,
        dossier=dossier,
        saved=pg.request.query_params.get("saved") == "1",
    )
