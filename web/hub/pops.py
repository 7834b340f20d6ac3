"""The pop: the ringing call and the caller's dossier, in one message, as the operator may see it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.auth.principal import Principal
from callcenter.campaigns.events import ATTEMPT_CHANNEL_PREFIX
from callcenter.campaigns.previews import campaign_of_call
from callcenter.db.session import lookup
from callcenter.dossier.services import lookup_dossier
from callcenter.errors import Forbidden
from web.hub.live import LiveCall


async def build_pop(engine: AsyncEngine, principal: Principal, call: LiveCall, seen: dict[str, Any]) -> dict[str, Any]:
    """``{"type": "pop", ...}``; ``dossier`` is null for an unknown number, ``hidden`` for another's client;
    ``campaign`` (``{"id", "name"}``) names the campaign whose dialer placed the call, else null.

    ``seen`` is the call as it was when it rang here: by the time the dossier is in, it may have moved on,
    and what follows (answered, ended) is sent after the pop.
    """
    number = call.number
    dossier: dict[str, Any] | None = None
    hidden = False
    if number.startswith("+"):
        try:
            dossier = await lookup_dossier(engine, principal, number)
        except Forbidden:
            hidden = True
    if dossier is not None:
        if call.client == (None, None):
            call.client = (dossier["client"]["id"], dossier["client"]["name"])
        seen = {**seen, "client_id": dossier["client"]["id"], "client_name": dossier["client"]["name"]}
    campaign = None
    if call.linkedid.startswith(ATTEMPT_CHANNEL_PREFIX):
        campaign = await lookup(engine, lambda db: campaign_of_call(db, call.linkedid))
    return {"type": "pop", "call": seen, "number": number, "dossier": dossier, "hidden": hidden,
            "campaign": campaign}
