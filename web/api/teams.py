"""Teams over HTTP."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.users import teams
from callcenter.users.schemas import CallbackPolicyIn, TeamIn
from web.api.routing import ApiRouter, Call

router = ApiRouter("teams")


@router.get("/api/teams", summary="Every team with its number of members", permission=Permission.USERS_READ)
async def list_(call: Call) -> dict[str, Any]:
    return {"items": await teams.list_teams(call.db, call.principal)}


@router.post("/api/teams", summary="Create a team", permission=Permission.USERS_WRITE, body=TeamIn, status=201,
             responses={409: "name taken"})
async def create(call: Call) -> dict[str, Any]:
    return await teams.create_team(call.db, call.principal, call.body, ip=call.ip)


@router.get("/api/teams/{team_id:int}", summary="One team", permission=Permission.USERS_READ)
async def get(call: Call) -> dict[str, Any]:
    return await teams.get_team(call.db, call.principal, call.path_int("team_id"))


@router.patch("/api/teams/{team_id:int}", summary="Rename a team", permission=Permission.USERS_WRITE, body=TeamIn,
              responses={409: "name taken"})
async def update(call: Call) -> dict[str, Any]:
    return await teams.rename_team(call.db, call.principal, call.path_int("team_id"), call.body, ip=call.ip)


@router.put("/api/teams/{team_id:int}/callback-policy",
            summary="After how many minutes late an open callback goes to another operator of the team "
                    "(the one with the fewest open callbacks), telling both; null turns it off",
            permission=Permission.CATALOGUE_WRITE, body=CallbackPolicyIn,
            responses={404: "no such team", 422: "not a whole number of minutes from 1 to 90 days"})
async def callback_policy(call: Call) -> dict[str, Any]:
    return await teams.set_callback_policy(call.db, call.principal, call.path_int("team_id"), call.body, ip=call.ip)


@router.delete("/api/teams/{team_id:int}", summary="Delete a team (its members stay, without a team)",
               permission=Permission.USERS_WRITE, status=204)
async def remove(call: Call) -> Response:
    await teams.delete_team(call.db, call.principal, call.path_int("team_id"), ip=call.ip)
    return Response(status_code=204)
