"""Users over HTTP: supervisors and up read them, admins create and change them. No password hash is ever sent."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict

from callcenter.auth.principal import Permission
from callcenter.users import services
from callcenter.users.schemas import UserFilter, UserIn, UserPatch
from web.api.routing import ApiRouter, Call, PageQuery, page
from web.hub.http import recheck_sockets

router = ApiRouter("users")


class UserListQuery(PageQuery, UserFilter):
    model_config = ConfigDict(extra="forbid")


@router.get("/api/users", summary="List users (q: login or name fragment; role, team_id, active)",
            permission=Permission.USERS_READ, query=UserListQuery)
async def list_(call: Call) -> dict[str, Any]:
    q = call.query
    items, total = await services.list_users(call.db, call.principal, q, limit=q.limit, offset=q.offset)
    return page(items, total, q)


@router.post("/api/users", summary="Create a user", permission=Permission.USERS_WRITE, body=UserIn, status=201,
             responses={409: "login or extension taken"})
async def create(call: Call) -> dict[str, Any]:
    data = call.body
    user = await services.create_user(
        call.db, call.principal, login=data.login, password=data.password, role=data.role, full_name=data.full_name,
        extension=data.extension, agent_interface=data.agent_interface, team_id=data.team_id, locale=data.locale,
        ip=call.ip,
    )
    return services.user_dict(user)


@router.get("/api/users/{user_id:int}", summary="One user", permission=Permission.USERS_READ)
async def get(call: Call) -> dict[str, Any]:
    return await services.get_user(call.db, call.principal, call.path_int("user_id"))


@router.patch("/api/users/{user_id:int}",
              summary="Change a user (role, extension, team, active, password); a new password or deactivation logs them out",
              permission=Permission.USERS_WRITE, body=UserPatch, responses={409: "extension taken"})
async def update(call: Call) -> dict[str, Any]:
    changed = await services.update_user(call.db, call.principal, call.path_int("user_id"), call.body, ip=call.ip)
    recheck_sockets(call.request.app)  # a new role, team or deactivation reaches their open sockets now
    return changed
