"""Who the demo PBX rings and who calls it: the operators' devices and numbers of real clients.

The simulated traffic is only worth watching when it lands on the CRM's own people and clients: a
call from a client's number is matched to that client, and one answered at ``PJSIP/101`` is logged
against the operator with extension 101.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.db.session import unit_of_work
from callcenter.models import Phone, User
from callcenter.models.enums import Role

# Enough distinct callers to look like a client base, few enough to see repeat callers.
CALLER_SAMPLE = 200


@dataclass(frozen=True, slots=True)
class DemoTraffic:
    """Device interfaces of the active operators, and client numbers (E.164) to call from."""

    interfaces: tuple[str, ...]
    numbers: tuple[str, ...]


async def demo_traffic(engine: AsyncEngine, callers: int = CALLER_SAMPLE) -> DemoTraffic:
    """The operators' interfaces (``agent_interface``, else ``PJSIP/<extension>``) and client numbers."""
    async with unit_of_work(engine) as db:
        operators = await db.execute(
            select(User.agent_interface, User.extension)
            .where(User.role == Role.OPERATOR, User.is_active.is_(True),
                   (User.agent_interface.is_not(None)) | (User.extension.is_not(None)))
            .order_by(User.extension, User.id)
        )
        interfaces = tuple(interface or f"PJSIP/{extension}" for interface, extension in operators)
        numbers = await db.scalars(
            select(Phone.e164).where(Phone.client_id.is_not(None)).order_by(func.random()).limit(callers)
        )
        return DemoTraffic(interfaces, tuple(numbers))
