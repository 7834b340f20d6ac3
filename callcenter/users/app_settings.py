"""The run-time switches an admin sets, kept in the ``app_settings`` table.

``operators_own_clients_only``: operators see and change only the clients they own (and what is attached
to them). Until an admin sets it, the value of the ``CALLCENTER_OPERATORS_OWN_CLIENTS_ONLY`` setting holds.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.principal import Permission, Principal
from callcenter.auth.services import OWN_CLIENTS_ONLY, operators_own_clients_only
from callcenter.models import AppSetting
from callcenter.references import Checks
from callcenter.users.schemas import AdminSettingsPatch


async def read_settings(db: AsyncSession, principal: Principal, *, own_default: bool) -> dict[str, Any]:
    principal.require(Permission.SETTINGS_WRITE)
    return {OWN_CLIENTS_ONLY: await operators_own_clients_only(db, own_default)}


async def change_settings(
    db: AsyncSession, principal: Principal, patch: AdminSettingsPatch, *, own_default: bool, ip: str | None = None
) -> dict[str, Any]:
    principal.require(Permission.SETTINGS_WRITE)
    checks = Checks(db, principal)
    checks.not_null(patch, (OWN_CLIENTS_ONLY,))
    checks.done()
    new = patch.operators_own_clients_only
    if new is not None:
        old = await operators_own_clients_only(db, own_default)
        row = await db.get(AppSetting, OWN_CLIENTS_ONLY)
        if row is None:
            db.add(AppSetting(key=OWN_CLIENTS_ONLY, value=new))
        else:
            row.value = new
        audit.record(db, principal, "update", "app_setting", None, {OWN_CLIENTS_ONLY: [old, new]}, ip)
        await db.commit()
    return await read_settings(db, principal, own_default=own_default)
