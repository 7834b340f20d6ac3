"""The admin's run-time switches over HTTP (``settings:write``)."""

from __future__ import annotations

from typing import Any

from callcenter.auth.principal import Permission
from callcenter.users import app_settings
from callcenter.users.schemas import AdminSettingsPatch
from web.api.routing import ApiRouter, Call
from web.hub.http import recheck_sockets

router = ApiRouter("admin")


@router.get("/api/admin/settings", summary="The run-time switches (operators_own_clients_only)",
            permission=Permission.SETTINGS_WRITE)
async def read(call: Call) -> dict[str, Any]:
    return await app_settings.read_settings(
        call.db, call.principal, own_default=call.settings.operators_own_clients_only
    )


@router.patch("/api/admin/settings", summary="Change the run-time switches; they apply to the next request",
              permission=Permission.SETTINGS_WRITE, body=AdminSettingsPatch)
async def change(call: Call) -> dict[str, Any]:
    changed = await app_settings.change_settings(
        call.db, call.principal, call.body, own_default=call.settings.operators_own_clients_only, ip=call.ip
    )
    recheck_sockets(call.request.app)  # own-clients-only reaches the operators' open sockets now
    return changed
