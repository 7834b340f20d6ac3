"""The caller's dossier by phone number, in any written form."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from callcenter.auth.principal import Permission
from callcenter.dossier.services import dossier_by_phone
from callcenter.phones import BadPhone, to_e164
from web.api.routing import ApiRouter, Call
from web.responses import error

router = ApiRouter("dossier")


class DossierQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=1, max_length=64)


@router.get("/api/dossier", summary="The dossier of the client owning a phone number; 404 when unknown",
            permission=Permission.CLIENTS_READ, query=DossierQuery,
            responses={404: "no client has this number", 422: "not a phone number"})
async def by_phone(call: Call) -> Any:
    try:
        e164 = to_e164(call.query.phone, call.settings.default_region)
    except BadPhone as exc:
        return error(422, "bad-phone", f"Not a phone number: {exc.reason}.", fields={"phone": exc.reason})
    dossier = await dossier_by_phone(call.db, call.principal, e164)
    if dossier is None:
        return error(404, "unknown-number", f"No client has the number {e164}.", phone=e164)
    return dossier
