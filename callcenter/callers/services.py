"""Caller lookup on the call path: one indexed query from a raw caller number to the client."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.models import Client, ClientContact, Phone, User
from callcenter.phones import try_e164


@dataclass(frozen=True)
class CallerInfo:
    """What the dialplan needs to route a known caller."""

    client_id: int
    name: str
    abc_class: str | None
    owner_extension: str | None


async def caller_info(db: AsyncSession, raw_number: str, region: str) -> CallerInfo | None:
    """The client owning ``raw_number`` (any written form), or None when unknown or not a valid number.

    A client's own phone wins over a contact person's phone; among equals the oldest client wins, so
    the answer is stable. The owner's extension is given only for an active owner: a departed
    manager's phone must not ring.
    """
    e164 = try_e164(raw_number, region)
    if e164 is None:
        return None
    client_id = func.coalesce(Phone.client_id, ClientContact.client_id)
    query = (
        select(Client.id, Client.name, Client.abc_class, User.extension)
        .select_from(Phone)
        .outerjoin(ClientContact, and_(Phone.client_id.is_(None), ClientContact.contact_id == Phone.contact_id))
        .join(Client, Client.id == client_id)
        .outerjoin(User, and_(User.id == Client.owner_id, User.is_active.is_(True)))
        .where(Phone.e164 == e164)
        .order_by(Phone.client_id.is_(None), Client.id)
        .limit(1)
    )
    row = (await db.execute(query)).first()
    if row is None:
        return None
    abc = row.abc_class.value if row.abc_class is not None else None
    return CallerInfo(client_id=row.id, name=row.name, abc_class=abc, owner_extension=row.extension)
