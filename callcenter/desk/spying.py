"""A supervisor listening in on a live call: listen, whisper (coach the operator) or barge (talk to both).

The CRM rings the supervisor's own device and, once it is picked up, the PBX runs ChanSpy on the operator's
leg of the call (see :mod:`telephony.commands`). Every request is written to the audit log, the call named
by its linkedid (it has no row until it ends), with the mode and the operator listened to.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.principal import Principal
from callcenter.desk.commands import caller_id, device_of, device_of_user
from callcenter.desk.events import SpyRequested
from callcenter.errors import Forbidden
from callcenter.models import User
from callcenter.models.enums import Role

# What the supervisor's phone shows while it rings: which mode, and whom.
_SHOWN = {"listen": "Listen", "whisper": "Whisper", "barge": "Barge"}
LISTENERS = frozenset({Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})


def require_live_listener(principal: Principal) -> None:
    if principal.role not in LISTENERS:
        raise Forbidden("Only supervisors, managers and admins listen in on calls.")


async def spy_request(db: AsyncSession, principal: Principal, *, linkedid: str, operator: User, mode: str,
                      now: datetime, operator_interface: str | None = None, ip: str | None = None) -> SpyRequested:
    """The command that rings the supervisor and lets them listen to ``operator`` on ``linkedid``; audited.

    ``operator_interface`` is the device the PBX said answered the call; the operator's own device otherwise."""
    require_live_listener(principal)
    interface = await device_of(db, principal)
    target = operator_interface or device_of_user(operator)
    shown = _SHOWN.get(mode, mode)
    extension = (operator.extension or "").strip() or "0"
    command = SpyRequested(
        command_id=uuid.uuid4().hex, user_id=principal.user_id, interface=interface, linkedid=linkedid,
        operator_interface=target, mode=mode, caller_id=caller_id(f"{shown}: {operator.full_name or operator.login}",
                                                                  extension), at=now,
    )
    audit.record(db, principal, "listen_live", "call", None,
                 {"linkedid": linkedid, "mode": mode, "operator": operator.login, "operator_id": operator.id,
                  "command_id": command.command_id}, ip)
    await db.commit()
    return command
