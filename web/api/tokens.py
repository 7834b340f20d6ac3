"""Bearer tokens over HTTP: a user lists, creates and revokes their own; admins anyone's."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from callcenter.auth import tokens
from callcenter.errors import NotFound
from callcenter.ids import Id
from callcenter.models import User
from web.api.routing import ApiRouter, Call
from web.hub.http import recheck_sockets

router = ApiRouter("tokens")


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""


class TokenQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: Id | None = None


@router.get("/api/tokens", summary="API tokens of the caller (admins: of user_id); secrets are never shown again",
            query=TokenQuery)
async def list_(call: Call) -> dict[str, Any]:
    return {"items": await tokens.list_tokens(call.db, call.principal, call.query.user_id)}


@router.post("/api/tokens", summary="Create a bearer token for the caller; the answer is the only time it is shown",
             body=TokenIn, status=201)
async def create(call: Call) -> dict[str, Any]:
    user = await call.db.get(User, call.principal.user_id)
    if user is None:
        raise NotFound("user", call.principal.user_id)
    secret = await tokens.create_token(call.db, user, key=call.settings.resolved_secret_key, name=call.body.name)
    listed = await tokens.list_tokens(call.db, call.principal)
    return {**listed[-1], "token": secret}


@router.delete("/api/tokens/{token_id:int}", summary="Revoke a token (own, or anyone's for admins)")
async def revoke(call: Call) -> dict[str, Any]:
    revoked = await tokens.revoke_token(call.db, call.principal, call.path_int("token_id"), ip=call.ip)
    recheck_sockets(call.request.app)
    return revoked
