"""Turning the desk's clicks into commands for the PBX (see :mod:`callcenter.desk.events`).

A command goes to the operator's own device: ``User.agent_interface`` when set, else ``PJSIP/<extension>``.
Click-to-call rings that device first and shows the person about to be called on its screen: the client
owning the number by name, else (or when the operator may not see that client) the number.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.access import may_see_client
from callcenter.auth.principal import Permission, Principal
from callcenter.calls.matching import find_client
from callcenter.desk.events import DialRequested, PauseRequested
from callcenter.desk.schemas import PauseIn
from callcenter.errors import NoDevice
from callcenter.models import Client, User

_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\<>]')


def device_of_user(user: User) -> str:
    """The interface the PBX knows ``user``'s phone by; :class:`NoDevice` when they have none."""
    if user.agent_interface and user.agent_interface.strip():
        return user.agent_interface.strip()
    if user.extension and user.extension.strip():
        return f"PJSIP/{user.extension.strip()}"
    raise NoDevice(user.login)


async def device_of(db: AsyncSession, principal: Principal) -> str:
    """The interface the PBX rings for ``principal``; :class:`NoDevice` when they have none."""
    user = await db.get(User, principal.user_id)
    if user is None:
        raise NoDevice(principal.login)
    return device_of_user(user)


def caller_id(name: str | None, e164: str) -> str:
    """``"Acme" <79131234567>``: what the operator's phone shows while it rings."""
    digits = e164.lstrip("+")
    shown = " ".join(_UNSAFE.sub(" ", name or "").split())[:40].strip() or e164
    return f'"{shown}" <{digits}>'


async def dial_request(db: AsyncSession, principal: Principal, e164: str, *, now: datetime,
                       client_id: int | None = None) -> DialRequested:
    """The command that rings the operator's device, then dials ``e164`` from it (``client_id``: the client
    owning the number, when the caller has looked it up already)."""
    principal.require(Permission.WORK_WRITE)
    interface = await device_of(db, principal)
    if client_id is None:
        client_id, _ = await find_client(db, e164)
    name = None
    if client_id is not None:
        found = (await db.execute(select(Client.name, Client.owner_id).where(Client.id == client_id))).first()
        if found is not None and may_see_client(principal, found.owner_id):
            name = found.name
    return DialRequested(command_id=uuid.uuid4().hex, user_id=principal.user_id, interface=interface, number=e164,
                         caller_id=caller_id(name, e164), at=now)


async def pause_request(db: AsyncSession, principal: Principal, data: PauseIn, *, now: datetime) -> PauseRequested:
    """The command that pauses (or unpauses) the operator's device in its queues."""
    principal.require(Permission.WORK_WRITE)
    interface = await device_of(db, principal)
    return PauseRequested(command_id=uuid.uuid4().hex, user_id=principal.user_id, interface=interface,
                          paused=data.paused, reason=data.reason, at=now)
