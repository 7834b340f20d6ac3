"""FastAGI scripts: ``lookup`` tells the dialplan who is calling, within the call's time budget."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.callers.services import CallerInfo, caller_info
from callcenter.db.session import lookup as db_lookup
from callcenter.settings import Settings
from telephony.agi.server import AgiChannel, AgiServer, Script

log = logging.getLogger(__name__)

# The caller is waiting in silence while this runs: past this budget the call goes on unrouted.
LOOKUP_BUDGET = 0.2

Finder = Callable[[str], Awaitable[CallerInfo | None]]


def database_finder(engine: AsyncEngine, region: str) -> Finder:
    """A finder reading the CRM database through a one-statement autocommit session."""

    async def find(number: str) -> CallerInfo | None:
        return await db_lookup(engine, lambda db: caller_info(db, number, region))

    return find


def lookup_script(find: Finder, budget: float = LOOKUP_BUDGET) -> Script:
    """The ``lookup`` script: sets ``CALLERID(name)``, ``CRM_CLIENT_ID``, ``CRM_CLASS``, ``CRM_OWNER_EXTENSION``.

    An unknown number, a number that is not a phone number, or a lookup slower than ``budget``
    (counted from the session's start) sets nothing, so the dialplan's defaults route the call.
    """

    async def lookup(channel: AgiChannel) -> None:
        number = channel.env.get("callerid") or channel.params.get("callerid", "")
        if not number or number == "unknown":
            return
        try:
            async with asyncio.timeout_at(channel.started + budget):
                info = await find(number)
        except TimeoutError:
            log.warning("AGI lookup for %r passed its %d ms budget; call goes on unrouted", number, budget * 1000)
            return
        if info is None:
            return
        for name, value in (
            ("CALLERID(name)", info.name),
            ("CRM_CLIENT_ID", info.client_id),
            ("CRM_CLASS", info.abc_class or ""),
            ("CRM_OWNER_EXTENSION", info.owner_extension or ""),
        ):
            reply = await channel.set_variable(name, value)
            if not (reply.ok and reply.result == "1"):
                log.warning("AGI: SET VARIABLE %s answered %s %s", name, reply.code, reply.text)

    return lookup


def default_scripts(engine: AsyncEngine, region: str) -> dict[str, Script]:
    """The scripts the CRM serves, by the name the dialplan uses in ``agi://host:port/<name>``."""
    return {"lookup": lookup_script(database_finder(engine, region))}


def agi_server(settings: Settings, engine: AsyncEngine) -> AgiServer:
    """The FastAGI server on the configured address, serving :func:`default_scripts`."""
    return AgiServer(default_scripts(engine, settings.default_region), host=settings.agi_host, port=settings.agi_port)
